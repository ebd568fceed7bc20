"""The exceptions papernotes raises; their messages are written for users.

Each class carries the exit code the CLI maps it to (see README "Exit codes"), so the mapping lives in one
place.
"""

from __future__ import annotations

from pathlib import Path


class PapernotesError(Exception):
    """An error the user can act on. ``str(err)`` is one line: what, where, what next."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        return f"{where}{self.message}"


class RefusedError(PapernotesError):
    """The command understood the request and refused it (a duplicate paper, a stale file)."""

    exit_code = 1


class UsageError(PapernotesError):
    """Bad arguments: a malformed id, an unknown rule, conflicting options."""

    exit_code = 2


class ConfigError(PapernotesError):
    """The configuration file is invalid (unknown key, wrong type, bad TOML)."""

    exit_code = 2


class UnsafeInputError(PapernotesError):
    """An input file that cannot be processed safely (binary, undecodable, CR-only, too large)."""

    exit_code = 3


class WriteRefusedError(PapernotesError):
    """A write that the one write path refused (read-only, symlink out of the repo, changed meanwhile)."""

    exit_code = 1


class RemoteError(PapernotesError):
    """A metadata service failed: not found, rate-limited, unavailable, or answered garbage."""

    exit_code = 4


class NotFoundError(RemoteError):
    """The service answered, but has no such paper."""
