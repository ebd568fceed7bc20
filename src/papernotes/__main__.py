"""``python -m papernotes`` and the ``papernotes`` console script.

A separate, import-free entry point: ``papernotes --version`` and ``papernotes --help`` answer before the CLI
framework (and everything it imports) is loaded; every other invocation goes to ``papernotes.cli``. The help
text is the CLI's own, rendered at 80 columns and kept in ``help.txt``; ``tests/test_cli.py`` fails when it
differs from what the CLI prints.
"""

import sys
from pathlib import Path

HELP_FILE = Path(__file__).with_name("help.txt")


def run() -> None:
    args = sys.argv[1:]
    if args == ["--version"]:
        from papernotes import __version__

        sys.stdout.write(f"papernotes {__version__}\n")
        return
    if args in (["--help"], ["-h"]) and HELP_FILE.is_file():
        sys.stdout.write(HELP_FILE.read_text(encoding="utf-8"))
        return
    from papernotes.cli import main

    main()


if __name__ == "__main__":
    run()
