"""``papernotes add``: a paper by id or URL -> a note from a template, an entry in an index, a fresh TOC.

The entry is written in the index's own house style, read from the entries already there: heading level or
list marker, prefix (arXiv id, ``YYYYMM``, year), the URL line under it, blank lines between entries, and the
place in the category (by date when the category is newest first, else at its end). The note goes where the
siblings' notes are (or ``note-path``), shaped like them (or like ``note-template``).

Each paper succeeds or fails on its own: one unknown id does not stop the others. Everything that is written
is written in one ``Transaction`` under ``repo_lock``, so a failed write leaves every file as it was. The
network is used before the lock is taken, and the index is read again under the lock, so two ``add``s running
at once both land (or the second is refused as a duplicate of the first), never one over the other.
"""

from __future__ import annotations

import itertools
import os
import posixpath
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path
from typing import Literal, TypeVar
from urllib.parse import unquote

from papernotes import metadata, toc
from papernotes.config import MARKDOWN_EXTENSIONS, LoadedConfig
from papernotes.edits import EditIntegrityError, LineEdit, Transaction, apply_edits, repo_lock
from papernotes.entries import IndexParse, extract_entries
from papernotes.errors import ConfigError, PapernotesError, RefusedError, RemoteError, UsageError
from papernotes.ids import PaperId, arxiv_date, find_ids, is_malformed_arxiv_like, parse_id
from papernotes.metadata import MetadataClient, PaperMeta
from papernotes.model import Entry, Section
from papernotes.parsing import ParsedText, parse_text
from papernotes.queries import resolve_target
from papernotes.templates import (
    DEFAULT_TEMPLATE,
    Template,
    Value,
    fill_path,
    md_inline,
    parse_template,
    render,
    safe_name,
    slugify,
    template_from_front_matter,
)
from papernotes.textfile import TextFile, decode, read_text
from papernotes.titles import normalise_title, split_title
from papernotes.workspace import Workspace, compile_globs, load_workspace

__all__ = ["AddResult", "Outcome", "run_add"]

DEFAULT_NOTE_PATH = "papers/{id}.md"
_T = TypeVar("_T")
_STATUS = "to-read"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one input. ``error`` is None when the paper was (or, dry, would be) added."""

    position: int  # of the input in the command line
    input: str
    message: str  # one line for the user; for a failure, str(error)
    error: PapernotesError | None = None
    paper: PaperId | None = None
    title: str | None = None
    index: str | None = None  # paths relative to the repository root
    line: int | None = None  # the new entry's line in the index as written
    note: str | None = None  # the note the entry links to
    note_created: bool = False

    @property
    def exit_code(self) -> int:
        return 0 if self.error is None else self.error.exit_code


@dataclass
class AddResult:
    """Per-input outcomes in input order, the files written, and the diff of everything staged."""

    outcomes: list[Outcome]
    written: list[Path] = field(default_factory=list)
    diff: str = ""
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        """0 when every paper was added, else the highest code of a failure (1 refused, 4 remote)."""
        return max((outcome.exit_code for outcome in self.outcomes), default=0)


@dataclass(frozen=True, slots=True)
class _Paper:
    """One paper to add: the input as given, its metadata, its date as the note records it."""

    position: int
    input: str
    meta: PaperMeta
    date: str | None  # "YYYY-MM" or "YYYY"


def run_add(
    config: LoadedConfig,
    inputs: list[str],
    *,
    index: Path | None,
    category: str | None,
    new_category: bool,
    force: bool,
    dry_run: bool,
    refresh: bool,
    offline: bool,
    title: str | None,
    date: str | None,
    authors: list[str],
    client: MetadataClient | None = None,
) -> AddResult:
    """Add each input paper to an index, with a note; see the module docstring.

    Raises UsageError (bad arguments, malformed ids: nothing is sent), ConfigError (note-path, template),
    RefusedError (the target category is in a merge conflict) and WriteRefusedError (the write failed:
    nothing was written). A paper that is a duplicate or whose metadata cannot be had is an outcome, not an
    exception. ``client`` is used as given (its own refresh/offline settings); None builds one from the
    settings, ``PAPERNOTES_ARXIV_API``/``PAPERNOTES_CROSSREF_API`` and ``refresh``/``offline``.
    """
    _check_options(inputs, category, new_category, refresh, offline, title, date, authors)
    wanted = [(text, _parse_input(text)) for text in inputs]
    manual_date = _parse_date(date) if date is not None else None
    root = config.root
    ws = load_workspace(config)
    given = _given_index(root, index) if index is not None else None
    outcomes, to_fetch = _screen(wanted, _listed(ws, root, given), force=force)
    result = AddResult(outcomes=[], dry_run=dry_run)
    if to_fetch:
        # Asked only now: a paper that is listed already needs no index or category to be refused.
        index_rel = given or _choose_index(ws, config, category, new_category)
        target = _Index.read(root, index_rel)
        path = _category_path(target.found.sections, category, new_category, index_rel)
        template = _note_template(config, ws, index_rel, target.found.entries)
        if title is not None:
            papers = [_manual_paper(*to_fetch[0], title, manual_date, authors)]
        else:
            papers = _fetch(config, to_fetch, outcomes, client, refresh=refresh, offline=offline)
        if papers:
            with nullcontext() if dry_run else repo_lock(root):
                if not dry_run:  # read again under the lock: another add may have written meanwhile
                    ws = load_workspace(config)
                    target = _Index.read(root, index_rel)
                planner = _Planner(config, ws, target, path, template, force=force, dry_run=dry_run)
                for paper in papers:
                    refused = planner.add(paper, new_category=new_category)
                    if refused is not None:
                        outcomes[paper.position] = refused
                result.diff, result.written, added = planner.finish()
            outcomes.update((outcome.position, outcome) for outcome in added)
    result.outcomes = [outcomes[position] for position in range(len(wanted))]
    return result


def _screen(
    wanted: Sequence[tuple[str, PaperId]], listed: Sequence[Entry], *, force: bool
) -> tuple[dict[int, Outcome], list[tuple[int, str, PaperId]]]:
    """Refuse, before anything is fetched, inputs given twice and papers listed already by id."""
    outcomes: dict[int, Outcome] = {}
    to_fetch: list[tuple[int, str, PaperId]] = []
    first_given: dict[str, str] = {}
    for position, (text, pid) in enumerate(wanted):
        if pid.key in first_given:
            error = RefusedError(f"{text} is the same paper as {first_given[pid.key]}: give it once")
            outcomes[position] = _failed(position, text, error, pid)
            continue
        first_given[pid.key] = text
        duplicate = None if force else _duplicate(listed, pid, None)
        if duplicate is not None:
            outcomes[position] = _failed(position, text, duplicate, pid)
        else:
            to_fetch.append((position, text, pid))
    return outcomes, to_fetch


def _listed(ws: Workspace, root: Path, given: str | None) -> list[Entry]:
    """Every entry of every index, and of the --index file even when it lists nothing yet."""
    entries = [entry for doc in ws.indexes for entry in doc.entries]
    if given is not None and not any(doc.path == given for doc in ws.indexes):
        entries += _Index.read(root, given).found.entries
    return entries


# Arguments


def _check_options(
    inputs: Sequence[str],
    category: str | None,
    new_category: bool,
    refresh: bool,
    offline: bool,
    title: str | None,
    date: str | None,
    authors: Sequence[str],
) -> None:
    if not inputs:
        raise UsageError("give at least one paper: an arXiv id, a DOI or a paper URL")
    if new_category and not category:
        raise UsageError("--new-category needs --category NAME: the category to create")
    if refresh and offline:
        raise UsageError("--refresh needs the network and --offline forbids it; choose one")
    if title is None and (date is not None or authors):
        raise UsageError("--date and --author describe a paper given by hand: add --title")
    if title is not None:
        if len(inputs) != 1:
            raise UsageError("--title describes one paper: give exactly one id with it")
        if not " ".join(title.split()):
            raise UsageError("--title is empty")


def _parse_input(text: str) -> PaperId:
    """An input as a PaperId, or a UsageError saying why not; checked before anything is sent."""
    pid = parse_id(text)
    if pid is not None:
        return pid
    reason = is_malformed_arxiv_like(text.strip().removeprefix("arXiv:").removeprefix("arxiv:"))
    detail = f": {reason}" if reason else ""
    raise UsageError(
        f"not an arXiv id, DOI or paper URL: {text!r}{detail} "
        "(examples: 2103.10360, arXiv:2103.10360v2, hep-th/9901001, 10.18653/v1/P19-1139, "
        "https://arxiv.org/abs/2103.10360)"
    )


_DATE_RE = re.compile(r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?")


def _parse_date(text: str) -> tuple[str, Date]:
    """``--date`` as (the note's date text, a date): YYYY, YYYY-MM or YYYY-MM-DD."""
    m = _DATE_RE.fullmatch(text.strip())
    try:
        if m is None:
            raise ValueError
        year, month, day = int(m["year"]), int(m["month"] or 1), int(m["day"] or 1)
        when = Date(year, month, day)
    except ValueError:
        raise UsageError(f"--date {text!r} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD") from None
    return (f"{year:04d}-{month:02d}" if m["month"] else f"{year:04d}"), when


def _manual_paper(
    position: int, text: str, pid: PaperId, title: str, when: tuple[str, Date] | None, authors: list[str]
) -> _Paper:
    """A paper described on the command line: nothing is fetched, nothing is cached."""
    paper_id = PaperId(scheme=pid.scheme, value=pid.value)
    meta = PaperMeta(
        id=paper_id,
        version=pid.version,
        title=" ".join(title.split()),
        abstract="",
        authors=[" ".join(author.split()) for author in authors if author.strip()],
        published=when[1] if when else None,
        updated=None,
        primary_category=None,
        categories=[],
        doi=pid.value if pid.scheme == "doi" else None,
        journal_ref=None,
        comment=None,
        abs_url=paper_id.url,
        pdf_url=None,
        source="manual",
    )
    return _Paper(position, text, meta, when[0] if when else _date_of(meta))


def _date_of(meta: PaperMeta) -> str | None:
    if meta.published is not None:
        return f"{meta.published:%Y-%m}"
    year_month = arxiv_date(meta.id)
    return f"{year_month[0]}-{year_month[1]:02d}" if year_month else None


def _fetch(
    config: LoadedConfig,
    to_fetch: Sequence[tuple[int, str, PaperId]],
    outcomes: dict[int, Outcome],
    client: MetadataClient | None,
    *,
    refresh: bool,
    offline: bool,
) -> list[_Paper]:
    """The papers whose metadata came back (one batched fetch); the others become failed outcomes."""
    ids = [pid for _, _, pid in to_fetch]
    if client is not None:
        answers = client.fetch(ids)
    else:
        settings = config.settings
        with MetadataClient(
            arxiv_api=metadata.arxiv_api_from_env(settings.arxiv_api),
            crossref_api=metadata.crossref_api_from_env(settings.crossref_api),
            cache_dir=metadata.DEFAULT_CACHE_DIR,  # looked up now, so tests can point it elsewhere
            refresh=refresh,
            offline=offline,
            mailto=settings.crossref_mailto,
        ) as built:
            answers = built.fetch(ids)
    papers = []
    for position, text, pid in to_fetch:
        answer = answers[pid.key]
        if isinstance(answer, RemoteError):
            outcomes[position] = _failed(position, text, answer, pid)
        else:
            papers.append(_Paper(position, text, answer, _date_of(answer)))
    return papers


def _failed(position: int, text: str, error: PapernotesError, pid: PaperId | None = None) -> Outcome:
    return Outcome(position=position, input=text, message=str(error), error=error, paper=pid)


# Choosing the index and the category


def _choose_index(ws: Workspace, config: LoadedConfig, category: str | None, new_category: bool) -> str:
    """The index to write (relative to the root) when --index is not given: the only one, or the one
    holding the category; never a generated mirror."""
    mirror = compile_globs(config.settings.mirrors)
    candidates = [doc.path for doc in ws.indexes if not mirror(doc.path)]
    if category and not new_category:
        holding = [
            doc.path for doc in ws.indexes if doc.path in candidates and _matches(doc.sections, category)
        ]
        if len(holding) == 1:
            return holding[0]
        if holding:
            raise UsageError(f"category {category!r} is in {_listing(holding)}; choose one with --index")
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise UsageError("no index found (a Markdown file listing papers): give one with --index PATH")
    raise UsageError(f"several indexes: {_listing(candidates)}; choose one with --index")


def _given_index(root: Path, index: Path) -> str:
    rel = posixpath.normpath(Path(os.path.relpath(index.absolute(), root)).as_posix())
    if rel == ".." or rel.startswith("../"):
        raise UsageError(f"--index {index} is outside the repository {root}")
    if not rel.lower().endswith(MARKDOWN_EXTENSIONS) or not (root / rel).is_file():
        raise UsageError(f"--index {index} is not a Markdown file")
    return rel


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _matches(sections: Sequence[Section], wanted: str) -> list[Section]:
    """Sections named ``wanted`` (NFKC, case-insensitive), by their own name or by their path "a/b"."""
    key = _fold(wanted)
    found = [s for s in sections if _fold(s.path[-1]) == key] or [
        s for s in sections if _fold("/".join(s.path)) == key
    ]
    # The seed's "# 模型" holds only its sub-category "## 模型": the one holding entries is meant.
    holding = [s for s in found if s.entry_count]
    return holding if len(found) > 1 and len(holding) == 1 else found


def _category_path(
    sections: Sequence[Section], category: str | None, new_category: bool, index_rel: str
) -> tuple[str, ...]:
    """The category's path in the index; () for an index without categories."""
    if category is not None:
        found = _matches(sections, category)
        if new_category:
            if found:
                raise UsageError(
                    f"{index_rel}:{found[0].line}: category {category!r} exists; drop --new-category"
                )
            return (" ".join(category.split()),)
        if len(found) == 1:
            return tuple(found[0].path)
        if found:
            where = ", ".join(f"line {s.line}: {'/'.join(s.path)}" for s in found)
            raise UsageError(
                f"{index_rel}: several categories are named {category!r} ({where}); give its path a/b"
            )
        names = _listing(["/".join(s.path) for s in sections]) or "none"
        raise UsageError(
            f"{index_rel}: no category {category!r}; categories: {names} (--new-category creates one)"
        )
    holding = [s for s in sections if s.entry_count]
    if len(holding) > 1:
        names = _listing(["/".join(s.path) for s in holding])
        raise UsageError(f"{index_rel} has several categories; choose one with --category: {names}")
    return tuple(holding[0].path) if holding else ()


def _listing(items: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _other_entries(ws: Workspace, index_rel: str) -> list[Entry]:
    return [entry for doc in ws.indexes if doc.path != index_rel for entry in doc.entries]


# Duplicates


def _duplicate(entries: Iterable[Entry], pid: PaperId, meta: PaperMeta | None) -> RefusedError | None:
    """A refusal naming the entry that already lists this paper: same id (any form), DOI or title."""
    keys = _id_keys(pid)
    if meta is not None:
        keys |= _id_keys(meta.id)
        doi = parse_id(meta.doi) if meta.doi else None
        if doi is not None:
            keys |= _id_keys(doi)
    title_key = normalise_title(meta.title) if meta is not None else ""
    by_title = None
    for entry in entries:
        same = next((i for i in entry.ids if _id_keys(i) & keys), None)
        if same is not None:
            return _refusal(pid, entry, f"same {_SCHEMES[same.scheme]} {same.value}")
        # A listed paper with another arXiv id is another paper that happens to share the title.
        other_arxiv = entry.arxiv is not None and f"arxiv:{entry.arxiv.value}" not in keys
        if by_title is None and title_key and not other_arxiv and normalise_title(entry.title) == title_key:
            by_title = entry
    return _refusal(pid, by_title, "same title") if by_title is not None else None


_SCHEMES = {"arxiv": "arXiv id", "doi": "DOI", "acl": "ACL Anthology id", "openreview": "OpenReview id"}


def _refusal(pid: PaperId, entry: Entry, why: str) -> RefusedError:
    return RefusedError(
        f"{pid.value} is already listed as {entry.title!r} ({why}); --force adds it anyway",
        path=entry.span.file,
        line=entry.span.line,
    )


def _id_keys(pid: PaperId) -> set[str]:
    # ACL Anthology papers have DOIs 10.18653/v1/<anthology id>: both name one paper.
    keys = {pid.key}
    if pid.scheme == "doi" and pid.value.startswith("10.18653/v1/"):
        acl = parse_id(pid.value.removeprefix("10.18653/v1/"))
        if acl is not None and acl.scheme == "acl":
            keys.add(acl.key)
    elif pid.scheme == "acl":
        keys.add(f"doi:10.18653/v1/{pid.value.lower()}")
    return keys


# The note template


def _note_template(config: LoadedConfig, ws: Workspace, index_rel: str, entries: Sequence[Entry]) -> Template:
    """``note-template``, else the front matter shape most sibling notes share, else the built-in one."""
    setting = config.settings.note_template
    if setting is not None:
        path = config.root / setting
        try:
            text = read_text(path).text
        except PapernotesError as err:
            raise ConfigError(f"note-template {setting}: {err.message}", path=config.source) from None
        return parse_template(text, source=setting)
    models: dict[tuple[str, ...], tuple[str, int]] = {}  # shape -> (first note with it, closing line)
    counts: Counter[tuple[str, ...]] = Counter()
    for entry in entries:
        rel = resolve_target(index_rel, entry.note) if entry.note else None
        doc = ws.documents.get(rel) if rel else None
        if doc is None or doc.front_matter is None:
            continue
        front = doc.front_matter
        if front.format == "yaml" and front.error is None and front.data:
            shape = tuple(front.data)
            models.setdefault(shape, (doc.path, front.end))
            counts[shape] += 1
    if counts:
        model, end = models[counts.most_common(1)[0][0]]
        try:
            lines = read_text(config.root / model).lines()
        except PapernotesError:
            pass  # gone or unreadable since the workspace was read: the built-in template will do
        else:
            return template_from_front_matter(lines[1 : end - 1], source=f"the front matter of {model}")
    return parse_template(DEFAULT_TEMPLATE, source="the built-in note template")


def _values(paper: _Paper) -> dict[str, Value]:
    meta = paper.meta
    url = meta.id.url  # meta.id has no version: the landing page of the paper, not of one version
    categories = list(
        dict.fromkeys([*([meta.primary_category] if meta.primary_category else []), *meta.categories])
    )
    return {
        "id": meta.id.value,
        "arxiv_id": meta.id.value if meta.id.scheme == "arxiv" else None,
        "version": meta.version,
        "title": meta.title,
        "authors": list(meta.authors),
        "date": paper.date,
        "year": paper.date[:4] if paper.date else None,
        "categories": categories,
        "primary_category": meta.primary_category,
        "doi": meta.doi,
        "url": url,
        "urls": [url],
        "pdf_url": meta.pdf_url,
        "journal_ref": meta.journal_ref,
        "comment": meta.comment,
        "venue": None,
        "abstract": meta.abstract,
        "tags": [],
        "status": _STATUS,
    }


# The index


@dataclass
class _Index:
    """An index being edited in memory: the file as read, and its current text, parsed."""

    rel: str
    original: TextFile
    current: TextFile
    parsed: ParsedText
    found: IndexParse

    @classmethod
    def read(cls, root: Path, rel: str) -> _Index:
        tf = read_text(root / rel)
        return cls._of(rel, tf, tf)

    @classmethod
    def _of(cls, rel: str, original: TextFile, current: TextFile) -> _Index:
        parsed = parse_text(current.text, path=rel)
        return cls(rel, original, current, parsed, extract_entries(parsed, rel))

    def edit(self, edits: Sequence[LineEdit]) -> _Index:
        if not edits:
            return self
        data = apply_edits(self.current, edits)
        return _Index._of(self.rel, self.original, decode(data, self.original.path))


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


def _style(index: _Index, path: tuple[str, ...], section: Section | None) -> _Style:
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


# Planning


@dataclass
class _Added:
    paper: _Paper
    line: int  # the entry's first line in the current text
    note: str
    note_created: bool


class _Planner:
    """Adds papers one by one to the in-memory index, stages their notes, then writes (or diffs) it all."""

    def __init__(
        self,
        config: LoadedConfig,
        ws: Workspace,
        index: _Index,
        path: tuple[str, ...],
        template: Template,
        *,
        force: bool,
        dry_run: bool,
    ) -> None:
        self.config = config
        self.root = config.root
        self.index = index
        self.path = path
        self.template = template
        self.force = force
        self.dry_run = dry_run
        self.others = _other_entries(ws, index.rel)
        self.transaction = Transaction(self.root)
        self.added: list[_Added] = []

    def add(self, paper: _Paper, *, new_category: bool) -> Outcome | None:
        """Add one paper in memory; an Outcome only when it is refused (the others come from finish)."""
        meta = paper.meta
        duplicate = (
            None if self.force else _duplicate([*self.others, *self.index.found.entries], meta.id, meta)
        )
        if duplicate is not None:
            return _failed(paper.position, paper.input, duplicate, meta.id)
        link, note = self._note_link(paper)
        exists = any(a.note == note for a in self.added) or os.path.lexists(self.root / note)
        if exists and not self.force:
            error = RefusedError(f"note {note} already exists; --force adds the entry and links it there")
            return _failed(paper.position, paper.input, error, meta.id)
        try:
            edit, line = self._entry_edit(paper, link, new_category)
        except RefusedError as err:
            return _failed(paper.position, paper.input, err, meta.id)
        self._edit([edit])
        if not exists:
            text = render(self.template, _values(paper)).replace("\n", self.index.original.newline)
            self.transaction.create(self.root / note, text)
        self.added.append(_Added(paper, line, note, note_created=not exists))
        return None

    def finish(self) -> tuple[str, list[Path], list[Outcome]]:
        """Refresh the index's TOC, check the result, stage it; the diff, the files written, the outcomes."""
        if not self.added:
            return "", [], []
        settings = self.config.settings
        index = self.index
        self._edit(
            toc.plan(index.current, index.parsed, flavour=settings.slug_flavour, typora=settings.typora_toc)
        )
        self._verify()
        self.transaction.replace(self.index.original, self.index.current.raw)
        diff = self.transaction.diff()
        written = [] if self.dry_run else self.transaction.commit()
        return diff, written, [self._outcome(added) for added in self.added]

    def _edit(self, edits: Sequence[LineEdit]) -> None:
        for edit in edits:
            # An edit wholly above an entry moves it by the lines it adds or removes.
            delta = len(edit.lines) - (edit.end - edit.start + 1)
            for added in self.added:
                if edit.end < added.line:
                    added.line += delta
        self.index = self.index.edit(edits)

    def _note_link(self, paper: _Paper) -> tuple[str, str]:
        """(the link as the index writes it, the note's path relative to the root)."""
        settings = self.config.settings
        pattern = settings.note_path or _sibling_pattern(self.index.found.entries)
        source = str(self.config.source) if settings.note_path and self.config.source else "note-path"
        pid = safe_name(paper.meta.id.value)
        values = {
            "id": pid,
            "slug": slugify(paper.meta.title) or pid,
            "yyyymm": paper.date.replace("-", "")[:6] if paper.date else "undated",
        }
        link = fill_path(pattern, values, source=source)
        note = posixpath.normpath(posixpath.join(posixpath.dirname(self.index.rel), unquote(link)))
        if note == ".." or note.startswith("../") or posixpath.isabs(note):
            raise ConfigError(f"note-path {pattern!r} leads outside the repository ({note})", path=source)
        if not note.lower().endswith(MARKDOWN_EXTENSIONS):
            raise ConfigError(f"note-path {pattern!r} must name a Markdown file (.md)", path=source)
        return link, note

    def _entry_edit(self, paper: _Paper, link: str, new_category: bool) -> tuple[LineEdit, int]:
        """The insertion that adds the paper's entry, and the line the entry will start on."""
        index = self.index
        lines = index.parsed.lines
        section = next((s for s in index.found.sections if tuple(s.path) == self.path), None)
        if section is not None and section.in_conflict:
            raise RefusedError(
                "the category is in a merge conflict; resolve it first", path=index.rel, line=section.line
            )
        if section is None and self.path and not new_category:
            raise RefusedError(f"the category {'/'.join(self.path)} is gone; run add again", path=index.rel)
        siblings = [e for e in index.found.entries if tuple(e.category) == self.path]
        head: list[str] = []
        if section is None and self.path:  # a new category: at the end, at the level of the others
            level = _majority([s.level for s in index.found.sections if len(s.path) == 1], 2)
            section = Section(title=self.path[-1], level=level, line=len(lines), path=list(self.path))
            style = _style(index, self.path, section)
            head = [f"{'#' * level} {md_inline(self.path[-1])}", *([""] if style.blank else [])]
            after = _last_text_line(lines, len(lines))
        else:
            style = _style(index, self.path, section)
            after = (
                _after_siblings(siblings, paper, style) if siblings else _section_end(index.parsed, section)
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
            lines, after, [*head, *_entry_lines(paper, link, style, position)], style.blank
        )
        return edit, edit.start + lead + len(head)

    def _verify(self) -> None:
        """Each added paper reads back once more than before, at its line; else nothing is written."""
        old = extract_entries(
            parse_text(self.index.original.text, path=self.index.rel), self.index.rel
        ).entries
        new = self.index.found.entries
        for added in self.added:
            keys = _id_keys(added.paper.meta.id)

            def listed(entry: Entry, keys: set[str] = keys) -> bool:
                return any(_id_keys(i) & keys for i in entry.ids)

            here = next((e for e in new if e.span.line == added.line), None)
            if here is None or not listed(here) or sum(map(listed, new)) != sum(map(listed, old)) + 1:
                raise EditIntegrityError(
                    f"{self.index.rel}:{added.line}: the entry for {added.paper.input} does not read back; "
                    "nothing was written"
                )

    def _outcome(self, added: _Added) -> Outcome:
        meta = added.paper.meta
        where = f"{self.index.rel}:{added.line}" + (f" ({'/'.join(self.path)})" if self.path else "")
        note = f"note {added.note}" if added.note_created else f"linked to the existing note {added.note}"
        verb = "Would add" if self.dry_run else "Added"
        return Outcome(
            position=added.paper.position,
            input=added.paper.input,
            message=f'{verb} {meta.id} "{meta.title}" to {where}; {note}',
            paper=meta.id,
            title=meta.title,
            index=self.index.rel,
            line=added.line,
            note=added.note,
            note_created=added.note_created,
        )


# Writing entries


def _entry_lines(paper: _Paper, link: str, style: _Style, position: int) -> list[str]:
    """The entry in the house style: its heading or list item, then the URL line if siblings have one."""
    meta = paper.meta
    prefix = _prefix(style.prefix, paper)
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


def _prefix(kind: str, paper: _Paper) -> str:
    """The title prefix in the index's form; "" when the paper's date or id cannot give it."""
    pid = paper.meta.id
    year, month = (paper.date[:4], paper.date[5:7]) if paper.date else ("", "")
    if kind == "arxiv":
        return pid.value if pid.scheme == "arxiv" else year
    if kind == "yymm" and month and not 1990 <= int(year[2:] + month) <= 2039:
        return year[2:] + month  # "2002" would read back as the year 2002: then YYYYMM below
    if kind in ("yyyymm", "yymm"):
        return year + month
    return year if kind == "yyyy" else ""


def _sibling_pattern(entries: Sequence[Entry]) -> str:
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


def _after_siblings(siblings: Sequence[Entry], paper: _Paper, style: _Style) -> int:
    """The line to insert after: before the first older sibling when newest first, else after the last."""
    new = _when(paper.date, paper.meta.id)
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
