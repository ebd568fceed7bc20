"""What a rule is (data plus a check function) and what a check sees."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from papernotes.diagnostics import Finding, Fix, Severity

if TYPE_CHECKING:
    from papernotes.config import Settings
    from papernotes.entries import IndexParse
    from papernotes.facts import FileFacts
    from papernotes.links import LinkGraph
    from papernotes.parsing import ParsedText

__all__ = ["FileContext", "RepoContext", "Rule"]

FixAvailability = Literal["safe", "unsafe", "none"]


@dataclass(frozen=True)
class Rule:
    """One check: identity (code, name), default severity, docs, fix availability, and the function."""

    code: str
    name: str
    severity: Severity
    summary: str
    doc: str  # Markdown: "## What it does", "## Why it matters", "## Example", "## Fix"
    fix: FixAvailability
    scope: Literal["file", "repo"]
    check: Callable[..., None]
    opt_in: bool = False  # only runs when asked for (broken-external-link needs --external)


@dataclass
class _Reporter:
    rule: Rule | None = None
    findings: list[Finding] = field(default_factory=list)

    def _emit(
        self,
        path: str,
        line: int,
        message: str,
        *,
        column: int = 1,
        end_line: int | None = None,
        fix: Fix | None = None,
        related: Iterable[tuple[str, int]] = (),
    ) -> None:
        assert self.rule is not None
        self.findings.append(
            Finding(
                rule=self.rule.name,
                code=self.rule.code,
                severity=self.rule.severity,
                path=path,
                line=max(line, 1),
                column=max(column, 1),
                message=message,
                end_line=end_line,
                fix=fix,
                related=list(related),
            )
        )


@dataclass
class FileContext(_Reporter):
    """One parsed file, for rules that need nothing but that file."""

    path: str = ""
    parsed: ParsedText = None  # type: ignore[assignment]
    index: IndexParse | None = None
    settings: Settings = None  # type: ignore[assignment]
    memo: dict[str, object] = field(default_factory=dict)  # what several rules compute once per file

    @property
    def lines(self) -> Sequence[str]:
        return self.parsed.lines

    def report(
        self,
        line: int,
        message: str,
        *,
        column: int = 1,
        end_line: int | None = None,
        fix: Fix | None = None,
        related: Iterable[tuple[str, int]] = (),
    ) -> None:
        self._emit(self.path, line, message, column=column, end_line=end_line, fix=fix, related=related)


@dataclass
class RepoContext(_Reporter):
    """The whole repository as extracted facts, for rules that look across files."""

    root: Path = Path()
    settings: Settings = None  # type: ignore[assignment]
    facts: dict[str, FileFacts] = field(default_factory=dict)
    graph: LinkGraph = None  # type: ignore[assignment]
    external: bool = False
    memo: dict[str, object] = field(default_factory=dict)

    def report(
        self,
        path: str,
        line: int,
        message: str,
        *,
        column: int = 1,
        end_line: int | None = None,
        fix: Fix | None = None,
        related: Iterable[tuple[str, int]] = (),
    ) -> None:
        self._emit(path, line, message, column=column, end_line=end_line, fix=fix, related=related)
