"""Generated blocks found by their markers, and the headings outside them. Pure: no I/O.

A marker is an HTML comment standing alone on a line of an HTML block: in code, quotes or front matter, or
inside a comment opened on an earlier line, it is text. The scan reports what is wrong with the markers (an
opening without its close, a close without its opening) rather than guess, and reads a TOC an old VS Code
extension collapsed onto one line. Which kinds of block there are is the caller's registry (``toc.KINDS``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from papernotes.parsing import ParsedText
from papernotes.slug import anchors_for

__all__ = ["ATTRS", "Found", "MarkerKind", "Outline", "markers", "parse_attrs", "scan"]


class MarkerKind(Protocol):
    """What the scan needs of a kind of block (``toc.BlockKind``): its markers, and its name in messages."""

    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def open_re(self) -> re.Pattern[str]: ...

    @property
    def close_re(self) -> re.Pattern[str]: ...


@dataclass(frozen=True, slots=True)
class Found:
    """A block as its markers show it: where they stand, the lines between them, what is wrong."""

    kind: str
    start: int  # opening marker; -1 when a closing marker has none
    end: int  # closing marker; -1 when an opening marker has none
    attrs: dict[str, str] = field(default_factory=dict)
    inner: tuple[str, ...] = ()
    corrupt: bool = False
    open_text: str = ""  # the markers as written, for a collapsed block
    close_text: str = ""
    problem: str = ""

    @property
    def line(self) -> int:
        return self.start if self.start > 0 else self.end


# Markers


def markers(open_body: str, close_body: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The opening and closing patterns of a kind of block: each comment alone on its line."""
    return (
        re.compile(rf"^\s*<!--\s*{open_body}\s*-->\s*$"),
        re.compile(rf"^\s*<!--\s*{close_body}\s*-->\s*$"),
    )


# An opening marker's attributes as the tools write them ("depthFrom:2", "--maxlevel=4", "--no-anchors",
# "depth=3"): a comment such as "<!-- TOC is below -->" is no marker.
# The two kinds of token start differently, so a hostile line cannot make the pattern backtrack.
ATTRS = r"(?P<attrs>(?:\s+(?:-[\w-]*(?:[:=]\S+)?|\w[\w-]*[:=]\S+))*)"


# Written on one line by an old VS Code extension, with the word "auto" where each newline should be.
_COLLAPSED_RE = re.compile(r"^(\s*<!--\s*TOC\b[^>]*-->)(auto.*)(<!--\s*/TOC\s*-->\s*)$")
# A separator "auto" follows a marker, a link or another separator, and precedes a list item or the end:
# "auto" inside a heading ("AutoML", "[x auto y]") stays text.
_AUTO_SEP_RE = re.compile(r"(?:(?<=-->)|(?<=\))|(?<=auto))auto(?=auto|$|[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t])")
_TYPORA_RE = re.compile(r"^\s*\[(?:toc|TOC)\]\s*$")
_ATTR_RE = re.compile(r"""([\w-]+)\s*[:=]\s*("[^"]*"|'[^']*'|[^\s"']+)""")


def parse_attrs(text: str) -> dict[str, str]:
    # "depthFrom:2", "--maxlevel=4", "depth=3": keys lower-cased (forks write "depthfrom"), dashes dropped.
    return {m.group(1).lstrip("-").lower(): m.group(2).strip("\"'") for m in _ATTR_RE.finditer(text)}


def _candidate_lines(parsed: ParsedText) -> Iterator[tuple[int, bool]]:
    """(line, is HTML) for every line a marker may stand on, in order.

    Markers are HTML comments standing alone on a line of an HTML block, not inside a comment opened on an
    earlier line; Typora's ``[toc]`` is a paragraph line. Code, front matter and quotes are neither.
    """
    lines = parsed.lines
    for block in parsed.blocks:
        if block.kind == "html":
            in_comment = False
            for number in range(block.line, min(block.end_line, len(lines)) + 1):
                if not in_comment:
                    yield number, True
                in_comment = _comment_open_after(lines[number - 1], in_comment)
        elif block.kind == "paragraph" and not block.in_quote:
            for number in range(block.line, min(block.end_line, len(lines)) + 1):
                yield number, False


def _comment_open_after(line: str, in_comment: bool) -> bool:
    pos = 0
    while True:
        found = line.find("-->" if in_comment else "<!--", pos)
        if found < 0:
            return in_comment
        pos = found + (3 if in_comment else 4)
        in_comment = not in_comment


def scan(parsed: ParsedText, kinds: Collection[MarkerKind]) -> tuple[list[Found], list[int]]:
    """Every block of ``kinds`` by its markers (problems included), and Typora's ``[toc]`` lines.

    ``kinds`` are tried in order on each line: the first whose marker matches takes it.
    """
    found: list[Found] = []
    typora: list[int] = []
    lines = parsed.lines
    opened: tuple[MarkerKind, int, dict[str, str]] | None = None
    for number, is_html in _candidate_lines(parsed):
        line = lines[number - 1]
        if not is_html:
            if opened is None and _TYPORA_RE.match(line):
                typora.append(number)
            continue
        if "<!--" not in line:
            continue
        collapsed = _COLLAPSED_RE.match(line)
        if collapsed is not None:
            if opened is not None:
                found.append(_unclosed(opened, f"a second block starts at line {number} before it closes"))
                opened = None
            found.append(_collapsed(number, line, collapsed))
            continue
        for kind in kinds:
            match = kind.open_re.match(line)
            if match is not None:
                if opened is not None:
                    again = "opened again" if opened[0] is kind else "a second block starts"
                    found.append(_unclosed(opened, f"{again} at line {number} before it closes"))
                opened = (kind, number, parse_attrs(match.group("attrs") or ""))
                break
            if kind.close_re.match(line):
                if opened is not None and opened[0] is kind:
                    start = opened[1]
                    found.append(Found(kind.name, start, number, opened[2], tuple(lines[start : number - 1])))
                    opened = None
                else:
                    found.append(
                        Found(kind.name, -1, number, problem=f"closing marker without {kind.label} before it")
                    )
                break
    if opened is not None:
        found.append(_unclosed(opened, "no closing marker"))
    return found, typora


def _unclosed(opened: tuple[MarkerKind, int, dict[str, str]], why: str) -> Found:
    kind, start, attrs = opened
    return Found(kind.name, start, -1, attrs, problem=f"{kind.label}: {why}")


def _collapsed(number: int, line: str, match: re.Match[str]) -> Found:
    pieces: list[str] = []
    pos = match.start(2)
    for sep in _AUTO_SEP_RE.finditer(line, match.start(2), match.end(2)):
        pieces.append(line[pos : sep.start()])
        pos = sep.end()
    pieces.append(line[pos : match.end(2)])
    # "-->" + p0 + NL + p1 ... + NL + pN + "<!--": p0 and pN share a line with the markers; both are empty
    # in what the extension wrote, but keep them if not, rather than lose text.
    inner = (
        [piece for piece in pieces[:1] if piece] + pieces[1:-1] + [piece for piece in pieces[-1:] if piece]
    )
    attrs = parse_attrs(match.group(1).split("TOC", 1)[1])
    return Found("vscode", number, number, attrs, tuple(inner), True, match.group(1), match.group(3))


# The document outside the blocks


class Outline:
    """Headings outside every block (the blocks' own lines are about to be replaced), with anchors."""

    def __init__(self, parsed: ParsedText, found: Sequence[Found], flavour: str) -> None:
        spans = [(f.start, f.end) for f in found if not f.problem]
        self.parsed = parsed
        self.flavour = flavour
        self.headings = [h for h in parsed.headings if not any(s <= h.line <= e for s, e in spans)]
        self.title = self.headings[0] if self.headings and self.headings[0].level == 1 else None
        self.blocks = {b.line: b for b in parsed.blocks if b.kind == "heading"}
        self._anchors: dict[str, list[str]] = {}

    def anchors(self, flavour: str) -> list[str]:
        if flavour not in self._anchors:
            self._anchors[flavour] = anchors_for([(h.text, h.raw) for h in self.headings], flavour)
        return self._anchors[flavour]

    def has_section_h1s(self) -> bool:
        """Whether H1s other than the title are used as sections (as in many topic indexes)."""
        return any(h.level == 1 and h is not self.title and not h.in_conflict for h in self.headings)
