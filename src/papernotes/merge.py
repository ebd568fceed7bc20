"""Entry-aware merging of index files, and resolving the conflicts committed in them. Pure: text in, text out.

An index is read as *frame* lines (title, intro, TOC, category headings) with *entries* set into it, one paper
each: its heading or list item, bullets, figures and trailing blank lines. Entries are keyed by paper identity
(a shared arXiv id or DOI, else the normalised title: what duplicate-entry calls the same paper), so that

- the document is merged as a sequence of tokens, a frame line each and one per entry: moving an entry is a
  deletion and an insertion of its token, never an edit of its text, and entries both sides add at one place
  are all kept (frame text both sides add at one place conflicts, as in git);
- each entry's lines are merged on their own, so an edit on one side and a move on the other both land, and
  bullets both sides add are unioned. Only the same lines changed differently on both sides conflict.

Both merges are one small diff3 on ``difflib`` (module ``diff3``). Lines keep their endings throughout, so
every line the merge does not have to change comes back byte for byte.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from papernotes.diff3 import diff3, union, union_order
from papernotes.entries import extract_entries
from papernotes.identity import group_roots, paper_keys
from papernotes.model import ConflictRegion, Entry
from papernotes.parsing import parse_text
from papernotes.titles import normalise_title

__all__ = ["MergeResult", "ResolveMode", "ResolveResult", "merge_index", "resolve_conflicts"]

ResolveMode = Literal["union", "ours", "theirs"]
# A line with its ending; an unterminated last line. Only CR, LF and CRLF end lines, as in `textfile.decode`.
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_BOM = "\ufeff"
_NOT_THERE = object()
# Lines that start a block of their own (a heading, a list item), so need no blank line before them.
_BLOCK_START_RE = re.compile(r"\s{0,3}(?:#{1,6}|[-*+]|\d{1,9}[.)])(?:[ \t]|$)")


@dataclass(frozen=True, slots=True)
class MergeResult:
    text: str
    conflicts: int  # conflict regions left in `text`
    notes: tuple[str, ...] = ()  # choices the user may want to check ("kept ours' title line")


@dataclass(frozen=True, slots=True)
class ResolveResult:
    text: str
    resolved: int  # conflict regions resolved
    notes: tuple[str, ...] = ()  # "path:line: what was kept", one per resolved region
    refused: tuple[str, ...] = ()  # "path:line: why not", one per region left as it was


# -- lines ----------------------------------------------------------------------------------------


def _split(text: str) -> tuple[bool, list[str]]:
    bom = text.startswith(_BOM)
    return bom, _LINE_RE.findall(text[1:] if bom else text)


def _bare(line: str) -> str:
    return line.rstrip("\r\n")


def _blank(line: str) -> bool:
    return not line.strip()


def _newline(lines: Sequence[str]) -> str:
    crlf = sum(1 for line in lines if line.endswith("\r\n"))
    return "\r\n" if 2 * crlf > len(lines) else "\n"


def _terminated(lines: Iterable[str], newline: str) -> list[str]:
    return [line if line.endswith(("\n", "\r")) else line + newline for line in lines]


def _entries_of(lines: Sequence[str], path: str) -> list[Entry]:
    entries = extract_entries(
        parse_text("".join(_bare(line) + "\n" for line in lines), path=path), path
    ).entries
    # Chunks are cut at entry starts, so two entries starting on one line would make an empty one.
    return [e for i, e in enumerate(entries) if i == 0 or e.span.line > entries[i - 1].span.line]


def _short(title: str) -> str:
    return repr(title if len(title) <= 50 else title[:49] + "…")


# -- an index as frame lines and entries ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Key:
    """One paper (a group of entries across the versions), and which occurrence of it in one version."""

    group: int
    occurrence: int


_Token = str | _Key


@dataclass
class _Version:
    tokens: list[_Token]
    chunks: dict[_Key, list[str]]
    entries: dict[_Key, Entry]


def _identity_groups(items: Sequence[tuple[Entry, str]]) -> list[int]:
    """A group number per (entry, its first line): entries sharing an id, a normalised title or, having
    neither, their first line, are one paper."""
    keys = []
    for entry, head in items:
        known = paper_keys((pid.key for pid in entry.ids), normalise_title(entry.title))
        keys.append(known or [f"line:{head.strip()}"])
    return group_roots(keys)


def _keys(groups: Iterable[int]) -> list[_Key]:
    seen: Counter[int] = Counter()
    keys = []
    for group in groups:
        keys.append(_Key(group, seen[group]))
        seen[group] += 1
    return keys


def _comment_or_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or (stripped.startswith("<!--") and stripped.endswith("-->"))


def _chunk_ranges(lines: Sequence[str], entries: Sequence[Entry]) -> list[tuple[int, int]]:
    """Each entry's lines [start, end) (0-based): its span and the blank lines after it."""
    starts = [entry.span.line - 1 for entry in entries]
    ranges = []
    for i, entry in enumerate(entries):
        start = starts[i]
        limit = starts[i + 1] if i + 1 < len(starts) else len(lines)
        end = max(start + 1, min(entry.span.end_line, limit))
        # A trailing HTML comment introduces what follows (a pragma on the next entry): it stays in the frame.
        while end > start + 1 and _comment_or_blank(lines[end - 1]):
            end -= 1
        while end < limit and _blank(lines[end]):
            end += 1
        ranges.append((start, end))
    return ranges


def _versions(texts: Sequence[list[str]], path: str) -> list[_Version]:
    found = [_entries_of(lines, path) for lines in texts]
    heads = [
        (e, lines[e.span.line - 1]) for lines, entries in zip(texts, found, strict=True) for e in entries
    ]
    groups = iter(_identity_groups(heads))
    versions = []
    for lines, entries in zip(texts, found, strict=True):
        keys = _keys(next(groups) for _ in entries)
        version = _Version(tokens=[], chunks={}, entries={})
        at = 0
        for key, entry, (start, end) in zip(keys, entries, _chunk_ranges(lines, entries), strict=True):
            version.tokens += lines[at:start]
            version.tokens.append(key)
            version.chunks[key] = lines[start:end]
            version.entries[key] = entry
            at = end
        version.tokens += lines[at:]
        versions.append(version)
    return versions


# -- merge_index ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Placed:
    key: _Key
    side: Literal["ours", "theirs"]


@dataclass(frozen=True, slots=True)
class _Clash:
    ours: tuple[_Token, ...]
    theirs: tuple[_Token, ...]


_Item = str | _Placed | _Clash


@dataclass
class _Merge:
    base: _Version
    ours: _Version
    theirs: _Version
    newline: str
    labels: tuple[str, str]
    conflicts: int = 0
    notes: list[str] = field(default_factory=list)

    def run(self) -> list[str]:
        items: list[_Item] = []
        for base, ours, theirs in diff3(self.base.tokens, self.ours.tokens, self.theirs.tokens):
            if ours == theirs or theirs == base:
                chosen = _placed(ours, "ours")
            elif ours == base:
                chosen = _placed(theirs, "theirs")
            else:
                chosen = self._both_changed(base, ours, theirs)
            items += chosen + self._modified_and_deleted(base, ours, theirs, chosen)
        return self._expand(self._settle(items))

    def _both_changed(self, base: list[_Token], ours: list[_Token], theirs: list[_Token]) -> list[_Item]:
        if not base:  # both inserted here: entries first (they end the category above), then new frame text
            lead_ours, rest_ours = _split_lead(ours)
            lead_theirs, rest_theirs = _split_lead(theirs)
            items = _union_placed(lead_ours, lead_theirs)
            if rest_ours == rest_theirs or not rest_theirs:
                return items + _placed(rest_ours, "ours")
            if not rest_ours:
                return items + _placed(rest_theirs, "theirs")
            return [*items, _Clash(tuple(rest_ours), tuple(rest_theirs))]
        if all(isinstance(token, _Key) for token in (*base, *ours, *theirs)):
            # Entries only, reordered, dropped or moved away on both sides: a side that removed one from here
            # moved or deleted it, and either is honoured.
            keep_ours = [k for k in ours if isinstance(k, _Key) and (k not in base or k in theirs)]
            keep_theirs = [k for k in theirs if isinstance(k, _Key) and (k not in base or k in ours)]
            return _union_placed(keep_ours, keep_theirs)
        return [_Clash(tuple(ours), tuple(theirs))]

    def _modified_and_deleted(
        self, base: list[_Token], ours: list[_Token], theirs: list[_Token], chosen: list[_Item]
    ) -> list[_Item]:
        """An entry one side deleted (not moved) and the other edited: a conflict, never a silent loss."""
        present: set[_Token] = {i.key for i in chosen if isinstance(i, _Placed)}
        present.update(t for i in chosen if isinstance(i, _Clash) for t in (*i.ours, *i.theirs))
        clashes: list[_Item] = []
        for key in base:
            if not isinstance(key, _Key) or key in present:
                continue
            if key in ours and key not in self.theirs.chunks and self._edited(self.ours, key):
                clashes.append(_Clash((key,), ()))
            elif key in theirs and key not in self.ours.chunks and self._edited(self.theirs, key):
                clashes.append(_Clash((), (key,)))
        return clashes

    def _edited(self, version: _Version, key: _Key) -> bool:
        return version.chunks[key] != self.base.chunks[key]

    def _settle(self, items: list[_Item]) -> list[_Item]:
        """Each paper once (where ours put it, when both sides placed it), deletions honoured."""
        keep: dict[_Key, int] = {}
        for i, item in enumerate(items):
            if not isinstance(item, _Placed):
                continue
            held = keep.get(item.key)
            if held is not None:
                self.notes.append(
                    f"{_short(self._title(item.key))} is placed differently on each side: kept ours"
                )
            if held is None or (item.side == "ours" and _side(items[held]) == "theirs"):
                keep[item.key] = i
        settled: list[_Item] = []
        for i, item in enumerate(items):
            if isinstance(item, _Placed):
                key = item.key
                if keep[key] != i:
                    continue
                if key in self.base.chunks and not (key in self.ours.chunks and key in self.theirs.chunks):
                    keeper = self.ours if key in self.ours.chunks else self.theirs
                    if self._edited(keeper, key):
                        settled.append(_Clash((key,), ()) if keeper is self.ours else _Clash((), (key,)))
                    continue  # deleted on the other side, only moved on this one
            settled.append(item)
        return settled

    def _expand(self, items: list[_Item]) -> list[str]:
        blocks: list[tuple[_Token | None, list[str]]] = []
        for item in items:
            if isinstance(item, str):
                blocks.append((item, [item]))
            elif isinstance(item, _Placed):
                blocks.append((item.key, self._entry(item.key)))
            else:
                ours = [line for token in item.ours for line in self._lines(self.ours, token)]
                theirs = [line for token in item.theirs for line in self._lines(self.theirs, token)]
                blocks.append((None, self._markers(ours, theirs)))
        followers = [_followers(self.ours.tokens), _followers(self.theirs.tokens)]
        out: list[str] = []
        for i, (token, lines) in enumerate(blocks):
            out += lines
            after, next_lines = blocks[i + 1] if i + 1 < len(blocks) else (None, [])
            # An entry that ended its category (or the file) and now has something new after it gets the
            # blank line that separates heading entries; a list entry needs one only before a paragraph,
            # which would otherwise continue it.
            if (
                isinstance(token, _Key)
                and after is not None
                and lines
                and next_lines
                and not _blank(lines[-1])
                and not _blank(next_lines[0])
                and all(f.get(token, _NOT_THERE) != after for f in followers)
                and (self._kind(token) == "heading" or not _BLOCK_START_RE.match(next_lines[0]))
            ):
                out.append(self.newline)
        return out

    def _entry(self, key: _Key) -> list[str]:
        base, ours, theirs = (v.chunks.get(key) for v in (self.base, self.ours, self.theirs))
        if ours is None or theirs is None:
            lines = ours if ours is not None else theirs
            assert lines is not None  # a placed key comes from ours or theirs
            return lines
        if base is not None:
            return self._merge_lines(base, ours, theirs)
        if ours == theirs:
            return ours
        if ours[0] != theirs[0]:
            self.notes.append(f"{_short(self._title(key))} was added on both sides: kept ours' title line")
        return [ours[0], *union(ours[1:], theirs[1:])]

    def _merge_lines(self, base: list[str], ours: list[str], theirs: list[str]) -> list[str]:
        out: list[str] = []
        for b, o, t in diff3(base, ours, theirs):
            if o == t or t == b:
                out += o
            elif o == b:
                out += t
            elif not b:  # bullets added at one place on both sides: keep both
                out += union(o, t)
            else:
                out += self._markers(o, t)
        return out

    def _markers(self, ours: list[str], theirs: list[str]) -> list[str]:
        self.conflicts += 1
        nl = self.newline
        start, end = (f" {label}" if label else "" for label in self.labels)
        return [
            f"<<<<<<<{start}{nl}",
            *_terminated(ours, nl),
            f"======={nl}",
            *_terminated(theirs, nl),
            f">>>>>>>{end}{nl}",
        ]

    def _lines(self, version: _Version, token: _Token) -> list[str]:
        return [token] if isinstance(token, str) else version.chunks[token]

    def _kind(self, key: _Key) -> str:
        entry = self.ours.entries.get(key) or self.theirs.entries[key]
        return entry.kind

    def _title(self, key: _Key) -> str:
        for version in (self.ours, self.theirs, self.base):
            if key in version.entries:
                return version.entries[key].title
        return ""


def _side(item: _Item) -> str | None:
    return item.side if isinstance(item, _Placed) else None


def _placed(tokens: Iterable[_Token], side: Literal["ours", "theirs"]) -> list[_Item]:
    return [token if isinstance(token, str) else _Placed(token, side) for token in tokens]


def _split_lead(tokens: list[_Token]) -> tuple[list[_Key], list[_Token]]:
    lead: list[_Key] = []
    for token in tokens:
        if not isinstance(token, _Key):
            break
        lead.append(token)
    return lead, tokens[len(lead) :]


def _union_placed(ours: list[_Key], theirs: list[_Key]) -> list[_Item]:
    mine = set(ours)
    return [_Placed(key, "ours" if key in mine else "theirs") for key in union_order(ours, theirs)]


def _followers(tokens: Sequence[_Token]) -> dict[_Key, _Token | None]:
    return {
        token: tokens[i + 1] if i + 1 < len(tokens) else None
        for i, token in enumerate(tokens)
        if isinstance(token, _Key)
    }


def _pick(base: bool, ours: bool, theirs: bool) -> bool:
    return theirs if ours == base else ours


def merge_index(
    base: str, ours: str, theirs: str, *, path: str, labels: tuple[str, str] = ("ours", "theirs")
) -> MergeResult:
    """Three-way merge of an index file, entry by entry; see the module docstring. Never raises."""
    split = [_split(text) for text in (base, ours, theirs)]
    boms = [bom for bom, _ in split]
    finals = [not lines or lines[-1].endswith(("\n", "\r")) for _, lines in split]
    # The last line gets an ending while merging, so that a line added after it is not an edit of it.
    texts = [_terminated(lines, _newline(lines)) for _, lines in split]
    base_version, ours_version, theirs_version = _versions(texts, path)
    merge = _Merge(base_version, ours_version, theirs_version, _newline(split[1][1]), labels)
    lines = merge.run()
    if lines and not _pick(*finals):
        lines[-1] = _bare(lines[-1])
    text = "".join(lines)
    return MergeResult(
        text=(_BOM if _pick(*boms) else "") + text, conflicts=merge.conflicts, notes=tuple(merge.notes)
    )


# -- resolve_conflicts ----------------------------------------------------------------------------


@dataclass
class _View:
    """The file with every complete conflict replaced by one side, parsed; lines numbered as in the file."""

    origin: list[int]
    entries: list[Entry]
    starts: list[int]
    owner: dict[int, int]

    @classmethod
    def of(cls, lines: list[str], regions: Sequence[ConflictRegion], side: str, path: str) -> _View:
        dropped = [False] * (len(lines) + 2)
        for region in regions:
            first, last = _side_range(region, side)
            for number in range(_int(region.start), _int(region.end) + 1):
                dropped[number] = not first <= number <= last
        origin = [n for n in range(1, len(lines) + 1) if not dropped[n]]
        entries = _entries_of([lines[n - 1] for n in origin], path)
        owner = {}
        for i, entry in enumerate(entries):
            for line in range(entry.span.line, min(entry.span.end_line, len(origin)) + 1):
                owner[origin[line - 1]] = i
        return cls(origin, entries, [origin[e.span.line - 1] for e in entries], owner)

    def after(self, last: int, lines: Sequence[str]) -> int | None:
        """The first non-blank line after line `last` in this view."""
        for number in self.origin[bisect.bisect_right(self.origin, last) :]:
            if not _blank(lines[number - 1]):
                return number
        return None


@dataclass
class _Side:
    """One side of a conflict: the lines before its first entry, its entries, and what continues after it."""

    lead: list[str]
    lead_is_body: bool  # the lead goes on with the entry above the conflict
    entries: list[Entry]
    chunks: list[list[str]]
    continued: int | None  # the entry the text after the conflict goes on with (-1: the one above it)


def _int(value: int | None) -> int:
    assert value is not None
    return value


def _side_range(region: ConflictRegion, side: str) -> tuple[int, int]:
    if side == "ours":
        return _int(region.start) + 1, (region.base or _int(region.middle)) - 1
    return _int(region.middle) + 1, _int(region.end) - 1


def _side_parts(view: _View, region: ConflictRegion, side: str, lines: list[str]) -> _Side | str:
    first, last = _side_range(region, side)
    inside = [i for i, start in enumerate(view.starts) if first <= start <= last]
    starts = [view.starts[i] for i in inside] + [last + 1]
    lead = lines[first - 1 : starts[0] - 1]
    lead_is_body = all(
        _blank(line) or (n in view.owner and view.starts[view.owner[n]] < first)
        for n, line in enumerate(lead, first)
    )
    for j, i in enumerate(inside):
        for number in range(starts[j] + 1, starts[j + 1]):
            if not _blank(lines[number - 1]) and view.owner.get(number) != i:
                return f"line {number} ({side}) is not part of a paper entry"
    continued: int | None = None
    after = view.after(last, lines)
    if after is not None and after in view.owner:
        start = view.starts[view.owner[after]]
        if start < first:
            continued = -1
        elif start <= last:
            continued = inside.index(view.owner[after])
    return _Side(
        lead=lead,
        lead_is_body=lead_is_body,
        entries=[view.entries[i] for i in inside],
        chunks=[lines[a - 1 : b - 1] for a, b in itertools.pairwise(starts)],
        continued=continued,
    )


def _union_region(
    region: ConflictRegion, lines: list[str], views: dict[str, _View]
) -> tuple[list[str], str] | str:
    """Both sides' entries, each paper once with ours' title line and both sides' bullets; or why not."""
    ours = _side_parts(views["ours"], region, "ours", lines)
    theirs = _side_parts(views["theirs"], region, "theirs", lines)
    if isinstance(ours, str) or isinstance(theirs, str):
        return ours if isinstance(ours, str) else str(theirs)
    lead = ours.lead
    if [_bare(x) for x in ours.lead] != [_bare(x) for x in theirs.lead]:
        one_blank = all(map(_blank, ours.lead)) or all(map(_blank, theirs.lead))
        if not (ours.lead_is_body and theirs.lead_is_body) and not one_blank:
            return "the two sides hold different text that belongs to no paper entry"
        lead = union(ours.lead, theirs.lead)
    heads = [
        (e, c[0]) for e, c in zip(ours.entries + theirs.entries, ours.chunks + theirs.chunks, strict=True)
    ]
    groups = _identity_groups(heads)
    keys_ours, keys_theirs = _keys(groups[: len(ours.entries)]), _keys(groups[len(ours.entries) :])
    order = union_order(keys_ours, keys_theirs)
    # The text after the conflict goes on with one entry (the seed's URL and bullets): it has to come last.
    continued = {
        None if side.continued == -1 else keys[side.continued]
        for side, keys in ((ours, keys_ours), (theirs, keys_theirs))
        if side.continued is not None
    }
    if len(continued) > 1 or (continued == {None} and order):
        return f"the lines after line {region.end} go on with a different entry on each side"
    for key in continued:
        if key is not None:
            order.remove(key)
            order.append(key)
    mine = dict(zip(keys_ours, zip(ours.entries, ours.chunks, strict=True), strict=True))
    other = dict(zip(keys_theirs, zip(theirs.entries, theirs.chunks, strict=True), strict=True))
    closing = {keys[-1] for keys in (keys_ours, keys_theirs) if keys}
    out = list(lead)
    kept = []
    for i, key in enumerate(order):
        entry, chunk = mine.get(key) or other[key]
        if key in mine and key in other:
            their_chunk = other[key][1]
            same_title = chunk[0] == their_chunk[0]
            kept.append(f"{_short(entry.title)} once" + ("" if same_title else " (ours' title line)"))
            chunk = [chunk[0], *union(chunk[1:], their_chunk[1:])]
        else:
            kept.append(f"{_short(entry.title)} from {'ours' if key in mine else 'theirs'}")
        out += chunk
        # An entry that closed its side had no blank line before the marker; now another entry follows it.
        if key in closing and i + 1 < len(order) and entry.kind == "heading" and not _blank(chunk[-1]):
            out.append(_newline(lines))
    return out, "kept " + (", ".join(kept) if kept else "the text of both sides")


def _lone(region: ConflictRegion, lines: list[str]) -> tuple[int, str]:
    first = region.first_line
    if region.start is not None and region.end is None:
        return first, "'<<<<<<<' opens a conflict that never closes ('>>>>>>>' is missing); fix it by hand"
    if region.start is not None:
        return (
            first,
            f"the conflict on lines {first}-{region.last_line} has no '=======' line; fix it by hand",
        )
    marker = lines[first - 1][:7]
    return first, f"lone {marker!r} line, with no conflict around it; delete it or restore the rest by hand"


def resolve_conflicts(text: str, *, path: str, mode: ResolveMode = "union") -> ResolveResult:
    """Resolve the conflicts committed in an index. ``union`` keeps both sides' entries, each paper once with
    the union of its bullets; ``ours``/``theirs`` keep one side verbatim. A conflict that cannot be resolved
    so (a lone marker, text outside entries) is left as it was and named in ``refused``. Lines outside the
    conflicts never change. Never raises."""
    bom, lines = _split(text)
    parsed = parse_text("".join(_bare(line) + "\n" for line in lines), path=path)
    complete = [r for r in parsed.conflicts if None not in (r.start, r.middle, r.end)]
    refused = [_lone(r, lines) for r in parsed.conflicts if None in (r.start, r.middle, r.end)]
    union = mode == "union" and complete
    views = {side: _View.of(lines, complete, side, path) for side in ("ours", "theirs")} if union else {}
    new = list(lines)
    notes: list[tuple[int, str]] = []
    for region in reversed(complete):
        start, end = _int(region.start), _int(region.end)
        if mode == "union":
            outcome = _union_region(region, lines, views)
            if isinstance(outcome, str):
                refused.append(
                    (
                        start,
                        f"cannot merge this conflict entry by entry: {outcome}; "
                        "resolve it by hand or keep one side (ours or theirs)",
                    )
                )
                continue
            replacement, note = outcome
        else:
            first, last = _side_range(region, mode)
            dropped = _side_range(region, "theirs" if mode == "ours" else "ours")
            replacement = lines[first - 1 : last]
            gone = f"lines {dropped[0]}-{dropped[1]}" if dropped[0] <= dropped[1] else "nothing"
            note = f"kept the {mode} side, dropped the other ({gone})"
        if end == len(lines) and replacement and not lines[-1].endswith(("\n", "\r")):
            replacement = [*replacement[:-1], _bare(replacement[-1])]
        new[start - 1 : end] = replacement
        notes.append((start, note))
    return ResolveResult(
        text=(_BOM if bom else "") + "".join(new),
        resolved=len(notes),
        notes=tuple(f"{path}:{line}: {note}" for line, note in sorted(notes)),
        refused=tuple(f"{path}:{line}: {message}" for line, message in sorted(refused)),
    )
