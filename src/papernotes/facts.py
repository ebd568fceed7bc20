"""Compact facts about files: what lint extracts, caches and runs its cross-file rules on.

These are named tuples and slotted dataclasses, not pydantic models, on purpose: a 10,000-note repository
has hundreds of thousands of links and headings, and building validated models for each costs seconds where
these cost milliseconds. The pydantic records of ``model`` are built from them at the edges (``show``,
``export``, ``schema``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["EntryFact", "FileFacts", "HeadingFact", "LinkFact", "Pragma"]


class HeadingFact(NamedTuple):
    level: int
    line: int
    text: str  # rendered, as GitHub's slugger sees it
    raw: str  # inline source
    anchor: str  # GitHub anchor, de-duplicated in document order
    in_conflict: bool = False


class LinkFact(NamedTuple):
    kind: str  # link, image, html_img, html_a, autolink, bare_url, wikilink, embed
    target: str
    line: int
    column: int = 1
    text: str = ""


class Pragma(NamedTuple):
    kind: str  # "next-line", "disable", "enable", "file"
    rules: tuple[str, ...]  # empty: every rule
    line: int


class EntryFact(NamedTuple):
    """What cross-file rules need of an entry."""

    line: int
    title: str
    title_key: str  # normalised title
    ids: tuple[str, ...]  # PaperId keys
    note: str | None
    note_line: int | None
    category: tuple[str, ...]
    in_conflict: bool


@dataclass(slots=True)
class FileFacts:
    path: str
    role: str = "other"  # index, note, other
    size: int = 0
    mtime_ns: int = 0
    digest: str = ""
    title: str | None = None
    anchors: list[str] = field(default_factory=list)
    html_anchors: list[str] = field(default_factory=list)
    headings: list[HeadingFact] = field(default_factory=list)
    links: list[LinkFact] = field(default_factory=list)
    entries: list[EntryFact] = field(default_factory=list)
    fm_id: str | None = None
    fm_title: str | None = None
    fm_line: int | None = None
    pragmas: list[Pragma] = field(default_factory=list)
    findings: list[tuple[object, ...]] = field(default_factory=list)  # the file's own findings, serialised
    skipped: str | None = None
    skipped_line: int | None = None
    # The file's generated blocks as ``toc.check`` saw them: (style, start, end, state, message, line) each;
    # None when they depend on other files (topics and stats blocks), so ``papernotes toc`` must look itself.
    toc: tuple[tuple[str, int, int, str, str, int], ...] | None = None
