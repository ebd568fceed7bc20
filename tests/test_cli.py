"""The commands of issue 3 through the CLI, as a user runs them: list, show, export, config, schema."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from papernotes import __version__
from papernotes.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_version_and_python_dash_m(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--version")[1] == f"papernotes {__version__}\n"
    done = subprocess.run(
        [sys.executable, "-m", "papernotes", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout == f"papernotes {__version__}\n"


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for name in ("lint", "toc", "add", "list", "show", "export", "config", "schema", "rules", "resolve"):
        assert f"  {name} " in out


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "frobnicate")
    assert code == 2 and "No such command" in err


def test_list_json_follows_the_contract(seed_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 46
    glm = rows[0]
    assert glm["id"] == "2103.10360" and glm["line"] == 6 and glm["file"] == "notes/PretrainedLangugeModel.md"
    assert glm["category"] == ["模型", "模型"] and glm["in_conflict"] is False
    assert {r["line"] for r in rows if r["in_conflict"]} == {200, 202, 204}


def test_list_filters(seed_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "list", "-f", "json", "--category", "应用")
    assert [r["line"] for r in json.loads(out)] == [157, 165, 166, 171, 173, 182, 190]
    _, out, _ = run(capsys, "list", "-f", "json", "--category", "蒸馏")  # sub-categories included
    assert len(json.loads(out)) == 3 + 7
    _, out, _ = run(capsys, "list", "-f", "json", "--year", "2018")
    assert {r["title"][:8] for r in json.loads(out)} == {"Deep con", "GPT Impr", "Universa", "Massivel"}
    _, out, _ = run(capsys, "list", "-f", "json", "--query", "roberta")
    assert [r["id"] for r in json.loads(out)] == ["1907.11692"]


def test_list_table_reads_in_80_columns(seed_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "--query", "GLM")
    assert code == 0 and "46 entries" not in out and "Pre-training" not in out


def test_show_finds_by_id_url_and_title(seed_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for query in ("1907.11692", "https://arxiv.org/abs/1907.11692v2", "RoBERTa: A Robustly"):
        code, out, _ = run(capsys, "show", query)
        assert code == 0 and "RoBERTa" in out and "notes/PretrainedLangugeModel.md:77" in out


def test_show_names_nothing_found(seed_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "show", "no such paper")
    assert code == 1 and err.startswith("Error: no entry matches")


def test_export_csv_and_jsonl(seed_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 46 and rows[11]["id"] == "1907.11692" and rows[11]["date"] == "2019-06"
    _, out, _ = run(capsys, "export", "--format", "jsonl")
    assert len(out.splitlines()) == 46 and json.loads(out.splitlines()[0])["id"] == "2103.10360"


def test_export_bibtex_has_unique_keys_and_arxiv_fields(
    seed_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "export", "--format", "bibtex")
    keys = [line.split("{", 1)[1].rstrip(",") for line in out.splitlines() if line.startswith("@")]
    assert len(keys) == 46 and len(set(keys)) == 46
    assert "eprint = {2103.10360}" in out and "archivePrefix = {arXiv}" in out
    assert out.count("{") == out.count("}")  # balanced, as BibTeX needs


def test_bibtex_escapes_specials(make_repo, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    make_repo({"README.md": "# P\n\n## C\n\n## [2020 50% of R&D_costs: a {study} #1 ~ ^ \\\\ paper](n.md)\n"})
    _, out, _ = run(capsys, "export", "--format", "bibtex")
    assert r"50\% of R\&D\_costs: a \{study\} \#1 \textasciitilde{} \textasciicircum{}" in out


def test_config_names_its_source(seed_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "config")
    assert code == 0 and "# source: (defaults" in out and "slug-flavour" in out
    (seed_repo / "papernotes.toml").write_text('fail-on = "error"\n', encoding="utf-8")
    _, out, _ = run(capsys, "config")
    assert f"# source: {seed_repo / 'papernotes.toml'}" in out and 'fail-on = "error"' in out


def test_a_misspelt_config_key_lists_the_valid_ones(
    seed_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (seed_repo / "papernotes.toml").write_text('indexs = ["notes/*.md"]\n', encoding="utf-8")
    code, _, err = run(capsys, "list")
    assert code == 2
    assert "unknown key 'indexs' (did you mean 'indexes'?)" in err and "valid keys:" in err
    assert len(err.strip().splitlines()) == 1


def test_bad_toml_names_the_file(seed_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (seed_repo / "papernotes.toml").write_text("indexes = [\n", encoding="utf-8")
    code, _, err = run(capsys, "lint")
    assert code == 2 and "papernotes.toml" in err and "invalid TOML" in err


def test_config_in_pyproject_tool_table(seed_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (seed_repo / "pyproject.toml").write_text('[tool.papernotes]\nfail-on = "info"\n', encoding="utf-8")
    _, out, _ = run(capsys, "config")
    assert "pyproject.toml" in out and 'fail-on = "info"' in out


def test_schema_is_a_json_schema_that_validates_an_exported_document(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "schema")
    schema = json.loads(out)
    assert code == 0
    jsonschema.Draft202012Validator.check_schema(schema)
    from papernotes.workspace import build_document

    doc = build_document(
        "# T\n\n## C\n\n## [2103.10360 GLM](a.md)\n",
        "x.md",
        index_candidate=True,
        explicit=False,
        is_note=False,
    )
    jsonschema.validate(json.loads(doc.model_dump_json()), schema)


def test_the_fast_help_is_the_clis_own_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``papernotes --help`` is answered from help.txt without importing the CLI: it must be the CLI's text.

    Regenerate with ``PAPERNOTES_UPDATE_GOLDEN=1 pytest tests/test_cli.py``.
    """
    import os

    from papernotes.__main__ import HELP_FILE

    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, "--help")
    assert code == 0
    if os.environ.get("PAPERNOTES_UPDATE_GOLDEN"):
        HELP_FILE.write_text(out, encoding="utf-8")
    assert HELP_FILE.read_text(encoding="utf-8") == out


def test_export_repository_record_validates_against_the_schema(
    seed_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (seed_repo / "resources" / "notes" / "d0001").mkdir(parents=True)
    (seed_repo / "resources" / "notes" / "d0001" / "pretrainlm_2103.10360.md").write_text(
        '---\nid: "2103.10360"\n---\n\n# GLM\n\n![](../../../source/images/21222320212123000322.png)\n',
        encoding="utf-8",
    )
    _, schema_text, _ = run(capsys, "schema")
    code, out, _ = run(capsys, "export", "--format", "repository")
    record = json.loads(out)
    assert code == 0 and len(record["indexes"][0]["entries"]) == 46
    assert record["notes"][0]["images"][0]["target"].endswith(".png")
    assert record["links"]["notes/PretrainedLangugeModel.md"] == [
        "resources/notes/d0001/pretrainlm_2103.10360.md"
    ]
    jsonschema.validate(record, json.loads(schema_text))
