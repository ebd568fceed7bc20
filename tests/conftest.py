"""Shared fixtures: throwaway repositories shaped like real notes repositories, and golden-file checks."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"
SEED = DATA / "seed" / "PretrainedLangugeModel.md"
UPDATE = bool(os.environ.get("PAPERNOTES_UPDATE_GOLDEN"))


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/NAME; PAPERNOTES_UPDATE_GOLDEN=1 rewrites it (then review the diff)."""
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="")
        if not UPDATE:
            pytest.fail(f"golden file {name} was missing and has been written; check it and re-run")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        import difflib

        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True), actual.splitlines(True), f"golden/{name}", "actual"
            )
        )
        pytest.fail(f"output differs from golden/{name} (PAPERNOTES_UPDATE_GOLDEN=1 to accept):\n{diff}")


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    return check_golden


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


@pytest.fixture
def seed_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed index as notes/PretrainedLangugeModel.md of a fresh repository (cwd is its root)."""
    root = tmp_path / "repo"
    (root / "notes").mkdir(parents=True)
    (root / ".git").mkdir()
    shutil.copyfile(SEED, root / "notes" / "PretrainedLangugeModel.md")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def make_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, str | bytes]], Path]:
    """Build a repository from {relative path: content}; cwd becomes its root."""

    def build(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "repo"
        root.mkdir(exist_ok=True)
        (root / ".git").mkdir(exist_ok=True)
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="")
        monkeypatch.chdir(root)
        return root

    return build
