"""Writes that do not finish: a SIGKILL or a Ctrl-C at any moment of ``papernotes toc --write``, a full disk.

A killed process cannot clean up, so the promise is per file: each file is its old or its new version, never
a mix, and the next run finishes the job. A Ctrl-C or a full disk is caught, and then the promise is for the
whole run: every file or none. The moments are chosen by watching the writer's temp files come and go.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from papernotes import edits
from papernotes.cli import main
from papernotes.config import load_config
from papernotes.tocfiles import run_toc

FILES = 40
SEED = int.from_bytes(os.urandom(4), "little")

MakeRepo = Callable[[dict[str, str | bytes]], Path]
Versions = dict[str, tuple[bytes, bytes]]


def _note(number: int) -> str:
    # A long code line makes each file big to write (and cheap to parse): the writing takes a while.
    return (
        f"# Note {number}\n\n<!-- toc -->\n- [Old](#old)\n<!-- tocstop -->\n\n## Method\n\n## Results\n\n"
        f"```text\n{'x' * 60_000}\n```\n"
    )


def _temps(folder: Path) -> list[str]:
    return [entry.name for entry in os.scandir(folder) if edits._TEMP_RE.fullmatch(entry.name)]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


@pytest.fixture(scope="module")
def stale_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Versions]:
    """A repository of FILES notes with a stale TOC each, and every note's (old, new) content."""
    original = tmp_path_factory.mktemp("stale") / "repo"
    (original / ".git").mkdir(parents=True)
    (original / "notes").mkdir()
    for number in range(FILES):
        (original / "notes" / f"n{number:03}.md").write_text(_note(number), encoding="utf-8")
    reference = original.parent / "reference"
    shutil.copytree(original, reference, symlinks=True)
    settings = load_config(reference).settings
    done = run_toc(reference, settings, None, write=True, check=False, diff=False, add=False, depth=None)
    assert len(done.written) == FILES
    versions = {
        path.name: (path.read_bytes(), (reference / "notes" / path.name).read_bytes())
        for path in (original / "notes").iterdir()
    }
    return original, versions


@pytest.fixture
def trial_repo(stale_repo: tuple[Path, Versions], tmp_path: Path) -> Callable[[int], Path]:
    """A fresh copy of the stale repository for each try."""

    def fresh(trial: int) -> Path:
        root = tmp_path / f"trial{trial}"
        shutil.copytree(stale_repo[0], root, symlinks=True)
        return root

    return fresh


def _start(root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "papernotes", "toc", "--write"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _signal_while_writing(
    proc: subprocess.Popen[bytes], folder: Path, sig: int, rng: random.Random, moment: str | None = None
) -> str:
    """Send `sig` at a random moment of the writing: once some of the temps are written (their count
    rising), or once they started replacing the notes (falling). Return the moment, for assertion messages."""
    moment = moment or rng.choice(["temps", "replaces"])
    target = rng.randint(1, FILES // 2)
    peak = 0
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        count = len(_temps(folder))
        peak = max(peak, count)
        if count < peak if moment == "replaces" else count >= target:
            break
        time.sleep(0.0005)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    when = "the first replace" if moment == "replaces" else f"{target} temps"
    return f"signal {sig} after {when} (seed {SEED})"


def _states(root: Path, versions: Versions) -> dict[str, str]:
    """Each note: "old", "new", or "partial" (anything else)."""
    states = {}
    for name, (old, new) in versions.items():
        data = (root / "notes" / name).read_bytes()
        states[name] = "old" if data == old else "new" if data == new else "partial"
    return states


@pytest.mark.slow
def test_a_kill_at_any_moment_leaves_every_file_old_or_new_and_the_next_run_finishes(
    stale_repo: tuple[Path, Versions],
    trial_repo: Callable[[int], Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    versions = stale_repo[1]
    rng = random.Random(SEED)
    for trial in range(6):
        root = trial_repo(trial)
        proc = _start(root)
        moment = _signal_while_writing(proc, root / "notes", signal.SIGKILL, rng)
        states = _states(root, versions)
        assert "partial" not in states.values(), moment
        leftovers = {path.name for path in (root / "notes").iterdir()} - set(versions)
        assert leftovers == set(_temps(root / "notes")), moment  # nothing but the writer's own temps
        monkeypatch.chdir(root)
        code, _, err = _run(capsys, "toc", "--write")
        assert (code, err) == (0, ""), moment
        assert set(_states(root, versions).values()) == {"new"}, moment


@pytest.mark.slow
def test_the_next_run_removes_the_temps_a_killed_run_left(
    trial_repo: Callable[[int], Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = trial_repo(0)
    proc = _start(root)
    count = 0
    while proc.poll() is None and count < FILES // 2:
        count = len(_temps(root / "notes"))
        time.sleep(0.0005)
    proc.kill()
    proc.wait(timeout=60)
    assert _temps(root / "notes")  # the kill came while the temps were written
    monkeypatch.chdir(root)
    assert _run(capsys, "toc", "--write")[0] == 0
    assert _temps(root / "notes") == []


@pytest.mark.slow
def test_ctrl_c_while_the_temps_are_written_writes_nothing(
    stale_repo: tuple[Path, Versions], trial_repo: Callable[[int], Path]
) -> None:
    versions = stale_repo[1]
    rng = random.Random(SEED + 1)
    for trial in range(3):
        root = trial_repo(trial)
        proc = _start(root)
        moment = _signal_while_writing(proc, root / "notes", signal.SIGINT, rng, moment="temps")
        assert proc.returncode == 130, moment
        assert set(_states(root, versions).values()) == {"old"}, moment
        # No temp should be left either; one sometimes is (test_ctrl_c_while_a_temp_is_created_leaves_none).
        assert len(_temps(root / "notes")) <= 1, moment


def test_ctrl_c_between_two_replaces_exits_130_and_writes_nothing(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo({f"notes/n{number}.md": _note(number) for number in range(3)})
    before = {path.name: path.read_bytes() for path in (root / "notes").iterdir()}
    real_install = edits._install
    installed: list[Path] = []

    def install_then_interrupt(temp: Path, target: Path, *, create: bool) -> None:
        if installed:
            raise KeyboardInterrupt
        installed.append(target)
        real_install(temp, target, create=create)

    monkeypatch.setattr(edits, "_install", install_then_interrupt)
    assert _run(capsys, "toc", "--write")[0] == 130
    assert {path.name: path.read_bytes() for path in (root / "notes").iterdir()} == before
    assert installed  # one file had been replaced, and was put back


def test_ctrl_c_during_a_replace_writes_every_file_or_none(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo({f"notes/n{number}.md": _note(number) for number in range(3)})
    before = {path.name: path.read_bytes() for path in (root / "notes").iterdir()}
    real_replace = os.replace
    replaced: list[Path] = []

    def replace_then_interrupt(src: Path, dst: Path) -> None:
        # Where a Ctrl-C pressed during the rename syscall surfaces: just after the file was replaced.
        real_replace(src, dst)
        replaced.append(dst)
        if len(replaced) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", replace_then_interrupt)
    assert _run(capsys, "toc", "--write")[0] == 130
    assert {path.name: path.read_bytes() for path in (root / "notes").iterdir()} == before


def test_ctrl_c_while_a_temp_is_created_leaves_none(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo({f"notes/n{number}.md": _note(number) for number in range(3)})
    real_open = os.open

    def open_then_interrupt(path: Path, flags: int, mode: int = 0o777) -> int:
        fd = real_open(path, flags, mode)
        if edits._TEMP_RE.fullmatch(Path(path).name):
            raise KeyboardInterrupt
        return fd

    monkeypatch.setattr(os, "open", open_then_interrupt)
    assert _run(capsys, "toc", "--write")[0] == 130
    assert _temps(root / "notes") == []


def test_ctrl_c_says_interrupted(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_repo({"notes/n.md": _note(0)})

    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("papernotes.tocfiles.read_text", interrupt)
    assert _run(capsys, "toc", "--write") == (130, "", "Interrupted.\n")


# A full disk: a 64 KiB tmpfs (root may mount one; elsewhere the injected ENOSPC of test_edits.py stands in)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, check=False)


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            ["toc", "--write"],
            "{root}/notes/big.md: could not write: No space left on device; no file was changed",
        ),
        (
            ["lint", "--no-cache", "--fix", "--format", "concise"],
            "Error: {root}/notes/big.md: could not write: No space left on device; no file was changed",
        ),
    ],
    ids=["toc-write", "lint-fix"],
)
def test_a_full_disk_leaves_every_original_intact(
    small_disk: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    message: str,
) -> None:
    root = small_disk / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "notes").mkdir()
    # Two notes: the small one's temp fits, the big one's does not; neither may be replaced.
    small = "# Small\n\n<!-- toc -->\n<!-- tocstop -->\n\n## A\n"
    big = "# Big\n\n<!-- toc -->\n<!-- tocstop -->\n\n## A\n\n" + "text line\n" * 3_500
    (root / "notes/a.md").write_text(small, encoding="utf-8")
    (root / "notes/big.md").write_text(big, encoding="utf-8")
    monkeypatch.chdir(root)
    code, _, err = _run(capsys, *command)
    assert code == 1
    assert err == message.format(root=root) + "\n"
    assert (root / "notes/a.md").read_text(encoding="utf-8") == small
    assert (root / "notes/big.md").read_text(encoding="utf-8") == big
    assert _temps(root / "notes") == []
