"""Merging index files: ``git-setup``, ``merge-driver`` and ``resolve``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from papernotes.cli.base import app, err, loaded_config, out


@app.command("git-setup")
def git_setup(
    uninstall: Annotated[bool, typer.Option("--uninstall", help="Remove what git-setup added.")] = False,
) -> None:
    """Register papernotes' entry-aware merge driver for the index files (git config + .gitattributes)."""
    from papernotes.gitsetup import attribute_globs, setup_git

    loaded = loaded_config()
    done = setup_git(loaded.root, attribute_globs(loaded.settings), uninstall=uninstall)
    for line in done:
        out(line + "\n")
    if not done:
        out("Nothing to do: " + ("not set up." if uninstall else "already set up.") + "\n")


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

    loaded = loaded_config()
    is_index = role_candidates(loaded.settings)[0]
    code = merge_driver(base, ours, theirs, path, root=Path.cwd(), is_index=is_index, report=err)
    raise typer.Exit(code)


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
    loaded = loaded_config()
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
        out(outcome.diff)
    elif outcome.written:
        out(f"Resolved {outcome.resolved} conflict(s) in {outcome.path}.\n")
    elif not outcome.refused:
        out(f"No conflicts to resolve in {outcome.path}.\n")
    raise typer.Exit(1 if outcome.refused else 0)
