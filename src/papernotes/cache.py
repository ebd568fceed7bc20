"""Lint's per-file cache: the extracted ``FileFacts`` of every file, in ``.papernotes_cache/``.

Keyed by path, then size and mtime (a hit without reading the file), then content digest (a hit after a
checkout touched the file without changing it); the whole cache is keyed by the papernotes version and a
fingerprint of the configuration. Stored with ``marshal`` as plain tuples: loading 10,000 files' facts takes
milliseconds, where validating the same data as pydantic models takes seconds. A corrupt or foreign cache is
ignored and rebuilt; the file is replaced atomically, so two runs sharing it never see half a cache. A run
that re-parsed only a few files writes them to a small journal next to it instead (see ``CacheStore``).
"""

from __future__ import annotations

import marshal
import os
from pathlib import Path

from papernotes import __version__
from papernotes.diagnostics import Finding
from papernotes.facts import EntryFact, FileFacts, HeadingFact, LinkFact, Pragma

__all__ = [
    "CACHE_DIR",
    "CacheStore",
    "Entry",
    "RunCache",
    "entry_of",
    "facts_from_tuple",
    "facts_to_tuple",
    "run_key",
]

CACHE_DIR = ".papernotes_cache"
_FORMAT = 4
_NAME = "lint.marshal"
_JOURNAL_NAME = "lint.journal.marshal"
# The journal is written while it holds at most one record in this many; past that, the whole cache.
_JOURNAL_SHARE = 8
_TOC = 18  # where ``facts_to_tuple`` puts ``FileFacts.toc``
_FIELDS = 19  # how many fields it writes
_RUN_NAME = "run.marshal"


def facts_to_tuple(f: FileFacts) -> tuple[object, ...]:
    return (
        f.path,
        f.role,
        f.size,
        f.mtime_ns,
        f.digest,
        f.title,
        tuple(f.anchors),
        tuple(f.html_anchors),
        # marshal takes plain tuples only; a string equal to another field is written as that same object,
        # which marshal stores once and loads as one (headings' text and source, links' text and target)
        tuple((h[0], h[1], h[2], h[2] if h[3] == h[2] else h[3], *h[4:]) for h in f.headings),
        tuple((*k[:4], k[1] if k[4] == k[1] else k[4]) for k in f.links),
        tuple(map(tuple, f.entries)),
        f.fm_id,
        f.fm_title,
        f.fm_line,
        tuple(map(tuple, f.pragmas)),
        tuple(f.findings),
        f.skipped,
        f.skipped_line,
        f.toc,
    )


def facts_from_tuple(t: tuple[object, ...]) -> FileFacts:
    (
        path,
        role,
        size,
        mtime_ns,
        digest,
        title,
        anchors,
        html_anchors,
        headings,
        links,
        entries,
        fm_id,
        fm_title,
        fm_line,
        pragmas,
        findings,
        skipped,
        skipped_line,
        toc,
    ) = t
    return FileFacts(
        path=path,  # type: ignore[arg-type]
        role=role,  # type: ignore[arg-type]
        size=size,  # type: ignore[arg-type]
        mtime_ns=mtime_ns,  # type: ignore[arg-type]
        digest=digest,  # type: ignore[arg-type]
        title=title,  # type: ignore[arg-type]
        anchors=list(anchors),  # type: ignore[call-overload]
        html_anchors=list(html_anchors),  # type: ignore[call-overload]
        headings=list(map(HeadingFact._make, headings)),  # type: ignore[call-overload]
        links=list(map(LinkFact._make, links)),  # type: ignore[call-overload]
        entries=list(map(EntryFact._make, entries)),  # type: ignore[call-overload]
        fm_id=fm_id,  # type: ignore[arg-type]
        fm_title=fm_title,  # type: ignore[arg-type]
        fm_line=fm_line,  # type: ignore[arg-type]
        pragmas=list(map(Pragma._make, pragmas)),  # type: ignore[call-overload]
        findings=list(findings),  # type: ignore[call-overload]
        skipped=skipped,  # type: ignore[arg-type]
        skipped_line=skipped_line,  # type: ignore[arg-type]
        toc=toc,  # type: ignore[arg-type]
    )


# One file's entry: its size, mtime and content digest (to look it up without decoding it) and its facts as
# ``marshal`` bytes of ``facts_to_tuple``: a bytes object per file takes a fraction of the memory of the
# nested tuples, so 100,000 files' entries stay small until a run decodes the ones it uses.
Entry = tuple[int, int, str, bytes]


def entry_of(facts: FileFacts) -> Entry:
    return (facts.size, facts.mtime_ns, facts.digest, marshal.dumps(facts_to_tuple(facts)))  # type: ignore[arg-type]


class CacheStore:
    """Load once, look up per file, save once.

    The cache is a base file and a journal of the entries changed since it was written: a run that re-parsed
    a few files writes a small journal instead of the whole cache (24 MB at 10,000 notes). The journal names
    the base it applies to, so a journal left by a run that raced another one is ignored, never misapplied;
    entries are checked against each file's size and time anyway.
    """

    def __init__(self, root: Path, fingerprint: str) -> None:
        self.root = root
        self.path = root / CACHE_DIR / _NAME
        self.journal_path = root / CACHE_DIR / _JOURNAL_NAME
        self.key = (_FORMAT, __version__, fingerprint)
        self.entries: dict[str, Entry] = {}
        self.by_digest: dict[tuple[str, str], Entry] = {}
        self.warning: str | None = None
        self.dirty = False
        self.base: str | None = None  # the token of the base file loaded
        self.changed: dict[str, Entry | None] = {}  # since the base; None: the file is gone

    def load(self) -> None:
        try:
            data = self.path.read_bytes()
        except OSError:
            return
        try:
            loaded = marshal.loads(data)
            if not isinstance(loaded, tuple) or not loaded or tuple(loaded[0]) != self.key:
                return  # another version or configuration: rebuilt silently
            _key, base, entries = loaded
            if not isinstance(entries, dict) or not isinstance(base, str):
                raise TypeError("cache entries are not a mapping")
            self.entries = {path: e for path, e in entries.items() if _is_entry(path, e)}
            self.base = base
        except (EOFError, ValueError, TypeError) as err:
            self.warning = f"the lint cache {self.path} is corrupt ({err}); rebuilding it"
            self.entries = {}
            self.dirty = True
            return
        self._replay()
        for path, entry in self.entries.items():
            self.by_digest[path, entry[2]] = entry

    def _replay(self) -> None:
        try:
            key, base, changed = marshal.loads(self.journal_path.read_bytes())
            if tuple(key) != self.key or base != self.base or not isinstance(changed, dict):
                return  # written for another base: its entries are stale or already in this one
        except (OSError, EOFError, ValueError, TypeError):
            return  # no journal, or a broken one: the base alone is a valid, older cache
        for path, entry in changed.items():
            if entry is None:
                self.entries.pop(path, None)
            elif _is_entry(path, entry):
                self.entries[path] = entry
        self.changed = {path: e for path, e in changed.items() if e is None or _is_entry(path, e)}

    def get(self, path: str, size: int, mtime_ns: int) -> FileFacts | None:
        entry = self.entries.get(path)
        if entry is None or entry[0] != size or entry[1] != mtime_ns:
            return None
        return _decoded(path, entry)

    def toc_of(self, path: str, size: int, mtime_ns: int) -> tuple[tuple[object, ...], ...] | None:
        """The generated blocks lint saw in ``path`` when it still has this size and time, else None."""
        entry = self.entries.get(path)
        if entry is None or entry[0] != size or entry[1] != mtime_ns:
            return None
        record = _record(path, entry)
        toc = record[_TOC] if record is not None else None
        if not isinstance(toc, tuple) or not all(map(_is_status, toc)):
            return None
        return toc

    def get_by_digest(self, path: str, digest: str) -> FileFacts | None:
        entry = self.by_digest.get((path, digest))
        return _decoded(path, entry) if entry is not None else None

    def put(self, facts: FileFacts) -> None:
        self.put_entry(facts.path, entry_of(facts))

    def put_entry(self, path: str, entry: Entry) -> None:
        """Store an entry already encoded (``entry_of``), as parse workers send them."""
        self.entries[path] = entry
        self.changed[path] = entry
        self.dirty = True

    def release(self) -> None:
        """Forget the entries once saved, when nothing more will be looked up: at 100,000 notes they take a
        quarter of a gigabyte that the cross-file analysis needs more."""
        self.entries, self.by_digest, self.changed = {}, {}, {}

    def retain(self, paths: set[str]) -> None:
        gone = [p for p in self.entries if p not in paths]
        for path in gone:
            del self.entries[path]
            self.changed[path] = None
        self.dirty = self.dirty or bool(gone)

    def save(self) -> None:
        if not self.dirty:
            return
        from papernotes.edits import write_cache_file

        if self.base is not None and len(self.changed) * _JOURNAL_SHARE <= len(self.entries):
            write_cache_file(self.root, _JOURNAL_NAME, marshal.dumps((self.key, self.base, self.changed)))
            return
        base = os.urandom(8).hex()
        if write_cache_file(self.root, _NAME, marshal.dumps((self.key, base, self.entries))):
            self.base, self.changed = base, {}
            if self.journal_path.exists():  # an old one would be ignored, but takes room: emptied
                write_cache_file(self.root, _JOURNAL_NAME, marshal.dumps((self.key, base, {})))


def _is_entry(path: object, entry: object) -> bool:
    """Whether a loaded entry has the shape ``entry_of`` writes (a hand-edited or damaged cache must cost a
    re-parse, never a crash); its facts are checked when they are decoded."""
    return (
        isinstance(path, str)
        and isinstance(entry, tuple)
        and len(entry) == 4
        and isinstance(entry[0], int)
        and isinstance(entry[1], int)
        and isinstance(entry[2], str)
        and isinstance(entry[3], bytes)
    )


def _record(path: str, entry: Entry) -> tuple[object, ...] | None:
    try:
        record = marshal.loads(entry[3])
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(record, tuple) or len(record) != _FIELDS or record[0] != path:
        return None
    return record


def _decoded(path: str, entry: Entry) -> FileFacts | None:
    record = _record(path, entry)
    if record is None:
        return None
    try:
        return facts_from_tuple(record)
    except (TypeError, ValueError):
        return None


_STATUS_TYPES = (str, int, int, str, str, int)  # style, start, end, state, message, line


def _is_status(item: object) -> bool:
    return (
        isinstance(item, tuple)
        and len(item) == len(_STATUS_TYPES)
        and all(isinstance(v, t) for v, t in zip(item, _STATUS_TYPES, strict=True))
    )


def run_key(*parts: object) -> str:
    import hashlib

    digest = hashlib.blake2b(digest_size=20)
    digest.update(repr((_FORMAT, __version__)).encode())
    for part in parts:
        digest.update(b"\0")
        digest.update(marshal.dumps(part if not isinstance(part, list) else tuple(part)))  # type: ignore[arg-type]
    return digest.hexdigest()


class RunCache:
    """A whole run's findings, for when nothing at all changed: no file is even looked into."""

    def __init__(self, root: Path, key: str) -> None:
        self.root = root
        self.key = key
        self.path = root / CACHE_DIR / _RUN_NAME

    def load(self) -> tuple[list[Finding], list[tuple[str, str, int | None]]] | None:
        try:
            key, findings, skipped = marshal.loads(self.path.read_bytes())
            if key != self.key:
                return None
            return [Finding.from_tuple(t) for t in findings], [(str(p), str(r), n) for p, r, n in skipped]
        except (OSError, EOFError, ValueError, TypeError):
            return None

    def save(self, findings: list[Finding], skipped: list[tuple[str, str, int | None]]) -> None:
        from papernotes.edits import write_cache_file

        data = (self.key, tuple(f.to_tuple() for f in findings), tuple(skipped))
        write_cache_file(self.root, _RUN_NAME, marshal.dumps(data))  # type: ignore[arg-type]
