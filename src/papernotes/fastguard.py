"""When the fast parser must not be trusted, and keeping its crashes quiet.

markdown-it-pyrs reads a few inputs differently from markdown-it-py (``known_divergence``) and overflows its
stack on very deep nesting (``deeply_nested``): such documents go to the reference parser before the Rust
one sees them. When it panics, Rust prints a backtrace on fd 2 before Python sees the exception: parses run
with fd 2 silenced, once per file or once around a worker's whole batch (``stderr_quieted``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

__all__ = ["deeply_nested", "known_divergence", "quiet_stderr", "stderr_quieted"]


@contextmanager
def _silenced() -> Iterator[None]:
    """Rust prints a panic's backtrace on fd 2 before Python sees the exception; users must not see it."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with Path(os.devnull).open("wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


_QUIET = False  # fd 2 already points at /dev/null (a parse worker's whole batch)


def quiet_stderr() -> AbstractContextManager[None]:
    """Around one parse: silence fd 2, unless a batch around it already did."""
    return nullcontext() if _QUIET else _silenced()


@contextmanager
def stderr_quieted() -> Iterator[None]:
    """Silence fd 2 once around many parses, instead of once per file."""
    global _QUIET
    if _QUIET:
        yield
        return
    with _silenced():
        _QUIET = True
        try:
            yield
        finally:
            _QUIET = False


def known_divergence(lines: list[str]) -> bool:
    """Inputs markdown-it-pyrs is known to read differently from markdown-it-py: a table row in the lazy
    continuation lines of a block quote, and runs of backticks inside a paragraph."""
    quoted_run = False  # inside a run of non-blank lines that began with a block quote line
    for line in lines:
        stripped = line.lstrip()
        if not stripped:
            quoted_run = False
            continue
        if stripped.startswith(">"):
            quoted_run = True
        elif stripped.startswith("|") and quoted_run:
            return True
        if "``" in line and not stripped.startswith(("```", "~~~")):
            return True
    return False


# Container markers (quotes, list items) and indentation opening a line: tens of thousands of them crash
# markdown-it-pyrs with a segmentation fault (a Rust stack overflow Python cannot catch).
_NESTING_RE = re.compile(r"^(?:[ \t]|>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))+")
_MAX_PREFIX = 128


def deeply_nested(lines: list[str]) -> bool:
    for line in lines:
        if len(line) > _MAX_PREFIX:
            match = _NESTING_RE.match(line)
            if match is not None and match.end() > _MAX_PREFIX:
                return True
    return False
