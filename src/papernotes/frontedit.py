"""Surgical edits to a note's YAML front matter, line by line: set a key's scalar value, or add an item to a
list, touching only the lines concerned.

A value is replaced in place with its quoting and its comment kept, a missing key goes after the last key
(quoted the way most values here are), an item joins its list in the list's own style (block or flow, its
quoting). The mapping is never re-dumped, and the edited front matter is loaded back and compared with the
mapping that was meant: an edit that would change anything else is refused (``FrontEditError``). The new
bytes are returned; writing them is the caller's business, through ``edits``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from papernotes.front import front_matter_of, load_yaml
from papernotes.model import FrontMatter
from papernotes.splice import LineEdit, apply_edits
from papernotes.templates import yaml_scalar
from papernotes.textfile import TextFile, decode

__all__ = ["FrontEditError", "edit_front", "top_keys"]

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TOP_KEY_RE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+|$)")
_BLOCK_ITEM_RE = re.compile(r"^(?P<prefix>[ \t]*-[ \t]+)(?P<value>.*)$")


class FrontEditError(Exception):
    """The front matter cannot be edited safely here (a value over several lines, a YAML papernotes does not
    edit): the note is left as it is."""


def top_keys(lines: Sequence[str], front: FrontMatter) -> dict[str, int]:
    """Top-level keys of the front matter -> their 1-based line."""
    keys: dict[str, int] = {}
    for number in range(front.start + 1, front.end):
        match = _TOP_KEY_RE.match(lines[number - 1])
        if match is not None:
            keys.setdefault(match.group("key"), number)
    return keys


def edit_front(
    tf: TextFile, values: Sequence[tuple[str, str | int]], items: Sequence[tuple[str, str]]
) -> bytes:
    """``tf``'s bytes with each key of ``values`` given its scalar value, then each item of ``items`` added
    to the list under its key; keys the front matter lacks go after its last key, in the order given.

    Raises FrontEditError when that cannot be done safely: the note is then left as it is.
    """
    lines = tf.lines()
    front = front_matter_of(lines)
    if front is None or front.format != "yaml" or front.data is None:
        raise FrontEditError("its front matter is gone or no longer parses")
    editor = _FrontEditor(lines, front)
    for key, value in values:
        editor.set(key, value)
    for key, item in items:
        editor.append(key, item)
    new = apply_edits(tf, editor.edits())
    loaded = front_matter_of(decode(new, tf.path).lines())
    if loaded is None or loaded.data != editor.expected:
        raise FrontEditError("papernotes could not edit its front matter without changing something else")
    return new


class _FrontEditor:
    """Line edits to a YAML front matter, and the mapping they must load as (``expected``)."""

    def __init__(self, lines: list[str], front: FrontMatter) -> None:
        self.lines = lines
        self.front = front
        self.keys = top_keys(lines, front)
        self.expected: dict[str, object] = dict(front.data or {})
        self.replaced: dict[int, str] = {}
        self.appended: list[LineEdit] = []
        self.inserted: list[str] = []
        self.style = self._dominant_style()

    def edits(self) -> list[LineEdit]:
        # Insertions at one place keep their order: list items before new keys, or the key would take them.
        edits = [LineEdit(number, number, (text,)) for number, text in sorted(self.replaced.items())]
        edits += self.appended
        if self.inserted:
            at = self._value_end(max(self.keys.values())) + 1 if self.keys else self.front.end
            edits.append(LineEdit(at, at - 1, tuple(self.inserted)))
        return edits

    def set(self, key: str, value: str | int) -> None:
        """Give ``key`` a scalar value: in place, keeping its quoting, or as a new key after the last one."""
        number = self.keys.get(key)
        if number is None:
            rendered = self._render(value, self.style)
            self.inserted.append(f"{key}: {rendered}")
        else:
            if self._value_end(number) > number:
                raise FrontEditError(f"the value of `{key}` spans several lines")
            head, written, quote, tail = self._split(number)
            style = quote if written not in _NULLS else self.style
            bare = written.strip("\"'")
            if isinstance(value, int) and bare[:1] in ("v", "V"):
                value = f"{bare[0]}{value}"  # "v1" becomes "v2"
            rendered = self._render(value, style, number=isinstance(value, int) and not quote)
            self.replaced[number] = f"{head}{rendered}{tail}"
        self.expected[key] = _loaded(rendered)

    def append(self, key: str, item: str) -> None:
        """Add ``item`` to the list under ``key``, in the list's own style (block or flow, quoting)."""
        number = self.keys.get(key)
        if number is None:
            self.inserted += [f"{key}:", f"  - {self._render(item, self.style)}"]
            self.expected[key] = [item]
            return
        current = self.expected.get(key)
        self.expected[key] = [*(current if isinstance(current, list) else []), item]
        head, written, _, tail = self._split(number)
        end = self._value_end(number)
        if written in _NULLS and end == number:
            self.replaced[number] = f"{head.rstrip()}{tail}"
            self.appended.append(LineEdit(number + 1, number, (f"  - {self._render(item, self.style)}",)))
        elif written.startswith("["):
            self._append_flow(number, end, item)
        elif not written and end > number:
            self._append_block(number, end, item)
        else:
            raise FrontEditError(f"`{key}` is not a list papernotes can add to")

    def _append_block(self, number: int, end: int, item: str) -> None:
        items = [m for n in range(number + 1, end + 1) if (m := _BLOCK_ITEM_RE.match(self.lines[n - 1]))]
        if not items:
            raise FrontEditError("the list is not a plain list of items")
        rendered = self._render(item, _quote_of(items[0].group("value")))
        self.appended.append(LineEdit(end + 1, end, (items[0].group("prefix") + rendered,)))

    def _append_flow(self, number: int, end: int, item: str) -> None:
        closing = self.lines[end - 1]
        bracket = closing.rfind("]")
        if bracket < 0 or "#" in closing[bracket:]:
            raise FrontEditError("the flow list does not end in a plain ']'")
        opened = self.lines[number - 1].find("[")
        inner = self.lines[number - 1][opened + 1 :].lstrip()
        rendered = self._render(item, _quote_of(inner) if inner.strip(" ]") else self.style)
        before = closing[:bracket]
        if before.strip() and not before.rstrip().endswith("["):
            joiner = " " if before.rstrip().endswith(",") else ", "
            self.replaced[end] = f"{before.rstrip()}{joiner}{rendered}{closing[bracket:]}"
        elif before.strip() or end == number:  # "[]" or "[" and "]" on one line
            self.replaced[end] = f"{before.rstrip()}{rendered}{closing[bracket:]}"
        else:  # "]" alone on its line: the new item goes on a line of its own, after a comma
            previous = max(n for n in range(number, end) if self.lines[n - 1].strip())
            text = self.lines[previous - 1].rstrip()
            if "#" in text and previous != number:
                raise FrontEditError("a comment follows the last item of the list")
            indent = text[: len(text) - len(text.lstrip())] if previous != number else "  "
            trailing = text.endswith(",")
            if not trailing and not text.endswith("["):
                self.replaced[previous] = text + ","
            self.appended.append(LineEdit(end, end - 1, (f"{indent}{rendered}{',' if trailing else ''}",)))

    def _split(self, number: int) -> tuple[str, str, str, str]:
        """(``key: ``, the value as written, its quote or "", what follows: spaces and a comment)."""
        line = self.lines[number - 1]
        match = _TOP_KEY_RE.match(line)
        assert match is not None
        head, rest = line[: match.end()], line[match.end() :]
        if rest.startswith("#"):
            # "doi:   # fill in": the value goes after "doi: ", the comment keeps its own spacing.
            spaces = head[len(head.rstrip(" \t")) :]
            return head.rstrip(" \t") + " ", "", "", spaces + rest
        written, quote, tail = _split_value(rest)
        if not head.endswith((" ", "\t")):
            head += " "
        return head, written, quote, tail

    def _value_end(self, number: int) -> int:
        """The last line of the value whose key stands on line ``number``: its indented lines, its block
        items, everything up to the bracket that closes a flow collection."""
        # Brackets inside a quoted value ("A [survey"]) open nothing.
        written = _split_value(self.lines[number - 1].split(":", 1)[1].lstrip(" \t"))[0]
        depth = _depth(written) if written[:1] not in ('"', "'") else 0
        end = number
        for current in range(number + 1, self.front.end):
            text = self.lines[current - 1]
            continues = depth > 0 or (text.strip() and (text[0] in " \t" or text.startswith("-")))
            if continues and not text.lstrip().startswith("#"):
                end = current
                depth += _depth(text)
            elif text.strip() and not text.lstrip().startswith("#"):
                break  # the next key
        return end

    def _dominant_style(self) -> str:
        """The quoting most string values here use: '"', "'" or "" (plain); '"' when none or tied."""
        counts = {'"': 0, "'": 0, "": 0}
        for number in self.keys.values():
            _, written, quote, _ = self._split(number)
            if quote:
                counts[quote] += 1
            elif written[:1] not in ("", "|", ">") and isinstance(_loaded(written), str):
                counts[""] += 1
        best = max(counts.values())
        return '"' if counts['"'] == best else "'" if counts["'"] == best else ""

    @staticmethod
    def _render(value: str | int, style: str, *, number: bool = False) -> str:
        text = str(value)
        if number or (style == "" and isinstance(value, str) and _loaded(text) == text):
            return text
        if style == "'" and text.isprintable():
            return "'" + text.replace("'", "''") + "'"
        return yaml_scalar(text)


def _split_value(rest: str) -> tuple[str, str, str]:
    """(value as written, its quote character or "", the rest: spaces and a comment)."""
    if rest[:1] in ('"', "'"):
        quote = rest[0]
        index = 1
        while index < len(rest):
            char = rest[index]
            if quote == '"' and char == "\\":
                index += 2
                continue
            if char == quote:
                if quote == "'" and rest[index + 1 : index + 2] == "'":
                    index += 2
                    continue
                return rest[: index + 1], quote, rest[index + 1 :]
            index += 1
        return rest, quote, ""
    comment = re.search(r"[ \t]+#", rest)
    value = (rest[: comment.start()] if comment else rest).rstrip()
    return value, "", rest[len(value) :]


def _quote_of(written: str) -> str:
    return written[0] if written[:1] in ('"', "'") else ""


def _depth(text: str) -> int:
    # Brackets inside quoted strings are rare in front matter; the load-back check catches them anyway.
    return text.count("[") + text.count("{") - text.count("]") - text.count("}")


def _loaded(scalar: str) -> object:
    """What a YAML scalar written as ``scalar`` loads as (``object()`` when it does not load)."""
    data, error, _ = load_yaml(f"k: {scalar}")
    return data.get("k") if data is not None and error is None else object()
