"""An index's house style, learnt from the entries already there, and a new entry written and placed in it.

The style is read per category (or from the whole index when the category has no entries yet): heading level
or list marker, prefix (arXiv id, ``YYYYMM``, year), the URL line under the entry, blank lines between
entries, and the place in the category (by date when the category is newest first, else at its end). The
pattern the index's links follow to their notes is learnt the same way. Nothing here reads the network or
writes a file: ``Index`` is the index's text in memory, and a new entry is a ``LineEdit`` on it.
"""

from __future__ import annotations

import itertools
import posixpath
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar
from urllib.parse import unquote

from papernotes.config import MARKDOWN_EXTENSIONS
from papernotes.entries import IndexParse, extract_entries
from papernotes.errors import RefusedError
from papernotes.ids import PaperId, arxiv_date, find_ids
from papernotes.metadata import PaperMeta
from papernotes.model import Entry, Section
from papernotes.parsing import ParsedText, parse_text
from papernotes.splice import LineEdit, apply_edits
from papernotes.templates import md_inline, safe_name
from papernotes.textfile import TextFile, decode, read_text
from papernotes.titles import split_title

__all__ = ["DEFAULT_NOTE_PATH", "Index", "entry_edit", "sibling_pattern"]

DEFAULT_NOTE_PATH = "papers/{id}.md"
_T = TypeVar("_T")


@dataclass
class Index:
    """An index being edited in memory: the file as read, and its current text, parsed."""

    rel: str
    original: TextFile
    current: TextFile
    parsed: ParsedText
    found: IndexParse

    @classmethod
    def read(cls, root: Path, rel: str) -> Index:
        tf = read_text(root / rel)
        return cls._of(rel, tf, tf)

    @classmethod
    def _of(cls, rel: str, original: TextFile, current: TextFile) -> Index:
        parsed = parse_text(current.text, path=rel)
        return cls(rel, original, current, parsed, extract_entries(parsed, rel))

    def edit(self, edits: Sequence[LineEdit]) -> Index:
        if not edits:
            return self
        data = apply_edits(self.current, edits)
        return Index._of(self.rel, self.original, decode(data, self.original.path))


def entry_edit(
    index: Index,
    path: tuple[str, ...],
    meta: PaperMeta,
    date: str | None,
    link: str,
    *,
    new_category: bool,
) -> tuple[LineEdit, int]:
    """The insertion that adds the paper's entry to category ``path`` (created when ``new_category``), and
    the line the entry will start on. ``date`` is the paper's "YYYY-MM" or "YYYY"; ``link`` its note."""
    lines = index.parsed.lines
    section = next((s for s in index.found.sections if tuple(s.path) == path), None)
    if section is not None and section.in_conflict:
        raise RefusedError(
            "the category is in a merge conflict; resolve it first", path=index.rel, line=section.line
        )
    if section is None and path and not new_category:
        raise RefusedError(f"the category {'/'.join(path)} is gone; run add again", path=index.rel)
    siblings = [e for e in index.found.entries if tuple(e.category) == path]
    head: list[str] = []
    if section is None and path:  # a new category: at the end, at the level of the others
        level = _majority([s.level for s in index.found.sections if len(s.path) == 1], 2)
        section = Section(title=path[-1], level=level, line=len(lines), path=list(path))
        style = _style(index, path, section)
        head = [f"{'#' * level} {md_inline(path[-1])}", *([""] if style.blank else [])]
        after = _last_text_line(lines, len(lines))
    else:
        style = _style(index, path, section)
        after = (
            _after_siblings(siblings, meta.id, date, style)
            if siblings
            else _section_end(index.parsed, section)
        )
    for region in index.parsed.conflicts:
        if region.first_line <= after < region.last_line:
            raise RefusedError(
                "the entry would go inside a merge conflict; resolve it first",
                path=index.rel,
                line=region.first_line,
            )
    position = 1 + sum(1 for e in siblings if e.span.line <= after)  # for numbered lists
    edit, lead = _insert_after(
        lines, after, [*head, *_entry_lines(meta, date, link, style, position)], style.blank
    )
    return edit, edit.start + lead + len(head)


def sibling_pattern(entries: Sequence[Entry]) -> str:
    """The note-path pattern the index's links follow: a note name holding its arXiv id becomes {id}."""
    patterns: list[str] = []
    folders: list[str] = []
    for entry in entries:
        note = entry.note
        if (
            not note
            or any(c in note for c in "#?{}")
            or not unquote(note).lower().endswith(MARKDOWN_EXTENSIONS)
        ):
            continue
        folders.append(posixpath.dirname(note))
        for pid in entry.ids:
            forms = dict.fromkeys([pid.value, safe_name(pid.value)]) if pid.scheme == "arxiv" else {}
            for form in forms:
                pattern, found = re.subn(rf"(?<![0-9]){re.escape(form)}(?:v[0-9]+)?(?![0-9])", "{id}", note)
                if found:
                    patterns.append(pattern)
                    break
    if patterns:
        return _majority(patterns, patterns[0])
    if folders:
        return posixpath.join(_majority(folders, folders[0]), "{id}.md")
    return DEFAULT_NOTE_PATH


# Learning the style


@dataclass(frozen=True, slots=True)
class _Style:
    """How the entries of one category are written."""

    kind: Literal["heading", "list"]
    level: int
    marker: str  # list entries: indentation, marker and space ("- ", "  * ", "1. ")
    todo: bool  # list entries start with "[ ] "
    prefix: str  # "arxiv", "yyyymm", "yyyy", "yymm" or ""
    url_lead: str | None  # what precedes the URL on the line after the entry ("- ", ""); None: no URL line
    blank: bool  # a blank line between entries
    newest_first: bool


_LIST_MARKER_RE = re.compile(r"^(?P<indent>\s*)(?P<marker>[-*+]|(?P<number>[0-9]{1,9})[.)])\s")
_URL_LINE_RE = re.compile(r"^(?P<lead>\s*(?:[-*+]\s+)?)<?https?://\S+$")
# A prefix kind (titles.split_title) -> the prefix a new entry gets; a venue is not copied, only the year.
_PREFIX_STYLES = {
    "arxiv": "arxiv",
    "yyyymm": "yyyymm",
    "yymm": "yymm",
    "yyyy": "yyyy",
    "year_venue": "yyyy",
    "venue_year": "yyyy",
}


def _style(index: Index, path: tuple[str, ...], section: Section | None) -> _Style:
    """The house style of ``path``'s entries, or of the whole index when the category has none yet."""
    lines = index.parsed.lines
    siblings = [e for e in index.found.entries if tuple(e.category) == path]
    pool = siblings or index.found.entries
    kind: Literal["heading", "list"] = _majority([e.kind for e in pool], "heading")
    floor = section.level + 1 if section is not None else 2
    level = _majority([e.level for e in pool if e.kind == "heading"], floor)
    if not siblings:
        # Siblings are copied as they are (the seed's "## 模型" holds "##" entries); entries borrowed from
        # other categories must still sit below the new one's heading.
        level = max(level, floor)
    markers = [m for e in pool if e.kind == "list" and (m := _LIST_MARKER_RE.match(lines[e.span.line - 1]))]
    # Numbered items keep their delimiter; the number itself is the new item's position (_entry_lines).
    forms = [m["indent"] + ("1" + m["marker"][-1] if m["number"] else m["marker"]) + " " for m in markers]
    marker = _majority(forms, "- ")
    prefixes = [_PREFIX_STYLES.get(split_title(e.raw_title).prefix.kind or "", "") for e in pool]
    url_leads = [_url_lead(e, lines) for e in pool]
    # Blank lines between consecutive entries of one category; after a category heading does not count.
    gaps = [
        later.span.line - earlier.span.end_line > 1
        for earlier, later in itertools.pairwise(pool)
        if earlier.category == later.category
    ]
    return _Style(
        kind=kind,
        level=level,
        marker=marker,
        todo=_majority([e.todo is not None for e in pool if e.kind == "list"], False),
        prefix=_majority(prefixes, "arxiv"),
        url_lead=_majority(url_leads, "- "),
        blank=_majority(gaps, kind == "heading"),
        newest_first=_newest_first(siblings),
    )


def _majority(values: Sequence[_T], default: _T) -> _T:
    """The commonest value; a tie goes to the default, else to the value seen first."""
    if not values:
        return default
    counts = Counter(values)
    best = max(counts.values())
    return default if counts.get(default) == best else next(v for v in values if counts[v] == best)


def _url_lead(entry: Entry, lines: Sequence[str]) -> str | None:
    number = entry.span.line + 1
    if number > entry.span.end_line:
        return None
    m = _URL_LINE_RE.match(lines[number - 1])
    return m["lead"] if m else None


@dataclass(frozen=True, slots=True)
class _When:
    year: int
    month: int | None
    number: int | None  # the arXiv number within the month, to order papers of one month


def _when(date: str | None, pid: PaperId | None) -> _When | None:
    if date is None and pid is not None and (year_month := arxiv_date(pid)):
        date = f"{year_month[0]}-{year_month[1]:02d}"
    if date is None:
        return None
    number = (
        int(pid.value.split(".")[1])
        if pid is not None and re.fullmatch(r"\d{4}\.\d{4,5}", pid.value)
        else None
    )
    return _When(int(date[:4]), int(date[5:7]) if len(date) >= 7 else None, number)


def _compare(a: _When, b: _When) -> int:
    """1 when ``a`` is newer, -1 when older, 0 when the same or not known."""
    pairs = [(a.year, b.year), (a.month, b.month), (a.number, b.number)]
    for left, right in pairs:
        if left is None or right is None:
            return 0
        if left != right:
            return 1 if left > right else -1
    return 0


def _newest_first(siblings: Sequence[Entry]) -> bool:
    whens = [w for e in siblings if (w := _when(e.date, e.arxiv)) is not None]
    steps = [_compare(a, b) for a, b in itertools.pairwise(whens)]
    return len(whens) >= 2 and all(step >= 0 for step in steps) and any(step > 0 for step in steps)


# Writing and placing the entry


def _entry_lines(meta: PaperMeta, date: str | None, link: str, style: _Style, position: int) -> list[str]:
    """The entry in the house style: its heading or list item, then the URL line if siblings have one."""
    prefix = _prefix(style.prefix, meta.id, date)
    text = md_inline(f"{prefix} {meta.title}" if prefix else meta.title)
    target = f"<{link}>" if re.search(r"[\s()<>]", link) else link
    if style.kind == "heading":
        first = f"{'#' * style.level} [{text}]({target})"
    else:
        marker = re.sub(r"[0-9]+", str(position), style.marker, count=1)
        first = f"{marker}{'[ ] ' if style.todo else ''}[{text}]({target})"
    lead = style.url_lead
    if lead is None and not _named_by(prefix, link, meta.id):
        lead = "- "  # without it the entry would carry no id at all, only its title
    return [first] if lead is None else [first, f"{lead}{meta.id.url}"]


def _named_by(prefix: str, link: str, pid: PaperId) -> bool:
    """Whether an entry's prefix or note name already gives its id (as ``finalize_ids`` reads them)."""
    if pid.scheme != "arxiv":
        return False
    name = posixpath.basename(unquote(link))
    return prefix == pid.value or any(i.key == pid.key for i in find_ids(name))


def _prefix(kind: str, pid: PaperId, date: str | None) -> str:
    """The title prefix in the index's form; "" when the paper's date or id cannot give it."""
    year, month = (date[:4], date[5:7]) if date else ("", "")
    if kind == "arxiv":
        return pid.value if pid.scheme == "arxiv" else year
    if kind == "yymm" and month and not 1990 <= int(year[2:] + month) <= 2039:
        return year[2:] + month  # "2002" would read back as the year 2002: then YYYYMM below
    if kind in ("yyyymm", "yymm"):
        return year + month
    return year if kind == "yyyy" else ""


def _after_siblings(siblings: Sequence[Entry], pid: PaperId, date: str | None, style: _Style) -> int:
    """The line to insert after: before the first older sibling when newest first, else after the last."""
    new = _when(date, pid)
    if style.newest_first and new is not None:
        for entry in siblings:
            when = _when(entry.date, entry.arxiv)
            if when is not None and _compare(new, when) > 0:
                return entry.span.line - 1
    return siblings[-1].span.end_line


def _section_end(parsed: ParsedText, section: Section | None) -> int:
    """The last line of a category's own text (before its first sub-category), or of the file."""
    lines = parsed.lines
    if section is None:
        return _last_text_line(lines, len(lines))
    following = next((h.line for h in parsed.headings if h.line > section.line), len(lines) + 1)
    return _last_text_line(lines, following - 1)


def _last_text_line(lines: Sequence[str], before: int) -> int:
    """The last non-blank line at or above ``before`` (0 when there is none)."""
    return next((n for n in range(min(before, len(lines)), 0, -1) if lines[n - 1].strip()), 0)


def _insert_after(
    lines: Sequence[str], after: int, block: Sequence[str], blank: bool
) -> tuple[LineEdit, int]:
    """Insert ``block`` after line ``after``, blank lines around it as the house style wants; the edit and
    how many blank lines go before the block."""
    lead = [""] if blank and after >= 1 and lines[after - 1].strip() else []
    trail = [""] if blank and after < len(lines) and lines[after].strip() else []
    return LineEdit(after + 1, after, (*lead, *block, *trail)), len(lead)
