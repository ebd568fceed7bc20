"""The command line: each command loads the configuration, makes one library call, prints, returns a code.

Imports are lazy: ``papernotes --version`` and ``--help`` must not pay for pydantic, markdown-it or the
parser.
Exceptions become exit codes in one place, ``main`` (see README "Exit codes").
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from papernotes import __version__

if TYPE_CHECKING:
    from papernotes.config import LoadedConfig
    from papernotes.external import Progress
    from papernotes.workspace import Workspace

app = typer.Typer(
    name="papernotes",
    help="Keep a Git repository of research-paper reading notes healthy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rich (and the markdown-it it pulls in) would triple --help time
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


class _State:
    config_file: Path | None = None
    skipped_inputs: bool = False  # a file was skipped as unsafe to read: the command ends with exit 3


_state = _State()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"papernotes {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True),
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Configuration file (papernotes.toml or pyproject.toml). Default: found by walking up.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Keep a Git repository of research-paper reading notes healthy.

    papernotes reads topic indexes and per-paper notes into records, lints links, anchors, images, duplicates
    and merge conflicts, regenerates tables of contents and adds papers by arXiv id.
    """
    _state.config_file = config


def _config() -> LoadedConfig:
    from papernotes.config import load_config

    return load_config(Path.cwd(), config_file=_state.config_file)


def _workspace() -> Workspace:
    """The whole collection; files that cannot be read safely are named on stderr (and the exit code is 3)."""
    from papernotes.workspace import load_workspace

    ws = load_workspace(_config())
    for doc in ws.documents.values():
        if doc.skipped:
            where = f"{doc.path}:{doc.skipped_line}" if doc.skipped_line else doc.path
            sys.stderr.write(f"warning: {where}: {doc.skipped} (skipped)\n")
            _state.skipped_inputs = True
    return ws


def _err(line: str) -> None:
    sys.stderr.write(line.rstrip("\n") + "\n")


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _console(stderr: bool = False):  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class ExportFormat(StrEnum):
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    bibtex = "bibtex"
    repository = "repository"


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

    loaded = _config()
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
        _out(result.diff)
    if fmt is LintFormat.text:
        import os

        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        width = _console().width

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

        _out(render("text", result.findings, result.skipped, source=source, color=color, width=width))
        if result.written:
            _out(f"Fixed {result.fixed} issue(s) in {len(result.written)} file(s).\n")
    else:
        _out(render(fmt.value, result.findings, result.skipped))
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
    loaded = _config()
    result = run_toc(
        loaded.root, loaded.settings, paths, write=write, check=check, diff=diff, add=add, depth=depth
    )
    for line in result.errors:
        sys.stderr.write(line.rstrip("\n") + "\n")
    if diff:
        _out(result.diff)
    for line in result.lines:
        _out(line.rstrip("\n") + "\n")
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
        console=_console(stderr=True),
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
        _out(json.dumps(rows, indent=2) + "\n")
        return
    from rich.table import Table

    table = Table(title=f"{len(REGISTRY)} rules", title_justify="left")
    for column in ("code", "name", "severity", "fix", "summary"):
        table.add_column(column, no_wrap=column != "summary")
    for r in REGISTRY.values():
        table.add_row(r.code, r.name, r.severity.name, r.fix, r.summary)
    _console().print(table)


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
    _out(
        f"# {found.name} ({found.code})\n\n{found.summary}. "
        f"Default severity: {found.severity.name}; {fix}.\n\n"
    )
    _out(found.doc)


@app.command()
def add(
    papers: Annotated[
        list[str], typer.Argument(help="arXiv ids or URLs (2103.10360, arXiv:..., /abs/, /pdf/), or DOIs.")
    ],
    index: Annotated[Path | None, typer.Option("--index", help="The index to add to.")] = None,
    category: Annotated[
        str | None, typer.Option("--category", "-c", help="The category (case- and width-insensitive).")
    ] = None,
    new_category: Annotated[
        bool, typer.Option("--new-category", help="Create the category if the index has none of that name.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Add a paper that is already listed.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the diff of every file; write nothing.")
    ] = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Ask the service even if the answer is cached.")
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Never use the network: the cache, or --title and friends.")
    ] = False,
    title: Annotated[str | None, typer.Option("--title", help="With --offline: the paper's title.")] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="With --offline: YYYY, YYYY-MM or YYYY-MM-DD.")
    ] = None,
    author: Annotated[
        list[str] | None, typer.Option("--author", help="With --offline: an author (repeat).")
    ] = None,
) -> None:
    """Add papers by arXiv id, URL or DOI: write the note and the index entry in the index's own style."""
    from papernotes.adding import run_add

    with _status("Asking arXiv…" if not offline else "Adding…"):
        result = run_add(
            _config(),
            papers,
            index=index,
            category=category,
            new_category=new_category,
            force=force,
            dry_run=dry_run,
            refresh=refresh,
            offline=offline,
            title=title,
            date=date,
            authors=author or [],
        )
    if dry_run:
        _out(result.diff)
    for outcome in result.outcomes:
        if outcome.error is not None:
            sys.stderr.write(f"Error: {outcome.message}\n")
        else:
            (sys.stderr if dry_run else sys.stdout).write(outcome.message + "\n")
    raise typer.Exit(result.exit_code)


def _status(message: str):  # type: ignore[no-untyped-def]
    """A spinner on an interactive stderr while waiting on the network; nothing in pipes and tests."""
    import contextlib

    if not sys.stderr.isatty():
        return contextlib.nullcontext()
    return _console(stderr=True).status(message)


@app.command()
def mv(
    src: Annotated[str, typer.Argument(help="A note, image or index file; or FILE#old-anchor.")],
    dst: Annotated[str, typer.Argument(help="Its new path (or an existing folder); or FILE#new-anchor.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the diff; move and write nothing.")
    ] = False,
) -> None:
    """Move or rename a note, image or index (git mv in a work tree) and rewrite every link to it."""
    from papernotes.moving import render_summary, run_mv

    result = run_mv(_config(), Path(src), Path(dst), dry_run=dry_run)
    for warning in result.warnings:
        sys.stderr.write(f"warning: {warning}\n")
    _out(result.diff if dry_run else render_summary(result))


@app.command()
def update(
    ids: Annotated[list[str] | None, typer.Argument(help="Papers to check (default: all).")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only papers dated on or after (YYYY, YYYY-MM, YYYY-MM-DD).")
    ] = None,
    write: Annotated[
        bool, typer.Option("--write", help="Update the notes' front matter (version, doi, venue, urls).")
    ] = False,
    cached: Annotated[
        bool, typer.Option("--cached", help="Use cached arXiv answers instead of asking again.")
    ] = False,
) -> None:
    """Ask arXiv whether papers have new versions, new titles, or a DOI or journal reference."""
    from papernotes.updating import render_report, run_update

    with _status("Asking arXiv…"):
        # A check for news must ask: the metadata cache keeps answers without expiry.
        result = run_update(_config(), ids or [], since=since, write=write, refresh=not cached)
    for warning in result.warnings:
        sys.stderr.write(f"warning: {warning}\n")
    _out(render_report(result))
    raise typer.Exit(result.exit_code)


@app.command("git-setup")
def git_setup(
    uninstall: Annotated[bool, typer.Option("--uninstall", help="Remove what git-setup added.")] = False,
) -> None:
    """Register papernotes' entry-aware merge driver for the index files (git config + .gitattributes)."""
    from papernotes.gitsetup import attribute_globs, setup_git

    loaded = _config()
    done = setup_git(loaded.root, attribute_globs(loaded.settings), uninstall=uninstall)
    for line in done:
        _out(line + "\n")
    if not done:
        _out("Nothing to do: " + ("not set up." if uninstall else "already set up.") + "\n")


@app.command("merge-driver", hidden=False)
def merge_driver_command(
    base: Annotated[Path, typer.Argument(help="%O: the common ancestor's version.")],
    ours: Annotated[Path, typer.Argument(help="%A: our version; receives the result.")],
    theirs: Annotated[Path, typer.Argument(help="%B: their version.")],
    path: Annotated[str, typer.Argument(help="%P: the path in the repository.")],
) -> None:
    """The merge driver git runs for index files (set up by git-setup): merges entries, not lines."""
    from papernotes.gitsetup import merge_driver
    from papernotes.workspace import role_candidates

    loaded = _config()
    is_index = role_candidates(loaded.settings)[0]
    code = merge_driver(base, ours, theirs, path, root=Path.cwd(), is_index=is_index, report=_err)
    raise typer.Exit(code)


class ResolveMode(StrEnum):
    union = "union"
    ours = "ours"
    theirs = "theirs"


@app.command()
def resolve(
    file: Annotated[Path, typer.Argument(help="A file with committed merge-conflict markers.", exists=True)],
    union: Annotated[
        bool, typer.Option("--union", help="Keep each paper of both sides once (default).")
    ] = False,
    ours: Annotated[bool, typer.Option("--ours", help="Keep our side of every conflict.")] = False,
    theirs: Annotated[bool, typer.Option("--theirs", help="Keep their side of every conflict.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the diff; write nothing.")] = False,
) -> None:
    """Resolve merge conflicts already committed in an index by merging both sides' entries."""
    from papernotes.errors import UsageError
    from papernotes.gitsetup import resolve_file
    from papernotes.workspace import role_candidates

    if union + ours + theirs > 1:
        raise UsageError("choose one of --union, --ours, --theirs")
    mode = "ours" if ours else "theirs" if theirs else "union"
    loaded = _config()
    outcome = resolve_file(
        loaded.root,
        file,
        mode=mode,
        dry_run=dry_run,
        is_index=role_candidates(loaded.settings)[0],
    )
    for note in outcome.notes:
        sys.stderr.write(f"{note}\n")
    for refusal in outcome.refused:
        sys.stderr.write(f"Error: {outcome.path}: {refusal}\n")
    if dry_run:
        _out(outcome.diff)
    elif outcome.written:
        _out(f"Resolved {outcome.resolved} conflict(s) in {outcome.path}.\n")
    elif not outcome.refused:
        _out(f"No conflicts to resolve in {outcome.path}.\n")
    raise typer.Exit(1 if outcome.refused else 0)


class StatsFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
def stats(
    fmt: Annotated[StatsFormat, typer.Option("--format", "-f", help="Output format.")] = StatsFormat.text,
) -> None:
    """Papers per year, category and venue; how many have notes, figures, summaries, open TODOs."""
    from papernotes.stats import compute_stats, render_stats, to_json

    result = compute_stats(_workspace())
    if fmt is StatsFormat.json:
        _out(to_json(result))
        return
    import os

    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    _out(render_stats(result, width=_console().width, color=color))


@app.command()
def init(
    directory: Annotated[
        Path | None,
        typer.Argument(help="Where to start (created if missing). Default: here.", file_okay=False),
    ] = None,
    new: Annotated[
        bool, typer.Option("--new", help="Start a new collection even where notes are found.")
    ] = False,
) -> None:
    """Start a collection (config, a topic index, a note template, assets/), or configure an existing one."""
    from papernotes.initialise import run_init

    _out(run_init(directory or Path.cwd(), force_new=new).report())


cache_app = typer.Typer(help="Manage lint's cache in .papernotes_cache/.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("clean")
def cache_clean() -> None:
    """Delete lint's cached facts; the next lint run parses every file again."""
    from papernotes.edits import clean_cache

    removed = clean_cache(_config().root)
    _out(f"Removed {removed} cache file{'s' if removed != 1 else ''}.\n")


@app.command("list")
def list_command(
    category: Annotated[
        str | None,
        typer.Option("--category", "-c", help="Only entries under this category (any level)."),
    ] = None,
    year: Annotated[
        str | None, typer.Option("--year", "-y", help="Only entries of this year (or YYYY-MM).")
    ] = None,
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="Substring of the title, venue or id.")
    ] = None,
    todo: Annotated[bool, typer.Option("--todo", help="Only entries with an open checkbox.")] = False,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = ListFormat.table,
) -> None:
    """List the papers of every index, with filters."""
    from papernotes.export import to_csv, to_json
    from papernotes.queries import all_entries, filter_entries

    entries = filter_entries(all_entries(_workspace()), category=category, year=year, query=query, todo=todo)
    if fmt is ListFormat.json:
        _out(to_json(entries))
    elif fmt is ListFormat.csv:
        _out(to_csv(entries))
    else:
        from papernotes.views import entries_table

        _console().print(entries_table(entries))


@app.command()
def show(
    id_or_title: Annotated[str, typer.Argument(help="An arXiv id, DOI, URL, or (part of) a title.")],
) -> None:
    """Show one entry with everything known about it, and its note."""
    from papernotes.errors import RefusedError
    from papernotes.queries import all_entries, find_entries, note_of
    from papernotes.views import entry_panel

    ws = _workspace()
    found = find_entries(all_entries(ws), id_or_title)
    if not found:
        raise RefusedError(f"no entry matches {id_or_title!r}")
    console = _console()
    for entry in found:
        console.print(entry_panel(entry, note_of(ws, entry)))


@app.command()
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="Output format.")] = ExportFormat.json,
) -> None:
    """Export every entry as JSON, JSON Lines, CSV or BibTeX (or the whole repository record) on stdout."""
    from papernotes.export import to_bibtex, to_csv, to_json, to_jsonl
    from papernotes.queries import all_entries

    ws = _workspace()
    if fmt is ExportFormat.repository:
        _out(ws.repository().model_dump_json(indent=2) + "\n")
        return
    entries = all_entries(ws)
    render = {
        ExportFormat.json: to_json,
        ExportFormat.jsonl: to_jsonl,
        ExportFormat.csv: to_csv,
        ExportFormat.bibtex: to_bibtex,
    }[fmt]
    _out(render(entries))


@app.command("config")
def config_command() -> None:
    """Print the effective configuration and the file it came from."""
    import json

    loaded = _config()
    source = str(loaded.source) if loaded.source else "(defaults: no papernotes.toml or [tool.papernotes])"
    _out(f"# root: {loaded.root}\n# source: {source}\n")
    data = loaded.settings.model_dump(mode="json", by_alias=True)
    for key, value in data.items():
        if value is None:  # TOML has no null: an unset key is auto-detected or off
            _out(f"# {key} = (unset: auto-detected or off)\n")
        else:
            _out(f"{key} = {json.dumps(value, ensure_ascii=False)}\n")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the records (Document, Entry, ...)."""
    import json

    from pydantic import TypeAdapter

    from papernotes.model import Document, Repository

    schema_obj = TypeAdapter(Document | Repository).json_schema()
    _out(json.dumps(schema_obj, ensure_ascii=False, indent=2) + "\n")


def _fail(message: str, code: int) -> NoReturn:
    sys.stderr.write(message.rstrip("\n") + "\n")
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and map every outcome to an exit code."""
    args = sys.argv[1:] if argv is None else argv
    _state.skipped_inputs = False
    from papernotes.errors import PapernotesError

    # Names that are not UTF-8 reach us as surrogates: print them escaped rather than fail on them.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        app(args=args, prog_name="papernotes")
    except SystemExit as exit_:
        if exit_.code == EXIT_INTERRUPTED:  # the CLI framework turns Ctrl-C into a silent exit 130
            _fail("Interrupted.", EXIT_INTERRUPTED)
        if exit_.code in (0, None) and _state.skipped_inputs:
            raise SystemExit(3) from None
        raise
    except PapernotesError as err:
        _fail(f"Error: {err}", err.exit_code)
    except KeyboardInterrupt:
        _fail("Interrupted.", EXIT_INTERRUPTED)
    except BrokenPipeError:
        raise SystemExit(0) from None
    except Exception as err:  # a bug: one line, no traceback unless asked for
        import os
        import traceback

        if os.environ.get("PAPERNOTES_DEBUG"):
            traceback.print_exc()
        _fail(
            f"papernotes: internal error (this is a bug, please report it): {type(err).__name__}: {err}"
            " (set PAPERNOTES_DEBUG=1 for the traceback)",
            EXIT_INTERNAL,
        )
