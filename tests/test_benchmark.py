"""benchmarks/run.py end to end on a tiny corpus: every row is in the table and the findings check passes.

Not a timing test: nothing is asserted about durations, only that the harness runs, measures every command it
can and checks lint's reports against the defects the generator planted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks.run import LABELS

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.mark.slow
def test_quick_run_writes_every_row_and_passes_the_findings_check(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    corpora = tmp_path / "corpora"
    argv = ["--quick", "--notes", "60", "--runs", "1", "--warmup", "0", "--corpus-dir", str(corpora)]
    done = subprocess.run(
        [sys.executable, str(RUN), *argv, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    text = out.read_text(encoding="utf-8")

    timings = text.split("## Timings", 1)[1].split("## Peers", 1)[0]
    details = text.split("## Details", 1)[1].split("## Commands", 1)[0]
    commands = text.split("## Commands", 1)[1]
    for label in LABELS.values():
        for section in (timings, details, commands):
            assert f"| {label} |" in section, f"{label!r} missing"
    assert "Findings check: passed." in text
    assert "| planted lint defects found | " in text
    for section in ("## Machine", "## Peers", "## Targets", "## Corpora"):
        assert section in text
    # Commands the harness always has (papernotes, the Python floors) were measured, not skipped.
    for key in (
        "python",
        "read",
        "parse-py",
        "version",
        "help",
        "cold",
        "warm",
        "changed",
        "one-file",
        "toc",
        "toc-cold",
    ):
        row = next(line for line in timings.splitlines() if line.startswith(f"| {LABELS[key]} |"))
        assert " ms · " in row or " s · " in row, row
    # The corpus is kept for reuse, and the edited note is back to its generated text.
    corpus = corpora / "notes-60-seed-0"
    assert (corpus / ".defects.json").is_file()
    assert "benchmark-missing-note.md" not in "".join(
        p.read_text(encoding="utf-8") for p in corpus.rglob("*.md")
    )


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(RUN), "--runs", "0", "--out", str(tmp_path / "r.md")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "--runs" in done.stderr
    assert not (tmp_path / "r.md").exists()
