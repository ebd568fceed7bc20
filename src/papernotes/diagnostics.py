"""Findings: what a rule reports, where, how bad, and how to fix it. Plain data, cheap to cache."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal

from papernotes.splice import LineEdit

__all__ = ["Applicability", "Finding", "Fix", "Severity"]

Applicability = Literal["safe", "unsafe"]


class Severity(IntEnum):
    info = 1
    warning = 2
    error = 3

    @classmethod
    def parse(cls, name: str) -> Severity:
        return cls[name.lower()]


@dataclass(frozen=True, slots=True)
class Fix:
    """Edits to one file. ``safe`` fixes keep the meaning (``--fix``); ``unsafe`` need ``--unsafe-fixes``."""

    applicability: Applicability
    description: str
    edits: tuple[LineEdit, ...]

    def to_tuple(self) -> tuple[object, ...]:
        return (self.applicability, self.description, tuple((e.start, e.end, e.lines) for e in self.edits))

    @classmethod
    def from_tuple(cls, data: tuple[object, ...]) -> Fix:
        applicability, description, edits = data
        return cls(
            applicability,  # type: ignore[arg-type]
            str(description),
            tuple(LineEdit(int(s), int(e), tuple(lines)) for s, e, lines in edits),  # type: ignore[attr-defined]
        )


@dataclass(slots=True)
class Finding:
    rule: str  # kebab-case name
    code: str  # PNxxx
    severity: Severity
    path: str  # relative to the repository root
    line: int
    column: int
    message: str
    end_line: int | None = None
    fix: Fix | None = None
    related: list[tuple[str, int]] = field(default_factory=list)  # other locations (file, line)

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)

    def to_tuple(self) -> tuple[object, ...]:
        return (
            self.rule,
            self.code,
            int(self.severity),
            self.path,
            self.line,
            self.column,
            self.message,
            self.end_line,
            self.fix.to_tuple() if self.fix else None,
            tuple(self.related),
        )

    @classmethod
    def from_tuple(cls, data: tuple[object, ...]) -> Finding:
        rule, code, severity, path, line, column, message, end_line, fix, related = data
        return cls(
            rule=str(rule),
            code=str(code),
            severity=Severity(int(severity)),  # type: ignore[call-overload]
            path=str(path),
            line=int(line),  # type: ignore[call-overload]
            column=int(column),  # type: ignore[call-overload]
            message=str(message),
            end_line=end_line,  # type: ignore[arg-type]
            fix=Fix.from_tuple(fix) if fix else None,  # type: ignore[arg-type]
            related=[(str(p), int(n)) for p, n in related],  # type: ignore[attr-defined]
        )
