"""The app every command registers on, its global options, the helpers the commands share, and ``main``.

Imports are lazy: ``papernotes --version`` and ``--help`` must not pay for pydantic, markdown-it or the
parser.
Exceptions become exit codes in one place, ``main`` (see README "Exit codes").
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from papernotes import __version__

if TYPE_CHECKING:
    from papernotes.config import LoadedConfig
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


def loaded_config() -> LoadedConfig:
    from papernotes.config import load_config

    return load_config(Path.cwd(), config_file=_state.config_file)


def workspace() -> Workspace:
    """The whole collection; files that cannot be read safely are named on stderr (and the exit code is 3)."""
    from papernotes.workspace import load_workspace

    ws = load_workspace(loaded_config())
    for doc in ws.documents.values():
        if doc.skipped:
            where = f"{doc.path}:{doc.skipped_line}" if doc.skipped_line else doc.path
            sys.stderr.write(f"warning: {where}: {doc.skipped} (skipped)\n")
            _state.skipped_inputs = True
    return ws


def err(line: str) -> None:
    sys.stderr.write(line.rstrip("\n") + "\n")


def out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def console(stderr: bool = False):  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def status(message: str):  # type: ignore[no-untyped-def]
    """A spinner on an interactive stderr while waiting on the network; nothing in pipes and tests."""
    import contextlib

    if not sys.stderr.isatty():
        return contextlib.nullcontext()
    return console(stderr=True).status(message)


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
    except PapernotesError as error:
        _fail(f"Error: {error}", error.exit_code)
    except KeyboardInterrupt:
        _fail("Interrupted.", EXIT_INTERRUPTED)
    except BrokenPipeError:
        raise SystemExit(0) from None
    except Exception as error:  # a bug: one line, no traceback unless asked for
        import os
        import traceback

        if os.environ.get("PAPERNOTES_DEBUG"):
            traceback.print_exc()
        _fail(
            f"papernotes: internal error (this is a bug, please report it): {type(error).__name__}: {error}"
            " (set PAPERNOTES_DEBUG=1 for the traceback)",
            EXIT_INTERNAL,
        )
