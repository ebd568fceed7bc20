"""Changing papers: ``add``, ``mv`` and ``update``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from papernotes.cli.base import app, loaded_config, out, status


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

    with status("Asking arXiv…" if not offline else "Adding…"):
        result = run_add(
            loaded_config(),
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
        out(result.diff)
    for outcome in result.outcomes:
        if outcome.error is not None:
            sys.stderr.write(f"Error: {outcome.message}\n")
        else:
            (sys.stderr if dry_run else sys.stdout).write(outcome.message + "\n")
    raise typer.Exit(result.exit_code)


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

    result = run_mv(loaded_config(), Path(src), Path(dst), dry_run=dry_run)
    for warning in result.warnings:
        sys.stderr.write(f"warning: {warning}\n")
    out(result.diff if dry_run else render_summary(result))


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

    with status("Asking arXiv…"):
        # A check for news must ask: the metadata cache keeps answers without expiry.
        result = run_update(loaded_config(), ids or [], since=since, write=write, refresh=not cached)
    for warning in result.warnings:
        sys.stderr.write(f"warning: {warning}\n")
    out(render_report(result))
    raise typer.Exit(result.exit_code)
