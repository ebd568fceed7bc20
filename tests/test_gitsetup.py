"""`setup_git` (the driver in git's config, the index globs in .gitattributes; added and removed exactly) and
`merge_driver` called the way git calls it. Whole merges under real git are in test_merge.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from papernotes.config import Settings
from papernotes.errors import RefusedError, UsageError
from papernotes.gitsetup import DRIVER_COMMAND, attribute_globs, merge_driver, setup_git

from .conftest import git
from .test_merge import _versions

ATTRIBUTES = """\
# papernotes: merge the paper indexes entry by entry (papernotes git-setup)
notes/*.md merge=papernotes
README.md merge=papernotes
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    return root


def _config(root: Path) -> str:
    return git(root, "config", "--local", "--list").replace("\r\n", "\n")


def test_setup_registers_the_driver_and_marks_the_indexes(repo: Path) -> None:
    done = setup_git(repo, ["notes/*.md", "README.md"])
    assert done == [
        ".gitattributes: added notes/*.md merge=papernotes",
        ".gitattributes: added README.md merge=papernotes",
        "git config: merge.papernotes.name = papernotes entry-aware index merge",
        f"git config: merge.papernotes.driver = {DRIVER_COMMAND}",
    ]
    assert (repo / ".gitattributes").read_text(encoding="utf-8") == ATTRIBUTES
    assert "merge.papernotes.driver=papernotes merge-driver %O %A %B %P\n" in _config(repo)
    # Git itself now routes the indexes (and only them) to the driver.
    assert git(repo, "check-attr", "merge", "notes/nlp.md") == "notes/nlp.md: merge: papernotes\n"
    assert (
        git(repo, "check-attr", "merge", "notes/papers/bert.md")
        == "notes/papers/bert.md: merge: unspecified\n"
    )


def test_setup_twice_changes_nothing(repo: Path) -> None:
    setup_git(repo, ["notes/*.md", "README.md"])
    before = (repo / ".gitattributes").stat().st_mtime_ns, _config(repo)
    assert setup_git(repo, ["notes/*.md", "README.md"]) == []
    assert ((repo / ".gitattributes").stat().st_mtime_ns, _config(repo)) == before


def test_setup_adds_only_missing_lines_and_keeps_the_rest_byte_identical(repo: Path) -> None:
    existing = b"*.png binary\r\n# keep me\r\nnotes/*.md merge=papernotes\r\n"
    (repo / ".gitattributes").write_bytes(existing)
    done = setup_git(repo, ["notes/*.md", "README.md"])
    assert done[0] == ".gitattributes: added README.md merge=papernotes"
    assert (repo / ".gitattributes").read_bytes() == existing + (
        b"# papernotes: merge the paper indexes entry by entry (papernotes git-setup)\r\n"
        b"README.md merge=papernotes\r\n"
    )


def test_setup_ends_an_unterminated_last_line_before_adding(repo: Path) -> None:
    (repo / ".gitattributes").write_bytes(b"*.png binary")
    setup_git(repo, ["notes/*.md"])
    assert (repo / ".gitattributes").read_bytes().startswith(b"*.png binary\n# papernotes:")


def test_uninstall_removes_exactly_what_setup_added(repo: Path) -> None:
    existing = b"*.png binary\n*.md merge=papernotes text\n"  # a line of the user's own stays
    (repo / ".gitattributes").write_bytes(existing)
    git(repo, "config", "--local", "merge.papernotes.recursive", "binary")
    config_before = _config(repo)
    setup_git(repo, ["notes/*.md"], driver="python -m papernotes merge-driver %O %A %B %P")
    done = setup_git(repo, ["notes/*.md"], uninstall=True)
    assert done == [
        ".gitattributes: removed 2 papernotes line(s)",
        "git config: removed merge.papernotes.name",
        "git config: removed merge.papernotes.driver",
    ]
    assert (repo / ".gitattributes").read_bytes() == existing
    assert _config(repo) == config_before


def test_uninstall_leaves_no_empty_config_section(repo: Path) -> None:
    setup_git(repo, ["notes/*.md"])
    setup_git(repo, ["notes/*.md"], uninstall=True)
    assert "papernotes" not in (repo / ".git" / "config").read_text(encoding="utf-8")
    assert (repo / ".gitattributes").read_text(encoding="utf-8") == ""
    assert setup_git(repo, ["notes/*.md"], uninstall=True) == []


def test_setup_updates_a_changed_driver_command(repo: Path) -> None:
    setup_git(repo, ["notes/*.md"], driver="old %O %A %B %P")
    assert setup_git(repo, ["notes/*.md"]) == [f"git config: merge.papernotes.driver = {DRIVER_COMMAND}"]


def test_setup_outside_a_git_repository_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RefusedError, match="not inside a Git repository; run `git init` first"):
        setup_git(tmp_path, ["notes/*.md"])
    assert not (tmp_path / ".gitattributes").exists()


@pytest.mark.parametrize("glob", ["my notes/*.md", "!*.md", "#x.md", ""])
def test_setup_refuses_a_glob_gitattributes_cannot_hold(repo: Path, glob: str) -> None:
    with pytest.raises(UsageError, match=r"cannot be written to \.gitattributes"):
        setup_git(repo, [glob])
    assert not (repo / ".gitattributes").exists()


def test_attribute_globs_follow_the_configuration() -> None:
    assert attribute_globs(Settings(indexes=["reading/*.md"])) == ["reading/*.md"]
    # Auto-detection reads the root's Markdown files and notes/, docs/, papers/: root files stay anchored.
    assert attribute_globs(Settings()) == [
        "/*.md",
        "/*.markdown",
        "notes/*.md",
        "docs/*.md",
        "papers/*.md",
        "README.md",
    ]


# merge_driver


def _driver_files(tmp_path: Path, base: bytes, ours: bytes, theirs: bytes) -> tuple[Path, Path, Path]:
    """The temp files git hands a driver (%O %A %B), in the work tree's top folder."""
    files = tmp_path / ".merge_file_base", tmp_path / ".merge_file_ours", tmp_path / ".merge_file_theirs"
    for file, data in zip(files, (base, ours, theirs), strict=True):
        file.write_bytes(data)
    return files


def test_driver_merges_an_index_into_ours_keeping_crlf(tmp_path: Path) -> None:
    base, ours, theirs = _driver_files(
        tmp_path, *(v.replace("\n", "\r\n").encode() for v in _versions("both-add-same-category"))
    )
    code = merge_driver(base, ours, theirs, "notes/index.md", root=tmp_path, is_index=lambda path: True)
    assert code == 0
    merged = ours.read_bytes()
    assert b"ELECTRA" in merged and b"ALBERT" in merged
    assert merged.count(b"\n") == merged.count(b"\r\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".merge_file_base",
        ".merge_file_ours",
        ".merge_file_theirs",
    ]


def test_driver_reports_conflicts_with_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, ours, theirs = _driver_files(tmp_path, *(v.encode() for v in _versions("contradiction")))
    lines: list[str] = []
    code = merge_driver(
        base, ours, theirs, "notes/index.md", root=tmp_path, is_index=lambda path: True, report=lines.append
    )
    assert code == 1
    assert b"<<<<<<< ours\n- dynamic masking, re-drawn every epoch\n" in ours.read_bytes()
    assert lines == ["papernotes: notes/index.md: 1 conflict(s) left to resolve"]


@pytest.mark.parametrize(
    "ending",
    [
        pytest.param(b"\xe9t\xe9\n", id="not UTF-8"),
        pytest.param(b"\r", id="CR-only line endings"),
    ],
)
def test_driver_leaves_files_papernotes_cannot_write_to_git(tmp_path: Path, ending: bytes) -> None:
    base = b"# Notes\n\n- first\n" + ending
    ours, theirs = base.replace(b"first", b"first, here"), base.replace(b"first", b"first, there")
    files = _driver_files(tmp_path, base, ours, theirs)
    assert merge_driver(*files, "notes/index.md", root=tmp_path, is_index=lambda path: True) == 1
    assert files[1].read_bytes() == (
        b"# Notes\n\n<<<<<<< ours\n- first, here\n=======\n- first, there\n>>>>>>> theirs\n" + ending
    )


def test_driver_reports_git_merge_file_errors_through_report(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    files = _driver_files(tmp_path, b"a\0b\n", b"a\0c\n", b"a\0d\n")  # binary: git merge-file refuses it
    lines: list[str] = []
    code = merge_driver(*files, "data.bin", root=tmp_path, is_index=lambda path: True, report=lines.append)
    assert code == 1
    assert len(lines) == 1 and str(files[1]) in lines[0]  # "error: Cannot merge binary files: …" in English
    assert capfd.readouterr() == ("", "")  # nothing on the terminal but what `report` prints
