"""Resolving the conflicts committed in an index: what ``papernotes resolve`` runs. Pure: text in, text out.

A conflict committed unresolved is text in the file: ``<<<<<<<``, ours, ``=======``, theirs, ``>>>>>>>`` (a
``|||||||`` base section, if any, goes before ``=======`` and is never kept). ``union`` replaces each conflict
by both sides' entries, each paper once (keyed as the merge driver keys them, see ``mergelines``) with ours'
title line and both sides' bullets; ``ours``/``theirs`` keep one side verbatim. To see which lines belong to
which entry, the file is parsed once per side with every conflict replaced by that side, line numbers kept as
in the file. A conflict that cannot be resolved so is left as it was, with the reason; lines outside the
conflicts never change.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from papernotes.diff3 import union, union_order
from papernotes.mergelines import (
    BOM,
    bare,
    dominant_newline,
    entries_of,
    identity_groups,
    is_blank,
    occurrence_keys,
    short_title,
    split_lines,
)
from papernotes.model import ConflictRegion, Entry
from papernotes.parsing import parse_text

__all__ = ["ResolveMode", "ResolveResult", "resolve_conflicts"]

ResolveMode = Literal["union", "ours", "theirs"]


@dataclass(frozen=True, slots=True)
class ResolveResult:
    text: str
    resolved: int  # conflict regions resolved
    notes: tuple[str, ...] = ()  # "path:line: what was kept", one per resolved region
    refused: tuple[str, ...] = ()  # "path:line: why not", one per region left as it was


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
        entries = entries_of([lines[n - 1] for n in origin], path)
        owner = {}
        for i, entry in enumerate(entries):
            for line in range(entry.span.line, min(entry.span.end_line, len(origin)) + 1):
                owner[origin[line - 1]] = i
        return cls(origin, entries, [origin[e.span.line - 1] for e in entries], owner)

    def after(self, last: int, lines: Sequence[str]) -> int | None:
        """The first non-blank line after line `last` in this view."""
        for number in self.origin[bisect.bisect_right(self.origin, last) :]:
            if not is_blank(lines[number - 1]):
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
        is_blank(line) or (n in view.owner and view.starts[view.owner[n]] < first)
        for n, line in enumerate(lead, first)
    )
    for j, i in enumerate(inside):
        for number in range(starts[j] + 1, starts[j + 1]):
            if not is_blank(lines[number - 1]) and view.owner.get(number) != i:
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
    if [bare(x) for x in ours.lead] != [bare(x) for x in theirs.lead]:
        one_blank = all(map(is_blank, ours.lead)) or all(map(is_blank, theirs.lead))
        if not (ours.lead_is_body and theirs.lead_is_body) and not one_blank:
            return "the two sides hold different text that belongs to no paper entry"
        lead = union(ours.lead, theirs.lead)
    heads = [
        (e, c[0]) for e, c in zip(ours.entries + theirs.entries, ours.chunks + theirs.chunks, strict=True)
    ]
    groups = identity_groups(heads)
    keys_ours, keys_theirs = (
        occurrence_keys(groups[: len(ours.entries)]),
        occurrence_keys(groups[len(ours.entries) :]),
    )
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
            kept.append(f"{short_title(entry.title)} once" + ("" if same_title else " (ours' title line)"))
            chunk = [chunk[0], *union(chunk[1:], their_chunk[1:])]
        else:
            kept.append(f"{short_title(entry.title)} from {'ours' if key in mine else 'theirs'}")
        out += chunk
        # An entry that closed its side had no blank line before the marker; now another entry follows it.
        if key in closing and i + 1 < len(order) and entry.kind == "heading" and not is_blank(chunk[-1]):
            out.append(dominant_newline(lines))
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
    bom, lines = split_lines(text)
    parsed = parse_text("".join(bare(line) + "\n" for line in lines), path=path)
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
            replacement = [*replacement[:-1], bare(replacement[-1])]
        new[start - 1 : end] = replacement
        notes.append((start, note))
    return ResolveResult(
        text=(BOM if bom else "") + "".join(new),
        resolved=len(notes),
        notes=tuple(f"{path}:{line}: {note}" for line, note in sorted(notes)),
        refused=tuple(f"{path}:{line}: {message}" for line, message in sorted(refused)),
    )
