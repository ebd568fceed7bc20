"""The one write path: every file papernotes changes goes through here.

Users' notes are precious: new text becomes line edits spliced into the raw bytes (``splice``: untouched
lines keep their bytes and endings), nothing is written when nothing changes, and the files of one command
are written all or none: each new content goes to a temp file next to its target, and only once every temp
is safely on disk are they `os.replace`d into place. The repository's write lock and the cache folder's
files are written here too.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, TypeAlias

from filelock import FileLock, Timeout

from papernotes.diffs import rename_diff, write_diff
from papernotes.errors import WriteRefusedError
from papernotes.splice import refuse_lone_cr, splice_text
from papernotes.textfile import TextFile, decode

_TEMP_RE = re.compile(r"\..*\.papernotes-[0-9a-f]{12}\.tmp", re.DOTALL)
_CACHE_DIR = ".papernotes_cache"
# https://bford.info/cachedir/ -- backup tools skip folders holding this tag.
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by papernotes.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
_SKIP_DIRS = frozenset({".git", ".venv", "node_modules"})
# Filesystems without hard links (FAT, some network mounts) answer link() with one of these.
_NO_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK, errno.ENOSYS})


@dataclass(frozen=True, slots=True)
class PlannedWrite:
    """New content for `path`; `original` is None when the file is to be created."""

    path: Path
    new: bytes
    original: TextFile | None


# Moves a file, never over an existing one; raises OSError when it cannot. `mover(dst, src)` undoes it.
Mover: TypeAlias = Callable[[Path, Path], None]


@dataclass(frozen=True, slots=True)
class PlannedRename:
    """Move `src` to `dst`, then give it `new` content unless that is None.

    `original` is `src` as read when it is text (checked unchanged at commit); None for a file that is
    moved as it is, such as an image.
    """

    src: Path
    dst: Path
    original: TextFile | None
    new: bytes | None
    mover: Mover


def plan_write(path: Path | str, new: str | bytes, *, original: TextFile | None) -> PlannedWrite | None:
    """Plan writing `new` to `path`, or return None when that would change nothing.

    Bytes are written as given. Text (lines ending in "\\n") becomes the smallest line edits of
    `original`, so untouched lines keep their bytes; the text's final newline (or none) wins.
    """
    if isinstance(new, str):
        new = new.encode() if original is None else splice_text(original, new)
    if original is not None and new == original.raw:
        return None
    return PlannedWrite(Path(path), new, original)


class Transaction:
    """Stage writes to several files, show them as a diff, then write all of them or none."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._planned: dict[Path, PlannedWrite] = {}
        self._renames: list[PlannedRename] = []
        self._moved: set[Path] = set()  # both ends of every staged rename

    def replace(self, tf: TextFile, new: bytes | str) -> None:
        """Stage new content for a file read earlier; an unchanged content stages nothing."""
        refuse_lone_cr(tf)
        plan = plan_write(tf.path, new, original=tf)
        if plan is not None:
            self._stage(plan)

    def create(self, path: Path, content: bytes | str) -> None:
        """Stage a new file (and its missing folders); an existing file is never overwritten."""
        if os.path.lexists(path):
            raise WriteRefusedError("already exists; not overwriting it", path=path)
        plan = plan_write(path, content, original=None)
        assert plan is not None  # None only when an original is given
        self._stage(plan)

    def rename(
        self, src: TextFile | Path, dst: Path, new: bytes | str | None = None, *, mover: Mover | None = None
    ) -> None:
        """Stage moving a file to `dst` (making missing folders), with new content if `new` is given.

        A `TextFile` is checked unchanged at commit, as for `replace`; a `Path` (an image) is moved as
        it is and takes no new content. `mover` does the move (`git mv`, say); by default a rename that
        never overwrites. The move is undone when any other write of the transaction fails.
        """
        original = src if isinstance(src, TextFile) else None
        path = src.path if isinstance(src, TextFile) else src
        if os.path.lexists(dst):
            raise WriteRefusedError("already exists; not overwriting it", path=dst)
        if path.is_symlink() or not path.is_file():
            raise WriteRefusedError("is not a regular file; not moving it", path=path)
        data: bytes | None = None
        if new is not None:
            if original is None:
                raise ValueError("new content for a moved file needs the file as read (a TextFile)")
            refuse_lone_cr(original)
            plan = plan_write(dst, new, original=original)
            data = None if plan is None else plan.new
        keys = {_resolve(path, shown=path), _resolve(dst, shown=dst)}
        if keys & (self._moved | set(self._planned)):
            raise ValueError(f"{path} or {dst} is already staged in this transaction")
        self._moved |= keys
        self._renames.append(PlannedRename(path, dst, original, data, mover or _move_no_clobber))

    def diff(self) -> str:
        """A unified diff of everything staged, with paths relative to the root (git style)."""
        renames = (
            rename_diff(self._shown(move.src), self._shown(move.dst), move.original, move.new, move.dst)
            for move in self._renames
        )
        writes = (
            write_diff(self._shown(plan.path), plan.original, plan.new, plan.path)
            for plan in self._planned.values()
        )
        return "".join([*renames, *writes])

    def _shown(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.root)).as_posix()

    def commit(self, *, reparse: Callable[[str], object] | None = None) -> list[Path]:
        """Write everything staged, all or nothing, and return the paths written.

        `reparse` gets every new text before anything is written; what it raises aborts the
        commit. The transaction is empty afterwards, whatever happened.
        """
        plans = list(self._planned.values())
        renames = list(self._renames)
        self._planned.clear()
        self._renames.clear()
        self._moved.clear()
        if not plans and not renames:
            return []
        root = _resolve(self.root, shown=self.root)
        targets = [_preflight(plan, root) for plan in plans]
        moves = [_preflight_rename(move, root) for move in renames]
        contents = [(plan.path, plan.new) for plan in plans]
        contents += [(move.dst, move.new) for move in renames if move.new is not None]
        for path, new in contents:
            # Never write what papernotes itself could not read back.
            text = decode(new, path).text
            if reparse is not None:
                reparse(text)
        _Writer(plans, targets, moves).run()
        return [move.dst for move in renames] + [plan.path for plan in plans]

    def _stage(self, plan: PlannedWrite) -> None:
        key = _resolve(plan.path, shown=plan.path)
        if key in self._planned or key in self._moved:
            raise ValueError(f"{plan.path} is already staged in this transaction")
        self._planned[key] = plan


def write_file(tf: TextFile, new: bytes | str, *, root: Path) -> bool:
    """Write `new` over `tf`'s file if it differs; return whether anything was written."""
    transaction = Transaction(root)
    transaction.replace(tf, new)
    return bool(transaction.commit())


@contextmanager
def repo_lock(root: Path, timeout: float = 10.0) -> Iterator[None]:
    """Hold the repository's write lock, so that two papernotes commands never write at once."""
    try:
        lock = FileLock(_cache_dir(root) / "lock", timeout=timeout)
        lock.acquire()
    except Timeout:  # before OSError: filelock's Timeout is one
        raise WriteRefusedError(
            "another papernotes command is writing in this repository; try again", path=root
        ) from None
    except OSError as err:
        raise WriteRefusedError(f"cannot take the write lock: {_reason(err)}", path=root) from None
    try:
        clean_stale_temps(root)  # what a killed run left behind; only a lock holder may remove them
        yield
    finally:
        lock.release()


def write_cache_file(root: Path, name: str, data: bytes) -> bool:
    """Atomically replace <root>/.papernotes_cache/`name`; False (and no error) when that fails.

    A cache is only worth a write when it is cheap: a read-only checkout still lints, uncached.
    """
    if Path(name).name != name or name in ("", ".", ".."):
        raise ValueError(f"not a plain file name: {name!r}")
    try:
        target = _cache_dir(root) / name
        temp = _write_temp(target, data, keep_mode=False)
    except OSError:
        return False
    try:
        temp.replace(target)
    except OSError:
        _unlink_quietly(temp)
        return False
    return True


def clean_cache(root: Path) -> int:
    """Remove the cache files in .papernotes_cache (not its lock, tag and .gitignore); return how many."""
    folder = root / _CACHE_DIR
    removed = 0
    if not folder.is_dir():
        return 0
    for entry in folder.iterdir():
        if entry.name in (".gitignore", "CACHEDIR.TAG", "lock") or not entry.is_file():
            continue
        with suppress(FileNotFoundError):
            entry.unlink()
            removed += 1
    return removed


def clean_stale_temps(root: Path) -> int:
    """Remove the temp files a killed papernotes left; return how many. Hold `repo_lock`."""
    removed = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [name for name in dirs if name not in _SKIP_DIRS]
        for name in files:
            path = Path(folder, name)
            if _TEMP_RE.fullmatch(name) and path.is_file() and not path.is_symlink():
                with suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
    return removed


def _preflight(plan: PlannedWrite, root: Path) -> Path:
    """Check one staged write against the disk as it is now; return the real file to write."""
    target = _resolve(plan.path, shown=plan.path)
    if not target.is_relative_to(root):
        if plan.path.is_symlink():
            raise WriteRefusedError("symlink leads outside the repository", path=plan.path)
        raise WriteRefusedError(f"is outside the repository {root}", path=plan.path)
    original = plan.original
    if original is None:
        if os.path.lexists(plan.path):
            raise WriteRefusedError("already exists; not overwriting it", path=plan.path)
    else:
        if not _unchanged(target, original):
            raise WriteRefusedError("changed since it was read; run the command again", path=plan.path)
        if not _writable(target):
            raise WriteRefusedError("is read-only; not writing it", path=plan.path)
    folder = target.parent
    while not folder.exists():  # create() makes missing folders inside the first existing one
        folder = folder.parent
    if not _writable(folder):
        raise WriteRefusedError(f"folder {folder} is not writable", path=plan.path)
    return target


def _preflight_rename(move: PlannedRename, root: Path) -> PlannedRename:
    """Check one staged move against the disk as it is now; return it with both ends resolved."""
    src = _resolve(move.src, shown=move.src)
    dst = _resolve(move.dst, shown=move.dst)
    for path, real in ((move.src, src), (move.dst, dst)):
        if not real.is_relative_to(root):
            raise WriteRefusedError(f"is outside the repository {root}", path=path)
    if move.src.is_symlink() or not src.is_file():
        raise WriteRefusedError("is no longer a regular file; not moving it", path=move.src)
    if move.original is not None and not _unchanged(src, move.original):
        raise WriteRefusedError("changed since it was read; run the command again", path=move.src)
    if os.path.lexists(move.dst):
        raise WriteRefusedError("already exists; not overwriting it", path=move.dst)
    folder = dst.parent
    while not folder.exists():
        folder = folder.parent
    for needed in (src.parent, folder):
        if not _writable(needed):
            raise WriteRefusedError(f"folder {needed} is not writable", path=move.src)
    return PlannedRename(src, dst, move.original, move.new, move.mover)


def _unchanged(target: Path, original: TextFile) -> bool:
    try:
        return _same_stat(target, original) and target.read_bytes() == original.raw
    except OSError:  # no longer readable: not the file we read either way
        return False


def _same_stat(target: Path, original: TextFile) -> bool:
    try:
        st = target.stat()
    except OSError:  # deleted meanwhile
        return False
    return (st.st_size, st.st_mtime_ns) == (original.size, original.mtime_ns)


def _writable(path: Path) -> bool:
    # Root passes every access() check, so a missing owner write bit alone means read-only.
    return bool(path.stat().st_mode & stat.S_IWUSR) and os.access(path, os.W_OK)


class _Writer:
    """Temps first, then the replaces; undo what it can when the disk fails halfway."""

    def __init__(
        self, plans: list[PlannedWrite], targets: list[Path], moves: Sequence[PlannedRename] = ()
    ) -> None:
        self.jobs = list(zip(plans, targets, strict=True))
        self.moves = list(moves)
        self.temps: dict[Path, Path] = {}
        self.new_dirs: list[Path] = []
        self.done: list[tuple[PlannedWrite, Path]] = []
        self.moved: list[PlannedRename] = []
        self.rewritten: list[PlannedRename] = []

    def run(self) -> None:
        try:
            self._write_all()
        except BaseException:  # Ctrl-C included: all or nothing still holds
            self._roll_back()
            raise
        folders = {target.parent for _, target in self.jobs}
        folders |= {path.parent for move in self.moves for path in (move.src, move.dst)}
        for folder in folders:
            _fsync_dir(folder)

    def _write_all(self) -> None:
        for plan, target in self.jobs:
            try:
                self._make_parents(target.parent)
                keep_mode = plan.original is not None
                self.temps[target] = _write_temp(target, plan.new, keep_mode=keep_mode)
            except OSError as err:
                self._abort(plan.path, f"could not write: {_reason(err)}", err)
        for move in self.moves:
            try:
                self._make_parents(move.dst.parent)
                if move.new is not None:
                    self.temps[move.dst] = _write_temp(move.dst, move.new, keep_mode=True, mode_from=move.src)
            except OSError as err:
                self._abort(move.dst, f"could not write: {_reason(err)}", err)
        for move in self.moves:
            self._move(move)
        for plan, target in self.jobs:
            # Writing the temps took a while (fsync): look again, so an editor's save is not lost.
            if plan.original is not None and not _same_stat(target, plan.original):
                self._abort(plan.path, "changed while papernotes was writing; run the command again")
            # Counted as done before the replace: a Ctrl-C can surface just after the rename syscall, and the
            # roll-back must then restore this file too (restoring one that was not replaced yet is harmless).
            self.done.append((plan, target))
            try:
                _install(self.temps[target], target, create=plan.original is None)
            except OSError as err:
                self.done.pop()
                self._abort(plan.path, f"could not write: {_reason(err)}", err)
            del self.temps[target]

    def _move(self, move: PlannedRename) -> None:
        """Move one file, then install its new content: a rename keeps the size and mtime it was read with."""
        if move.original is not None and not _same_stat(move.src, move.original):
            self._abort(move.src, "changed while papernotes was writing; run the command again")
        try:
            move.mover(move.src, move.dst)
        except OSError as err:
            self._abort(move.src, f"could not move it to {move.dst}: {_reason(err)}", err)
        self.moved.append(move)
        if move.new is None or move.original is None:
            return
        if not _same_stat(move.dst, move.original):
            self._abort(move.dst, "changed while papernotes was writing; run the command again")
        try:
            _install(self.temps[move.dst], move.dst, create=False)
        except OSError as err:
            self._abort(move.dst, f"could not write: {_reason(err)}", err)
        del self.temps[move.dst]
        self.rewritten.append(move)

    def _make_parents(self, folder: Path) -> None:
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for path in reversed(missing):
            path.mkdir()
            self.new_dirs.append(path)

    def _abort(self, failed: Path, problem: str, cause: OSError | None = None) -> NoReturn:
        lost = self._roll_back()
        outcome = f"could not restore {', '.join(lost)}" if lost else "no file was changed"
        raise WriteRefusedError(f"{problem}; {outcome}", path=failed) from cause

    def _roll_back(self) -> list[str]:
        """Delete the temps, put back what was replaced; return the files that could not be."""
        for temp in self.temps.values():
            _unlink_quietly(temp)
        self.temps.clear()
        lost = []
        for plan, target in reversed(self.done):
            try:
                if plan.original is None:
                    target.unlink(missing_ok=True)
                else:
                    _restore(target, plan.original.raw)
            except OSError:
                lost.append(str(plan.path))
        self.done.clear()
        lost += self._undo_moves()
        for folder in reversed(self.new_dirs):
            with suppress(OSError):
                folder.rmdir()
        self.new_dirs.clear()
        return lost

    def _undo_moves(self) -> list[str]:
        """Give moved files back their content, then move them back, newest first."""
        lost = []
        for move in reversed(self.rewritten):
            assert move.original is not None  # only moves with new content are rewritten
            try:
                _restore(move.dst, move.original.raw)
            except OSError:
                lost.append(str(move.dst))
        self.rewritten.clear()
        for move in reversed(self.moved):
            try:
                move.src.parent.mkdir(parents=True, exist_ok=True)
                move.mover(move.dst, move.src)
            except OSError:
                lost.append(f"{move.dst} (to be moved back to {move.src})")
        self.moved.clear()
        return lost


def _move_no_clobber(src: Path, dst: Path) -> None:
    """Rename `src` to `dst`, failing rather than replacing a `dst` that appeared meanwhile."""
    try:
        # link() fails when `dst` exists, where rename() would silently replace it.
        os.link(src, dst)
    except OSError as err:
        if err.errno not in _NO_LINKS:
            raise
        if os.path.lexists(dst):
            raise FileExistsError(errno.EEXIST, "File exists", str(dst)) from None
        src.rename(dst)
        return
    try:
        src.unlink()
    except OSError:
        _unlink_quietly(dst)
        raise


def _write_temp(target: Path, data: bytes, *, keep_mode: bool, mode_from: Path | None = None) -> Path:
    """Write `data` durably to a new temp file next to `target` (with its mode if `keep_mode`, or with the
    mode of `mode_from`: a moved file's content is written before the file is at `target`)."""
    # Keep the name within NAME_MAX (255 bytes), whatever the target's name.
    stem = os.fsencode(target.name)[:100].decode(errors="ignore")  # names need not be UTF-8
    while True:
        temp = target.with_name(f".{stem}.papernotes-{secrets.token_hex(6)}.tmp")
        try:
            # 0o666: the umask decides a new file's mode, as for any file the user creates.
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
        except BaseException:  # a Ctrl-C can surface just after the file was created, before fd is bound
            _unlink_quietly(temp)
            raise
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if keep_mode:
                _copy_owner_and_mode(fd, temp, mode_from or target)
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        _unlink_quietly(temp)
        raise
    return temp


def _restore(target: Path, data: bytes) -> None:
    temp = _write_temp(target, data, keep_mode=True)
    try:
        temp.replace(target)
    except OSError:
        _unlink_quietly(temp)
        raise


def _copy_owner_and_mode(fd: int, temp: Path, target: Path) -> None:
    st = target.stat()
    if hasattr(os, "fchown") and (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
        # Best effort (only root may give a file away); chown clears set-id bits, so it goes first.
        with suppress(OSError):
            os.fchown(fd, st.st_uid, st.st_gid)
    temp.chmod(stat.S_IMODE(st.st_mode))


def _install(temp: Path, target: Path, *, create: bool) -> None:
    if not create:
        temp.replace(target)
        return
    try:
        # link() fails when the target appeared meanwhile, where replace() would clobber it.
        os.link(temp, target)
    except OSError as err:
        if err.errno in _NO_LINKS and not os.path.lexists(target):
            temp.replace(target)
            return
        _unlink_quietly(temp)
        raise
    _unlink_quietly(temp)


def _fsync_dir(folder: Path) -> None:
    # Makes the renames durable; some platforms cannot fsync a folder, and the data is safe anyway.
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _unlink_quietly(path: Path) -> None:
    with suppress(OSError):
        path.unlink()


def _cache_dir(root: Path) -> Path:
    cache = root / _CACHE_DIR
    cache.mkdir(exist_ok=True)
    for name, content in ((".gitignore", "*\n"), ("CACHEDIR.TAG", _CACHEDIR_TAG)):
        with suppress(FileExistsError), (cache / name).open("x", encoding="utf-8") as handle:
            handle.write(content)
    return cache


def _resolve(path: Path, *, shown: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError) as err:  # RuntimeError: a symlink loop, before Python 3.13
        raise WriteRefusedError(f"cannot resolve the path: {err}", path=shown) from None


def _reason(err: OSError) -> str:
    return err.strerror or str(err)
