"""Commands on the collection as a whole.

``stats``, ``init``, ``cache clean``, ``list``, ``show``, ``export``, ``config`` and ``schema``.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from papernotes.cli.base import app, console, loaded_config, out, workspace


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


class StatsFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
def stats(
    fmt: Annotated[StatsFormat, typer.Option("--format", "-f", help="Output format.")] = StatsFormat.text,
) -> None:
    """Papers per year, category and venue; how many have notes, figures, summaries, open TODOs."""
    from papernotes.stats import compute_stats, render_stats, to_json

    result = compute_stats(workspace())
    if fmt is StatsFormat.json:
        out(to_json(result))
        return
    import os

    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    out(render_stats(result, width=console().width, color=color))


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

    out(run_init(directory or Path.cwd(), force_new=new).report())


cache_app = typer.Typer(help="Manage lint's cache in .papernotes_cache/.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("clean")
def cache_clean() -> None:
    """Delete lint's cached facts; the next lint run parses every file again."""
    from papernotes.edits import clean_cache

    removed = clean_cache(loaded_config().root)
    out(f"Removed {removed} cache file{'s' if removed != 1 else ''}.\n")


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

    entries = filter_entries(all_entries(workspace()), category=category, year=year, query=query, todo=todo)
    if fmt is ListFormat.json:
        out(to_json(entries))
    elif fmt is ListFormat.csv:
        out(to_csv(entries))
    else:
        from papernotes.views import entries_table

        console().print(entries_table(entries))


@app.command()
def show(
    id_or_title: Annotated[str, typer.Argument(help="An arXiv id, DOI, URL, or (part of) a title.")],
) -> None:
    """Show one entry with everything known about it, and its note."""
    from papernotes.errors import RefusedError
    from papernotes.queries import all_entries, find_entries, note_of
    from papernotes.views import entry_panel

    ws = workspace()
    found = find_entries(all_entries(ws), id_or_title)
    if not found:
        raise RefusedError(f"no entry matches {id_or_title!r}")
    screen = console()
    for entry in found:
        screen.print(entry_panel(entry, note_of(ws, entry)))


@app.command()
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="Output format.")] = ExportFormat.json,
) -> None:
    """Export every entry as JSON, JSON Lines, CSV or BibTeX (or the whole repository record) on stdout."""
    from papernotes.export import to_bibtex, to_csv, to_json, to_jsonl
    from papernotes.queries import all_entries

    ws = workspace()
    if fmt is ExportFormat.repository:
        out(ws.repository().model_dump_json(indent=2) + "\n")
        return
    entries = all_entries(ws)
    render = {
        ExportFormat.json: to_json,
        ExportFormat.jsonl: to_jsonl,
        ExportFormat.csv: to_csv,
        ExportFormat.bibtex: to_bibtex,
    }[fmt]
    out(render(entries))


@app.command("config")
def config_command() -> None:
    """Print the effective configuration and the file it came from."""
    import json

    loaded = loaded_config()
    source = str(loaded.source) if loaded.source else "(defaults: no papernotes.toml or [tool.papernotes])"
    out(f"# root: {loaded.root}\n# source: {source}\n")
    data = loaded.settings.model_dump(mode="json", by_alias=True)
    for key, value in data.items():
        if value is None:  # TOML has no null: an unset key is auto-detected or off
            out(f"# {key} = (unset: auto-detected or off)\n")
        else:
            out(f"{key} = {json.dumps(value, ensure_ascii=False)}\n")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the records (Document, Entry, ...)."""
    import json

    from pydantic import TypeAdapter

    from papernotes.model import Document, Repository

    schema_obj = TypeAdapter(Document | Repository).json_schema()
    out(json.dumps(schema_obj, ensure_ascii=False, indent=2) + "\n")
