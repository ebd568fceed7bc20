"""Git integration: register papernotes' merge driver for the index files, and the driver git runs.

Git calls a merge driver for a path whose ``.gitattributes`` line says ``merge=papernotes`` with the
ancestor's, our and their versions in temp files (``%O %A %B``) and the path (``%P``); the driver leaves the
result in ``%A`` and exits 0 when clean, 1 when conflicts remain (git-scm.com/docs/gitattributes, "Defining a
custom merge driver"). Files that are no index go through ``git merge-file``, git's own text merge.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from papernotes.config import DEFAULT_INDEX_CANDIDATES, Settings
from papernotes.edits import Transaction, repo_lock
from papernotes.entries import extract_entries
from papernotes.errors import RefusedError, UnsafeInputError, UsageError
from papernotes.merge import merge_index
from papernotes.parsing import parse_text
from papernotes.textfile import TextFile, read_text

__all__ = ["DRIVER_COMMAND", "ResolveOutcome", "attribute_globs", "merge_driver", "resolve_file", "setup_git"]

DRIVER_NAME = "papernotes entry-aware index merge"
DRIVER_COMMAND = "papernotes merge-driver %O %A %B %P"
_SECTION = "merge.papernotes"
_ATTRIBUTE = "merge=papernotes"
_COMMENT = "# papernotes: merge the paper indexes entry by entry (papernotes git-setup)"
_OURS_LINE_RE = re.compile(r"\S+ merge=papernotes")


def attribute_globs(settings: Settings) -> list[str]:
    """The .gitattributes patterns for the index files: the configured ``indexes``, else the candidates
    auto-detection reads (the driver itself falls back to git's merge for a candidate listing no papers)."""
    if settings.indexes is not None:
        return list(settings.indexes)
    # A pattern without a slash matches at any depth in .gitattributes; "*.md" means the root's files here.
    return [glob if "/" in glob else f"/{glob}" for glob in DEFAULT_INDEX_CANDIDATES] + ["README.md"]


def setup_git(
    root: Path, index_globs: Sequence[str], *, uninstall: bool = False, driver: str = DRIVER_COMMAND
) -> list[str]:
    """Register the merge driver in the repository's git config and mark the index files with it in
    ``.gitattributes``; or, with ``uninstall``, remove exactly that. Idempotent; returns what it changed."""
    _git(root, "rev-parse", "--git-dir", error="is not inside a Git repository; run `git init` first")
    wanted = [_attribute_line(glob) for glob in index_globs]
    with repo_lock(root):
        done = _edit_attributes(root / ".gitattributes", wanted, uninstall=uninstall)
    settings = {f"{_SECTION}.name": DRIVER_NAME, f"{_SECTION}.driver": driver}
    for key, value in settings.items():
        current = _config_get(root, key)
        if uninstall and current is not None:
            _git(root, "config", "--local", "--unset", key)
            done.append(f"git config: removed {key}")
        elif not uninstall and current != value:
            _git(root, "config", "--local", key, value)
            done.append(f"git config: {key} = {value}")
    if (
        uninstall
        and done
        and not _git(root, "config", "--local", "--get-regexp", rf"^{_SECTION}\.", check=False)
    ):
        _git(
            root, "config", "--local", "--remove-section", _SECTION, check=False
        )  # the empty [merge "papernotes"]
    return done


def _attribute_line(glob: str) -> str:
    # .gitattributes splits on whitespace, and "#" / "!" open a comment / a negation it refuses.
    if not glob or glob != glob.strip() or any(c.isspace() for c in glob) or glob[0] in "#!":
        raise UsageError(f"index glob {glob!r} cannot be written to .gitattributes (spaces, '#' or '!')")
    return f"{glob} {_ATTRIBUTE}"


def _edit_attributes(path: Path, wanted: list[str], *, uninstall: bool) -> list[str]:
    original = read_text(path) if path.exists() else None
    lines = original.lines() if original is not None else []
    present = {line.strip() for line in lines}
    transaction = Transaction(path.parent)
    if uninstall:
        kept = [
            line for line in lines if not _OURS_LINE_RE.fullmatch(line.strip()) and line.strip() != _COMMENT
        ]
        if original is None or len(kept) == len(lines):
            return []
        transaction.replace(original, "\n".join(kept) + ("\n" if kept and original.final_newline else ""))
        transaction.commit()
        empty = "" if kept else "; it is now empty"
        return [f".gitattributes: removed {len(lines) - len(kept)} papernotes line(s){empty}"]
    missing = [line for line in wanted if line not in present]
    if not missing:
        return []
    added = ([] if _COMMENT in present else [_COMMENT]) + missing
    if original is None:
        transaction.create(path, "".join(line + "\n" for line in added))
    else:
        transaction.replace(original, "".join(line + "\n" for line in [*lines, *added]))
    transaction.commit()
    return [f".gitattributes: added {line}" for line in missing]


def _config_get(root: Path, key: str) -> str | None:
    value = _git(root, "config", "--local", "--get", key, check=False)
    return value.rstrip("\n") if value else None


def _git(root: Path, *args: str, check: bool = True, error: str = "") -> str:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except OSError as err:
        raise RefusedError(f"cannot run git: {err.strerror or err}", path=root) from None
    if check and done.returncode != 0:
        raise RefusedError(error or f"`git {' '.join(args)}` failed: {done.stderr.strip()}", path=root)
    return done.stdout if done.returncode == 0 else ""


def merge_driver(
    base: Path,
    ours: Path,
    theirs: Path,
    path: str,
    *,
    root: Path,
    is_index: Callable[[str], bool],
    labels: tuple[str, str] = ("ours", "theirs"),
    report: Callable[[str], None] = lambda message: None,
) -> int:
    """Git's merge driver (``%O %A %B %P``): merge into ``ours``; 0 when clean, 1 when conflicts remain.

    ``report`` receives the lines for the user, git merge-file's messages included (git shows the driver's
    stderr during the merge).
    """
    files = (base, ours, theirs)
    try:
        versions = [read_text(file) for file in files]
    except UnsafeInputError:
        return _git_merge_file(files, labels, root, None, report)
    if any(v.raw.count(b"\r") != v.raw.count(b"\r\n") for v in versions):
        # CR-only endings: the write path refuses them
        return _git_merge_file(files, labels, root, None, report)
    if not is_index(path) or not any(_lists_papers(version, path) for version in versions):
        return _git_merge_file(files, labels, root, versions[1], report)
    # The raw text keeps the BOM and every line ending; read_text has already checked it is UTF-8.
    texts = [version.raw.decode("utf-8") for version in versions]
    result = merge_index(*texts, path=path, labels=labels)
    _write(root, versions[1], result.text.encode("utf-8"))
    for note in result.notes:
        report(f"papernotes: {path}: {note}")
    if result.conflicts:
        report(f"papernotes: {path}: {result.conflicts} conflict(s) left to resolve")
    return 1 if result.conflicts else 0


def _lists_papers(version: TextFile, path: str) -> bool:
    return bool(extract_entries(parse_text(version.text, path=path), path).entries)


def _git_merge_file(
    files: tuple[Path, Path, Path],
    labels: tuple[str, str],
    root: Path,
    original: TextFile | None,
    report: Callable[[str], None],
) -> int:
    base, ours, theirs = files
    command = [
        "git",
        "merge-file",
        "-L",
        labels[0],
        "-L",
        "base",
        "-L",
        labels[1],
        str(ours),
        str(base),
        str(theirs),
    ]
    if original is None:  # a file papernotes will not read or write (binary, CR-only): git writes it itself
        done = subprocess.run(command, stderr=subprocess.PIPE, check=False)
        _report_stderr(done.stderr, report)
        return 0 if done.returncode == 0 else 1
    done = subprocess.run([*command[:2], "-p", *command[2:]], capture_output=True, check=False)
    if done.returncode < 0 or done.returncode > 127:  # an error, not a count of conflicts
        _report_stderr(done.stderr, report)
        return 1
    _write(root, original, done.stdout)
    return 0 if done.returncode == 0 else 1


def _report_stderr(stderr: bytes, report: Callable[[str], None]) -> None:
    # The library writes nothing to the terminal: git's messages go out through ``report`` as the driver's own
    # do, a line at a time, so the CLI prints exactly what git would have.
    text = stderr.decode(errors="replace")
    if text:
        for line in text.removesuffix("\n").split("\n"):
            report(line)


def _write(root: Path, original: TextFile, data: bytes) -> None:
    # Git puts %A in the work tree's top folder; a configured root below it must not refuse the write.
    target = original.path.resolve()
    transaction = Transaction(root if target.is_relative_to(root.resolve()) else target.parent)
    transaction.replace(original, data)
    transaction.commit()


@dataclass
class ResolveOutcome:
    path: str
    resolved: int
    notes: tuple[str, ...]
    refused: tuple[str, ...]
    diff: str = ""
    written: bool = False


def resolve_file(
    root: Path,
    path: Path,
    *,
    mode: str,
    dry_run: bool,
    is_index: Callable[[str], bool],
) -> ResolveOutcome:
    """Resolve the conflict regions committed in one file (see ``resolving.resolve_conflicts``), atomically.

    A file that is no paper index is refused unless ``--ours``/``--theirs`` says which side to keep: a union
    of arbitrary text has no meaning.
    """
    from papernotes.resolving import resolve_conflicts

    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        rel = absolute.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise UsageError(f"{path} is not inside the repository {root}") from None
    original = read_text(absolute)
    if mode == "union" and not (is_index(rel) or _lists_papers(original, rel)):
        raise RefusedError(
            "not a paper index: a union merge of its text has no meaning; use --ours or --theirs", path=rel
        )
    result = resolve_conflicts(original.text, path=rel, mode=mode)  # type: ignore[arg-type]
    outcome = ResolveOutcome(rel, result.resolved, tuple(result.notes), tuple(result.refused))
    if result.text == original.text:
        return outcome
    transaction = Transaction(root)
    transaction.replace(original, result.text)
    if dry_run:
        outcome.diff = transaction.diff()
        return outcome
    with repo_lock(root):
        outcome.written = bool(transaction.commit(reparse=parse_text))
    return outcome
