"""Questions asked of a workspace: which entries match, which entry is this paper, what is its note."""

from __future__ import annotations

import posixpath
import unicodedata
from collections.abc import Iterable
from urllib.parse import unquote

from papernotes.ids import parse_id
from papernotes.model import Document, Entry
from papernotes.titles import normalise_title
from papernotes.workspace import Workspace

__all__ = ["all_entries", "filter_entries", "find_entries", "note_of", "note_path", "resolve_target"]


def all_entries(ws: Workspace) -> list[Entry]:
    return [entry for doc in ws.indexes for entry in doc.entries]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def filter_entries(
    entries: Iterable[Entry],
    *,
    category: str | None = None,
    year: str | None = None,
    query: str | None = None,
    todo: bool = False,
) -> list[Entry]:
    out: list[Entry] = []
    cat = _fold(category) if category else None
    needle = _fold(query) if query else None
    for entry in entries:
        if cat is not None and not any(_fold(c) == cat for c in entry.category):
            continue
        if year is not None and not (entry.date or "").startswith(year):
            continue
        if todo and entry.todo != "open":
            continue
        if needle is not None:
            haystack = " ".join(
                [entry.title, entry.raw_title, entry.venue or "", *(str(i) for i in entry.ids)]
            )
            if needle not in _fold(haystack):
                continue
        out.append(entry)
    return out


def find_entries(entries: Iterable[Entry], id_or_title: str) -> list[Entry]:
    """Entries for an identifier (any form) or a title (exact normalised match first, then substring)."""
    pool = list(entries)
    pid = parse_id(id_or_title)
    if pid is not None:
        return [e for e in pool if any(i.key == pid.key for i in e.ids)]
    key = normalise_title(id_or_title)
    exact = [e for e in pool if normalise_title(e.title) == key]
    if exact or not key:
        return exact
    return [e for e in pool if key in normalise_title(e.title)]


def resolve_target(source_file: str, target: str) -> str | None:
    """A relative link target -> repository-relative path (``None`` for URLs and anchors-only links)."""
    if not target or target.startswith(("#", "mailto:")) or "://" in target[:12]:
        return None
    path = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if not path:
        return None
    base = posixpath.dirname(source_file)
    joined = posixpath.normpath(posixpath.join(base, path.lstrip("/") if path.startswith("/") else path))
    if path.startswith("/"):
        joined = posixpath.normpath(path.lstrip("/"))
    return joined


def note_path(ws: Workspace, entry: Entry) -> str | None:
    """The repository file an entry's note link leads to, if it exists (``x`` may stand for ``x.md``)."""
    if entry.note is None:
        return None
    rel = resolve_target(entry.span.file, entry.note)
    if rel is None:
        return None
    files = ws.discovery.files
    return rel if rel in files else rel + ".md" if rel + ".md" in files else None


def note_of(ws: Workspace, entry: Entry) -> Document | None:
    path = note_path(ws, entry)
    return ws.documents.get(path) if path is not None else None
