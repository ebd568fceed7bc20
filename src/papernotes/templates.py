"""Note templates for ``add``: placeholders filled with values escaped for where they stand. Pure: no I/O.

A template is Markdown with ``{{name}}`` placeholders (spaces inside the braces are allowed; single braces
are plain text, so LaTeX and code need no escaping, and ``{{ page.title }}`` is not a name: Liquid stays as
written). Between the opening ``---`` of the first line and the next ``---`` (the YAML front matter) a
placeholder is a whole value (``key: {{title}}``, quotes around it are optional) and is written as a YAML
scalar: strings double-quoted and escaped, lists as flow lists (``["a", "b"]``), a missing value as ``null``;
a line ``- {{urls}}`` is repeated once per item, for block lists. Everywhere else a value is Markdown text,
escaped so it reads back as written; a list is joined with ", ".

The front matter is rendered from text, never by dumping a parsed mapping: the user's key order, comments and
quoting survive, and an id such as ``2103.10360`` is always a string (unquoted it loads as a float).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from papernotes.errors import ConfigError
from papernotes.front import front_matter_of

__all__ = [
    "DEFAULT_TEMPLATE",
    "PATH_PLACEHOLDERS",
    "PLACEHOLDERS",
    "Template",
    "Value",
    "fill_path",
    "md_inline",
    "parse_template",
    "render",
    "safe_name",
    "slugify",
    "template_from_front_matter",
    "yaml_scalar",
]

Value = str | int | list[str] | None

# Name -> what it stands for; the README's `add` section lists this table.
PLACEHOLDERS: dict[str, str] = {
    "id": 'the paper id without version: "2002.10957", "math/0309136", or the DOI',
    "arxiv_id": "the arXiv id without version, or null for other papers",
    "version": "the arXiv version the metadata describes (a number), or null",
    "title": "the title",
    "authors": "the authors (a list)",
    "date": 'the publication month "YYYY-MM" (or year "YYYY")',
    "year": 'the publication year "YYYY"',
    "categories": 'arXiv categories (a list), primary first: ["cs.CL"]',
    "primary_category": 'the primary arXiv category: "cs.CL", or null',
    "doi": "the DOI, or null",
    "url": "the paper's landing page: https://arxiv.org/abs/ID or https://doi.org/DOI",
    "urls": "the paper's URLs (a list): the landing page",
    "pdf_url": "the PDF's URL, or null",
    "journal_ref": "the journal reference arXiv or Crossref gives, or null",
    "comment": "arXiv's comment field (pages, venue), or null",
    "venue": "null: papernotes does not guess a venue; fill it in",
    "abstract": "the abstract, one paragraph",
    "tags": "an empty list, to fill in",
    "status": 'the reading status of a new note: "to-read"',
}

_DEFAULT_FRONT = """\
id: {{id}}
version: {{version}}
title: {{title}}
authors: {{authors}}
date: {{date}}
categories: {{categories}}
doi: {{doi}}
urls:
  - {{urls}}
tags: {{tags}}
status: {{status}}
"""
# The body every built-in template shares: the shape of papernotes' own notes.
_BODY = """\

# {{title}}

## Summary

{{abstract}}

## Notes
"""
DEFAULT_TEMPLATE = f"---\n{_DEFAULT_FRONT}---\n{_BODY}"

_SAMPLE: dict[str, Value] = {
    name: 1 if name == "version" else ["x"] if name in ("authors", "categories", "urls", "tags") else "x"
    for name in PLACEHOLDERS
}
# Front matter keys other tools spell differently, mapped to the placeholder they mean.
_KEY_ALIASES = {
    "arxiv_version": "version",
    "author": "authors",
    "links": "urls",
    "pdf": "pdf_url",
}
# Only identifier-shaped names are placeholders: Liquid's {{ page.title }} in a Jekyll template stays text.
_PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_NAME = r"(?P<q>[\"']?)\{\{\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\}\}(?P=q)"  # quotes around it are absorbed
_ITEM_LINE_RE = re.compile(rf"^(?P<head>\s*- ){_NAME}\s*$")
_VALUE_LINE_RE = re.compile(rf"^(?P<head>\s*[\w-]+\s*:\s+){_NAME}(?P<tail>\s*(?:#.*)?)$")
_KEY_RE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:(?P<rest>.*)$")
_BLOCK_ITEM_RE = re.compile(r"^(?P<indent>\s*- )")


@dataclass(frozen=True, slots=True)
class Template:
    """A checked template: every placeholder is known. ``source`` names it in messages."""

    text: str
    source: str


def parse_template(text: str, source: str) -> Template:
    """Check a template's placeholders: known names, and whole values in the front matter (a ConfigError
    naming the line otherwise), so that a filled template is always valid YAML."""
    lines = text.split("\n")
    front_end = _front_matter_end(lines)
    for number, line in enumerate(lines, 1):
        for match in _PLACEHOLDER_RE.finditer(line):
            if match.group(1) not in PLACEHOLDERS:
                known = ", ".join(PLACEHOLDERS)
                raise ConfigError(
                    f"unknown placeholder {match.group(0)} in the note template; known: {known}",
                    path=source,
                    line=number,
                )
        whole = _VALUE_LINE_RE.match(line) or _ITEM_LINE_RE.match(line)
        if 1 < number <= front_end and _PLACEHOLDER_RE.search(line) and whole is None:
            raise ConfigError(
                "in the front matter a placeholder is a whole value (key: {{title}} or - {{urls}}), "
                "so that it can be quoted",
                path=source,
                line=number,
            )
    template = Template(text=text, source=source)
    render(template, _SAMPLE)  # the template's own YAML must parse too: say so before anything is fetched
    return template


def template_from_front_matter(front_lines: Sequence[str], source: str) -> Template:
    """A template with the front matter shape of an existing note (keys, order, block lists).

    ``front_lines`` are the lines between the note's ``---`` fences. Known keys get their placeholder, keys
    papernotes has no value for get ``null``, so a new note has every key its siblings have.
    """
    out = ["---"]
    for number, line in enumerate(front_lines):
        match = _KEY_RE.match(line)
        if match is None:
            continue  # continuation lines, comments: the values are not copied, only the shape
        key = match.group("key")
        name = _KEY_ALIASES.get(key, key)
        if name not in PLACEHOLDERS:
            out.append(f"{key}: null")
            continue
        following = front_lines[number + 1] if number + 1 < len(front_lines) else ""
        item = _BLOCK_ITEM_RE.match(following)
        if not match.group("rest").strip() and item is not None:
            out += [f"{key}:", f"{item.group('indent')}{{{{{name}}}}}"]
        else:
            out.append(f"{key}: {{{{{name}}}}}")
    return Template(text="\n".join([*out, "---"]) + "\n" + _BODY, source=source)


def render(template: Template, values: Mapping[str, Value]) -> str:
    """The template filled with ``values`` (missing ones are null), ending in exactly one newline.

    Raises ConfigError when the filled front matter does not parse (the template's own YAML is broken).
    """
    lines = template.text.rstrip("\n").split("\n")
    front_end = _front_matter_end(lines)
    out: list[str] = []
    for number, line in enumerate(lines):
        if 0 < number < front_end:
            out += _render_yaml_line(line, values)
        else:
            out.append(_render_markdown_line(line, values))
    front = front_matter_of(out) if front_end else None
    if front is not None and front.error is not None:
        where = front.error_line
        message = f"the note template's front matter does not parse once filled: {front.error}"
        raise ConfigError(message, path=template.source, line=where)
    return "\n".join(out) + "\n"


def _front_matter_end(lines: Sequence[str]) -> int:
    """The index of the closing ``---`` line, or 0 when the template has no front matter."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    return next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), 0)


def _render_yaml_line(line: str, values: Mapping[str, Value]) -> list[str]:
    item = _ITEM_LINE_RE.match(line)
    if item is not None:
        value = values.get(item.group("name"))
        items = value if isinstance(value, list) else [] if value is None else [value]
        return [f"{item.group('head')}{yaml_scalar(v)}" for v in items]
    whole = _VALUE_LINE_RE.match(line)
    if whole is None:
        return [line]  # no placeholder (parse_template refuses any other place for one)
    return [f"{whole.group('head')}{yaml_scalar(values.get(whole.group('name')))}{whole.group('tail')}"]


def _render_markdown_line(line: str, values: Mapping[str, Value]) -> str:
    def text(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        plain = ", ".join(value) if isinstance(value, list) else "" if value is None else str(value)
        escaped = md_inline(plain)
        # Only text that starts a line can start a heading, list or quote by accident.
        at_line_start = not line[: match.start()].strip()
        return _escape_block_start(escaped) if at_line_start else escaped

    return _PLACEHOLDER_RE.sub(text, line)


# YAML


# What YAML 1.1 reads as a line break or refuses in a stream (PyYAML's Reader.NON_PRINTABLE, plus NEL and the
# Unicode line and paragraph separators, which it folds into spaces inside a quoted scalar).
_YAML_ESCAPE_RE = re.compile(
    "[^\x09\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]|\t"
)
_YAML_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\x00": "\\0"}


def yaml_scalar(value: Value) -> str:
    """``value`` as a YAML scalar: a double-quoted string, a number, a flow list of strings, or null."""
    if value is None:
        return "null"
    if isinstance(value, bool):  # a bool is an int too; no placeholder has one, so it is a bug
        raise TypeError("no placeholder takes a boolean")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(yaml_scalar(item) for item in value) + "]"
    return '"' + _YAML_ESCAPE_RE.sub(_yaml_escape, value.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def _yaml_escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _YAML_NAMED:
        return _YAML_NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


# Markdown


_INVISIBLE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ENTITY_RE = re.compile(r"#?[A-Za-z0-9]+;")
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_BLOCK_START_RE = re.compile(r"^(?:#{1,6}(?:\s|$)|>|[-+](?:\s|$)|\d{1,9}[.)](?:\s|$)|=+\s*$|-+\s*$|~{3})")
_DIGITS_RE = re.compile(r"^\d{1,9}")


def md_inline(text: str) -> str:
    """``text`` as Markdown inline content that renders (and parses back) as ``text``, on one line.

    Escapes what would start emphasis, code, HTML, an image or an entity, and brackets unless they pair up
    harmlessly (``What the [MASK]?`` stays as people write it). Line breaks and controls become spaces.
    """
    text = " ".join(_INVISIBLE_RE.sub(" ", text).split())
    brackets = not _brackets_harmless(text)
    out = []
    for index, char in enumerate(text):
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        if (
            char in "*`<"
            # A backslash before punctuation, or last (before the "]" of a link), would escape it.
            or (char == "\\" and (after in _ASCII_PUNCT or not after))
            or (char == "!" and after == "[")
            or (char == "~" and "~" in (before, after))
            or (char == "&" and _ENTITY_RE.match(text, index + 1))
            # "_" inside a word (snake_case, x_i) is never emphasis in CommonMark; at a word's edge it may be.
            or (char == "_" and not (before.isalnum() and after.isalnum()))
            or (char in "[]" and brackets)
        ):
            out.append("\\")
        out.append(char)
    escaped = "".join(out)
    # A run of "#" ending a heading line is its closing sequence: it would vanish.
    return re.sub(r"(\s)(#+)$", lambda m: m.group(1) + "\\" + m.group(2), escaped)


def _brackets_harmless(text: str) -> bool:
    """Brackets that balance and never touch "(", "[" or ":" after a "]" cannot form a link or break one."""
    depth = 0
    for index, char in enumerate(text):
        if char not in "[]":
            continue
        depth += 1 if char == "[" else -1
        if depth < 0 or (char == "]" and text[index + 1 : index + 2] in ("(", "[", ":")):
            return False
    return depth == 0


def _escape_block_start(text: str) -> str:
    if not _BLOCK_START_RE.match(text):
        return text
    digits = _DIGITS_RE.match(text)
    if digits is not None:  # "2020. A year" would be a numbered list: escape its dot
        return text[: digits.end()] + "\\" + text[digits.end() :]
    return "\\" + text


# Note paths


_PATH_FIELD_RE = re.compile(r"\{([^{}]*)\}")
PATH_PLACEHOLDERS = ("id", "slug", "yyyymm")


def fill_path(pattern: str, values: Mapping[str, str], *, source: str) -> str:
    """A ``note-path`` pattern with ``{id}``, ``{slug}``, ``{yyyymm}`` filled; an unknown one is an error."""

    def field(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in PATH_PLACEHOLDERS:
            known = ", ".join(f"{{{n}}}" for n in PATH_PLACEHOLDERS)
            raise ConfigError(
                f"unknown placeholder {{{name}}} in note-path {pattern!r}; known: {known}", path=source
            )
        return values[name]

    return _PATH_FIELD_RE.sub(field, pattern)


def safe_name(text: str) -> str:
    """``text`` usable inside a file name on every platform: "math/0309136" -> "math_0309136"."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", text).strip(".") or "_"


def slugify(text: str, *, limit: int = 80) -> str:
    """A file-name slug: ASCII letters and digits, lower-cased, words joined by "-"; "" when none."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug or (words[0][:limit] if words else "")
