"""``papernotes stats``: how many papers, of which years, categories and venues, and how well noted.

Counts are of *papers*, not entries: entries that share an id or a normalised title (a paper listed in two
categories, a duplicate) are one paper, except in the per-category counts, where a paper counts once in each
category that lists it. Generated-mirror indexes (``mirrors``) are left out, as their entries are copies, and
so is the base side of a committed merge conflict (the ancestor's text, not a listed paper).

A paper's year and venue come from its entries (the parser reads them from ids, date prefixes and suffixes),
else from its note's front matter (``date:``, ``venue:``). Pure but for reading the workspace: rendering
returns text, never prints.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from papernotes.identity import group_roots, groups_in_order, paper_keys
from papernotes.model import Document, Entry
from papernotes.queries import note_path
from papernotes.titles import normalise_title
from papernotes.workspace import Workspace, compile_globs

__all__ = [
    "CategoryCount",
    "PaperRef",
    "Stats",
    "VenueCount",
    "YearCount",
    "compute_stats",
    "render_stats",
    "render_stats_block",
    "to_json",
]

NEWEST = 8
_TOP_VENUES = 10
_MAX_BAR = 50  # cells: on a wide terminal, longer bars only make the counts harder to read across
_BLOCK_BAR = 30  # cells of the longest bar in the README block: fits beside a year on a phone screen
_EIGHTHS = ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")
_FULL = "█"
_DATE_RE = re.compile(r"^\d{4}(?:-\d{2})?")  # "2019-05-01" (a front matter date) gives "2019-05"
# "NeurIPS 2017", "ACL'19", "2019 ACL": the year is the paper's date, not part of the venue's name.
_VENUE_YEAR_RE = re.compile(r"(?:^|\s|')(?:19|20)?\d{2}(?=\s|$)|(?<=[A-Za-z])(?:19|20)\d{2}\b")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class YearCount(_Model):
    year: str
    papers: int


class CategoryCount(_Model):
    index: str
    category: list[str]
    papers: int


class VenueCount(_Model):
    venue: str
    papers: int


class PaperRef(_Model):
    title: str
    date: str | None
    id: str | None
    file: str
    line: int


class Stats(_Model):
    """The ``stats --format json`` contract. Every count is of distinct papers (see the module docstring)."""

    indexes: list[str]
    entries: int
    papers: int
    with_note: int
    with_figures: int
    with_summary: int
    open_todos: int
    undated: int
    no_venue: int
    years: list[YearCount]
    categories: list[CategoryCount]
    venues: list[VenueCount]
    newest: list[PaperRef]


# Computing


@dataclass
class _Paper:
    entries: list[Entry] = field(default_factory=list)
    note: Document | None = None
    has_note: bool = False


def compute_stats(ws: Workspace) -> Stats:
    mirror = compile_globs(ws.settings.mirrors)
    indexes = [doc for doc in ws.indexes if not mirror(doc.path)]
    entries = [e for doc in indexes for e in doc.entries if e.conflict != "base"]
    groups = _group(entries)
    papers = [_paper(ws, [entries[i] for i in group]) for group in groups]
    dated = [(p, d) for p in papers if (d := _date(p)) is not None]
    venues = _venues(papers)
    years = Counter(d[:4] for _, d in dated)
    newest = sorted(dated, key=lambda pair: pair[1], reverse=True)[:NEWEST]  # stable: document order on ties
    return Stats(
        indexes=[doc.path for doc in indexes],
        entries=len(entries),
        papers=len(papers),
        with_note=sum(p.has_note for p in papers),
        with_figures=sum(any(e.figures for e in p.entries) for p in papers),
        with_summary=sum(any(e.bullets for e in p.entries) for p in papers),
        open_todos=sum(any(e.todo == "open" for e in p.entries) for p in papers),
        undated=len(papers) - len(dated),
        no_venue=len(papers) - sum(v.papers for v in venues),
        years=[YearCount(year=y, papers=n) for y, n in sorted(years.items())],
        categories=_categories(indexes, entries, groups),
        venues=venues,
        newest=[_ref(p, d) for p, d in newest],
    )


def _group(entries: Sequence[Entry]) -> list[list[int]]:
    """Positions of the entries sharing an id key or a normalised title, as groups in document order:
    one group is one paper."""
    keys = [paper_keys((pid.key for pid in e.ids), normalise_title(e.title)) for e in entries]
    return groups_in_order(group_roots(keys))


def _paper(ws: Workspace, entries: list[Entry]) -> _Paper:
    paper = _Paper(entries)
    for entry in entries:
        target = note_path(ws, entry)
        if target is None:
            continue
        paper.has_note = True
        paper.note = paper.note or ws.documents.get(target)
    return paper


def _front(paper: _Paper, key: str) -> str | None:
    front = paper.note.front_matter if paper.note is not None else None
    value = front.data.get(key) if front is not None and front.data else None
    if value is None or isinstance(value, list | dict):
        return None
    return str(value).strip() or None  # YAML reads 2019-05-01 as a date and 2019 as an int


def _date(paper: _Paper) -> str | None:
    found = next((e.date for e in paper.entries if e.date), None) or _front(paper, "date")
    match = _DATE_RE.match(found or "")
    return match.group(0) if match else None


def _venues(papers: Iterable[_Paper]) -> list[VenueCount]:
    """Papers per venue, most first; "acl" and "ACL" are one venue, named as first written."""
    counts = Counter[str]()
    spelling: dict[str, str] = {}
    for paper in papers:
        venue = _venue(paper)
        if venue is not None:
            spelling.setdefault(venue.casefold(), venue)
            counts[venue.casefold()] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [VenueCount(venue=spelling[key], papers=n) for key, n in ranked]


def _venue(paper: _Paper) -> str | None:
    found = next((e.venue for e in paper.entries if e.venue), None) or _front(paper, "venue")
    if found is None:
        return None
    name = " ".join(_VENUE_YEAR_RE.sub(" ", found).split())
    return name or None


def _categories(
    indexes: Iterable[Document], entries: Sequence[Entry], groups: Sequence[Sequence[int]]
) -> list[CategoryCount]:
    """Papers per category path, in the order the categories appear in each index; a paper listed twice
    in one category (a duplicate) counts once there."""
    keys: dict[tuple[str, tuple[str, ...]], set[int]] = {}
    for doc in indexes:
        for section in doc.sections:
            keys[(doc.path, tuple(section.path))] = set()
    for paper, group in enumerate(groups):
        for i in group:
            keys.setdefault((entries[i].span.file, tuple(entries[i].category)), set()).add(paper)
    return [
        CategoryCount(index=index, category=list(path), papers=len(papers))
        for (index, path), papers in keys.items()
        if papers  # a parent category holding only sub-categories has no papers of its own
    ]


def _ref(paper: _Paper, date: str) -> PaperRef:
    entry = paper.entries[0]
    pid = next((e.arxiv or (e.ids[0] if e.ids else None) for e in paper.entries if e.ids), None)
    return PaperRef(
        title=entry.title,
        date=date,
        id=pid.value if pid is not None else None,
        file=entry.span.file,
        line=entry.span.line,
    )


# Output


def to_json(stats: Stats) -> str:
    return stats.model_dump_json(indent=2) + "\n"


def render_stats(stats: Stats, *, width: int = 80, color: bool) -> str:
    """The terminal report: counts, then bar charts per year, category and venue, then the newest papers.

    The bars are block characters, readable without colour; every line fits ``width`` cells (CJK counts two).
    """
    lines = _summary(stats)
    if stats.years:
        lines += [Text(""), Text("Papers per year", style="bold")]
        lines += _chart([(y.year, y.papers) for y in stats.years], width)
    if stats.categories:
        lines += [Text(""), Text("Papers per category", style="bold")]
        lines += _category_chart(stats, width)
    if stats.venues:
        lines += [Text(""), Text("Papers per venue", style="bold")]
        shown = stats.venues[:_TOP_VENUES]
        lines += _chart([(v.venue, v.papers) for v in shown], width)
        more = len(stats.venues) - len(shown)
        if more:
            lines.append(Text(f"  … and {_plural(more, 'more venue')}", style="dim"))
    if stats.newest:
        lines += [Text(""), Text("Newest papers", style="bold")]
        lines += _newest(stats.newest, width)
    return _print(lines, width, color)


def _summary(stats: Stats) -> list[Text]:
    where = _plural(len(stats.indexes), "index", "indexes")
    head = Text(f"{_plural(stats.papers, 'paper')} ({_plural(stats.entries, 'entry', 'entries')} in {where})")
    head.stylize("bold", 0, len(str(stats.papers)))
    if not stats.papers:
        return [head]
    rows = [
        ("with a note", stats.with_note),
        ("with figures", stats.with_figures),
        ("with a summary", stats.with_summary),
        ("open TODOs", stats.open_todos),
    ]
    digits = len(str(stats.papers))
    lines = [head]
    for label, count in rows:
        share = f"{round(100 * count / stats.papers):>3}%"
        lines.append(Text(f"  {label:<16}{count:>{digits}}  {share}"))
    for label, count in (("no date", stats.undated), ("no venue", stats.no_venue)):
        if count:
            lines.append(Text(f"  {label:<16}{count:>{digits}}", style="dim"))
    return lines


def _category_chart(stats: Stats, width: int) -> list[Text]:
    rows = [(" / ".join(c.category) or "(no category)", c.papers) for c in stats.categories]
    if len({c.index for c in stats.categories}) == 1:
        return _chart(rows, width)
    # Several indexes: one chart, bars on one scale, each index's categories under its path.
    lines: list[Text] = []
    bars = _chart(rows, width - 2)
    previous = None
    for count, bar in zip(stats.categories, bars, strict=True):
        if count.index != previous:
            lines.append(Text(f"  {count.index}", style="dim"))
            previous = count.index
        lines.append(Text("  ") + bar)
    return lines


def _chart(rows: Sequence[tuple[str, int]], width: int) -> list[Text]:
    """``  label  ████▌     12`` lines: labels padded to one width, bars on one scale, counts aligned."""
    label_cells = min(max(cell_len(label) for label, _ in rows), max(8, width // 3))
    top = max(count for _, count in rows)
    digits = len(str(top))
    bar_cells = min(_MAX_BAR, max(4, width - 2 - label_cells - 2 - 2 - digits))
    lines = []
    for label, count in rows:
        bar = _bar(count, top, bar_cells)
        line = Text(f"  {_fit(label, label_cells)}  ")
        line.append(bar, style="cyan")
        line.append(" " * (bar_cells - len(bar)) + f"  {count:>{digits}}")
        lines.append(line)
    return lines


def _bar(count: int, top: int, cells: int) -> str:
    """A bar ``count / top`` of ``cells`` long, to an eighth of a cell; never empty for a non-zero count."""
    eighths = max(round(8 * cells * count / top), 1 if count else 0) if top else 0
    return _FULL * (eighths // 8) + _EIGHTHS[eighths % 8]


def _newest(papers: Sequence[PaperRef], width: int) -> list[Text]:
    ids = max(len(p.id or "") for p in papers)
    title_cells = max(10, width - 2 - 7 - 2 - (ids + 2 if ids else 0))
    lines = []
    for paper in papers:
        line = Text(f"  {paper.date or '':<7}  {_fit(paper.title, title_cells)}")
        if paper.id:
            line.append(f"  {paper.id}", style="dim")
        line.rstrip()
        lines.append(line)
    return lines


def _fit(text: str, cells: int) -> str:
    """``text`` cut (with an ellipsis) or padded to exactly ``cells`` terminal cells."""
    text = " ".join(text.split())
    if cell_len(text) > cells:
        while text and cell_len(text) > cells - 1:
            text = text[:-1]
        text = text.rstrip() + "…"
    return text + " " * (cells - cell_len(text))


def _print(lines: Sequence[Text], width: int, color: bool) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system="standard" if color else None,
        force_terminal=color,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
    )
    for line in lines:
        console.print(line, no_wrap=True, overflow="crop", crop=True)
    return buffer.getvalue()


def _plural(count: int, word: str, words: str = "") -> str:
    return f"{count} {word if count == 1 else words or word + 's'}"


# The README block


def render_stats_block(stats: Stats) -> list[str]:
    """The lines between ``<!-- papernotes:stats -->`` and its closing marker: a table of counts and a
    per-year bar chart in a ``text`` fence. Made from counts only: the same repository, the same lines.
    """
    lines = [
        "| papers | with a note | with figures | with a summary | open TODOs |",
        "| ---: | ---: | ---: | ---: | ---: |",
        f"| {stats.papers} | {stats.with_note} | {stats.with_figures} | {stats.with_summary} "
        f"| {stats.open_todos} |",
    ]
    if stats.years:
        top = max(y.papers for y in stats.years)
        digits = len(str(top))
        lines += ["", "```text"]
        lines += [
            f"{y.year}  {_bar(y.papers, top, _BLOCK_BAR).ljust(_BLOCK_BAR)}  {y.papers:>{digits}}"
            for y in stats.years
        ]
        lines.append("```")
    return lines
