"""``papernotes add``: a paper by id or URL -> a note from a template, an entry in an index, a fresh TOC.

This module is the command's course: check the arguments and parse every input before anything is sent,
refuse papers listed already, choose the index and the category (``addtarget``), fetch the metadata, then
plan and write everything at once (``addplan``). The entry is written in the index's own house style, read
from the entries already there (``housestyle``). The note goes where the siblings' notes are (or
``note-path``), shaped like them (or like ``note-template``).

Each paper succeeds or fails on its own: one unknown id does not stop the others. Everything that is written
is written in one ``Transaction`` under ``repo_lock``, so a failed write leaves every file as it was. The
network is used before the lock is taken, and the index is read again under the lock, so two ``add``s running
at once both land (or the second is refused as a duplicate of the first), never one over the other.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path

from papernotes import metadata
from papernotes.addplan import Added, Paper, Planner, duplicate
from papernotes.addtarget import category_path, choose_index, given_index, note_template
from papernotes.config import LoadedConfig
from papernotes.edits import repo_lock
from papernotes.errors import PapernotesError, RefusedError, RemoteError, UsageError
from papernotes.housestyle import Index
from papernotes.ids import PaperId, arxiv_date, is_malformed_arxiv_like, parse_id
from papernotes.metadata import MetadataClient, PaperMeta
from papernotes.model import Entry
from papernotes.workspace import Workspace, load_workspace

__all__ = ["AddResult", "Outcome", "run_add"]


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
    given = given_index(root, index) if index is not None else None
    outcomes, to_fetch = _screen(wanted, _listed(ws, root, given), force=force)
    result = AddResult(outcomes=[], dry_run=dry_run)
    if to_fetch:
        # Asked only now: a paper that is listed already needs no index or category to be refused.
        index_rel = given or choose_index(ws, config, category, new_category)
        target = Index.read(root, index_rel)
        path = category_path(target.found.sections, category, new_category, index_rel)
        template = note_template(config, ws, index_rel, target.found.entries)
        if title is not None:
            papers = [_manual_paper(*to_fetch[0], title, manual_date, authors)]
        else:
            papers = _fetch(config, to_fetch, outcomes, client, refresh=refresh, offline=offline)
        if papers:
            with nullcontext() if dry_run else repo_lock(root):
                if not dry_run:  # read again under the lock: another add may have written meanwhile
                    ws = load_workspace(config)
                    target = Index.read(root, index_rel)
                planner = Planner(config, ws, target, path, template, force=force, dry_run=dry_run)
                for paper in papers:
                    error = planner.add(paper, new_category=new_category)
                    if error is not None:
                        outcomes[paper.position] = _failed(paper.position, paper.input, error, paper.meta.id)
                result.diff, result.written, added = planner.finish()
            outcomes.update((a.paper.position, _outcome(a, index_rel, path, dry_run=dry_run)) for a in added)
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
        refusal = None if force else duplicate(listed, pid, None)
        if refusal is not None:
            outcomes[position] = _failed(position, text, refusal, pid)
        else:
            to_fetch.append((position, text, pid))
    return outcomes, to_fetch


def _listed(ws: Workspace, root: Path, given: str | None) -> list[Entry]:
    """Every entry of every index, and of the --index file even when it lists nothing yet."""
    entries = [entry for doc in ws.indexes for entry in doc.entries]
    if given is not None and not any(doc.path == given for doc in ws.indexes):
        entries += Index.read(root, given).found.entries
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
) -> Paper:
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
    return Paper(position, text, meta, when[0] if when else _date_of(meta))


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
) -> list[Paper]:
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
            papers.append(Paper(position, text, answer, _date_of(answer)))
    return papers


def _failed(position: int, text: str, error: PapernotesError, pid: PaperId | None = None) -> Outcome:
    return Outcome(position=position, input=text, message=str(error), error=error, paper=pid)


def _outcome(added: Added, index_rel: str, path: tuple[str, ...], *, dry_run: bool) -> Outcome:
    meta = added.paper.meta
    where = f"{index_rel}:{added.line}" + (f" ({'/'.join(path)})" if path else "")
    note = f"note {added.note}" if added.note_created else f"linked to the existing note {added.note}"
    verb = "Would add" if dry_run else "Added"
    return Outcome(
        position=added.paper.position,
        input=added.paper.input,
        message=f'{verb} {meta.id} "{meta.title}" to {where}; {note}',
        paper=meta.id,
        title=meta.title,
        index=index_rel,
        line=added.line,
        note=added.note,
        note_created=added.note_created,
    )
