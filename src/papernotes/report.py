"""Lint reports in every format: text (rich), concise, json, github, sarif. Renderers return strings."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence

from papernotes import __version__
from papernotes.diagnostics import Finding, Severity
from papernotes.rules import REGISTRY

__all__ = ["FORMATS", "render"]

SkippedList = Sequence[tuple[str, str, int | None]]


def _fix_label(finding: Finding) -> str | None:
    if finding.fix is None:
        return None
    return finding.fix.applicability


def visible(text: str) -> str:
    """Format and control characters (bidi overrides, zero-width spaces) escaped: printed raw, a U+202E
    reverses the rest of the terminal line and a U+200B hides a difference."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cf", "Cc", "Cs", "Co") else c for c in text
    )


def concise(findings: Sequence[Finding], skipped: SkippedList) -> str:
    lines = [f"{f.path}:{f.line}:{f.column}: {f.code} {visible(f.message)} ({f.rule})" for f in findings]
    lines += [f"{path}:{line or 1}:1: skipped: {reason}" for path, reason, line in skipped]
    return "".join(line + "\n" for line in lines)


def as_json(findings: Sequence[Finding], skipped: SkippedList) -> str:
    rows = [
        {
            "rule": f.rule,
            "code": f.code,
            "severity": f.severity.name,
            "file": f.path,
            "line": f.line,
            "column": f.column,
            "end_line": f.end_line,
            "message": f.message,
            "fix": None
            if f.fix is None
            else {
                "applicability": f.fix.applicability,
                "description": f.fix.description,
                "edits": [{"start": e.start, "end": e.end, "lines": list(e.lines)} for e in f.fix.edits],
            },
        }
        for f in findings
    ]
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def _gh_escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


_GH_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.info: "notice"}


def github(findings: Sequence[Finding], skipped: SkippedList) -> str:
    out = []
    for f in findings:
        props = f"file={_gh_escape(f.path, prop=True)},line={f.line},col={f.column}"
        if f.end_line:
            props += f",endLine={f.end_line}"
        props += f",title={_gh_escape(f'{f.code} {f.rule}', prop=True)}"
        out.append(f"::{_GH_LEVEL[f.severity]} {props}::{_gh_escape(visible(f.message))}\n")
    for path, reason, line in skipped:
        out.append(f"::warning file={_gh_escape(path, prop=True)},line={line or 1}::{_gh_escape(reason)}\n")
    return "".join(out)


_SARIF_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.info: "note"}


def sarif(findings: Sequence[Finding], skipped: SkippedList) -> str:
    rules = list(REGISTRY.values())
    index = {rule.name: i for i, rule in enumerate(rules)}
    results = []
    for f in findings:
        region: dict[str, int] = {"startLine": f.line, "startColumn": f.column}
        if f.end_line:
            region["endLine"] = f.end_line
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": index[f.rule],
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                            "region": region,
                        }
                    }
                ],
            }
        )
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "papernotes",
                        "version": __version__,
                        "informationUri": "https://pypi.org/project/papernotes/",
                        "rules": [
                            {
                                "id": rule.code,
                                "name": rule.name,
                                "shortDescription": {"text": rule.summary},
                                "fullDescription": {
                                    "text": rule.doc.split("## Why", 1)[0].split("\n", 1)[1].strip()
                                },
                                "help": {"text": rule.doc, "markdown": rule.doc},
                                "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
                            }
                            for rule in rules
                        ],
                    }
                },
                "results": results,
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {
                                "level": "warning",
                                "message": {"text": f"skipped: {reason}"},
                                "locations": [
                                    {
                                        "physicalLocation": {
                                            "artifactLocation": {"uri": path},
                                            "region": {"startLine": line or 1},
                                        }
                                    }
                                ],
                            }
                            for path, reason, line in skipped
                        ],
                    }
                ],
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


_SGR = {"bold": "1", "dim": "2", "underline": "4", "red": "31", "green": "32", "yellow": "33",
        "magenta": "35", "cyan": "36"}  # fmt: skip
_STYLE = {Severity.error: "bold red", Severity.warning: "yellow", Severity.info: "cyan"}


def _paint(text: str, style: str, color: bool) -> str:
    """``text`` in ANSI ``style`` ("bold red") when colour is on; as it is otherwise."""
    if not color or not text:
        return text
    codes = ";".join(_SGR[word] for word in style.split())
    return f"\x1b[{codes}m{text}\x1b[0m"


def text(
    findings: Sequence[Finding],
    skipped: SkippedList,
    *,
    source: Callable[[str, int], str | None] = lambda path, line: None,
    color: bool = False,
    width: int = 100,
) -> str:
    """Grouped by file: ``file:line:col CODE name message``, the source line, a marker under the span.

    Plain strings and ANSI codes, not rich: rendering thousands of findings through rich took seconds.
    ``width`` is accepted for the callers; lines are not wrapped (terminals and CI logs do that).
    """
    out: list[str] = []
    current = None
    for f in findings:
        if f.path != current:
            if current is not None:
                out.append("")
            out.append(_paint(f.path, "bold underline", color))
            current = f.path
        head = (
            _paint(f"{f.path}:{f.line}:{f.column}", "bold", color)
            + " "
            + _paint(f.code, _STYLE[f.severity], color)
            + _paint(f" {f.rule} ", "dim", color)
            + visible(f.message)
        )
        if f.fix is not None:
            style = "green" if f.fix.applicability == "safe" else "magenta"
            head += _paint(f" [{f.fix.applicability} fix]", style, color)
        out.append(head)
        line = source(f.path, f.line)
        if line is not None:
            shown = line.replace("\t", " ")
            if len(shown) > 160:
                shown = shown[:159] + "…"
            out.append(_paint(f"  {f.line:>5} | ", "dim", color) + shown)
            start = min(max(f.column - 1, 0), len(shown))
            span = max(1, len(shown.rstrip()) - start) if f.column <= 1 else max(1, _token_len(shown, start))
            marker = " " * _display_width(shown[:start]) + "^" * min(span, 80)
            out.append(_paint("        | ", "dim", color) + _paint(marker, _STYLE[f.severity], color))
    for skipped_path, reason, skipped_line in skipped:
        out.append(_paint(f"{skipped_path}:{skipped_line or 1}: skipped: {reason}", "yellow", color))
    out.append(_summary(findings, skipped))
    return "\n".join(out) + "\n"


def _token_len(line: str, start: int) -> int:
    end = start
    while end < len(line) and not line[end].isspace() and line[end] not in ")]>\"'":
        end += 1
    return end - start


def _display_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _summary(findings: Sequence[Finding], skipped: SkippedList) -> str:
    if not findings and not skipped:
        return "\nAll checks passed."
    by_rule = Counter((f.code, f.rule) for f in findings)
    by_severity = Counter(f.severity.name for f in findings)
    fixable = Counter(f.fix.applicability for f in findings if f.fix is not None)
    lines = [
        "",
        f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''}"
        + (
            " ("
            + ", ".join(f"{by_severity[s]} {s}" for s in ("error", "warning", "info") if by_severity[s])
            + ")"
            if findings
            else ""
        )
        + ".",
    ]
    for (code, rule), count in sorted(by_rule.items()):
        lines.append(f"  {count:>4}  {code} {rule}")
    if fixable:
        parts = []
        if fixable["safe"]:
            parts.append(f"{fixable['safe']} fixable with --fix")
        if fixable["unsafe"]:
            parts.append(f"{fixable['unsafe']} more with --unsafe-fixes")
        lines.append("[" + "; ".join(parts) + "]")
    if skipped:
        lines.append(f"{len(skipped)} file{'s' if len(skipped) != 1 else ''} skipped.")
    return "\n".join(lines)


FORMATS: dict[str, Callable[[Sequence[Finding], SkippedList], str]] = {
    "concise": concise,
    "json": as_json,
    "github": github,
    "sarif": sarif,
}


def render(fmt: str, findings: Sequence[Finding], skipped: SkippedList, **kwargs: object) -> str:
    if fmt == "text":
        return text(findings, skipped, **kwargs)  # type: ignore[arg-type]
    return FORMATS[fmt](findings, skipped)
