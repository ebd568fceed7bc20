"""``papernotes toc`` on files: read, check, plan, show a diff, write through the one write path.

The pure work is ``toc.check``; this module picks the files, reports per file, and writes every change of
one run in one ``Transaction`` under the repository lock, after checking that each new text is fresh.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from papernotes.cache import CacheStore
from papernotes.config import LoadedConfig, Settings
from papernotes.edits import Transaction, repo_lock
from papernotes.errors import UnsafeInputError, UsageError, WriteRefusedError
from papernotes.parsing import parse_text
from papernotes.splice import EditIntegrityError, apply_edits
from papernotes.textfile import TextFile, decode, read_text
from papernotes.toc import BlockData, TocStatus
from papernotes.toc import check as check_blocks
from papernotes.workspace import OUTSIDE_MESSAGE, discover, load_workspace

__all__ = ["TocResult", "run_toc"]

# What --write does to a block in each state; the other states are reported as they are.
_DONE = {"stale": "updated", "corrupt": "repaired", "missing": "added"}
_CHANGES = frozenset(_DONE)
_REFUSED = frozenset({"conflict", "unbalanced"})
# A file without one of these cannot hold a generated block or a Typora line: it is not parsed.
_HINTS = ("<!--", "[toc]", "[TOC]")


@dataclass
class TocResult:
    """What ``run_toc`` did: lines for the user, the diff if asked, the files written, the exit code.

    ``lines`` are ``path:line: state: message``, one per block that is not fresh, then a summary;
    ``errors`` name the files that could not be read or written (for stderr).
    """

    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    diff: str = ""
    written: list[Path] = field(default_factory=list)
    statuses: dict[str, list[TocStatus]] = field(default_factory=dict)
    exit_code: int = 0

    def _fail(self, code: int) -> None:
        self.exit_code = max(self.exit_code, code)


def run_toc(
    root: Path,
    settings: Settings,
    paths: Sequence[Path] | None,
    *,
    write: bool,
    check: bool,
    diff: bool,
    add: bool,
    depth: int | None,
) -> TocResult:
    """Check (and with ``write`` update) the generated blocks of ``paths``, or of the whole repository.

    Exit code: 1 when ``check`` finds a block to change, or a file is refused (conflict, unbalanced
    markers) or cannot be written; 3 when a file cannot be read (the others are still processed).
    """
    if write and check:
        raise UsageError("--check and --write exclude each other: --check never writes")
    if depth is not None and not 1 <= depth <= 6:
        raise UsageError(f"--depth must be a heading level from 1 to 6, not {depth}")
    root = root.resolve()
    result = TocResult()
    with repo_lock(root) if write else nullcontext():
        transaction = Transaction(root)
        topics = _Topics(root, settings)
        # Lint's cache knows the blocks of every file it saw unchanged; with --add or --depth, or when a
        # block needs its edit (--write, --diff), the file is read and checked here. Files named one by
        # one are read: loading the whole cache would cost more.
        whole = paths is None or any(path.is_dir() for path in paths)
        known = (
            _LintCache(root, settings, edits=write or diff) if whole and not add and depth is None else None
        )
        staged: set[str] = set()
        outside: list[str] = []
        for rel, path in _targets(root, settings, paths, outside):
            cached = known.statuses(rel, path) if known is not None else None
            if cached is not None:
                _record(rel, cached, result)
            elif _one_file(rel, path, settings, transaction, result, add=add, depth=depth, topics=topics):
                staged.add(rel)
        for rel in outside:  # never read, never written: reported, and the others still done
            result.errors.append(f"{rel}: {OUTSIDE_MESSAGE}")
            result._fail(3)
        if diff:
            result.diff = transaction.diff()
        if write:
            try:
                result.written = transaction.commit()
            except WriteRefusedError as err:
                result.errors.append(str(err))
                result._fail(err.exit_code)
    _summarise(result, check=check, done=staged if result.written else set())
    return result


class _LintCache:
    """The TOC statuses ``papernotes lint`` cached per file (``FileFacts.toc``), for files unchanged since;
    loaded at the first file that needs it."""

    def __init__(self, root: Path, settings: Settings, *, edits: bool) -> None:
        self.root = root
        self.settings = settings
        self.edits = edits
        self._store: CacheStore | None = None

    def statuses(self, rel: str, path: Path) -> list[TocStatus] | None:
        if not self.settings.cache:
            return None
        if self._store is None:
            self._store = CacheStore(self.root, self.settings.fingerprint())
            self._store.load()
        try:
            st = path.stat()
        except OSError:
            return None
        found = self._store.toc_of(rel, st.st_size, st.st_mtime_ns)
        if found is None:
            return None
        statuses = [TocStatus(*item) for item in found]  # type: ignore[arg-type]
        if self.edits and any(s.state in _CHANGES for s in statuses):
            return None  # its edit is needed: checked from the file
        return statuses


def _record(rel: str, statuses: list[TocStatus], result: TocResult) -> None:
    if statuses:
        result.statuses[rel] = statuses
    if any(s.state in _REFUSED for s in statuses):
        result._fail(1)


def _one_file(
    rel: str,
    path: Path,
    settings: Settings,
    transaction: Transaction,
    result: TocResult,
    *,
    add: bool,
    depth: int | None,
    topics: _Topics,
) -> bool:
    """Check one file and stage its new content; return whether anything was staged."""
    try:
        tf = read_text(path)
        if tf.size > settings.max_file_size:
            raise UnsafeInputError(f"larger than {settings.max_file_size} bytes: skipped", path=rel)
    except UnsafeInputError as err:
        result.errors.append(
            f"{rel}: {err.message}" if err.line is None else f"{rel}:{err.line}: {err.message}"
        )
        result._fail(err.exit_code)
        return False
    if not add and not any(hint in tf.text for hint in _HINTS):
        return False

    def statuses_of(text: str) -> list[TocStatus]:
        data = BlockData(
            topics=topics.items_for(rel) if "papernotes:topics" in text else None,
            stats=topics.stats() if "papernotes:stats" in text else None,
        )
        return check_blocks(
            parse_text(text, path=rel),
            settings.slug_flavour,
            add=add,
            depth=depth,
            typora=settings.typora_toc,
            data=data,
        )

    statuses = statuses_of(tf.text)
    _record(rel, statuses, result)
    if any(s.state in _REFUSED for s in statuses):
        return False
    edits = [s.edit for s in statuses if s.edit is not None]
    if not edits:
        return False
    try:
        new = apply_edits(tf, edits)
    except UnsafeInputError as err:  # CR-only line endings: readable, but not safely editable
        result.errors.append(f"{rel}: {err.message}")
        result._fail(err.exit_code)
        return False
    _verify(tf, new, statuses_of)
    transaction.replace(tf, new)
    return True


def _verify(tf: TextFile, new: bytes, statuses_of: Callable[[str], list[TocStatus]]) -> None:
    # A second run must find nothing to do; if it would, the first one is wrong: write nothing at all.
    left = [s for s in statuses_of(decode(new, tf.path).text) if s.state in _CHANGES]
    if left:
        raise EditIntegrityError(f"{tf.path}:{left[0].line}: the TOC would change again ({left[0].message})")


def _targets(
    root: Path, settings: Settings, paths: Sequence[Path] | None, outside: list[str]
) -> Iterator[tuple[str, Path]]:
    """(path relative to the root, path) of every Markdown file to look at, each once; ``outside`` gets the
    Markdown symlinks that lead out of the repository."""
    walk = paths is None or any(path.is_dir() for path in paths)
    found = discover(root, settings) if walk else None
    markdown = found.markdown if found is not None else []
    if found is not None:
        outside.extend(found.outside)
    if paths is None:
        yield from ((rel, root / rel) for rel in markdown)
        return
    seen: set[str] = set()
    for given in paths:
        rel = Path(os.path.relpath(given.absolute(), root)).as_posix()  # relpath drops "x/.." too
        if rel == ".." or rel.startswith("../"):
            raise UsageError(f"{given} is outside the repository {root}")
        path = root / rel
        if path.is_dir():
            prefix = "" if rel == "." else rel + "/"
            chosen = [(m, root / m) for m in markdown if m.startswith(prefix)]
        else:
            chosen = [(rel, path)]
        for item in chosen:
            if item[0] not in seen:
                seen.add(item[0])
                yield item


class _Topics:
    """The facts of the topics and stats blocks, read once and only when a file holds such a block."""

    def __init__(self, root: Path, settings: Settings) -> None:
        self.root = root
        self.settings = settings
        self._indexes: list[tuple[str, str, int]] | None = None
        self._stats: tuple[str, ...] | None = None

    def items_for(self, rel: str) -> tuple[tuple[str, str, int], ...]:
        """(title, link from ``rel``'s folder, paper count) of every index but ``rel`` itself."""
        if self._indexes is None:
            config = LoadedConfig(root=self.root, settings=self.settings, source=None)
            self._indexes = sorted(
                (doc.path, doc.title or posixpath.splitext(posixpath.basename(doc.path))[0], len(doc.entries))
                for doc in load_workspace(config).indexes
            )
        folder = posixpath.dirname(rel) or "."
        return tuple(
            (title, posixpath.relpath(path, folder), count)
            for path, title, count in self._indexes
            if path != rel
        )

    def stats(self) -> tuple[str, ...]:
        """The lines of a stats block: the same for every file, so computed once."""
        if self._stats is None:
            # Imported here: stats brings rich (0.1 s), which a toc run without a stats block never needs.
            from papernotes.stats import compute_stats, render_stats_block

            config = LoadedConfig(root=self.root, settings=self.settings, source=None)
            self._stats = tuple(render_stats_block(compute_stats(load_workspace(config))))
        return self._stats


def _summarise(result: TocResult, *, check: bool, done: set[str]) -> None:
    counts: dict[str, int] = {}
    for rel, statuses in result.statuses.items():
        for status in statuses:
            counts[status.state] = counts.get(status.state, 0) + 1
            if status.state == "fresh":
                continue
            verb = _DONE.get(status.state, status.state) if rel in done else status.state
            result.lines.append(f"{rel}:{status.line}: {verb}: {status.message}")
    if check and any(state in _CHANGES for state in counts):
        result._fail(1)
    if counts:
        blocks = sum(counts.values())
        detail = ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))
        files = len(result.statuses)
        result.lines.append(
            f"{blocks} block{'s' if blocks != 1 else ''} in {files} file{'s' if files != 1 else ''}: {detail}"
        )
