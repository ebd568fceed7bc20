"""The records papernotes reads notes repositories into. Pure data: no I/O here.

Everything a rule, a command or an export needs is a field of one of these models, so the JSON Schema printed
by ``papernotes schema`` is the whole contract.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from papernotes.ids import PaperId

__all__ = [
    "Bullet",
    "ConflictRegion",
    "Document",
    "Entry",
    "Figure",
    "FrontMatter",
    "Heading",
    "IndexFile",
    "Link",
    "Malformation",
    "Note",
    "PaperId",
    "Repository",
    "Section",
    "SourceSpan",
    "TocBlock",
]

ConflictSide = Literal["ours", "base", "theirs"]
LinkKind = Literal["link", "image", "html_img", "html_a", "autolink", "bare_url", "wikilink", "embed"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceSpan(_Record):
    """Where something stands: a file relative to the repository root, 1-based inclusive lines."""

    file: str
    line: int
    end_line: int


class Malformation(_Record):
    """Something the parser had to work around while reading an entry or a file."""

    kind: str
    message: str
    line: int


class Heading(_Record):
    level: int
    line: int
    text: str = Field(description="Rendered text, as GitHub's slugger sees it")
    raw: str = Field(description="The heading's inline source")
    anchor: str = Field(description="GitHub anchor, de-duplicated in document order")
    in_conflict: bool = False


class Link(_Record):
    kind: LinkKind
    target: str
    text: str = ""
    line: int
    column: int = 1
    in_code: bool = False


class Bullet(_Record):
    text: str
    depth: int = Field(description="0 for a top-level bullet, 1 for one nested under it, ...")
    line: int


class Figure(_Record):
    src: str
    alt: str = ""
    line: int


class ConflictRegion(_Record):
    """A committed merge conflict: marker lines (1-based); a lone marker has only one of them set."""

    start: int | None = None
    base: int | None = None
    middle: int | None = None
    end: int | None = None
    ours: list[str] = Field(default_factory=list, description="Titles of entries on our side")
    theirs: list[str] = Field(default_factory=list, description="Titles of entries on their side")

    @property
    def first_line(self) -> int:
        return min(x for x in (self.start, self.base, self.middle, self.end) if x is not None)

    @property
    def last_line(self) -> int:
        return max(x for x in (self.start, self.base, self.middle, self.end) if x is not None)


class TocBlock(_Record):
    style: str
    start: int = Field(description="Line of the opening marker")
    end: int = Field(description="Line of the closing marker (== start for one-line blocks)")
    attrs: dict[str, str] = Field(default_factory=dict)
    corrupt: bool = False


class FrontMatter(_Record):
    format: Literal["yaml", "toml"]
    start: int
    end: int
    data: dict[str, object] | None = None
    error: str | None = None
    error_line: int | None = None


class Entry(_Record):
    """One paper as an index lists it."""

    title: str
    raw_title: str = Field(description="The entry's title text as written, prefix included")
    translation: str | None = None
    ids: list[PaperId] = Field(default_factory=list)
    prefix: str | None = None
    date: str | None = Field(default=None, description="YYYY or YYYY-MM")
    date_source: Literal["prefix", "id", "suffix"] | None = None
    venue: str | None = None
    suffix: str | None = Field(default=None, description="A trailing (Org/Year) note, without brackets")
    category: list[str] = Field(default_factory=list, description="Section path, outermost first")
    kind: Literal["heading", "list"] = "heading"
    level: int = Field(description="Heading level, or list nesting depth (0 = top) for list entries")
    note: str | None = Field(default=None, description="Link target as written")
    note_line: int | None = None
    urls: list[str] = Field(default_factory=list)
    bullets: list[Bullet] = Field(default_factory=list)
    text: list[Bullet] = Field(default_factory=list, description="Non-bullet lines under the entry")
    figures: list[Figure] = Field(default_factory=list)
    todo: Literal["open", "done"] | None = None
    conflict: ConflictSide | None = None
    span: SourceSpan
    malformations: list[Malformation] = Field(default_factory=list)

    @property
    def arxiv(self) -> PaperId | None:
        return next((i for i in self.ids if i.scheme == "arxiv"), None)

    @property
    def doi(self) -> PaperId | None:
        return next((i for i in self.ids if i.scheme == "doi"), None)

    @property
    def in_conflict(self) -> bool:
        return self.conflict is not None


class Section(_Record):
    """A category: a plain heading with entries (or sub-categories) under it."""

    title: str
    level: int
    line: int
    path: list[str]
    entry_count: int = 0
    in_conflict: bool = False


class IndexFile(_Record):
    path: str
    title: str | None = None
    sections: list[Section] = Field(default_factory=list)
    entries: list[Entry] = Field(default_factory=list)
    conflicts: list[ConflictRegion] = Field(default_factory=list)
    toc_blocks: list[TocBlock] = Field(default_factory=list)


class Note(_Record):
    path: str
    title: str | None = None
    front_matter: FrontMatter | None = None
    headings: list[Heading] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    images: list[Link] = Field(default_factory=list)
    toc_blocks: list[TocBlock] = Field(default_factory=list)


class Repository(_Record):
    root: str
    indexes: list[IndexFile] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    images: list[str] = Field(default_factory=list)
    links: dict[str, list[str]] = Field(
        default_factory=dict, description="Link graph: file -> repository files it links to"
    )


class Document(_Record):
    """Everything papernotes extracts from one Markdown file: what rules and commands read (and lint caches).

    ``role`` is ``index`` for files listing papers, ``note`` for per-paper notes, ``other`` for the rest.
    ``skipped`` says why a file could not be read (it then carries nothing else).
    """

    path: str
    role: Literal["index", "note", "other"] = "other"
    title: str | None = None
    line_count: int = 0
    headings: list[Heading] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    html_anchors: list[str] = Field(default_factory=list)
    conflicts: list[ConflictRegion] = Field(default_factory=list)
    front_matter: FrontMatter | None = None
    toc_blocks: list[TocBlock] = Field(default_factory=list)
    empty_todos: list[int] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    entries: list[Entry] = Field(default_factory=list)
    skipped: str | None = None
    skipped_line: int | None = None
