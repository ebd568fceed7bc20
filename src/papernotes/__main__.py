"""``python -m papernotes`` and the ``papernotes`` console script.

A separate, import-free entry point: ``papernotes --version`` answers before the CLI framework (and everything
it imports) is loaded; every other invocation goes to ``papernotes.cli``.
"""

import sys


def run() -> None:
    if sys.argv[1:] == ["--version"]:
        from papernotes import __version__

        sys.stdout.write(f"papernotes {__version__}\n")
        return
    from papernotes.cli import main

    main()


if __name__ == "__main__":
    run()
