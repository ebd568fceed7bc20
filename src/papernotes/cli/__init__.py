"""The command line: each command loads the configuration, makes one library call, prints, returns a code.

``base`` holds the app, its global options, the helpers the commands share and ``main``, which turns
exceptions into exit codes in one place (see README "Exit codes"); the other modules hold the commands, by
concern. Imports are lazy: ``papernotes --version`` and ``--help`` must not pay for pydantic, markdown-it or
the parser.
"""

from papernotes.cli.base import app, main

# A command module registers its commands on `app` as it is imported: this order is the order of
# `papernotes --help` (tests/test_cli.py compares that with help.txt), so isort must not sort it; they are
# imported for that side effect only (hence the noqa).
# isort: off
from papernotes.cli import checking  # noqa: F401  lint, toc, rules, rule
from papernotes.cli import papers  # noqa: F401  add, mv, update
from papernotes.cli import merging  # noqa: F401  git-setup, merge-driver, resolve
from papernotes.cli import collection  # noqa: F401  stats, init, cache, list, show, export, config, schema
# isort: on

__all__ = ["app", "main"]
