"""Entry-aware merging of index files: what ``papernotes merge-driver`` runs. Pure: text in, text out.

An index is read as *frame* lines (title, intro, TOC, category headings) with *entries* set into it, one paper
each: its heading or list item, bullets, figures and trailing blank lines. Entries are keyed by paper identity
(a shared arXiv id or DOI, else the normalised title: what duplicate-entry calls the same paper), so that

- the document is merged as a sequence of tokens, a frame line each and one per entry: moving an entry is a
  deletion and an insertion of its token, never an edit of its text, and entries both sides add at one place
  are all kept (frame text both sides add at one place conflicts, as in git);
- each entry's lines are merged on their own, so an edit on one side and a move on the other both land, and
  bullets both sides add are unioned. Only the same lines changed differently on both sides conflict.

Both merges are one small diff3 on ``difflib`` (module ``diff3``). Lines keep their endings throughout, so
every line the merge does not have to change comes back byte for byte. How an index is split into lines and
its entries keyed is shared with ``resolving`` (conflicts already committed), in ``mergelines``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from papernotes.diff3 import diff3, union, union_order
from papernotes.mergelines import (
    BOM,
    PaperKey,
    bare,
    dominant_newline,
    entries_of,
    identity_groups,
    is_blank,
    occurrence_keys,
    short_title,
    split_lines,
)
from papernotes.model import Entry

__all__ = ["MergeResult", "merge_index"]

_NOT_THERE = object()
# Lines that start a block of their own (a heading, a list item), so need no blank line before them.
_BLOCK_START_RE = re.compile(r"\s{0,3}(?:#{1,6}|[-*+]|\d{1,9}[.)])(?:[ \t]|$)")


@dataclass(frozen=True, slots=True)
class MergeResult:
    text: str
    conflicts: int  # conflict regions left in `text`
    notes: tuple[str, ...] = ()  # choices the user may want to check ("kept ours' title line")


# -- lines ----------------------------------------------------------------------------------------


def _terminated(lines: Iterable[str], newline: str) -> list[str]:
    return [line if line.endswith(("\n", "\r")) else line + newline for line in lines]


# -- an index as frame lines and entries ----------------------------------------------------------


_Token = str | PaperKey


@dataclass
class _Version:
    tokens: list[_Token]
    chunks: dict[PaperKey, list[str]]
    entries: dict[PaperKey, Entry]


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
        while end < limit and is_blank(lines[end]):
            end += 1
        ranges.append((start, end))
    return ranges


def _versions(texts: Sequence[list[str]], path: str) -> list[_Version]:
    found = [entries_of(lines, path) for lines in texts]
    heads = [
        (e, lines[e.span.line - 1]) for lines, entries in zip(texts, found, strict=True) for e in entries
    ]
    groups = iter(identity_groups(heads))
    versions = []
    for lines, entries in zip(texts, found, strict=True):
        keys = occurrence_keys(next(groups) for _ in entries)
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
    key: PaperKey
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
        if all(isinstance(token, PaperKey) for token in (*base, *ours, *theirs)):
            # Entries only, reordered, dropped or moved away on both sides: a side that removed one from here
            # moved or deleted it, and either is honoured.
            keep_ours = [k for k in ours if isinstance(k, PaperKey) and (k not in base or k in theirs)]
            keep_theirs = [k for k in theirs if isinstance(k, PaperKey) and (k not in base or k in ours)]
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
            if not isinstance(key, PaperKey) or key in present:
                continue
            if key in ours and key not in self.theirs.chunks and self._edited(self.ours, key):
                clashes.append(_Clash((key,), ()))
            elif key in theirs and key not in self.ours.chunks and self._edited(self.theirs, key):
                clashes.append(_Clash((), (key,)))
        return clashes

    def _edited(self, version: _Version, key: PaperKey) -> bool:
        return version.chunks[key] != self.base.chunks[key]

    def _settle(self, items: list[_Item]) -> list[_Item]:
        """Each paper once (where ours put it, when both sides placed it), deletions honoured."""
        keep: dict[PaperKey, int] = {}
        for i, item in enumerate(items):
            if not isinstance(item, _Placed):
                continue
            held = keep.get(item.key)
            if held is not None:
                self.notes.append(
                    f"{short_title(self._title(item.key))} is placed differently on each side: kept ours"
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
                isinstance(token, PaperKey)
                and after is not None
                and lines
                and next_lines
                and not is_blank(lines[-1])
                and not is_blank(next_lines[0])
                and all(f.get(token, _NOT_THERE) != after for f in followers)
                and (self._kind(token) == "heading" or not _BLOCK_START_RE.match(next_lines[0]))
            ):
                out.append(self.newline)
        return out

    def _entry(self, key: PaperKey) -> list[str]:
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
            self.notes.append(
                f"{short_title(self._title(key))} was added on both sides: kept ours' title line"
            )
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

    def _kind(self, key: PaperKey) -> str:
        entry = self.ours.entries.get(key) or self.theirs.entries[key]
        return entry.kind

    def _title(self, key: PaperKey) -> str:
        for version in (self.ours, self.theirs, self.base):
            if key in version.entries:
                return version.entries[key].title
        return ""


def _side(item: _Item) -> str | None:
    return item.side if isinstance(item, _Placed) else None


def _placed(tokens: Iterable[_Token], side: Literal["ours", "theirs"]) -> list[_Item]:
    return [token if isinstance(token, str) else _Placed(token, side) for token in tokens]


def _split_lead(tokens: list[_Token]) -> tuple[list[PaperKey], list[_Token]]:
    lead: list[PaperKey] = []
    for token in tokens:
        if not isinstance(token, PaperKey):
            break
        lead.append(token)
    return lead, tokens[len(lead) :]


def _union_placed(ours: list[PaperKey], theirs: list[PaperKey]) -> list[_Item]:
    mine = set(ours)
    return [_Placed(key, "ours" if key in mine else "theirs") for key in union_order(ours, theirs)]


def _followers(tokens: Sequence[_Token]) -> dict[PaperKey, _Token | None]:
    return {
        token: tokens[i + 1] if i + 1 < len(tokens) else None
        for i, token in enumerate(tokens)
        if isinstance(token, PaperKey)
    }


def _pick(base: bool, ours: bool, theirs: bool) -> bool:
    return theirs if ours == base else ours


def merge_index(
    base: str, ours: str, theirs: str, *, path: str, labels: tuple[str, str] = ("ours", "theirs")
) -> MergeResult:
    """Three-way merge of an index file, entry by entry; see the module docstring. Never raises."""
    split = [split_lines(text) for text in (base, ours, theirs)]
    boms = [bom for bom, _ in split]
    finals = [not lines or lines[-1].endswith(("\n", "\r")) for _, lines in split]
    # The last line gets an ending while merging, so that a line added after it is not an edit of it.
    texts = [_terminated(lines, dominant_newline(lines)) for _, lines in split]
    base_version, ours_version, theirs_version = _versions(texts, path)
    merge = _Merge(base_version, ours_version, theirs_version, dominant_newline(split[1][1]), labels)
    lines = merge.run()
    if lines and not _pick(*finals):
        lines[-1] = bare(lines[-1])
    text = "".join(lines)
    return MergeResult(
        text=(BOM if _pick(*boms) else "") + text, conflicts=merge.conflicts, notes=tuple(merge.notes)
    )
