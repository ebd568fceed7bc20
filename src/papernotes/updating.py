"""``papernotes update``: ask arXiv whether the papers of the collection moved on since their notes were
written: a newer version, a new title, a DOI or a journal reference (the preprint was published).

One batched, rate-limited, cached fetch (the client ``add`` uses) answers for every paper, before anything is
read for writing. The report is a table of changes. ``--write`` applies those a note's front matter holds
(``version``, ``doi``, ``venue``, ``urls``) by editing only their lines (``frontedit``): quoting, comments and
list styles are kept, and each edited front matter is loaded back and compared with what was meant before
anything is written. A changed title is only reported, with the edits (and the ``papernotes mv``) that would
apply it: renaming is the user's call.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Literal

from papernotes import metadata
from papernotes.config import LoadedConfig
from papernotes.edits import Transaction, repo_lock
from papernotes.errors import NotFoundError, RefusedError, RemoteError, UnsafeInputError, UsageError
from papernotes.front import front_matter_of
from papernotes.frontedit import FrontEditError, edit_front, top_keys
from papernotes.ids import PaperId, arxiv_date, parse_id
from papernotes.metadata import MetadataClient, PaperMeta
from papernotes.model import Entry, FrontMatter
from papernotes.queries import note_of
from papernotes.templates import slugify, yaml_scalar
from papernotes.textfile import TextFile, read_text
from papernotes.titles import normalise_title
from papernotes.workspace import Workspace, load_workspace

__all__ = ["Change", "UpdateResult", "render_report", "run_update"]

Field = Literal["version", "title", "doi", "venue", "urls"]
_FIELD_ORDER: dict[str, int] = {"version": 0, "title": 1, "doi": 2, "venue": 3, "urls": 4}
_ID_KEYS = ("id", "arxiv_id", "arxiv")
_VERSION_KEYS = ("version", "arxiv_version")  # the second is what other tools write (templates' aliases)
_URL_KEYS = ("urls", "links")
_SINCE_RE = re.compile(r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?")


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between the collection and arXiv. ``key`` is the front matter key ``--write`` sets
    (None: reported only, ``hints`` say what to do by hand)."""

    paper: str  # the arXiv id, without version
    field: Field
    old: str | None  # None: nothing recorded
    new: str
    file: str  # the note (or, for a paper without one, the index) the old value was read from
    line: int | None
    key: str | None = None
    hints: tuple[str, ...] = ()
    written: bool = False


@dataclass
class UpdateResult:
    checked: list[str] = field(default_factory=list)  # the arXiv ids asked for, without version
    changes: list[Change] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # one message per id arXiv does not know
    written: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files that could not be read: their papers unchecked
    write: bool = False

    @property
    def pending(self) -> list[Change]:
        return [change for change in self.changes if not change.written]

    @property
    def exit_code(self) -> int:
        """3 when a file could not be read (as for lint), 1 while a change is not written or a paper is
        unknown to arXiv, else 0."""
        if self.skipped:
            return 3
        return 1 if self.pending or self.missing else 0


def run_update(
    config: LoadedConfig,
    ids: list[str],
    *,
    since: str | None,
    write: bool,
    client: MetadataClient | None = None,
    refresh: bool = False,
) -> UpdateResult:
    """Check the collection's arXiv papers (all, those in ``ids``, or those dated on or after ``since``)
    against arXiv; with ``write``, apply what the notes' front matter can hold.

    Raises UsageError (a malformed id or date), RefusedError (an id that is not in the collection) and
    RemoteError (arXiv could not be asked: exit 4, nothing written). ``client`` is used as given; None builds
    one from the settings, ``PAPERNOTES_ARXIV_API`` and ``refresh``.
    """
    since_text = _parse_since(since) if since is not None else None
    wanted = [_parse_wanted(text) for text in ids]
    ws = load_workspace(config)
    papers = _collect(ws)
    selected = _select(papers, wanted, since_text)
    result = UpdateResult(checked=[papers[key].id.value for key in selected], write=write)
    result.skipped = [
        _where(doc.path, doc.skipped_line) + f": {doc.skipped}"
        for doc in ws.documents.values()
        if doc.skipped
    ]
    if not selected:
        return result
    answers = _fetch(config, [papers[key].id for key in selected], client, refresh)
    found: dict[str, PaperMeta] = {}
    for key in selected:
        answer = answers[key]
        if isinstance(answer, NotFoundError):
            result.missing.append(f"{papers[key].id.value}: {answer.message}")
        elif isinstance(answer, RemoteError):
            raise answer  # rate limited, unreachable: nothing is written on half an answer
        else:
            found[key] = answer
    if not write:
        checker = _Checker(config.root)
        result.changes = checker.changes(papers, found)
        result.warnings += checker.warnings
        return result
    with repo_lock(config.root):
        checker = _Checker(config.root)  # read again under the lock: a note may have changed meanwhile
        result.changes = checker.changes(_collect(load_workspace(config)), found)
        result.changes, result.written = checker.write(result.changes)
        result.warnings += checker.warnings
    return result


# Arguments


def _where(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line is not None else path


def _parse_since(text: str) -> str:
    match = _SINCE_RE.fullmatch(text.strip())
    try:
        if match is None:
            raise ValueError
        date(int(match["year"]), int(match["month"] or 1), int(match["day"] or 1))
    except ValueError:
        raise UsageError(f"--since {text!r} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD") from None
    return match.group(0)


def _parse_wanted(text: str) -> PaperId:
    pid = parse_id(text)
    if pid is None or pid.scheme != "arxiv":
        raise UsageError(f"not an arXiv id or URL: {text!r}; update asks arXiv (example: 2103.10360)")
    return _bare(pid)


def _bare(pid: PaperId) -> PaperId:
    return PaperId(scheme=pid.scheme, value=pid.value)


# The collection


@dataclass
class _Paper:
    id: PaperId  # without version
    notes: list[str] = field(default_factory=list)  # note paths, in discovery order
    entries: list[Entry] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)  # "YYYY", "YYYY-MM" or "YYYY-MM-DD"


def _collect(ws: Workspace) -> dict[str, _Paper]:
    """Every arXiv paper of the collection: the notes that name it in their front matter, and the index
    entries that list it (with their notes, unless those name another paper)."""
    papers: dict[str, _Paper] = {}
    owner: dict[str, str] = {}
    for doc in ws.documents.values():
        pid = _front_id(doc.front_matter)
        if pid is None:
            continue
        paper = papers.setdefault(pid.key, _Paper(_bare(pid)))
        paper.notes.append(doc.path)
        owner[doc.path] = pid.key
        paper.dates += _front_dates(doc.front_matter)
    for index in ws.indexes:
        for entry in index.entries:
            pid = entry.arxiv
            if pid is None:
                continue
            paper = papers.setdefault(pid.key, _Paper(_bare(pid)))
            paper.entries.append(entry)
            paper.dates += [entry.date] if entry.date else []
            note = note_of(ws, entry)
            if (
                note is not None
                and owner.setdefault(note.path, pid.key) == pid.key
                and note.path not in paper.notes
            ):
                paper.notes.append(note.path)
    for paper in papers.values():
        year_month = arxiv_date(paper.id)
        if year_month is not None:
            paper.dates.append(f"{year_month[0]:04d}-{year_month[1]:02d}")
    return papers


def _front_id(front: FrontMatter | None) -> PaperId | None:
    data = front.data if front is not None else None
    for key in _ID_KEYS:
        value = (data or {}).get(key)
        # Only strings: an unquoted 2103.10360 loads as the float 2103.1036, another paper's id.
        pid = parse_id(value) if isinstance(value, str) else None
        if pid is not None and pid.scheme == "arxiv":
            return pid
    return None


def _front_dates(front: FrontMatter | None) -> list[str]:
    value = (front.data or {}).get("date") if front is not None else None
    match = _SINCE_RE.match(value) if isinstance(value, str) else None
    return [match.group(0)] if match else []


def _select(papers: dict[str, _Paper], wanted: Sequence[PaperId], since: str | None) -> list[str]:
    """Keys of the papers to check, sorted (the order of the one batched request)."""
    if wanted:
        unknown = [str(pid) for pid in wanted if pid.key not in papers]
        if unknown:
            raise RefusedError(
                f"not in the collection: {', '.join(unknown)}; `papernotes add` adds a paper, "
                "update only checks the papers listed"
            )
        keys = {pid.key for pid in wanted}
    else:
        keys = set(papers)
    if since is not None:
        keys = {key for key in keys if any(_on_or_after(when, since) for when in papers[key].dates)}
    return sorted(keys)


def _on_or_after(when: str, since: str) -> bool:
    # Compared at the coarser precision: a paper of "2021-03" is on or after "2021-03-15".
    size = min(len(when), len(since))
    return when[:size] >= since[:size]


def _fetch(
    config: LoadedConfig, ids: list[PaperId], client: MetadataClient | None, refresh: bool
) -> dict[str, PaperMeta | RemoteError]:
    if client is not None:
        return client.fetch(ids)
    settings = config.settings
    with MetadataClient(
        arxiv_api=metadata.arxiv_api_from_env(settings.arxiv_api),
        crossref_api=metadata.crossref_api_from_env(settings.crossref_api),
        cache_dir=metadata.DEFAULT_CACHE_DIR,
        refresh=refresh,
        mailto=settings.crossref_mailto,
    ) as built:
        return built.fetch(ids)


# Comparing


class _Checker:
    """Compares notes and entries with arXiv's answers; writes what the notes' front matter holds."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.texts: dict[str, TextFile] = {}
        self.warnings: list[str] = []

    def changes(self, papers: dict[str, _Paper], found: dict[str, PaperMeta]) -> list[Change]:
        out: list[Change] = []
        for key, meta in found.items():
            paper = papers.get(key)
            if paper is None:
                continue  # gone from the collection since it was asked about
            notes = [note for note in (self._note(path) for path in paper.notes) if note is not None]
            if notes:
                for note in notes:
                    out += _note_changes(note, paper, meta)
            else:
                out += _index_changes(paper, meta)
        return sorted(out, key=lambda c: (c.paper, c.file, _FIELD_ORDER[c.field]))

    def _note(self, path: str) -> _Note | None:
        try:
            tf = self.texts.get(path) or read_text(self.root / path)
        except UnsafeInputError as err:
            self.warnings.append(f"{path}: {err.message}; not checked")
            return None
        self.texts[path] = tf
        lines = tf.lines()
        front = front_matter_of(lines)
        if front is None or front.data is None:
            return None  # no (readable) front matter: the paper is compared through its entries
        return _Note(path, lines, front)

    def write(self, changes: list[Change]) -> tuple[list[Change], list[Path]]:
        """Apply the writable changes, one transaction for every note; return the changes marked written."""
        by_note: dict[str, list[int]] = {}
        for index, change in enumerate(changes):
            if change.key is not None:
                by_note.setdefault(change.file, []).append(index)
        transaction = Transaction(self.root)
        applied: set[int] = set()
        for path, indexes in by_note.items():
            tf = self.texts[path]
            try:
                transaction.replace(tf, edit_front(tf, *_front_edits([changes[i] for i in indexes])))
            except (FrontEditError, UnsafeInputError) as err:
                reason = err.message if isinstance(err, UnsafeInputError) else str(err)
                self.warnings.append(f"{path}: {reason}; not written, edit it by hand")
                continue
            applied.update(indexes)
        written = transaction.commit(reparse=_reparse)
        return [replace(c, written=True) if i in applied else c for i, c in enumerate(changes)], written


def _reparse(text: str) -> object:
    from papernotes.parsing import parse_text

    return parse_text(text)


def _front_edits(changes: list[Change]) -> tuple[list[tuple[str, str | int]], list[tuple[str, str]]]:
    """The values to set and the URLs to add for the writable ``changes`` of one note, in field order."""
    values: list[tuple[str, str | int]] = []
    items: list[tuple[str, str]] = []
    for change in sorted(changes, key=lambda c: _FIELD_ORDER[c.field]):
        assert change.key is not None
        if change.field == "urls":
            items.append((change.key, change.new))
        else:
            values.append((change.key, int(change.new) if change.field == "version" else change.new))
    return values, items


@dataclass(frozen=True, slots=True)
class _Note:
    path: str
    lines: list[str]
    front: FrontMatter

    @property
    def data(self) -> dict[str, object]:
        return self.front.data or {}

    def line_of(self, key: str) -> int | None:
        return top_keys(self.lines, self.front).get(key)


def _note_changes(note: _Note, paper: _Paper, meta: PaperMeta) -> list[Change]:
    data = note.data
    yaml = note.front.format == "yaml"
    made: list[Change] = []

    def add(kind: Field, old: str | None, new: str, key: str | None, where: str, *hints: str) -> None:
        usable = key if yaml else None
        said = hints if usable or key is None else (*hints, "TOML front matter: papernotes edits YAML only")
        made.append(Change(paper.id.value, kind, old, new, note.path, note.line_of(where), usable, said))

    version_key = next((key for key in _VERSION_KEYS if key in data), None)
    old_version = _version(data.get(version_key)) if version_key else None
    id_version = _front_id(note.front)
    if old_version is None and id_version is not None and id_version.version is not None:
        old_version, version_key = id_version.version, None
    if old_version is not None and meta.version is not None and meta.version > old_version:
        hint = () if version_key else ("the note's id carries the version: edit it by hand",)
        add("version", str(old_version), str(meta.version), version_key, version_key or "id", *hint)
    title = data.get("title")
    if isinstance(title, str) and normalise_title(title) != normalise_title(meta.title):
        add("title", title, meta.title, None, "title", *_title_hints(note, paper, title, meta.title))
    if meta.doi:
        doi = data.get("doi")
        if _empty(doi):
            add("doi", None, meta.doi, "doi", "doi")
        elif str(doi).strip().lower() != meta.doi.lower():
            add(
                "doi", str(doi), meta.doi, None, "doi", "the note names another DOI: check which one is right"
            )
        urls_key = next((key for key in _URL_KEYS if key in data), "urls")
        value = data.get(urls_key)
        url = f"https://doi.org/{meta.doi}"
        items = value if isinstance(value, list) else [value] if value is not None else []
        if not any(isinstance(item, str) and _same_url(item, url) for item in items):
            listed = value is None or isinstance(value, list)
            hint = () if listed else (f"`{urls_key}` is not a list: add the URL by hand",)
            add("urls", None, url, urls_key if listed else None, urls_key, *hint)
    if meta.journal_ref:
        venue_key = "journal_ref" if "journal_ref" in data and "venue" not in data else "venue"
        if _empty(data.get(venue_key)):
            add("venue", None, meta.journal_ref, venue_key, venue_key)
    return made


def _index_changes(paper: _Paper, meta: PaperMeta) -> list[Change]:
    """A paper without a note to record anything in: what its entries say, reported only."""
    made: list[Change] = []
    for entry in paper.entries:
        where = f"line {entry.span.line} of {entry.span.file}"

        def add(kind: Field, old: str | None, new: str, *hints: str, entry: Entry = entry) -> None:
            made.append(Change(paper.id.value, kind, old, new, entry.span.file, entry.span.line, hints=hints))

        listed = entry.arxiv.version if entry.arxiv is not None else None
        if listed is not None and meta.version is not None and meta.version > listed:
            add("version", str(listed), str(meta.version), f"the entry links v{listed}: update its link")
        if normalise_title(entry.title) != normalise_title(meta.title):
            renames = ((path, _renamed(path, entry.title, meta.title)) for path in paper.notes)
            moves = [f"papernotes mv {shlex.quote(a)} {shlex.quote(b)}" for a, b in renames if b is not None]
            add("title", entry.title, meta.title, f"retitle the entry on {where}", *moves)
        if meta.doi:
            add("doi", None, meta.doi, "no note with front matter records it")
        if meta.journal_ref:
            add("venue", None, meta.journal_ref, "no note with front matter records it")
    return made


def _version(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"[vV]?[0-9]{1,6}", value.strip()):
        return int(value.strip().lstrip("vV"))
    return None


def _empty(value: object) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _same_url(a: str, b: str) -> bool:
    def bare(url: str) -> str:
        return re.sub(r"^https?://(dx\.)?", "", url.strip()).rstrip("/").lower()

    return bare(a) == bare(b)


# Title changes: the edits to make by hand


# Ways notes are named after titles, seen in the wild: "ELECTRA__Pre-training_Text" (each character that
# is not a word character becomes "_"), "ProphetNet_Predicting_Future_N_gram" (runs of them), "glm-general"
# (add's slug), and the same with hyphens.
_NAME_STYLES: tuple[Callable[[str], str], ...] = (
    lambda title: re.sub(r"[^\w-]", "_", title),
    lambda title: re.sub(r"[^A-Za-z0-9]+", "_", title).strip("_"),
    lambda title: re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-"),
    slugify,
)
_MIN_NAMED = 8  # shorter pieces of a title turn up in names by chance


def _title_hints(note: _Note, paper: _Paper, old: str, new: str) -> tuple[str, ...]:
    line = note.line_of("title")
    hints = [f"set title: {yaml_scalar(new)} in {note.path}" + (f" (line {line})" if line else "")]
    renamed = _renamed(note.path, old, new)
    if renamed is not None:
        hints.append(f"papernotes mv {shlex.quote(note.path)} {shlex.quote(renamed)}")
    hints += [f"retitle the entry on line {entry.span.line} of {entry.span.file}" for entry in paper.entries]
    return tuple(hints)


def _renamed(path: str, old: str, new: str) -> str | None:
    """The note's path with the new title where the old one stands in its name, when it does."""
    folder, name = posixpath.split(path)
    stem, extension = posixpath.splitext(name)
    for style in _NAME_STYLES:
        before, after = style(old), style(new)
        for a, b in ((before, after), (before.lower(), after.lower())):
            if len(a) >= _MIN_NAMED and a in stem and b and a != b:
                return posixpath.join(folder, stem.replace(a, b, 1) + extension)
    return None


# The report


def render_report(result: UpdateResult) -> str:
    """The table ``papernotes update`` prints: per file, one row per change (id, what, old -> new), the
    edits to make by hand under it, then a summary."""
    out: list[str] = []
    id_width = max((len(c.paper) for c in result.changes), default=0)
    field_width = max((len(c.field) for c in result.changes), default=0)
    current = None
    for change in result.changes:
        if change.file != current:
            current = change.file
            out.append(change.file)
        mark = "  [written]" if change.written else ""
        row = f"  {change.paper:<{id_width}}  {change.field:<{field_width}}  "
        out.append(row + _old_new(change) + mark)
        out += [" " * len(row) + f"- {hint}" for hint in change.hints]
    out += result.missing
    out += [f"skipped {where}: its papers were not checked" for where in result.skipped]
    if out:
        out.append("")
    out.append(_summary(result) if result.checked else "No arXiv papers to check.")
    return "\n".join(out) + "\n"


def _old_new(change: Change) -> str:
    if change.field == "urls":
        return f"+ {change.new}"
    if change.field == "title":
        return f"{yaml_scalar(change.old)} -> {yaml_scalar(change.new)}"
    return f"{change.old if change.old is not None else '(none)'} -> {change.new}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _summary(result: UpdateResult) -> str:
    checked = _count(len(result.checked), "paper") + " checked"
    if not result.changes:
        return f"{checked}: up to date." if not result.missing else f"{checked}."
    found = _count(len(result.changes), "change")
    written = [c for c in result.changes if c.written]
    if written:
        notes = _count(len({c.file for c in written}), "note")
        left = f"; {len(result.pending)} left to make by hand" if result.pending else ""
        return f"{checked}: {found}, {len(written)} written to {notes}{left}."
    writable = sum(1 for c in result.changes if c.key is not None)
    if result.write or not writable:
        return f"{checked}: {found}, to make by hand."
    return f"{checked}: {found}; `papernotes update --write` writes {writable} of them to the notes."
