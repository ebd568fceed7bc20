#!/usr/bin/env python3
"""Whole-process timings of ``papernotes`` against its floors and its peers, on generated corpora (issue 9).

    python benchmarks/run.py [--notes 1000 10000] [--runs 5] [--warmup 1] [--large] [--quick]
                             [--corpus-dir DIR] [--out benchmarks/RESULTS.md] [--no-peers]

Every command runs as its own process, with the corpus root as working folder, output to a file: the median
of ``--runs`` runs after ``--warmup`` discarded ones, with the peak RSS and CPU time that ``os.wait4`` reports
for the child (its largest process: the parent or any worker it waited for). Commands that are compared run in
the same rounds, one after the other (A B A B ...), so load on the machine hits both alike. The corpora come
from ``benchmarks/generate.py`` (seed 0), into a temporary folder or ``--corpus-dir`` (reused when present).

Besides timings, the JSON reports are checked: cold, warm and one-changed runs must agree (a one-changed run
with a cold run on the same text) and every defect ``.defects.json`` lists must be reported. The Markdown
written to ``--out`` is generated entirely here; see ``benchmarks/README.md`` for what each row means.
Exit status: 0 when the findings check passed, 1 when it failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

__all__ = ["LABELS", "main"]

HERE = Path(__file__).resolve().parent
GENERATE = HERE / "generate.py"
SEED = 0
DEFAULT_NOTES = (1_000, 10_000)
LARGE_NOTES = 100_000
# markdownlint-cli2 needs minutes per run on 10,000 notes; above this it is not run unless asked.
MARKDOWNLINT_MAX_NOTES = 10_000
CACHE_DIR = ".papernotes_cache"

# Appended to one note (version B) and removed again (version A) before each "one note changed" run: a text
# edit that also adds a finding (a broken link), so the incremental run must really see it.
EDIT_MARKER = "benchmark-missing-note.md"
EDIT_TEXT = f"\nEdited by the benchmark: see [a note that does not exist]({EDIT_MARKER}).\n"

_READ = (
    "import os;print(sum(len(open(os.path.join(d,f),'rb').read()) "
    "for d,_,fs in os.walk('.') for f in fs if f.endswith('.md')))"
)
_PARSE_PY = (
    "import os,markdown_it as m;p=m.MarkdownIt('commonmark').enable(['table','strikethrough']);"
    "print(sum(len(p.parse(open(os.path.join(d,f),encoding='utf-8').read())) "
    "for d,_,fs in os.walk('.') for f in fs if f.endswith('.md')))"
)
_PARSE_RS = (
    "import os,markdown_it_pyrs as m;p=m.MarkdownIt('commonmark').enable_many(['table','strikethrough']);"
    "print(sum(len(p.tree(open(os.path.join(d,f),encoding='utf-8').read()).children) "
    "for d,_,fs in os.walk('.') for f in fs if f.endswith('.md')))"
)

# Row key -> label, in table order. The keys never change; tests check every label is in the table.
LABELS: dict[str, str] = {
    "python": "`python -c pass`",
    "read": "read every Markdown file",
    "parse-py": "parse every file: markdown-it-py",
    "parse-rs": "parse every file: markdown-it-pyrs",
    "version": "`papernotes --version`",
    "help": "`papernotes --help`",
    "cold": "lint, cold",
    "warm": "lint, warm",
    "warm-text": "lint, warm, text report",
    "changed": "lint, one note changed",
    "one-file": "lint, one named file",
    "toc": "`papernotes toc --check`, after lint",
    "toc-cold": "`papernotes toc --check`, no cache",
    "rumdl-cold": "rumdl, cold",
    "rumdl-cached": "rumdl, cached",
    "markdownlint": "markdownlint-cli2",
}


# -- measuring -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sample:
    seconds: float  # wall clock, from just before the fork to the child's exit
    cpu: float  # user + system seconds of the child and the children it waited for
    rss_kb: int  # the largest resident set of any one of those processes
    code: int


# The launcher that forks each command: Linux starts a child's maximum RSS at its parent's resident set at
# fork time (and keeps it across exec), so this script, grown by the reports it keeps, would inflate every
# small command's peak. A bare interpreter (``-S -E``, about 8 MB) forks instead, times and waits.
_LAUNCHER = """
import os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
cpu, code = usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)
with open(report, "w") as out:
    out.write(f"{seconds!r} {cpu!r} {usage.ru_maxrss} {code}")
"""


def _rss_kb(ru_maxrss: int) -> int:
    return ru_maxrss // 1024 if sys.platform == "darwin" else ru_maxrss  # bytes on macOS, KiB on Linux


def run_once(argv: Sequence[str], cwd: Path, env: dict[str, str], stdout: Path, stderr: Path) -> Sample:
    """One whole process, timed and measured through ``os.wait4`` in the launcher (POSIX)."""
    report = stdout.with_suffix(".wait4")
    launcher = [sys.executable, "-S", "-E", "-c", _LAUNCHER, str(report), *argv]
    with stdout.open("wb") as out, stderr.open("wb") as err:
        done = subprocess.run(launcher, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    if done.returncode != 0 and not report.is_file():
        raise BenchError(f"the launcher failed on {argv[0]} (exit code {done.returncode})")
    seconds, cpu, rss, code = report.read_text(encoding="ascii").split()
    return Sample(float(seconds), float(cpu), _rss_kb(int(rss)), int(code))


@dataclass
class Bench:
    key: str
    argv: list[str] | None  # None: not available, ``missing`` says why
    shown: str = ""  # the command as the table shows it
    missing: str = ""
    prepare: Callable[[int], None] | None = None  # before each run, with the round number
    keep_output: bool = False
    ok_codes: tuple[int, ...] = (0, 1)
    samples: list[Sample] = field(default_factory=list)
    outputs: list[bytes] = field(default_factory=list)  # stdout of every round, warm-up included

    @property
    def label(self) -> str:
        return LABELS[self.key]

    def median(self) -> float | None:
        return statistics.median(s.seconds for s in self.samples) if self.samples else None


class BenchError(RuntimeError):
    pass


def run_group(
    benches: Sequence[Bench], cwd: Path, env: dict[str, str], work: Path, warmup: int, runs: int
) -> None:
    """Round after round, each available bench once per round, in order (A B A B ...)."""
    active = [b for b in benches if b.argv is not None]
    for round_ in range(warmup + runs):
        for bench in active:
            assert bench.argv is not None
            if bench.prepare is not None:
                bench.prepare(round_)
            out, err = work / f"{bench.key}.out", work / f"{bench.key}.err"
            sample = run_once(bench.argv, cwd, env, out, err)
            if sample.code not in bench.ok_codes:
                detail = err.read_text(encoding="utf-8", errors="replace").strip()[-2000:]
                raise BenchError(f"{bench.label}: exit code {sample.code} from {bench.shown}\n{detail}")
            if round_ >= warmup:
                bench.samples.append(sample)
            if bench.keep_output:
                bench.outputs.append(out.read_bytes())
        _progress(f"  round {round_ + 1}/{warmup + runs}" + (" (warm-up)" if round_ < warmup else ""))
    for bench in active:
        median = bench.median()
        if median is not None:
            _progress(f"  {bench.label}: {fmt_seconds(median)}")


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- tools ---------------------------------------------------------------------------------------------------


def _script(name: str) -> str | None:
    """A console script of this interpreter's environment, else one on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def _has_module(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _first_line(argv: Sequence[str]) -> str | None:
    """The first line a command prints (markdownlint-cli2 --help exits 2), or None when it cannot run."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].strip() if lines else None


@dataclass
class Tools:
    papernotes: str
    rumdl: str | None
    rumdl_version: str
    markdownlint: list[str] | None
    markdownlint_version: str

    @classmethod
    def find(cls, peers: bool) -> Tools:
        papernotes = _script("papernotes")
        if papernotes is None:
            raise BenchError("papernotes is not installed in this environment (pip install -e .)")
        rumdl = _script("rumdl") if peers else None
        rumdl_version = (_first_line([rumdl, "--version"]) if rumdl else None) or "not installed"
        markdownlint: list[str] | None = None
        mdl_version = "not installed"
        if peers:
            binary = shutil.which("markdownlint-cli2")
            npx = shutil.which("npx")
            candidates = [[binary]] if binary else []
            if npx:
                candidates.append([npx, "--no-install", "markdownlint-cli2"])
            for argv in candidates:
                line = _first_line([*argv, "--help"])
                if line and line.startswith("markdownlint-cli2"):
                    markdownlint, mdl_version = argv, line.removeprefix("markdownlint-cli2").strip()
                    break
        if not peers:
            rumdl_version = mdl_version = "not measured (--no-peers)"
        return cls(papernotes, rumdl, rumdl_version.removeprefix("rumdl").strip(), markdownlint, mdl_version)


# -- corpora -------------------------------------------------------------------------------------------------


@dataclass
class Corpus:
    notes: int
    root: Path
    generated_seconds: float | None  # None: reused
    files: int = 0
    markdown: int = 0
    bytes: int = 0
    defects: list[dict[str, object]] = field(default_factory=list)


def ensure_corpus(base: Path, notes: int, env: dict[str, str]) -> Corpus:
    root = base / f"notes-{notes}-seed-{SEED}"
    seconds: float | None = None
    if not (root / ".defects.json").is_file():
        _progress(f"generating {notes:,} notes into {root}")
        start = time.perf_counter()
        cmd = [
            sys.executable,
            str(GENERATE),
            str(root),
            "--notes",
            str(notes),
            "--seed",
            str(SEED),
            "--force",
        ]
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
    else:
        _progress(f"reusing {root}")
    if not (root / ".git").exists() and shutil.which("git"):
        # A notes repository is a Git repository; the .git folder also stops papernotes' search for the
        # repository root here, when the corpus folder lies inside another project.
        subprocess.run(["git", "init", "-q", str(root)], check=True, env=env)
    corpus = Corpus(notes, root, seconds)
    corpus.defects = json.loads((root / ".defects.json").read_text(encoding="utf-8"))
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".git", CACHE_DIR)]
        for name in names:
            corpus.files += 1
            if name.endswith(".md"):
                corpus.markdown += 1
                corpus.bytes += (Path(folder) / name).stat().st_size
    return corpus


def _check_root(tools: Tools, corpus: Corpus, env: dict[str, str]) -> None:
    done = subprocess.run(
        [tools.papernotes, "config"], cwd=corpus.root, env=env, capture_output=True, text=True, check=False
    )
    first = done.stdout.splitlines()[0] if done.stdout else ""
    found = first.removeprefix("# root:").strip()
    if not found or Path(found).resolve() != corpus.root.resolve():
        raise BenchError(
            f"papernotes takes {found or '?'} as the repository root of {corpus.root}, not the corpus "
            "itself: install git, or put --corpus-dir outside any project"
        )


def _edit_target(corpus: Corpus) -> str:
    """A note (not an index) without planted defects, the same for a given corpus every time."""
    flawed = {str(d["file"]) for d in corpus.defects}
    notes = sorted(
        p.relative_to(corpus.root).as_posix()
        for p in corpus.root.rglob("*.md")
        if len(p.relative_to(corpus.root).parts) >= 3 and CACHE_DIR not in p.parts
    )
    clean = [n for n in notes if n not in flawed]
    if not (clean or notes):
        raise BenchError(f"{corpus.root}: no note to edit")
    return (clean or notes)[0]


# -- one corpus ----------------------------------------------------------------------------------------------


@dataclass
class Check:
    cold_agree: bool = True
    warm_agree: bool = True
    changed_agree: bool = True
    edit_seen: bool = True
    toc_agree: bool = True
    planted: int = 0
    found: int = 0
    toc_planted: int = 0
    toc_found: int = 0
    missing: list[str] = field(default_factory=list)
    unplanted: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems and not self.missing


@dataclass
class Result:
    corpus: Corpus
    benches: dict[str, Bench]
    target: str
    check: Check


def _findings(data: bytes) -> list[dict[str, object]]:
    loaded: list[dict[str, object]] = json.loads(data)
    return loaded


def measure_corpus(
    corpus: Corpus,
    tools: Tools,
    env: dict[str, str],
    work: Path,
    warmup: int,
    runs: int,
    markdownlint_max: int,
) -> Result:
    root = corpus.root
    pn = tools.papernotes
    py = sys.executable
    target = _edit_target(corpus)
    original = (root / target).read_bytes()
    edited = original.rstrip(b"\n") + b"\n" + EDIT_TEXT.encode()
    states: list[bytes] = []

    def cold(_round: int) -> None:
        shutil.rmtree(root / CACHE_DIR, ignore_errors=True)

    def cold_original(round_: int) -> None:
        (root / target).write_bytes(original)  # the one-changed runs before may have left the edit
        cold(round_)

    def change(round_: int) -> None:
        text = edited if round_ % 2 == 0 else original
        (root / target).write_bytes(text)
        states.append(text)

    def bench(key: str, argv: list[str] | None, shown: str, **kwargs: object) -> Bench:
        return Bench(key, argv, shown=shown, **kwargs)  # type: ignore[arg-type]

    rumdl_cache = work / "rumdl-cache"
    rumdl_args = ["check", "--no-config", "--enable", "MD051,MD057"]
    no_rumdl = "rumdl not installed" if tools.rumdl_version == "not installed" else tools.rumdl_version
    mdl_missing = ""
    mdl_argv = [*tools.markdownlint, "**/*.md"] if tools.markdownlint else None
    if tools.markdownlint is None:
        mdl_missing = "markdownlint-cli2 not installed" if "not" in tools.markdownlint_version else "skipped"
    elif corpus.notes > markdownlint_max:
        mdl_argv, mdl_missing = None, f"skipped above {markdownlint_max:,} notes (--markdownlint-max-notes)"
    has_rs = _has_module("markdown-it-pyrs")
    benches = {
        b.key: b
        for b in (
            bench("python", [py, "-c", "pass"], "python -c pass"),
            bench("read", [py, "-c", _READ], f'python -c "{_READ}"'),
            bench("parse-py", [py, "-c", _PARSE_PY], f'python -c "{_PARSE_PY}"'),
            bench(
                "parse-rs",
                [py, "-c", _PARSE_RS] if has_rs else None,
                f'python -c "{_PARSE_RS}"',
                missing="markdown-it-pyrs not installed",
            ),
            bench("version", [pn, "--version"], "papernotes --version"),
            bench("help", [pn, "--help"], "papernotes --help"),
            bench(
                "cold",
                [pn, "lint", "--format", "json"],
                f"rm -rf {CACHE_DIR}; papernotes lint --format json",
                prepare=cold,
                keep_output=True,
            ),
            bench(
                "rumdl-cold",
                [tools.rumdl, *rumdl_args, "--no-cache", "."] if tools.rumdl else None,
                "rumdl check --no-config --enable MD051,MD057 --no-cache .",
                missing=no_rumdl,
            ),
            bench("markdownlint", mdl_argv, 'markdownlint-cli2 "**/*.md"', missing=mdl_missing),
            bench(
                "warm", [pn, "lint", "--format", "json"], "papernotes lint --format json", keep_output=True
            ),
            bench("warm-text", [pn, "lint"], "papernotes lint"),
            bench(
                "rumdl-cached",
                [tools.rumdl, *rumdl_args, "--cache-dir", str(rumdl_cache), "."] if tools.rumdl else None,
                "rumdl check --no-config --enable MD051,MD057 --cache-dir CACHE .",
                missing=no_rumdl,
            ),
            bench(
                "one-file",
                [pn, "lint", "--format", "concise", target],
                f"papernotes lint --format concise {target}",
            ),
            bench("toc", [pn, "toc", "--check"], "papernotes toc --check", keep_output=True),
            bench(
                "toc-cold",
                [pn, "toc", "--check"],
                f"rm -rf {CACHE_DIR}; papernotes toc --check",
                prepare=cold_original,
                keep_output=True,
            ),
            bench(
                "changed",
                [pn, "lint", "--format", "json"],
                f"(edit {target}); papernotes lint --format json",
                prepare=change,
                keep_output=True,
            ),
        )
    }
    groups = (
        ("start-up", ["python", "version", "help"]),
        ("floors", ["read", "parse-py", "parse-rs"]),
        ("cold", ["cold", "rumdl-cold", "markdownlint"]),
        ("warm", ["warm", "warm-text", "rumdl-cached", "one-file", "toc"]),
        ("one note changed", ["changed"]),
        ("toc without cache", ["toc-cold"]),
    )
    changed_cold: bytes = b""
    try:
        for name, keys in groups:
            _progress(f"{corpus.notes:,} notes: {name}")
            run_group([benches[k] for k in keys], root, env, work, warmup, runs)
        # The reports the one-changed runs must equal: a cold run on the edited text, without the cache.
        (root / target).write_bytes(edited)
        changed_cold = _papernotes_json(pn, root, env, work)
    finally:
        (root / target).write_bytes(original)
    check = _check(corpus, benches, target, states, edited, changed_cold)
    return Result(corpus, benches, target, check)


def _papernotes_json(pn: str, root: Path, env: dict[str, str], work: Path) -> bytes:
    out, err = work / "reference.out", work / "reference.err"
    sample = run_once([pn, "lint", "--no-cache", "--format", "json"], root, env, out, err)
    if sample.code not in (0, 1):
        raise BenchError(f"papernotes lint --no-cache: exit code {sample.code}\n{err.read_text()[-2000:]}")
    return out.read_bytes()


def _check(
    corpus: Corpus,
    benches: dict[str, Bench],
    target: str,
    states: list[bytes],
    edited: bytes,
    changed_cold: bytes,
) -> Check:
    check = Check()
    cold = benches["cold"].outputs
    if not cold:
        check.problems.append("no cold report")
        return check
    reference = _findings(cold[0])
    if any(_findings(o) != reference for o in cold[1:]):
        check.cold_agree = False
        check.problems.append("cold runs disagree with each other")
    if any(_findings(o) != reference for o in benches["warm"].outputs):
        check.warm_agree = False
        check.problems.append("a warm report differs from the cold one")
    edited_reference = _findings(changed_cold)
    for state, output in zip(states, benches["changed"].outputs, strict=True):
        expected = edited_reference if state == edited else reference
        if _findings(output) != expected:
            check.changed_agree = False
            check.problems.append("a one-changed report differs from a cold run on the same text")
            break
    added = [f for f in edited_reference if f["file"] == target and f["rule"] == "broken-link"]
    gone = [f for f in reference if f["file"] == target and f["rule"] == "broken-link"]
    if len(added) != len(gone) + 1:
        check.edit_seen = False
        check.problems.append(f"the broken link the edit adds to {target} is not reported")
    reported = {(f["rule"], f["file"], f["line"]) for f in reference}
    if len(set(benches["toc"].outputs + benches["toc-cold"].outputs)) > 1:
        check.toc_agree = False
        check.problems.append("toc --check after lint differs from toc --check without a cache")
    toc_lines = set(benches["toc"].outputs[-1].decode("utf-8", "replace").splitlines())
    toc_places = {line.split(": ", 1)[0] for line in toc_lines}
    planted: set[tuple[object, object, object]] = set()
    for defect in corpus.defects:
        where = f"{defect['file']}:{defect['line']}"
        if defect["rule"] is None:
            check.toc_planted += 1
            if where in toc_places:
                check.toc_found += 1
            else:
                check.missing.append(f"{defect['kind']} at {where} (toc --check)")
            continue
        key = (defect["rule"], defect["file"], defect["line"])
        planted.add(key)
        check.planted += 1
        if key in reported:
            check.found += 1
        else:
            check.missing.append(f"{defect['kind']} at {where} ({defect['rule']})")
    check.unplanted = Counter(
        str(f["rule"]) for f in reference if (f["rule"], f["file"], f["line"]) not in planted
    )
    return check


# -- the report ----------------------------------------------------------------------------------------------


def fmt_seconds(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 100:
        return f"{seconds:.1f} s"
    return f"{seconds:.0f} s"


def fmt_mb(kb: int) -> str:
    return f"{kb / 1024:.0f} MB"


def fmt_ratio(ratio: float) -> str:
    return f"{ratio:.3g}x"


def _code(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`"


def _median(result: Result, key: str) -> float | None:
    return result.benches[key].median()


def _ratio(result: Result, key: str, other: str) -> float | None:
    a, b = _median(result, key), _median(result, other)
    return a / b if a is not None and b else None


def _cell(bench: Bench) -> str:
    if not bench.samples:
        return bench.missing or "not run"
    peak = max(s.rss_kb for s in bench.samples)
    return f"{fmt_seconds(statistics.median(s.seconds for s in bench.samples))} · {fmt_mb(peak)}"


@dataclass
class Target:
    text: str
    measured: str
    holds: bool | None  # None: not measured


def targets(results: Sequence[Result]) -> list[Target]:
    """Issue 9's targets, each at every corpus size measured (the issue names 10,000 notes)."""
    out: list[Target] = []

    def ratio_target(text: str, key: str, other: str, limit: float, invert: bool = False) -> None:
        for r in results:
            where = f"{text} ({r.corpus.notes:,} notes)"
            ratio = _ratio(r, other, key) if invert else _ratio(r, key, other)
            if ratio is None:
                out.append(Target(where, "not measured", None))
                continue
            what = f"{LABELS[other]} ÷ {LABELS[key]}" if invert else f"{LABELS[key]} ÷ {LABELS[other]}"
            holds = ratio >= limit if invert else ratio <= limit
            out.append(Target(where, f"{what} = {fmt_ratio(ratio)}", holds))

    ratio_target("cold lint within 2x of rumdl's cold link check", "cold", "rumdl-cold", 2.0)
    ratio_target("cold lint 15x faster than markdownlint-cli2", "cold", "markdownlint", 15.0, invert=True)
    ratio_target("warm lint faster than rumdl's cached run", "warm", "rumdl-cached", 1.0)
    ratio_target("one note changed at most 1.2x warm", "changed", "warm", 1.2)
    for key in ("version", "help"):
        for r in results:
            where = f"{LABELS[key]} within 80 ms of `python -c pass` ({r.corpus.notes:,} notes)"
            python, value = _median(r, "python"), _median(r, key)
            if python is None or value is None:
                out.append(Target(where, "not measured", None))
                continue
            extra = value - python
            measured = f"{fmt_seconds(value)} - {fmt_seconds(python)} = {extra * 1000:.0f} ms"
            out.append(Target(where, measured, extra <= 0.080))
    at = {r.corpus.notes: r for r in results}
    small, big = at.get(1_000), at.get(10_000)
    for key in ("cold", "warm", "changed", "toc", "toc-cold"):
        where = f"{LABELS[key]}: 1,000 to 10,000 notes grows at most 11x"
        if not (small and big):
            out.append(Target(where, "needs --notes 1000 10000", None))
            continue
        a, b = _median(small, key), _median(big, key)
        grow = b / a if a and b else None
        out.append(
            Target(
                where,
                "not measured" if grow is None else fmt_ratio(grow),
                None if grow is None else grow <= 11,
            )
        )
    for r in results:
        peaks = [
            (max(s.rss_kb for s in b.samples), b.label)
            for key, b in r.benches.items()
            if b.samples and key in ("cold", "warm", "warm-text", "changed", "one-file", "toc", "toc-cold")
        ]
        if peaks:
            peak, label = max(peaks)
            where = f"peak memory under 300 MB ({r.corpus.notes:,} notes)"
            out.append(Target(where, f"{fmt_mb(peak)} ({label})", peak < 300 * 1024))
    return out


def render(
    results: Sequence[Result],
    tools: Tools,
    argv: Sequence[str],
    warmup: int,
    runs: int,
    load: str,
    source: str = "",
) -> str:
    ns = [r.corpus.notes for r in results]
    lines: list[str] = [
        "# Benchmark results",
        "",
        "Generated by `python benchmarks/run.py " + " ".join(argv) + "`; do not edit by hand "
        "(`benchmarks/README.md` says what each row means).",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        f"| CPU | {_cpu_model()} |",
        f"| cores | {os.cpu_count()} ({_usable_cores()} usable) |",
        f"| system | {platform.system()} {platform.release()} |",
        f"| Python | {platform.python_implementation()} {platform.python_version()} |",
        f"| papernotes | {_version('papernotes')}{f' ({source})' if source else ''} |",
        f"| markdown-it-py | {_version('markdown-it-py')} |",
        f"| markdown-it-pyrs | {_version('markdown-it-pyrs')} |",
        f"| rumdl | {tools.rumdl_version} |",
        f"| markdownlint-cli2 | {tools.markdownlint_version} |",
        f"| date | {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d')} |",
        f"| load average (1 min) at start, end | {load} |",
        "",
        "## Timings",
        "",
        f"Median wall time of {runs} run{'s' if runs != 1 else ''} after {warmup} warm-up "
        f"run{'s' if warmup != 1 else ''} · peak RSS of the largest process (parent or worker).",
        "",
        "| benchmark | " + " | ".join(f"{n:,} notes" for n in ns) + (" | growth |" if len(ns) > 1 else " |"),
        "| --- | " + " | ".join("---:" for _ in ns) + (" | ---: |" if len(ns) > 1 else " |"),
    ]
    for key, label in LABELS.items():
        cells = [_cell(r.benches[key]) for r in results]
        row = f"| {label} | " + " | ".join(cells) + " |"
        if len(ns) > 1:
            first, last = _median(results[0], key), _median(results[-1], key)
            row += f" {fmt_ratio(last / first) if first and last else ''} |"
        lines.append(row)
    lines += [
        "",
        "## Peers",
        "",
        "papernotes' median time ÷ the peer's, both measured in the same rounds "
        "(below 1: papernotes is faster).",
        "",
        "| comparison | " + " | ".join(f"{n:,} notes" for n in ns) + " |",
        "| --- | " + " | ".join("---:" for _ in ns) + " |",
    ]
    for key, other in (("cold", "rumdl-cold"), ("warm", "rumdl-cached"), ("cold", "markdownlint")):
        cells = []
        for r in results:
            ratio = _ratio(r, key, other)
            cells.append(fmt_ratio(ratio) if ratio is not None else r.benches[other].missing or "not run")
        lines.append(f"| {LABELS[key]} ÷ {LABELS[other]} | " + " | ".join(cells) + " |")
    lines += ["", "## Targets", "", "| target | measured | holds |", "| --- | --- | --- |"]
    for t in targets(results):
        holds = "n/a" if t.holds is None else "yes" if t.holds else "**no**"
        lines.append(f"| {t.text} | {t.measured} | {holds} |")
    passed = all(r.check.passed for r in results)
    lines += [
        "",
        "## Findings check",
        "",
        f"Findings check: {'passed' if passed else 'FAILED'}.",
        "",
        "| | " + " | ".join(f"{n:,} notes" for n in ns) + " |",
        "| --- | " + " | ".join("---" for _ in ns) + " |",
    ]

    def yes(value: bool) -> str:
        return "yes" if value else "**no**"

    rows: list[tuple[str, Callable[[Result], str]]] = [
        ("cold runs agree with each other", lambda r: yes(r.check.cold_agree)),
        ("warm reports = cold report", lambda r: yes(r.check.warm_agree)),
        ("toc --check after lint = without cache", lambda r: yes(r.check.toc_agree)),
        ("one-changed reports = cold run on the same text", lambda r: yes(r.check.changed_agree)),
        ("the edit's broken link is reported", lambda r: yes(r.check.edit_seen)),
        ("planted lint defects found", lambda r: f"{r.check.found:,} of {r.check.planted:,}"),
        (
            "planted TOC defects found by toc --check",
            lambda r: f"{r.check.toc_found} of {r.check.toc_planted}",
        ),
        ("findings not planted (by rule)", lambda r: _counts(r.check.unplanted)),
    ]
    for name, cell in rows:
        lines.append(f"| {name} | " + " | ".join(cell(r) for r in results) + " |")
    for r in results:
        for problem in r.check.problems:
            lines.append(f"- {r.corpus.notes:,} notes: {problem}")
        for missing in r.check.missing:
            lines.append(f"- {r.corpus.notes:,} notes, not reported: {missing}")
    lines += [
        "",
        "## Corpora",
        "",
        "| notes | files | Markdown files | Markdown MB | planted defects | edited note |",
    ]
    lines.append("| ---: | ---: | ---: | ---: | ---: | --- |")
    for r in results:
        c = r.corpus
        lines.append(
            f"| {c.notes:,} | {c.files:,} | {c.markdown:,} | {c.bytes / 1e6:.1f} | {len(c.defects):,} | "
            f"{_code(r.target)} |"
        )
    lines += ["", "## Details", ""]
    for r in results:
        lines += [
            f"### {r.corpus.notes:,} notes",
            "",
            "| benchmark | median | min | max | CPU (median) | peak RSS | runs |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for key, label in LABELS.items():
            b = r.benches[key]
            if not b.samples:
                lines.append(f"| {label} | {b.missing or 'not run'} | | | | | 0 |")
                continue
            times = [s.seconds for s in b.samples]
            lines.append(
                f"| {label} | {fmt_seconds(statistics.median(times))} | {fmt_seconds(min(times))} | "
                f"{fmt_seconds(max(times))} | {fmt_seconds(statistics.median(s.cpu for s in b.samples))} | "
                f"{fmt_mb(max(s.rss_kb for s in b.samples))} | {len(times)} |"
            )
        lines.append("")
    lines += [
        "## Commands",
        "",
        "Each runs in the corpus root, standard output to a file. `FILE` is the edited note above; "
        "`CACHE` a folder outside the corpus.",
        "",
        "| benchmark | command |",
        "| --- | --- |",
    ]
    shown = results[0]
    for key, label in LABELS.items():
        command = shown.benches[key].shown.replace(shown.target, "FILE")
        lines.append(f"| {label} | {_code(command)} |")
    return "\n".join(lines) + "\n"


def _counts(counter: Counter[str]) -> str:
    if not counter:
        return "none"
    return ", ".join(f"{rule} {count}" for rule, count in sorted(counter.items()))


def _source_state() -> str:
    """The commit of the checkout papernotes runs from, when it is one (an editable install)."""
    try:
        import papernotes
    except ImportError:
        return ""
    where = Path(papernotes.__file__).resolve().parent
    git = shutil.which("git")
    if git is None:
        return ""
    head = subprocess.run([git, "rev-parse", "--short", "HEAD"], cwd=where, capture_output=True, text=True)
    if head.returncode != 0:
        return ""
    dirty = subprocess.run(
        [git, "status", "--porcelain", "--", "."], cwd=where, capture_output=True, text=True
    )
    return f"commit {head.stdout.strip()}{' with changes' if dirty.stdout.strip() else ''}"


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown"


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


# -- command line --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _folder(given: Path | None, prefix: str) -> Iterator[Path]:
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given.resolve()
        return
    made = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield made
    finally:
        shutil.rmtree(made, ignore_errors=True)


def child_env(work: Path) -> dict[str, str]:
    """The children's environment. Where it forbids writing bytecode (PYTHONDONTWRITEBYTECODE), an editable
    install recompiles every module in every process, which no installed wheel does: bytecode then goes to a
    private folder instead, filled by the warm-up."""
    env = dict(os.environ)
    if env.pop("PYTHONDONTWRITEBYTECODE", None):
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--notes", type=int, nargs="+", help="corpus sizes (default: 1000 10000)")
    parser.add_argument("--runs", type=int, help="timed runs per command (default 5; 3 with --quick)")
    parser.add_argument("--warmup", type=int, default=1, help="discarded runs before them (default 1)")
    parser.add_argument("--large", action="store_true", help=f"also {LARGE_NOTES:,} notes")
    parser.add_argument("--quick", action="store_true", help="1,000 notes only, 3 runs")
    parser.add_argument(
        "--corpus-dir", type=Path, help="keep the corpora here and reuse them (default: temp)"
    )
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md", help="the Markdown report")
    parser.add_argument("--no-peers", action="store_true", help="do not run rumdl and markdownlint-cli2")
    parser.add_argument(
        "--markdownlint-max-notes",
        type=int,
        default=MARKDOWNLINT_MAX_NOTES,
        help=f"skip markdownlint-cli2 on larger corpora (default {MARKDOWNLINT_MAX_NOTES:,})",
    )
    args = parser.parse_args(argv)
    notes: list[int] = args.notes or ([1_000] if args.quick else list(DEFAULT_NOTES))
    if args.large and LARGE_NOTES not in notes:
        notes.append(LARGE_NOTES)
    notes = sorted(set(notes))
    runs: int = args.runs if args.runs is not None else 3 if args.quick else 5
    if runs < 1 or args.warmup < 0 or min(notes) < 1:
        parser.error("--runs must be at least 1, --warmup at least 0 and --notes positive")
    if not hasattr(os, "wait4"):
        parser.error("this benchmark needs os.wait4 (Linux, macOS)")
    shown_argv = list(sys.argv[1:] if argv is None else argv)
    load_start, source_start = _load(), _source_state()
    try:
        tools = Tools.find(peers=not args.no_peers)
        results: list[Result] = []
        with (
            _folder(None, "papernotes-work-") as work,
            _folder(args.corpus_dir, "papernotes-corpora-") as base,
        ):
            env = child_env(work)
            for n in notes:
                corpus = ensure_corpus(base, n, env)
                _check_root(tools, corpus, env)
                folder = work / str(n)
                folder.mkdir()
                results.append(
                    measure_corpus(corpus, tools, env, folder, args.warmup, runs, args.markdownlint_max_notes)
                )
    except BenchError as err:
        print(f"Error: {err}", file=sys.stderr)
        return 2
    source_end = _source_state()
    source = source_start if source_end == source_start else f"{source_start} at start, {source_end} at end"
    report = render(results, tools, shown_argv, args.warmup, runs, f"{load_start}, {_load()}", source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    passed = all(r.check.passed for r in results)
    _progress(f"wrote {args.out}; findings check {'passed' if passed else 'FAILED'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
