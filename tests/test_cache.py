"""Lint's cache changes nothing but speed: cold, warm and one-file-changed runs report the same findings."""

from __future__ import annotations

import marshal
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from papernotes import cache
from papernotes.cache import CACHE_DIR, CacheStore
from papernotes.config import load_config
from papernotes.lint import LintOptions, run_lint
from papernotes.report import render

from .conftest import SEED


def _repo(root: Path) -> Path:
    (root / ".git").mkdir(parents=True)
    (root / "notes" / "papers").mkdir(parents=True)
    (root / "assets").mkdir()
    shutil.copyfile(SEED, root / "notes" / "PretrainedLangugeModel.md")
    (root / "notes" / "topic.md").write_text(
        "# Topic\n\n## 模型\n\n### [2103.10360 GLM](papers/glm.md)\n- https://arxiv.org/abs/2103.10360\n\n"
        "### [1810.04805 BERT](papers/bert.md#method)\n\n### [1810.04805 BERT again](papers/missing.md)\n",
        encoding="utf-8",
    )
    (root / "notes" / "papers" / "glm.md").write_text(
        '---\nid: "2103.10360"\ntitle: "GLM"\n---\n\n# GLM\n\n## Method\n\n![fig](../../assets/a.png)\n',
        encoding="utf-8",
    )
    (root / "notes" / "papers" / "bert.md").write_text("# BERT\n\n## Results\n", encoding="utf-8")
    (root / "assets" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "assets" / "unused.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return root


Record = tuple[object, ...]


def _with_record(entry: Record, change: Callable[[Record], Record]) -> object:
    """A cache entry whose facts (``marshal`` bytes of ``facts_to_tuple``) went through ``change``."""
    *head, blob = entry
    return (*head, marshal.dumps(change(marshal.loads(blob))))  # type: ignore[arg-type]


def _silenced(record: Record) -> Record:
    """The record without the file's own findings (field 15): were it used, they would vanish."""
    return (*record[:15], (), *record[16:])


def _report(root: Path, *, cache: bool) -> str:
    result = run_lint(load_config(root), LintOptions(use_cache=cache))
    return render("json", result.findings, result.skipped)


def test_cold_warm_and_one_changed_runs_report_identical_json(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    cold = _report(root, cache=False)
    first = _report(root, cache=True)
    assert (root / CACHE_DIR / "lint.marshal").is_file()
    warm = _report(root, cache=True)
    assert cold == first == warm
    assert '"broken-anchor"' in cold and '"unused-image"' in cold

    note = root / "notes" / "papers" / "bert.md"
    note.write_text("# BERT\n\n## Method\n", encoding="utf-8")
    changed_warm = _report(root, cache=True)
    changed_cold = _report(root, cache=False)
    assert changed_warm == changed_cold
    assert changed_warm != warm  # the anchor #method now exists


def test_a_file_touched_but_unchanged_is_a_cache_hit_by_digest(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    before = _report(root, cache=True)
    index = root / "notes" / "topic.md"
    stat = index.stat()
    os.utime(index, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert _report(root, cache=True) == before


def test_a_corrupt_cache_is_rebuilt_with_a_warning(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    expected = _report(root, cache=True)
    (root / CACHE_DIR / "lint.marshal").write_bytes(b"\x00garbage\xff")
    (root / CACHE_DIR / "run.marshal").write_bytes(b"\x00garbage\xff")  # ignored: the run is redone
    result = run_lint(load_config(root), LintOptions())
    assert any("corrupt" in w for w in result.warnings)
    assert render("json", result.findings, result.skipped) == expected
    (root / CACHE_DIR / "run.marshal").unlink()
    assert not run_lint(load_config(root), LintOptions()).warnings  # rebuilt


def test_a_cache_of_another_version_or_configuration_is_ignored(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    expected = _report(root, cache=True)
    path = root / CACHE_DIR / "lint.marshal"
    key, base, entries = marshal.loads(path.read_bytes())
    poisoned = {p: _with_record(value, _silenced) for p, value in entries.items()}
    path.write_bytes(marshal.dumps(((key[0], "0.0.0-other", key[2]), base, poisoned)))
    assert _report(root, cache=True) == expected
    store = CacheStore(root, "another-fingerprint")
    store.load()
    assert store.entries == {}


def test_the_cache_folder_is_git_ignored_and_tagged(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    _report(root, cache=True)
    assert (root / CACHE_DIR / ".gitignore").read_text() == "*\n"
    assert (
        (root / CACHE_DIR / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )


def test_cache_clean_removes_the_cached_facts(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from papernotes.cli import main

    root = _repo(tmp_path / "repo")
    _report(root, cache=True)
    monkeypatch.chdir(root)
    try:
        main(["cache", "clean"])
    except SystemExit as exit_:
        assert exit_.code in (0, None)
    assert "Removed 2 cache files" in capsys.readouterr().out
    assert not (root / CACHE_DIR / "lint.marshal").exists()
    assert not (root / CACHE_DIR / "run.marshal").exists()


def test_parallel_extraction_reports_the_same_as_one_process(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import papernotes.lint as lint

    root = _repo(tmp_path / "repo")
    serial = run_lint(load_config(root), LintOptions(use_cache=False, jobs=1))
    monkeypatch.setattr(lint, "PARALLEL_MIN_FILES", 1)
    parallel = run_lint(load_config(root), LintOptions(use_cache=True, jobs=2))
    assert render("json", parallel.findings, parallel.skipped) == render(
        "json", serial.findings, serial.skipped
    )
    assert _report(root, cache=True) == render("json", serial.findings, serial.skipped)


def test_a_run_with_nothing_changed_answers_from_the_run_cache(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import papernotes.lint as lint

    root = _repo(tmp_path / "repo")
    first = _report(root, cache=True)

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("a warm run with nothing changed must not look into files")

    monkeypatch.setattr(lint, "_Collector", no_parsing)
    assert _report(root, cache=True) == first
    (root / "assets" / "new.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # a new file changes the run key
    monkeypatch.undo()
    assert _report(root, cache=True) == _report(root, cache=False) != first


def test_a_run_after_one_change_writes_a_journal_and_leaves_the_cache_file_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "_JOURNAL_SHARE", 2)  # this repository has 5 files: 1 change in 2 is small
    root = _repo(tmp_path / "repo")
    _report(root, cache=True)
    base = root / CACHE_DIR / "lint.marshal"
    before = (base.read_bytes(), base.stat().st_mtime_ns)
    note = root / "notes" / "papers" / "bert.md"
    note.write_text("# BERT\n\n## Method\n", encoding="utf-8")
    assert _report(root, cache=True) == _report(root, cache=False)
    assert (base.read_bytes(), base.stat().st_mtime_ns) == before
    _key, _base, changed = marshal.loads((root / CACHE_DIR / "lint.journal.marshal").read_bytes())
    assert list(changed) == ["notes/papers/bert.md"]
    store = CacheStore(root, load_config(root).settings.fingerprint())
    store.load()
    stat = note.stat()
    # the note's new record comes from the journal
    assert store.get("notes/papers/bert.md", stat.st_size, stat.st_mtime_ns) is not None


def test_a_journal_written_for_another_cache_file_is_ignored(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    expected = _report(root, cache=True)
    key, _base, entries = marshal.loads((root / CACHE_DIR / "lint.marshal").read_bytes())
    poisoned = {p: _with_record(value, _silenced) for p, value in entries.items()}
    journal = root / CACHE_DIR / "lint.journal.marshal"
    journal.write_bytes(marshal.dumps((key, "another-base", poisoned)))
    (root / CACHE_DIR / "run.marshal").unlink()
    assert _report(root, cache=True) == expected
    journal.write_bytes(b"\x00garbage")  # a broken journal: the cache file alone still serves
    (root / CACHE_DIR / "run.marshal").unlink()
    result = run_lint(load_config(root), LintOptions())
    assert render("json", result.findings, result.skipped) == expected
    assert not result.warnings


def test_many_changes_rewrite_the_whole_cache(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    _report(root, cache=True)
    base = root / CACHE_DIR / "lint.marshal"
    first = marshal.loads(base.read_bytes())[1]
    (root / "notes" / "papers" / "bert.md").write_text("# BERT\n\n## Method\n", encoding="utf-8")
    assert _report(root, cache=True) == _report(root, cache=False)
    assert marshal.loads(base.read_bytes())[1] != first  # 1 change in 5 files: a new cache file
    assert not (root / CACHE_DIR / "lint.journal.marshal").exists()


def test_cache_entries_of_the_wrong_shape_cost_a_parse_never_a_crash(tmp_path: Path) -> None:
    from papernotes.tocfiles import run_toc

    root = _repo(tmp_path / "repo")
    (root / "notes" / "papers" / "toc.md").write_text(
        "# T\n\n<!-- TOC -->\n- [Old](#old)\n<!-- /TOC -->\n\n## New\n", encoding="utf-8"
    )
    expected = _report(root, cache=False)
    settings = load_config(root).settings
    toc_expected = run_toc(root, settings, None, write=False, check=True, diff=False, add=False, depth=None)
    _report(root, cache=True)
    path = root / CACHE_DIR / "lint.marshal"
    key, base, entries = marshal.loads(path.read_bytes())
    broken: dict[object, object] = dict(entries)
    broken["notes/topic.md"] = 42
    broken["notes/papers/glm.md"] = (1, 2, "digest")  # too short
    glm = entries["notes/papers/glm.md"]
    broken["notes/papers/bert.md"] = (*glm[:3], b"\x00not marshal")
    broken["notes/PretrainedLangugeModel.md"] = _with_record(glm, lambda record: record[:5])  # a short record
    bad_status = (("TOC", "x", 3, "fresh", "", 3),)
    broken["notes/papers/toc.md"] = _with_record(
        entries["notes/papers/toc.md"], lambda record: (*record[:18], bad_status)
    )
    broken[7] = ("x",)
    path.write_bytes(marshal.dumps((key, base, broken)))
    (root / CACHE_DIR / "run.marshal").unlink()
    assert _report(root, cache=True) == expected
    path.write_bytes(marshal.dumps((key, base, broken)))
    toc = run_toc(root, settings, None, write=False, check=True, diff=False, add=False, depth=None)
    assert (toc.lines, toc.exit_code) == (toc_expected.lines, toc_expected.exit_code)


def test_runs_sharing_the_cache_at_once_all_report_what_a_run_without_cache_reports(tmp_path: Path) -> None:
    import subprocess
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
    try:
        import generate  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    root = tmp_path / "repo"
    generate.main([str(root), "--notes", "60", "--seed", "3"])
    (root / ".git").mkdir()
    command = [sys.executable, "-m", "papernotes", "lint", "--format", "json"]

    def at_once(count: int) -> list[bytes]:
        runs = [subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE) for _ in range(count)]
        return [run.communicate()[0] for run in runs]

    at_once(1)  # the cache file
    notes = sorted((root / "notes").rglob("*.md"))
    for step, note in enumerate(notes[-3:]):  # each round changes one more note: journals race
        note.write_text(
            note.read_text(encoding="utf-8") + f"\n[gone {step}](missing-{step}.md)\n", encoding="utf-8"
        )
        expected = subprocess.run([*command, "--no-cache"], cwd=root, capture_output=True, check=False).stdout
        assert f"missing-{step}.md".encode() in expected
        assert set(at_once(3)) == {expected}
        assert at_once(1) == [expected]
    assert (root / CACHE_DIR / "lint.journal.marshal").is_file()  # the small changes went to the journal
