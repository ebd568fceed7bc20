"""`papernotes toc` on a repository: which files, what is reported, what is written (and what never is)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from papernotes.config import Settings
from papernotes.errors import UsageError
from papernotes.tocfiles import TocResult, run_toc

from .conftest import DATA

MakeRepo = Callable[[dict[str, str | bytes]], Path]

STALE = "# Notes\n\n<!-- TOC -->\n\n- [Old](#old)\n\n<!-- /TOC -->\n\n## 模型\n\n### BERT\n\n## 应用\n"
FRESH = "# Fresh\n\n<!-- toc -->\n- [A](#a)\n<!-- tocstop -->\n\n## A\n"
PLAIN = "# No block\n\n## A\n\n## B\n"
GNN_INDEX = (
    "# Graph Neural Networks\n\n"
    "## [1609.02907 Semi-Supervised Classification with Graph Convolutional Networks](papers/gcn.md)\n\n"
    "## [1710.10903 Graph Attention Networks](papers/gat.md)\n"
)
PLM_INDEX = (
    "# 预训练语言模型\n\n## [1810.04805 BERT: Pre-training of Deep Bidirectional Transformers](bert.md)\n"
)


def _run(
    root: Path, settings: Settings | None = None, paths: list[Path] | None = None, **flags: Any
) -> TocResult:
    options: dict[str, Any] = {"write": False, "check": False, "diff": False, "add": False, "depth": None}
    return run_toc(root, settings or Settings(), paths, **(options | flags))


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in root.rglob("*.md")
        if ".papernotes_cache" not in p.parts
    }


def test_check_names_the_stale_files_exits_1_and_writes_nothing(make_repo: MakeRepo) -> None:
    root = make_repo({"README.md": STALE, "notes/fresh.md": FRESH, "notes/plain.md": PLAIN})
    before = _snapshot(root)
    result = _run(root, check=True)
    assert result.exit_code == 1
    assert result.lines == [
        "README.md:3: stale: <!-- TOC --> out of date: 3 headings missing, 1 entry no longer a heading",
        "2 blocks in 2 files: 1 fresh, 1 stale",
    ]
    assert sorted(result.statuses) == ["README.md", "notes/fresh.md"]
    assert result.written == []
    assert _snapshot(root) == before


def test_without_check_a_stale_block_is_reported_but_is_no_failure(make_repo: MakeRepo) -> None:
    root = make_repo({"README.md": STALE})
    assert _run(root).exit_code == 0


def test_write_updates_only_the_stale_files_and_a_second_write_writes_nothing(make_repo: MakeRepo) -> None:
    root = make_repo({"README.md": STALE, "notes/fresh.md": FRESH, "notes/plain.md": PLAIN})
    before = _snapshot(root)
    result = _run(root, write=True)
    assert (result.exit_code, result.written) == (0, [root / "README.md"])
    assert result.lines[0].startswith("README.md:3: updated: <!-- TOC --> out of date")
    assert (root / "README.md").read_text(encoding="utf-8") == (
        "# Notes\n\n<!-- TOC -->\n\n- [模型](#模型)\n    - [BERT](#bert)\n- [应用](#应用)\n\n"
        "<!-- /TOC -->\n\n## 模型\n\n### BERT\n\n## 应用\n"
    )
    after = _snapshot(root)
    assert {k: v for k, v in after.items() if k != "README.md"} == {
        k: v for k, v in before.items() if k != "README.md"
    }
    again = _run(root, write=True)
    assert (again.exit_code, again.written) == (0, [])
    assert _snapshot(root) == after


def test_diff_shows_every_change_and_writes_nothing(
    make_repo: MakeRepo, golden: Callable[[str, str], None]
) -> None:
    root = make_repo(
        {
            "README.md": STALE,
            "notes/collapsed.md": (DATA / "toc" / "collapsed-readme.md").read_text(encoding="utf-8"),
        }
    )
    before = _snapshot(root)
    result = _run(root, diff=True)
    golden("toc/run.diff", result.diff)
    assert _snapshot(root) == before


def test_crlf_bom_and_no_final_newline_are_kept(make_repo: MakeRepo) -> None:
    text = "# T\r\n\r\n<!-- toc -->\r\n<!-- tocstop -->\r\n\r\n## A\r\n\r\n## B"
    root = make_repo({"notes/crlf.md": b"\xef\xbb\xbf" + text.encode()})
    assert _run(root, write=True).exit_code == 0
    data = (root / "notes" / "crlf.md").read_bytes()
    assert data == (
        b"\xef\xbb\xbf# T\r\n\r\n<!-- toc -->\r\n\r\n- [A](#a)\r\n- [B](#b)\r\n\r\n<!-- tocstop -->\r\n"
        b"\r\n## A\r\n\r\n## B"
    )
    assert _run(root, write=True).written == []


def test_an_unreadable_file_is_reported_and_the_others_are_still_written(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"README.md": STALE, "notes/broken.md": b"# T\n\xff\xfe<!-- toc -->\n", "notes/z.md": FRESH}
    )
    result = _run(root, write=True)
    assert result.exit_code == 3
    assert result.errors == ["notes/broken.md:2: not UTF-8: byte 0xff at column 1 (offset 4)"]
    assert result.written == [root / "README.md"]


def test_a_file_with_a_conflict_is_refused_with_its_line_and_left_untouched(make_repo: MakeRepo) -> None:
    conflicted = STALE + "<<<<<<< HEAD\n## Ours\n=======\n## Theirs\n>>>>>>> origin/main\n"
    root = make_repo({"notes/conflicted.md": conflicted, "README.md": STALE})
    result = _run(root, write=True)
    assert result.exit_code == 1
    assert "notes/conflicted.md:3: conflict: merge conflict at line 14: resolve it, then update the TOC" in (
        result.lines
    )
    assert (root / "notes" / "conflicted.md").read_text(encoding="utf-8") == conflicted
    assert result.written == [root / "README.md"]


def test_a_file_with_unbalanced_markers_is_refused(make_repo: MakeRepo) -> None:
    root = make_repo({"README.md": "# T\n<!-- TOC -->\n- [A](#a)\n\n## A\n"})
    result = _run(root, write=True)
    assert (result.exit_code, result.written) == (1, [])
    assert result.lines[0] == "README.md:2: unbalanced: <!-- TOC -->: no closing marker"


def test_the_topics_block_lists_every_topic_index_with_its_paper_count(make_repo: MakeRepo) -> None:
    readme = "# My paper notes\n\n<!-- papernotes:topics -->\n<!-- /papernotes:topics -->\n"
    root = make_repo({"README.md": readme, "notes/gnn.md": GNN_INDEX, "notes/plm.md": PLM_INDEX})
    result = _run(root, Settings(indexes=["notes/*.md"]), write=True)
    assert result.exit_code == 0
    assert (root / "README.md").read_text(encoding="utf-8") == (
        "# My paper notes\n\n<!-- papernotes:topics -->\n"
        "- [Graph Neural Networks](notes/gnn.md) — 2 papers\n"
        "- [预训练语言模型](notes/plm.md) — 1 paper\n"
        "<!-- /papernotes:topics -->\n"
    )
    assert _run(root, Settings(indexes=["notes/*.md"]), check=True).exit_code == 0


def test_add_puts_a_toc_into_the_files_given(make_repo: MakeRepo) -> None:
    root = make_repo({"notes/a.md": PLAIN, "notes/b.md": PLAIN})
    result = _run(root, paths=[root / "notes" / "a.md"], write=True, add=True, depth=2)
    assert (
        result.lines[0]
        == "notes/a.md:1: added: no TOC: <!-- papernotes:toc depth=2 --> to add after the title"
    )
    assert (root / "notes" / "a.md").read_text(encoding="utf-8") == (
        "# No block\n\n<!-- papernotes:toc depth=2 -->\n- [A](#a)\n- [B](#b)\n<!-- /papernotes:toc -->\n\n"
        "## A\n\n## B\n"
    )
    assert (root / "notes" / "b.md").read_text(encoding="utf-8") == PLAIN


def test_the_typora_setting_maintains_a_toc_after_the_typora_line(make_repo: MakeRepo) -> None:
    root = make_repo({"notes/t.md": "# T\n[toc]\n\n## A\n"})
    assert _run(root).lines[0].startswith("notes/t.md:2: typora: Typora [toc]: only Typora shows it")
    _run(root, Settings(typora_toc=True), write=True)
    assert (root / "notes" / "t.md").read_text(encoding="utf-8") == (
        "# T\n[toc]\n<!-- papernotes:toc -->\n- [A](#a)\n<!-- /papernotes:toc -->\n\n## A\n"
    )


def test_a_folder_given_means_the_markdown_files_below_it(make_repo: MakeRepo) -> None:
    root = make_repo({"README.md": STALE, "notes/a.md": STALE, "notes/deep/b.md": STALE})
    result = _run(root, paths=[root / "notes"], check=True)
    assert sorted(result.statuses) == ["notes/a.md", "notes/deep/b.md"]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"write": True, "check": True}, "--check and --write exclude each other"),
        ({"depth": 7}, "--depth must be a heading level from 1 to 6, not 7"),
        ({"paths": [Path("/")]}, "is outside the repository"),
    ],
)
def test_usage_errors(make_repo: MakeRepo, flags: dict[str, Any], message: str) -> None:
    root = make_repo({"README.md": STALE})
    with pytest.raises(UsageError, match=message):
        _run(root, **flags)


def test_the_projects_own_notes_are_fresh() -> None:
    root = Path(__file__).parents[1]
    result = _run(root, paths=[root / "notes"], check=True)
    assert result.exit_code == 0
    assert result.lines == ["1 block in 1 file: 1 fresh"]


def _lint(root: Path) -> None:
    from papernotes.config import LoadedConfig
    from papernotes.lint import LintOptions, run_lint

    run_lint(LoadedConfig(root=root, settings=Settings(), source=None), LintOptions())


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import papernotes.tocfiles as tocfiles

    read: list[str] = []
    real = tocfiles.read_text

    def counting(path: Path) -> Any:
        read.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(tocfiles, "read_text", counting)
    return read


def test_after_lint_check_answers_from_lints_cache_without_reading_a_file(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo({"README.md": STALE, "notes/fresh.md": FRESH, "notes/plain.md": PLAIN})
    uncached = _run(root, check=True)
    _lint(root)
    read = _reads(monkeypatch)
    cached = _run(root, check=True)
    assert read == []
    assert (cached.lines, cached.exit_code) == (uncached.lines, uncached.exit_code)


def test_a_file_changed_since_lint_is_read_again(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo({"README.md": FRESH, "notes/fresh.md": FRESH})
    _lint(root)
    (root / "README.md").write_text(FRESH + "\n## B\n", encoding="utf-8")
    read = _reads(monkeypatch)
    result = _run(root, check=True)
    assert read == ["README.md"]
    assert result.exit_code == 1
    assert result.lines[0].startswith("README.md:3: stale:")


def test_blocks_that_depend_on_other_files_and_stale_blocks_to_write_are_always_read(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = "# My paper notes\n\n<!-- papernotes:topics -->\n<!-- /papernotes:topics -->\n"
    root = make_repo(
        {"README.md": readme, "notes/stale.md": STALE, "notes/fresh.md": FRESH, "gnn.md": GNN_INDEX}
    )
    _lint(root)
    read = _reads(monkeypatch)
    assert _run(root, check=True).exit_code == 1
    assert read == ["README.md"]  # the topics block lists the indexes: never taken from the cache
    read.clear()
    result = _run(root, write=True)
    assert sorted(read) == ["README.md", "stale.md"]
    assert result.written == [root / "README.md", root / "notes/stale.md"]
    assert _run(root, check=True).exit_code == 0
