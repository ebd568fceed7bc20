"""Merging indexes entry by entry (pure, and as git's merge driver), and resolving committed conflicts.

Each scenario in tests/data/merge/NAME/ is an index in three versions (base, ours, theirs); the merged index
is tests/golden/merge/NAME.md, and real git produces exactly that file through the merge driver.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papernotes.config import load_config
from papernotes.gitsetup import setup_git
from papernotes.lint import LintOptions, run_lint
from papernotes.merge import merge_index
from papernotes.parsing import parse_text
from papernotes.resolving import ResolveMode, resolve_conflicts

from .conftest import SEED, git

MERGE_DATA = Path(__file__).parent / "data" / "merge"
# Conflict regions each scenario leaves; every other scenario merges cleanly.
SCENARIOS = {
    "both-add-same-category": 0,  # both kept, theirs' after ours'; theirs' TinyBERT lands in Distillation
    "edit-and-move": 0,  # ours edits BERT's bullets, theirs moves it to a new category: BERT moved, edited
    "both-add-same-paper": 0,  # ALBERT once: ours' title line, both sides' bullets
    "contradiction": 1,  # one bullet changed differently: markers around that bullet only
    "delete-and-frame": 0,  # theirs deletes RoBERTa and renames a category, ours edits the intro
    "frame-conflict": 1,  # the intro changed differently: markers around it; the added entries merge
}


_SIDES = ("base", "ours", "theirs")


def _versions(name: str) -> tuple[str, str, str]:
    base, ours, theirs = (MERGE_DATA.joinpath(name, f"{v}.md").read_text(encoding="utf-8") for v in _SIDES)
    return base, ours, theirs


# merge_index


@pytest.mark.parametrize("name", SCENARIOS)
def test_merge_scenario_golden(name: str, golden: Callable[[str, str], None]) -> None:
    result = merge_index(*_versions(name), path="notes/index.md")
    golden(f"merge/{name}.md", result.text)
    assert result.conflicts == SCENARIOS[name]


def test_merge_conflict_markers_surround_only_the_contradicting_bullet() -> None:
    result = merge_index(*_versions("contradiction"), path="notes/index.md")
    lines = result.text.splitlines()
    start = lines.index("<<<<<<< ours")
    assert lines[start - 1] == "- https://arxiv.org/abs/1907.11692"  # RoBERTa's unchanged URL stays outside
    assert lines[start : start + 5] == [
        "<<<<<<< ours",
        "- dynamic masking, re-drawn every epoch",
        "=======",
        "- dynamic masking instead of static",
        ">>>>>>> theirs",
    ]
    assert "- masked language model (15% of tokens)" in lines  # the rest of both sides merged


def test_merge_labels_are_passed_in() -> None:
    result = merge_index(*_versions("contradiction"), path="notes/index.md", labels=("HEAD", "feature"))
    assert "<<<<<<< HEAD\n" in result.text
    assert ">>>>>>> feature\n" in result.text


def test_merge_notes_the_title_line_it_kept() -> None:
    result = merge_index(*_versions("both-add-same-paper"), path="notes/index.md")
    assert result.notes == ("'ALBERT: A Lite BERT for Self-supervised Learning …' was added on both sides: "
                            "kept ours' title line",)  # fmt: skip


def test_merge_paper_added_in_two_categories_is_kept_once_where_ours_put_it() -> None:
    base, ours, theirs = _versions("both-add-same-paper")
    albert = theirs[theirs.index("### [ALBERT") : theirs.index("## Distillation")]
    result = merge_index(base, ours, base + "\n" + albert, path="notes/index.md")
    assert result.text.count("ALBERT") == 1
    assert result.text.index("ALBERT") < result.text.index("## Distillation")
    assert result.notes[0].endswith("…' is placed differently on each side: kept ours")


def test_merge_keeps_crlf_bom_and_missing_final_newline() -> None:
    base, ours, theirs = (("\ufeff" + text.replace("\n", "\r\n")).removesuffix("\r\n") for text in
                          _versions("both-add-same-category"))  # fmt: skip
    expected = merge_index(*_versions("both-add-same-category"), path="x.md").text
    result = merge_index(base, ours, theirs, path="notes/index.md")
    assert result.text == "\ufeff" + expected.replace("\n", "\r\n").removesuffix("\r\n")


def test_merge_entry_deleted_on_one_side_and_edited_on_the_other_conflicts() -> None:
    base, _, _ = _versions("contradiction")
    ours = base.replace("- dynamic masking\n", "- dynamic masking, re-drawn every epoch\n")
    theirs = base.replace(base[base.index("### [1907.11692") : base.index("## Distillation")], "")
    result = merge_index(base, ours, theirs, path="notes/index.md")
    assert result.conflicts == 1
    assert "<<<<<<< ours\n### [1907.11692 RoBERTa" in result.text
    assert "- dynamic masking, re-drawn every epoch\n\n=======\n>>>>>>> theirs\n" in result.text


def test_merge_entry_moved_on_one_side_and_deleted_on_the_other_is_deleted() -> None:
    base, _, _ = _versions("edit-and-move")
    _, _, moved = _versions("edit-and-move")
    bert = base[base.index("### [1810.04805") : base.index("### [1907.11692")]
    deleted = base.replace(bert, "")
    result = merge_index(base, deleted, moved, path="notes/index.md")
    assert result.conflicts == 0
    assert "BERT: Pre-training" not in result.text
    assert "## Encoders\n\n## Distillation" in result.text  # theirs' new (now empty) category stays


_FRUITS = ("apples", "bananas", "cherries", "dates")


def test_merge_entries_reordered_on_one_side_keep_that_order() -> None:
    apples, bananas, cherries, dates = (f"- [A paper about {fruit}]({fruit}.md)\n" for fruit in _FRUITS)
    base = "## Papers\n\n" + apples + bananas + cherries
    theirs = "## Papers\n\n" + cherries + apples + bananas
    result = merge_index(base, base + dates, theirs, path="x.md")
    assert result.text == theirs + dates  # no blank line inside the list


_POOL = [
    "# Reading list",
    "",
    "",
    "Papers I read, by topic.",
    "## Pretraining",
    "## Distillation",
    "### [1810.04805 BERT: Pre-training of Deep Bidirectional Transformers](notes/bert.md)",
    "### [1907.11692 RoBERTa: A Robustly Optimized BERT Pretraining Approach](notes/roberta.md)",
    "#### [RoBERTa: A Robustly Optimized BERT Pretraining Approach](notes/roberta.md)",
    "- [1910.01108 DistilBERT, a distilled version of BERT](notes/distilbert.md)",
    "- [ ] [TinyBERT: Distilling BERT for Natural Language Understanding]",
    "- https://arxiv.org/abs/1810.04805",
    "- masked language model",
    "- dynamic masking",
    "  - a nested bullet",
    "![](images/fig.png)",
    "<!-- a comment -->",
    "<<<<<<< HEAD",
    "=======",
    ">>>>>>> 858f991",
    "```",
]
_lines = st.lists(st.sampled_from(_POOL), max_size=24)


@st.composite
def _texts(draw: st.DrawFn) -> str:
    lines = draw(_lines)
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return draw(st.sampled_from(["", "\ufeff"])) + ending.join(lines) + draw(st.sampled_from(["", ending]))


@settings(max_examples=300, deadline=None)
@given(base=_texts(), ours=_texts(), theirs=_texts())
def test_merge_with_an_unchanged_side_gives_the_other_side_byte_for_byte(
    base: str, ours: str, theirs: str
) -> None:
    assert merge_index(base, ours, base, path="x.md").text == ours
    assert merge_index(base, base, theirs, path="x.md").text == theirs
    assert merge_index(base, ours, ours, path="x.md").text == ours
    merge_index(base, ours, theirs, path="x.md")  # never raises


# resolve_conflicts


def test_resolve_seed_golden(golden: Callable[[str, str], None]) -> None:
    result = resolve_conflicts(SEED.read_text(encoding="utf-8"), path="notes/PretrainedLangugeModel.md")
    golden("merge/PretrainedLangugeModel.resolved.md", result.text)
    assert result.resolved == 1
    assert result.refused == ()
    assert result.notes == (
        "notes/PretrainedLangugeModel.md:199: kept 'Continual Domain-Tuning for Pretrained Language M…' from "
        "theirs, 'What the MASK? Making Sense of Language-Specific …' once (ours' title line)",
    )


def test_resolve_seed_keeps_what_the_mask_once_at_its_siblings_level() -> None:
    result = resolve_conflicts(SEED.read_text(encoding="utf-8"), path="seed.md")
    lines = result.text.splitlines()
    mask = [n for n, line in enumerate(lines) if "What the MASK?" in line]
    assert len(mask) == 1
    assert lines[mask[0]].startswith(
        "## [202003 What the MASK?"
    )  # ours' heading line: `##`, like `# 原理`'s others
    assert lines[mask[0] + 1] == "- https://arxiv.org/pdf/2003.02912v1.pdf"  # the shared body follows it


def test_resolve_seed_then_lint_reports_the_continual_domain_tuning_duplicate(seed_repo: Path) -> None:
    index = seed_repo / "notes" / "PretrainedLangugeModel.md"
    index.write_text(resolve_conflicts(index.read_text(encoding="utf-8"), path="x").text, encoding="utf-8")
    findings = run_lint(load_config(seed_repo), LintOptions(use_cache=False)).findings
    assert not [f for f in findings if f.rule == "merge-conflict"]
    duplicates = [
        f for f in findings if f.rule == "duplicate-entry" and "Continual Domain-Tuning" in f.message
    ]
    assert [(f.line, f.related) for f in duplicates] == [(199, [("notes/PretrainedLangugeModel.md", 173)])]


@pytest.mark.parametrize(
    ("mode", "kept"),
    [
        ("ours", ["## [202003 What the MASK?"]),
        ("theirs", ["#### [2004.02288 Continual Domain-Tuning", "", "#### [202003 What the MASK?"]),
    ],
)
def test_resolve_keeps_one_side_verbatim(mode: ResolveMode, kept: list[str]) -> None:
    seed = SEED.read_text(encoding="utf-8").splitlines()
    result = resolve_conflicts("\n".join(seed) + "\n", path="seed.md", mode=mode)
    lines = result.text.splitlines()
    assert [line[: len(prefix)] for line, prefix in zip(lines[198:], kept, strict=False)] == kept
    assert lines[198 + len(kept)] == "- https://arxiv.org/pdf/2003.02912v1.pdf"
    assert lines[:198] == seed[:198]
    assert lines[198 + len(kept) :] == seed[205:]


def test_resolve_refuses_a_lone_marker_naming_its_line() -> None:
    text = "# Papers\n\n## [A paper about apples](a.md)\n>>>>>>> 858f991\n- a bullet\n"
    result = resolve_conflicts(text, path="notes/index.md")
    assert result.text == text
    assert result.resolved == 0
    assert result.refused == (
        "notes/index.md:4: lone '>>>>>>>' line, with no conflict around it; "
        "delete it or restore the rest by hand",
    )


def test_resolve_refuses_a_conflict_of_text_outside_entries() -> None:
    text = "# Papers\n\n<<<<<<< HEAD\n## Pretraining\n=======\n## Language models\n>>>>>>> theirs\n"
    result = resolve_conflicts(text, path="x.md")
    assert result.text == text
    assert result.refused == (
        "x.md:3: cannot merge this conflict entry by entry: the two sides hold different text that belongs "
        "to no paper entry; resolve it by hand or keep one side (ours or theirs)",
    )
    assert resolve_conflicts(text, path="x.md", mode="theirs").text == "# Papers\n\n## Language models\n"


def test_resolve_union_of_a_conflict_inside_an_entry_keeps_both_bullets() -> None:
    merged = merge_index(*_versions("contradiction"), path="notes/index.md").text
    result = resolve_conflicts(merged, path="notes/index.md")
    assert "<<<<<<<" not in result.text
    assert "- dynamic masking, re-drawn every epoch\n- dynamic masking instead of static\n" in result.text


def test_resolve_keeps_crlf() -> None:
    seed = SEED.read_bytes()
    result = resolve_conflicts(seed.decode("utf-8").replace("\n", "\r\n"), path="seed.md")
    expected = resolve_conflicts(seed.decode("utf-8"), path="seed.md").text.replace("\n", "\r\n")
    assert result.text == expected
    assert "\n" not in result.text.replace("\r\n", "")


def test_resolve_diff3_style_conflict_keeps_both_sides_entries() -> None:
    text = (
        "## Distillation\n\n<<<<<<< ours\n- [1909.10351 TinyBERT: Distilling BERT](notes/tinybert.md)\n"
        "||||||| base\n- [TinyBERT](notes/tinybert.md)\n"
        "=======\n- [TinyBERT: Distilling BERT](notes/tinybert.md)\n"
        "- [1910.01108 DistilBERT, a distilled version of BERT](notes/distilbert.md)\n>>>>>>> theirs\n"
    )
    result = resolve_conflicts(text, path="x.md")
    assert result.text == (
        "## Distillation\n\n- [1909.10351 TinyBERT: Distilling BERT](notes/tinybert.md)\n"
        "- [1910.01108 DistilBERT, a distilled version of BERT](notes/distilbert.md)\n"
    )


def test_resolve_is_idempotent_and_leaves_a_file_without_conflicts_alone() -> None:
    once = resolve_conflicts(SEED.read_text(encoding="utf-8"), path="seed.md")
    twice = resolve_conflicts(once.text, path="seed.md")
    assert (twice.text, twice.resolved, twice.notes, twice.refused) == (once.text, 0, (), ())


def _outside(text: str) -> list[list[str]]:
    """The runs of lines outside the complete conflict regions, in order."""
    lines = text.splitlines(keepends=True)
    parsed = parse_text(text.removeprefix("\ufeff").replace("\r\n", "\n"))
    runs, at = [], 0
    for region in parsed.conflicts:
        if region.start is not None and region.middle is not None and region.end is not None:
            runs.append(lines[at : region.start - 1])
            at = region.end
    return [*runs, lines[at:]]


def _in_order(runs: list[list[str]], lines: list[str]) -> Iterator[bool]:
    at = 0
    for run in runs:
        found = next(
            (i for i in range(at, len(lines) - len(run) + 1) if lines[i : i + len(run)] == run), None
        )
        yield found is not None
        at = (found or 0) + len(run)


@settings(max_examples=300, deadline=None)
@given(text=_texts(), mode=st.sampled_from(get_args(ResolveMode)))
def test_resolve_never_raises_nor_changes_lines_outside_conflicts(text: str, mode: ResolveMode) -> None:
    result = resolve_conflicts(text, path="x.md", mode=mode)
    runs = _outside(text)
    lines = result.text.splitlines(keepends=True)
    assert lines[: len(runs[0])] == runs[0]
    assert all(_in_order(runs, lines))
    if not parse_text(text.removeprefix("\ufeff").replace("\r\n", "\n")).conflicts:
        assert result.text == text


# The merge driver under real git


SHIM = """\
import sys
from pathlib import Path

from papernotes.config import load_config
from papernotes.gitsetup import merge_driver
from papernotes.workspace import role_candidates

is_index = role_candidates(load_config(Path.cwd()).settings)[0]
base, ours, theirs, path = sys.argv[1:5]
sys.exit(merge_driver(Path(base), Path(ours), Path(theirs), path, root=Path.cwd(), is_index=is_index))
"""


@pytest.fixture
def git_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with the driver installed by setup_git, run by a shim until the CLI command exists."""
    # The user's own git config (a diff3 conflict style, hooks) must not change what git writes.
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    shim = tmp_path / "merge_driver_shim.py"
    shim.write_text(SHIM, encoding="utf-8")
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    driver = f"{shlex.quote(sys.executable)} {shlex.quote(str(shim))} %O %A %B %P"
    setup_git(root, ["/*.md", "notes/*.md"], driver=driver)
    return root


def _merge_branches(root: Path, files: dict[str, tuple[str, str, str]]) -> subprocess.CompletedProcess[str]:
    """Commit base, then theirs on a branch `theirs` and ours on `main`; merge `theirs` into `main`."""
    for side in (0, 2, 1):
        if side == 2:
            git(root, "checkout", "-q", "-b", "theirs")
        elif side == 1:
            git(root, "checkout", "-q", "main")
        for rel, versions in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(versions[side], encoding="utf-8", newline="")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", _SIDES[side])
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid"}
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    return subprocess.run(
        ["git", "merge", "--no-edit", "theirs"], cwd=root, capture_output=True, text=True, env=env
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_git_merge_through_the_driver_gives_the_golden_index(name: str, git_repo: Path) -> None:
    done = _merge_branches(git_repo, {"notes/index.md": _versions(name)})
    expected = (Path(__file__).parent / "golden" / "merge" / f"{name}.md").read_text(encoding="utf-8")
    assert (git_repo / "notes" / "index.md").read_text(encoding="utf-8") == expected
    status = git(git_repo, "status", "--porcelain", "--untracked-files=no")
    if SCENARIOS[name]:
        assert done.returncode == 1
        assert "CONFLICT (content): Merge conflict in notes/index.md" in done.stdout
        assert status == "UU notes/index.md\n"
    else:
        assert done.returncode == 0, done.stdout + done.stderr
        assert status == ""


@pytest.mark.slow
def test_git_merge_of_a_file_that_is_no_index_is_gits_own_text_merge(git_repo: Path, tmp_path: Path) -> None:
    # CHANGELOG.md is routed to the driver by "/*.md" but is never an index: git merge-file merges it.
    base = "# Changelog\n\n## Unreleased\n- first\n\n## 1.0\n- released\n"
    ours = base.replace("- first\n", "- first, reworded here\n")
    theirs = base.replace("- first\n", "- first, reworded there\n").replace("- released\n", "- released!\n")
    done = _merge_branches(git_repo, {"CHANGELOG.md": (base, ours, theirs)})
    for name, text in zip(_SIDES, (base, ours, theirs), strict=True):
        (tmp_path / name).write_text(text, encoding="utf-8")
    labels = ["-L", "ours", "-L", "base", "-L", "theirs"]
    files = [str(tmp_path / name) for name in ("ours", "base", "theirs")]
    expected = subprocess.run(
        ["git", "merge-file", "-p", *labels, *files], capture_output=True, text=True
    ).stdout
    assert (git_repo / "CHANGELOG.md").read_text(encoding="utf-8") == expected
    assert (
        "<<<<<<< ours\n- first, reworded here\n=======\n- first, reworded there\n>>>>>>> theirs\n" in expected
    )
    assert "- released!\n" in expected
    assert done.returncode == 1
