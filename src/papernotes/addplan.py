"""The one write of ``papernotes add``: every entry and note planned in memory, then all written at once.

``Planner`` adds the papers one by one to the index held in memory (refusing duplicates, notes that exist
already and places inside a merge conflict), stages each new note rendered from its template, refreshes the
index's TOC and checks that every entry reads back before anything is written. The caller holds
``repo_lock``; everything is written in one ``Transaction``, so a failed write leaves every file as it was.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from papernotes import toc
from papernotes.config import MARKDOWN_EXTENSIONS, LoadedConfig
from papernotes.edits import Transaction
from papernotes.entries import extract_entries
from papernotes.errors import ConfigError, RefusedError
from papernotes.housestyle import Index, entry_edit, sibling_pattern
from papernotes.ids import PaperId, parse_id
from papernotes.metadata import PaperMeta
from papernotes.model import Entry
from papernotes.parsing import parse_text
from papernotes.splice import EditIntegrityError, LineEdit
from papernotes.templates import Template, Value, fill_path, render, safe_name, slugify
from papernotes.titles import normalise_title
from papernotes.workspace import Workspace

__all__ = ["Added", "Paper", "Planner", "duplicate"]

_STATUS = "to-read"


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper to add: the input as given, its metadata, its date as the note records it."""

    position: int
    input: str
    meta: PaperMeta
    date: str | None  # "YYYY-MM" or "YYYY"


@dataclass
class Added:
    """A paper added in memory: where its entry starts now and the note it links to."""

    paper: Paper
    line: int  # the entry's first line in the current text
    note: str
    note_created: bool


class Planner:
    """Adds papers one by one to the in-memory index, stages their notes, then writes (or diffs) it all."""

    def __init__(
        self,
        config: LoadedConfig,
        ws: Workspace,
        index: Index,
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
        self.added: list[Added] = []

    def add(self, paper: Paper, *, new_category: bool) -> RefusedError | None:
        """Add one paper in memory; the refusal when it is refused (the others are reported by finish)."""
        meta = paper.meta
        refusal = None if self.force else duplicate([*self.others, *self.index.found.entries], meta.id, meta)
        if refusal is not None:
            return refusal
        link, note = self._note_link(paper)
        exists = any(a.note == note for a in self.added) or os.path.lexists(self.root / note)
        if exists and not self.force:
            return RefusedError(f"note {note} already exists; --force adds the entry and links it there")
        try:
            edit, line = entry_edit(self.index, self.path, meta, paper.date, link, new_category=new_category)
        except RefusedError as err:
            return err
        self._edit([edit])
        if not exists:
            text = render(self.template, _values(paper)).replace("\n", self.index.original.newline)
            self.transaction.create(self.root / note, text)
        self.added.append(Added(paper, line, note, note_created=not exists))
        return None

    def finish(self) -> tuple[str, list[Path], list[Added]]:
        """Refresh the TOC, check the result, stage it; the diff, the files written, the papers added."""
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
        return diff, written, list(self.added)

    def _edit(self, edits: Sequence[LineEdit]) -> None:
        for edit in edits:
            # An edit wholly above an entry moves it by the lines it adds or removes.
            delta = len(edit.lines) - (edit.end - edit.start + 1)
            for added in self.added:
                if edit.end < added.line:
                    added.line += delta
        self.index = self.index.edit(edits)

    def _note_link(self, paper: Paper) -> tuple[str, str]:
        """(the link as the index writes it, the note's path relative to the root)."""
        settings = self.config.settings
        pattern = settings.note_path or sibling_pattern(self.index.found.entries)
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


def _other_entries(ws: Workspace, index_rel: str) -> list[Entry]:
    return [entry for doc in ws.indexes if doc.path != index_rel for entry in doc.entries]


def _values(paper: Paper) -> dict[str, Value]:
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


# Duplicates


def duplicate(entries: Iterable[Entry], pid: PaperId, meta: PaperMeta | None) -> RefusedError | None:
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
