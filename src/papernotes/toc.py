"""Tables of contents: find the blocks of every convention. Pure: returns data and text, never writes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from papernotes.model import TocBlock
from papernotes.parsing import ParsedText

__all__ = ["STYLES", "TocStyle", "find_blocks"]


@dataclass(frozen=True, slots=True)
class TocStyle:
    name: str
    open_re: re.Pattern[str]
    close_re: re.Pattern[str]


STYLES = (
    TocStyle(
        "papernotes",
        re.compile(r"^\s*<!--\s*papernotes:toc\b(?P<attrs>[^>]*?)\s*-->\s*$"),
        re.compile(r"^\s*<!--\s*/papernotes:toc\s*-->\s*$"),
    ),
    TocStyle(
        "vscode",
        re.compile(r"^\s*<!--\s*TOC\b(?P<attrs>[^>]*?)\s*-->\s*$"),
        re.compile(r"^\s*<!--\s*/TOC\s*-->\s*$"),
    ),
    TocStyle(
        "markdown-toc",
        re.compile(r"^\s*<!--\s*toc(?P<attrs>)\s*-->\s*$"),
        re.compile(r"^\s*<!--\s*tocstop\s*-->\s*$"),
    ),
    TocStyle(
        "doctoc",
        re.compile(r"^\s*<!--\s*START doctoc\b(?P<attrs>[^>]*?)-->\s*$"),
        re.compile(r"^\s*<!--\s*END doctoc\b[^>]*-->\s*$"),
    ),
    TocStyle(
        "mdformat-toc",
        re.compile(r"^\s*<!--\s*mdformat-toc start\b(?P<attrs>[^>]*?)\s*-->\s*$"),
        re.compile(r"^\s*<!--\s*mdformat-toc end\s*-->\s*$"),
    ),
)
_COLLAPSED_RE = re.compile(r"^\s*<!--\s*TOC\b[^>]*-->auto.*<!--\s*/TOC\s*-->\s*$")
_TYPORA_RE = re.compile(r"^\s*\[(?:toc|TOC)\]\s*$")
_ATTR_RE = re.compile(r"([\w-]+)\s*[:=]\s*(\"[^\"]*\"|'[^']*'|[^\s]+)")


def _attrs(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2).strip("\"'") for m in _ATTR_RE.finditer(text or "")}


def find_blocks(parsed: ParsedText) -> list[TocBlock]:
    """TOC blocks by their markers; markers inside code or front matter do not count.

    An opening marker without its closing marker (or a second opening before the close) gives a block with
    ``end == -1``, which the rules report and the toc command leaves alone.
    """
    blocks: list[TocBlock] = []
    skip = set(parsed.code_lines)
    if parsed.front_matter is not None:
        skip.update(range(parsed.front_matter.start, parsed.front_matter.end + 1))
    open_block: tuple[TocStyle, int, dict[str, str]] | None = None
    for number, line in enumerate(parsed.lines, 1):
        if number in skip or (not line.lstrip().startswith(("<!--", "["))):
            continue
        if _COLLAPSED_RE.match(line):
            blocks.append(TocBlock(style="vscode", start=number, end=number, corrupt=True))
            continue
        if _TYPORA_RE.match(line):
            blocks.append(TocBlock(style="typora", start=number, end=number))
            continue
        for style in STYLES:
            opened = style.open_re.match(line)
            if opened is not None:
                if open_block is not None:
                    blocks.append(TocBlock(style=open_block[0].name, start=open_block[1], end=-1))
                open_block = (style, number, _attrs(opened.group("attrs")))
                break
            if style.close_re.match(line):
                if open_block is not None and open_block[0] is style:
                    blocks.append(
                        TocBlock(style=style.name, start=open_block[1], end=number, attrs=open_block[2])
                    )
                    open_block = None
                else:
                    blocks.append(TocBlock(style=style.name, start=-1, end=number))
                break
    if open_block is not None:
        blocks.append(TocBlock(style=open_block[0].name, start=open_block[1], end=-1))
    return blocks
