"""Checking the collection: ``lint``, ``toc``, ``rules`` and ``rule``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from papernotes.cli.base import app, console, loaded_config, out

if TYPE_CHECKING:
    from papernotes.external import Progress


class LintFormat(StrEnum):
    text = "text"
    concise = "concise"
    json = "json"
    github = "github"
    sarif = "sarif"


class SeverityName(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"


@app.command()
def lint(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Show findings for these files or folders only (the whole repository is checked)."
        ),
    ] = None,
    fmt: Annotated[LintFormat, typer.Option("--format", "-f", help="Report format.")] = LintFormat.text,
    select: Annotated[
        list[str] | None, typer.Option("--select", help="Only these rules (names, codes, PN0 prefixes, ALL).")
    ] = None,
    ignore: Annotated[list[str] | None, typer.Option("--ignore", help="Never these rules.")] = None,
    fail_on: Annotated[
        SeverityName | None, typer.Option("--fail-on", help="Lowest severity that makes the exit code 1.")
    ] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Apply safe fixes.")] = False,
    unsafe_fixes: Annotated[bool, typer.Option("--unsafe-fixes", help="Also apply unsafe fixes.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print the fixes as a diff; write nothing.")] = False,
    external: Annotated[
        bool, typer.Option("--external", help="Also check external links over HTTP (slow; cached).")
    ] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ignore and do not update the cache.")] = False,
) -> None:
    """Check links, anchors, images, duplicates, conflicts, entries and TOCs of the whole repository."""
    from papernotes.lint import LintOptions, run_lint
    from papernotes.report import render

    loaded = loaded_config()
    options = LintOptions(
        paths=paths,
        select=select,
        ignore=ignore or [],
        fail_on=fail_on.value if fail_on else None,
        external=external,
        use_cache=not no_cache,
        fix=fix or unsafe_fixes,
        unsafe_fixes=unsafe_fixes,
        diff=diff,
    )
    if external:  # httpx and the checker load only when asked for
        from papernotes import external as ext

        with (
            _external_progress(sys.stderr.isatty()) as progress,
            ext.configure(progress=progress, use_cache=False if no_cache else None),
        ):
            result = run_lint(loaded, options)
    else:
        result = run_lint(loaded, options)
    for warning in result.warnings:
        sys.stderr.write(f"warning: {warning}\n")
    if diff:
        out(result.diff)
    if fmt is LintFormat.text:
        import os

        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        width = console().width

        read: dict[str, list[str] | None] = {}

        def source(path: str, line: int) -> str | None:
            """A finding's source line; each file is read once, however many findings it has."""
            from papernotes.errors import UnsafeInputError
            from papernotes.textfile import read_text

            if path not in read:
                try:
                    read[path] = read_text(loaded.root / path).lines()
                except UnsafeInputError:
                    read[path] = None
            lines = read[path]
            return lines[line - 1] if lines is not None and 0 < line <= len(lines) else None

        out(render("text", result.findings, result.skipped, source=source, color=color, width=width))
        if result.written:
            out(f"Fixed {result.fixed} issue(s) in {len(result.written)} file(s).\n")
    else:
        out(render(fmt.value, result.findings, result.skipped))
    raise typer.Exit(result.exit_code)


@app.command()
def toc(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders. Default: every Markdown file with a TOC or generated block."),
    ] = None,
    write: Annotated[bool, typer.Option("--write", "-w", help="Rewrite stale blocks in place.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 naming the stale files (CI).")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print a diff of what --write would change.")] = False,
    add: Annotated[
        bool, typer.Option("--add", help="Insert a papernotes TOC after the first H1 of the files given.")
    ] = False,
    depth: Annotated[
        int | None, typer.Option("--depth", help="Lowest heading level an added TOC lists (1-6).")
    ] = None,
) -> None:
    """Regenerate tables of contents (and topic/stats blocks) in place, in each file's own convention."""
    from papernotes.errors import UsageError
    from papernotes.tocfiles import run_toc

    if add and not paths:
        raise UsageError("--add needs the files to add a TOC to (it never adds one to every file)")
    loaded = loaded_config()
    result = run_toc(
        loaded.root, loaded.settings, paths, write=write, check=check, diff=diff, add=add, depth=depth
    )
    for line in result.errors:
        sys.stderr.write(line.rstrip("\n") + "\n")
    if diff:
        out(result.diff)
    for line in result.lines:
        out(line.rstrip("\n") + "\n")
    raise typer.Exit(result.exit_code)


@contextmanager
def _external_progress(enabled: bool) -> Iterator[Progress | None]:
    """A progress bar on an interactive stderr while external links are checked; started by the first
    callback, so nothing shows when every link is answered from the cache, and gone when lint ends."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    bar = Bar(
        TextColumn("Checking external links"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
    )
    task = None

    def update(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            bar.start()
            task = bar.add_task("external", total=total)
        bar.update(task, completed=done)

    try:
        yield update
    finally:
        bar.stop()


class RulesFormat(StrEnum):
    table = "table"
    json = "json"


@app.command()
def rules(
    fmt: Annotated[RulesFormat, typer.Option("--format", "-f", help="Output format.")] = RulesFormat.table,
) -> None:
    """List every lint rule: code, name, severity, fix availability, summary."""
    from papernotes.rules import REGISTRY

    if fmt is RulesFormat.json:
        import json

        rows = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity.name,
                "fix": r.fix,
                "summary": r.summary,
                "opt_in": r.opt_in,
            }
            for r in REGISTRY.values()
        ]
        out(json.dumps(rows, indent=2) + "\n")
        return
    from rich.table import Table

    table = Table(title=f"{len(REGISTRY)} rules", title_justify="left")
    for column in ("code", "name", "severity", "fix", "summary"):
        table.add_column(column, no_wrap=column != "summary")
    for r in REGISTRY.values():
        table.add_row(r.code, r.name, r.severity.name, r.fix, r.summary)
    console().print(table)


@app.command()
def rule(name: Annotated[str, typer.Argument(help="A rule name (broken-link) or code (PN010).")]) -> None:
    """Print a rule's documentation: what it does, why it matters, an example, how to fix it."""
    from papernotes.errors import UsageError
    from papernotes.rules import lookup

    found = lookup(name)
    if found is None:
        raise UsageError(f"unknown rule {name!r}; see `papernotes rules`")
    fix = {"safe": "safe fix available", "unsafe": "unsafe fix available", "none": "no automatic fix"}[
        found.fix
    ]
    out(
        f"# {found.name} ({found.code})\n\n{found.summary}. "
        f"Default severity: {found.severity.name}; {fix}.\n\n"
    )
    out(found.doc)
