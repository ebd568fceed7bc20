"""The lint engine: facts for every file (cache, else parse), cross-file rules on the facts, filters, fixes.

Lint always reads the whole repository, so cross-file rules stay right when only some paths are named (as
pre-commit does); the named paths only decide which findings are shown. Fixes are applied in memory, round
after round until nothing is left to fix, and then written in one transaction through the one write path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from papernotes.cache import CacheStore, Entry, RunCache, run_key
from papernotes.config import LoadedConfig, Settings
from papernotes.diagnostics import Finding, Severity
from papernotes.edits import Transaction, repo_lock
from papernotes.errors import UnsafeInputError
from papernotes.facts import FileFacts
from papernotes.rules import REGISTRY, Rule, resolve_selection
from papernotes.splice import LineEdit, apply_edits
from papernotes.workspace import OUTSIDE_MESSAGE, Discovery, discover, role_candidates

if TYPE_CHECKING:
    from papernotes.extract import Roles
    from papernotes.textfile import TextFile

# The parser, the link graph and the read path are imported where they are used: a warm run answered from
# the run cache never needs them, and their imports cost more than the rest of that run.

__all__ = ["LintOptions", "LintResult", "run_lint"]

MAX_FIX_ROUNDS = 10
# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_MIN_FILES = 400
_CHUNK = 64


@dataclass
class LintOptions:
    paths: Sequence[Path] | None = None
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    fail_on: str | None = None
    external: bool = False
    use_cache: bool = True
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    jobs: int | None = None


@dataclass
class LintResult:
    findings: list[Finding]
    files: int
    skipped: list[tuple[str, str, int | None]]
    fixed: int = 0
    diff: str = ""
    written: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    exit_code: int = 0


def _file_rules() -> list[Rule]:
    return [r for r in REGISTRY.values() if r.scope == "file"]


def _repo_rules(external: bool) -> list[Rule]:
    return [r for r in REGISTRY.values() if r.scope == "repo" and (external or not r.opt_in)]


class _Collector:
    """Facts for every Markdown file, from the cache where it still holds, else from the file."""

    def __init__(
        self, config: LoadedConfig, discovery: Discovery, use_cache: bool, jobs: int | None = None
    ) -> None:
        self.config = config
        self.jobs = jobs if jobs is not None else _default_jobs()
        self.root = config.root
        self.settings = config.settings
        self.discovery = discovery
        self.is_index, self.is_note, self.explicit = role_candidates(self.settings)
        self.store: CacheStore | None = None
        if use_cache and self.settings.cache:
            self.store = CacheStore(self.root, self.settings.fingerprint())
            self.store.load()
        self.texts: dict[str, TextFile] = {}
        self.base = str(self.root) + os.sep
        # (size, mtime) of Markdown files already taken by this run (for the run key): not taken twice.
        self.stats: dict[str, tuple[int, int]] = {}

    def roles(self, path: str) -> Roles:
        from papernotes.extract import Roles

        return Roles(self.is_index(path), self.explicit, self.is_note(path))

    def collect(self, overlay: dict[str, bytes] | None = None) -> dict[str, FileFacts]:
        facts: dict[str, FileFacts] = {}
        rules = _file_rules()
        misses: list[str] = []
        for rel in self.discovery.markdown:
            if overlay is not None and rel in overlay:
                facts[rel] = self._from_bytes(rel, overlay[rel], rules)
                continue
            hit = self._cached(rel)
            if isinstance(hit, FileFacts):
                facts[rel] = hit
            else:
                misses.append(rel)
        if len(misses) >= PARALLEL_MIN_FILES and self.jobs > 1:
            for found, entry in _extract_parallel(self, misses):
                facts[found.path] = found
                if self.store is not None and not found.skipped:
                    self.store.put_entry(found.path, entry)
        else:
            for rel in misses:
                facts[rel] = self._one(rel, rules)
        facts = {rel: facts[rel] for rel in self.discovery.markdown}
        for rel in self.discovery.outside:
            facts[rel] = FileFacts(path=rel, skipped=OUTSIDE_MESSAGE)
        if self.store is not None and overlay is None:
            self.store.retain(set(facts))
            self.store.save()
        return facts

    def _cached(self, rel: str) -> FileFacts | None:
        if self.store is None:
            return None
        seen = self.stats.get(rel)
        if seen is None:
            try:
                st = os.stat(self.base + rel)  # noqa: PTH116 - see _run_key
            except OSError:
                return None
            seen = (st.st_size, st.st_mtime_ns)
        return self.store.get(rel, *seen)

    def _one(self, rel: str, rules: list[Rule]) -> FileFacts:
        from papernotes.extract import digest_of
        from papernotes.textfile import read_text

        path = self.root / rel
        try:
            st = path.stat()
        except OSError as err:
            return FileFacts(path=rel, skipped=f"cannot read: {err.strerror or err}")
        if st.st_size > self.settings.max_file_size:
            return FileFacts(
                path=rel,
                size=st.st_size,
                mtime_ns=st.st_mtime_ns,
                skipped=f"larger than {self.settings.max_file_size} bytes: skipped",
            )
        try:
            tf = read_text(path)
        except UnsafeInputError as err:
            return FileFacts(path=rel, skipped=err.message, skipped_line=err.line)
        digest = digest_of(tf.raw)
        if self.store is not None:
            same = self.store.get_by_digest(rel, digest)
            if same is not None:
                same.size, same.mtime_ns = st.st_size, st.st_mtime_ns
                self.store.put(same)
                return same
        facts = self._extract(rel, tf, digest, rules)
        if self.store is not None:
            self.store.put(facts)
        return facts

    def _from_bytes(self, rel: str, data: bytes, rules: list[Rule]) -> FileFacts:
        from papernotes.extract import digest_of
        from papernotes.textfile import decode

        tf = decode(data, self.root / rel)
        return self._extract(rel, tf, digest_of(data), rules)

    def _extract(self, rel: str, tf: TextFile, digest: str, rules: list[Rule]) -> FileFacts:
        from papernotes.extract import extract

        self.texts[rel] = tf
        facts, _, _ = extract(
            tf.text,
            rel,
            roles=self.roles(rel),
            settings=self.settings,
            rules=rules,
            size=tf.size,
            mtime_ns=tf.mtime_ns,
            digest=digest,
        )
        return facts

    def text(self, rel: str) -> TextFile | None:
        from papernotes.textfile import read_text

        if rel not in self.texts:
            try:
                self.texts[rel] = read_text(self.root / rel)
            except UnsafeInputError:
                return None
        return self.texts[rel]


def _run_key(
    config: LoadedConfig, discovery: Discovery, external: bool
) -> tuple[str, dict[str, tuple[int, int]]]:
    """Everything a whole run's findings depend on: the files (names; Markdown sizes and times), settings;
    and the (size, mtime) of each Markdown file it read."""
    stats: list[tuple[str, int, int]] = []
    base = str(config.root) + os.sep  # os.stat on strings: pathlib objects cost more than the stat itself
    for rel in discovery.markdown:
        try:
            st = os.stat(base + rel)  # noqa: PTH116 - see above
        except OSError:
            stats.append((rel, -1, -1))
            continue
        stats.append((rel, st.st_size, st.st_mtime_ns))
    key = run_key(
        config.settings.fingerprint(),
        external,
        self_urls(config.root, config.settings),
        stats,
        sorted(discovery.files),
        sorted(discovery.dirs),
    )
    return key, {rel: (size, mtime) for rel, size, mtime in stats if size >= 0}


def _default_jobs() -> int:
    try:
        return max(1, min(len(os.sched_getaffinity(0)), 8))
    except AttributeError:  # not on Linux
        return max(1, min(os.cpu_count() or 1, 8))


def _worker(config: LoadedConfig, paths: list[str]) -> list[Entry]:
    """Each file's facts as a cache entry: bytes cross the process boundary far faster than nested tuples."""
    from papernotes.cache import entry_of
    from papernotes.fastguard import stderr_quieted

    collector = _Collector(config, discover_nothing(), use_cache=False, jobs=1)
    rules = _file_rules()
    with _gc_paused(), stderr_quieted():
        return [entry_of(collector._one(rel, rules)) for rel in paths]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while facts are built: they hold no cycles, and with hundreds of
    thousands of young objects alive it runs thousands of times for nothing (a tenth of a cold run)."""
    import gc

    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def discover_nothing() -> Discovery:
    return Discovery()


def _extract_parallel(collector: _Collector, paths: list[str]) -> Iterable[tuple[FileFacts, Entry]]:
    """Parse files in worker processes: the parse is CPU-bound and each file is independent. Each file's
    facts come with the cache entry they were sent as, which the cache stores as it is."""
    import marshal
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from papernotes.cache import facts_from_tuple

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    chunks = [paths[i : i + _CHUNK] for i in range(0, len(paths), _CHUNK)]
    with ProcessPoolExecutor(
        max_workers=collector.jobs, mp_context=multiprocessing.get_context(method)
    ) as pool:
        for batch in pool.map(_worker, [collector.config] * len(chunks), chunks):
            for entry in batch:
                yield facts_from_tuple(marshal.loads(entry[3])), entry


def self_urls(root: Path, settings: Settings) -> list[str]:
    if settings.self_urls:
        return list(settings.self_urls)
    try:
        config = (root / ".git" / "config").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    urls: list[str] = []
    for line in config.splitlines():
        key, _, value = line.strip().partition("=")
        if key.strip() != "url":
            continue
        url = value.strip().removesuffix(".git")
        if url.startswith("git@") and ":" in url:
            host, _, repo = url[4:].partition(":")
            url = f"https://{host}/{repo}"
        if url.startswith(("https://", "http://")):
            urls.append(url)
    return urls


def _analyse(
    collector: _Collector,
    facts: dict[str, FileFacts],
    options: LintOptions,
    text_of: Callable[[str], list[str] | None],
) -> list[Finding]:
    from papernotes.links import LinkGraph
    from papernotes.rules.base import RepoContext
    from papernotes.workspace import demote_topics

    settings = collector.settings
    demote_topics(facts, lambda entry: entry.line, explicit=collector.explicit)
    graph = LinkGraph(
        facts,
        collector.discovery.files,
        collector.discovery.dirs,
        images=collector.discovery.images,
        self_urls=self_urls(collector.root, settings),
        wikilinks=settings.wikilinks,
        read_lines=text_of,
    )
    findings = [Finding.from_tuple(t) for f in facts.values() for t in f.findings]
    ctx = RepoContext(
        root=collector.root, settings=settings, facts=facts, graph=graph, external=options.external
    )
    for rule in _repo_rules(options.external):
        ctx.rule = rule
        rule.check(ctx)
    findings.extend(ctx.findings)
    return [f for f in findings if f.path not in facts or not _suppressed(facts[f.path], f)]


def _select(findings: Iterable[Finding], settings: Settings, options: LintOptions) -> list[Finding]:
    """The findings the selection asks for, at their configured severity, in file order."""
    selected = resolve_selection(options.select if options.select is not None else settings.select)
    ignored = resolve_selection([*settings.ignore, *options.ignore]) or set()
    overrides = {REGISTRY[n].name: Severity.parse(s) for n, s in _severity_names(settings).items()}
    out: list[Finding] = []
    for finding in findings:
        if (selected is not None and finding.rule not in selected) or finding.rule in ignored:
            continue
        if REGISTRY[finding.rule].opt_in and not options.external:
            continue
        if finding.rule in overrides:
            finding.severity = overrides[finding.rule]
        out.append(finding)
    out.sort(key=lambda f: f.sort_key)
    return out


def _severity_names(settings: Settings) -> dict[str, str]:
    from papernotes.errors import ConfigError
    from papernotes.rules import lookup

    out: dict[str, str] = {}
    for key, value in settings.severity.items():
        rule = lookup(key)
        if rule is None:
            raise ConfigError(f"severity: unknown rule {key!r}; see `papernotes rules`")
        out[rule.name] = value
    return out


def _suppressed(facts: FileFacts, finding: Finding) -> bool:
    if not facts.pragmas:
        return False
    code, name = finding.code, finding.rule
    disabled: dict[str, bool] = {}
    everything = False

    def covers(rules: tuple[str, ...]) -> bool:
        return not rules or name in rules or code in rules

    for pragma in facts.pragmas:
        if pragma.kind == "file" and covers(pragma.rules):
            return True
        if pragma.line > finding.line:
            continue
        if pragma.kind == "next-line" and pragma.line == finding.line - 1 and covers(pragma.rules):
            return True
        if pragma.kind == "line" and pragma.line == finding.line and covers(pragma.rules):
            return True
        if pragma.kind in ("disable", "enable"):
            on = pragma.kind == "disable"
            if not pragma.rules:
                everything = on
                disabled.clear()
            else:
                for rule in pragma.rules:
                    disabled[rule] = on
    return everything or disabled.get(name, False) or disabled.get(code, False)


def _shown(findings: list[Finding], root: Path, paths: Sequence[Path] | None) -> list[Finding]:
    if not paths:
        return findings
    wanted: list[str] = []
    for path in paths:
        absolute = path if path.is_absolute() else Path.cwd() / path
        try:
            rel = os.path.relpath(absolute.resolve(), root.resolve()).replace(os.sep, "/")
        except ValueError:
            continue
        wanted.append("" if rel == "." else rel)
    return [
        f
        for f in findings
        if any(w == "" or f.path == w or f.path.startswith(w.rstrip("/") + "/") for w in wanted)
    ]


def _pick_fixes(findings: list[Finding], unsafe: bool) -> dict[str, list[LineEdit]]:
    """Per file, the edits of the fixes to apply this round: never two that touch the same lines."""
    chosen: dict[str, list[LineEdit]] = {}
    for finding in findings:
        fix = finding.fix
        if fix is None or (fix.applicability == "unsafe" and not unsafe):
            continue
        taken = chosen.setdefault(finding.path, [])
        if any(_overlaps(a, b) for a in fix.edits for b in taken):
            continue  # the next round, re-extracted from the new text, picks it up again
        taken.extend(fix.edits)
    return {path: sorted(edits, key=lambda e: (e.start, e.end)) for path, edits in chosen.items() if edits}


def _overlaps(a: LineEdit, b: LineEdit) -> bool:
    a_end, b_end = max(a.end, a.start), max(b.end, b.start)
    return not (a_end < b.start or b_end < a.start) or a.start == b.start


def run_lint(config: LoadedConfig, options: LintOptions) -> LintResult:
    settings = config.settings
    fail_on = Severity.parse(options.fail_on or settings.fail_on)
    resolve_selection(options.select)  # a misspelt rule is a usage error before any work
    resolve_selection(options.ignore)
    discovery = discover(config.root, settings)
    fixing = options.fix or options.diff
    run_cache = None
    stats: dict[str, tuple[int, int]] = {}
    # External links change without any file changing: a run that checks them is never replayed.
    if options.use_cache and settings.cache and not fixing and not options.external:
        key, stats = _run_key(config, discovery, options.external)
        run_cache = RunCache(config.root, key)
        hit = run_cache.load()
        if hit is not None:
            findings, skipped = hit
            result = LintResult(findings=[], files=len(discovery.markdown), skipped=skipped)
            return _finish(result, _select(findings, settings, options), config.root, options, fail_on)
    collector = _Collector(config, discovery, options.use_cache, options.jobs)
    collector.stats = stats

    def lines_of(rel: str) -> list[str] | None:
        tf = collector.text(rel)
        return tf.lines() if tf is not None else None

    with _gc_paused():
        facts = collector.collect()
        if collector.store is not None and not fixing:
            collector.store.release()  # saved; fixing alone looks entries up again
        findings = _analyse(collector, facts, options, lines_of)
    result = LintResult(findings=[], files=len(facts), skipped=[])
    result.skipped = [(f.path, f.skipped, f.skipped_line) for f in facts.values() if f.skipped]
    if run_cache is not None:
        run_cache.save(findings, result.skipped)
    if collector.store is not None and collector.store.warning:
        result.warnings.append(collector.store.warning)
    findings = _select(findings, settings, options)
    if fixing:
        findings = _select(_fix(collector, facts, findings, options, result), settings, options)
        result.skipped = [(f.path, f.skipped, f.skipped_line) for f in facts.values() if f.skipped]
    return _finish(result, findings, config.root, options, fail_on)


def _finish(
    result: LintResult, findings: list[Finding], root: Path, options: LintOptions, fail_on: Severity
) -> LintResult:
    result.findings = _shown(findings, root, options.paths)
    if result.skipped or result.exit_code == 3:  # a file skipped, or one --fix could not write
        result.exit_code = 3
    elif any(f.severity >= fail_on for f in result.findings):
        result.exit_code = 1
    return result


def _fix(
    collector: _Collector,
    facts: dict[str, FileFacts],
    findings: list[Finding],
    options: LintOptions,
    result: LintResult,
) -> list[Finding]:
    from papernotes.textfile import decode

    originals: dict[str, TextFile] = {}
    overlay: dict[str, bytes] = {}
    for _round in range(MAX_FIX_ROUNDS):
        plan = _pick_fixes(findings, options.unsafe_fixes)
        if not plan:
            break
        for rel, edits in plan.items():
            try:
                current = (
                    decode(overlay[rel], collector.root / rel) if rel in overlay else collector.text(rel)
                )
                if current is None:
                    continue
                fixed = apply_edits(current, edits)
            except (
                UnsafeInputError
            ) as err:  # e.g. CR-only line endings: reported, the other files still fixed
                result.warnings.append(f"{rel}: {err.message}; not fixed")
                result.exit_code = 3
                continue
            originals.setdefault(rel, current)
            overlay[rel] = fixed
            result.fixed += len(edits)
        facts = collector.collect(overlay)

        def lines_of(rel: str) -> list[str] | None:
            if rel in overlay:
                return decode(overlay[rel], collector.root / rel).lines()
            tf = collector.text(rel)
            return tf.lines() if tf is not None else None

        findings = _select(_analyse(collector, facts, options, lines_of), collector.settings, options)
    else:
        result.warnings.append(f"fixes did not converge after {MAX_FIX_ROUNDS} rounds")
    changed = {rel: data for rel, data in overlay.items() if data != originals[rel].raw}
    if not changed:
        return findings
    transaction = Transaction(collector.root)
    for rel, data in sorted(changed.items()):
        transaction.replace(originals[rel], data)
    if options.diff:
        result.diff = transaction.diff()
        return findings
    with repo_lock(collector.root):
        result.written = transaction.commit(reparse=_reparse)
    if collector.store is not None:
        collector.collect()  # refresh the cache with the written files
    return findings


def _reparse(text: str) -> object:
    from papernotes.parsing import parse_text

    return parse_text(text)
