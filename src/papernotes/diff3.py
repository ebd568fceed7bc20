"""Three-way and two-way merging of sequences on ``difflib``, knowing nothing of indexes. Pure.

``diff3`` cuts a base into unchanged runs and changed regions, each with what ours and theirs made of it;
the caller (``merge``: frame lines and entries, then each entry's lines) decides what a region becomes.
``union`` and ``union_order`` keep what both sides have, in ours' order, where both sides added something;
``resolving`` uses them too, for conflicts already committed.
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["diff3", "union", "union_order"]

_T = TypeVar("_T", bound=Hashable)


def union(ours: Sequence[str], theirs: Sequence[str]) -> list[str]:
    """Ours' lines with theirs' missing ones slotted in where theirs has them."""
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ours, theirs, autojunk=False).get_opcodes():
        out += ours[i1:i2]
        if tag in ("insert", "replace"):
            out += theirs[j1:j2]
    return out


def union_order(ours: Sequence[_T], theirs: Sequence[_T]) -> list[_T]:
    """Ours' order; each of theirs' own items goes after its nearest predecessor in theirs (first if none),
    after any items only ours added there: both sides appending to one list gives ours' then theirs'."""
    out = list(ours)
    in_theirs = set(theirs)
    for i, item in enumerate(theirs):
        if item in out:
            continue
        at = next((out.index(prev) + 1 for prev in reversed(theirs[:i]) if prev in out), 0)
        while at < len(out) and out[at] not in in_theirs:
            at += 1
        out.insert(at, item)
    return out


@dataclass(frozen=True, slots=True, order=True)
class _Hunk:
    """base[start:end] became side[new_start:new_end] (side 0 is ours, 1 theirs)."""

    start: int
    end: int
    side: int
    new_start: int
    new_end: int


def _hunks(base: Sequence[_T], other: Sequence[_T], side: int) -> list[_Hunk]:
    matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
    return [_Hunk(i1, i2, side, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _collides(group: Sequence[_Hunk], end: int, hunk: _Hunk) -> bool:
    # Changes collide when they share base lines, or are two insertions at one place. Unlike git, a change
    # that only borders another does not: adding a bullet under one the other side edited is no conflict.
    if hunk.start < end:
        return True
    return hunk.start == end == hunk.end and any(h.start == h.end == end for h in group)


def _apply(base: Sequence[_T], start: int, end: int, hunks: Iterable[_Hunk], new: Sequence[_T]) -> list[_T]:
    out: list[_T] = []
    at = start
    for hunk in hunks:
        out += base[at : hunk.start]
        out += new[hunk.new_start : hunk.new_end]
        at = hunk.end
    return out + list(base[at:end])


def diff3(
    base: Sequence[_T], ours: Sequence[_T], theirs: Sequence[_T]
) -> list[tuple[list[_T], list[_T], list[_T]]]:
    """The base cut into (base, ours, theirs) pieces: unchanged runs (all three equal) and changed regions."""
    hunks = sorted(_hunks(base, ours, 0) + _hunks(base, theirs, 1))
    pieces: list[tuple[list[_T], list[_T], list[_T]]] = []
    at = i = 0
    while i < len(hunks):
        group = [hunks[i]]
        start, end = hunks[i].start, hunks[i].end
        i += 1
        while i < len(hunks) and _collides(group, end, hunks[i]):
            end = max(end, hunks[i].end)
            group.append(hunks[i])
            i += 1
        if at < start:
            same = list(base[at:start])
            pieces.append((same, same, same))
        pieces.append(
            (
                list(base[start:end]),
                _apply(base, start, end, (h for h in group if h.side == 0), ours),
                _apply(base, start, end, (h for h in group if h.side == 1), theirs),
            )
        )
        at = end
    if at < len(base):
        same = list(base[at:])
        pieces.append((same, same, same))
    return pieces
