"""Staged writes rendered as a git-style unified diff: what dry runs and ``--diff`` print.

Pure text rendering for ``Transaction.diff`` in ``edits``: nothing here reads or writes a file. Lines are
split the way papernotes reads them, and a last line without a newline is marked as ``diff`` marks it.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from papernotes.errors import UnsafeInputError
from papernotes.textfile import TextFile, decode

__all__ = ["rename_diff", "write_diff"]


def write_diff(name: str, original: TextFile | None, content: bytes, path: Path) -> str:
    """The diff from ``original`` (None: a file to create) to ``content``, the file ``path`` shown as
    ``name``; a "Binary files ... differ" line when ``content`` is not text papernotes reads."""
    try:
        old = [] if original is None else _diff_lines(original.text)
        new = _diff_lines(decode(content, path).text)
    except UnsafeInputError:
        return f"Binary files a/{name} and b/{name} differ\n"
    before = "/dev/null" if original is None else f"a/{name}"
    return _hunks(old, new, before, f"b/{name}")


def rename_diff(old: str, new: str, original: TextFile | None, content: bytes | None, path: Path) -> str:
    """The diff of moving the file shown as ``old`` to ``new`` (``path``): a rename header, then the hunks
    from ``original`` to ``content`` when the move gives it new content."""
    header = f"diff --git a/{old} b/{new}\nrename from {old}\nrename to {new}\n"
    if content is None or original is None:
        return header
    text = decode(content, path).text
    return header + _hunks(_diff_lines(original.text), _diff_lines(text), f"a/{old}", f"b/{new}")


def _hunks(old: list[str], new: list[str], before: str, after: str) -> str:
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
        for line in difflib.unified_diff(old, new, before, after)
    )


def _diff_lines(text: str) -> list[str]:
    # Not str.splitlines(keepends=True): it also breaks at U+2028 and friends.
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]
