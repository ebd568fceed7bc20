"""An index's text as both the merge driver (``merge``) and ``resolve`` (``resolving``) read it. Pure.

Lines keep their endings, so every line neither has to change comes back byte for byte; a BOM is split off
first. Entries are found by parsing the lines, and keyed by paper identity the same way in both: entries
sharing an arXiv id or DOI, a normalised title or, having neither, their first line, are one paper.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from papernotes.entries import extract_entries
from papernotes.identity import group_roots, paper_keys
from papernotes.model import Entry
from papernotes.parsing import parse_text
from papernotes.titles import normalise_title

__all__ = [
    "BOM",
    "PaperKey",
    "bare",
    "dominant_newline",
    "entries_of",
    "identity_groups",
    "is_blank",
    "occurrence_keys",
    "short_title",
    "split_lines",
]

# A line with its ending; an unterminated last line. Only CR, LF and CRLF end lines, as in `textfile.decode`.
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
BOM = "\ufeff"


# -- lines ----------------------------------------------------------------------------------------


def split_lines(text: str) -> tuple[bool, list[str]]:
    """Whether `text` starts with a BOM, and its lines after the BOM, each with its ending."""
    bom = text.startswith(BOM)
    return bom, _LINE_RE.findall(text[1:] if bom else text)


def bare(line: str) -> str:
    """`line` without its ending."""
    return line.rstrip("\r\n")


def is_blank(line: str) -> bool:
    """Whether `line` holds nothing but whitespace."""
    return not line.strip()


def dominant_newline(lines: Sequence[str]) -> str:
    """CRLF when more than half of `lines` end in it, else LF."""
    crlf = sum(1 for line in lines if line.endswith("\r\n"))
    return "\r\n" if 2 * crlf > len(lines) else "\n"


# -- entries and which paper each one is ----------------------------------------------------------


def entries_of(lines: Sequence[str], path: str) -> list[Entry]:
    """The paper entries on `lines` (line numbers as in `lines`), never two starting on one line."""
    entries = extract_entries(
        parse_text("".join(bare(line) + "\n" for line in lines), path=path), path
    ).entries
    # Chunks are cut at entry starts, so two entries starting on one line would make an empty one.
    return [e for i, e in enumerate(entries) if i == 0 or e.span.line > entries[i - 1].span.line]


def short_title(title: str) -> str:
    """`title` quoted, and cut short when long, for the notes shown to the user."""
    return repr(title if len(title) <= 50 else title[:49] + "…")


@dataclass(frozen=True, slots=True)
class PaperKey:
    """One paper (a group of entries across the versions), and which occurrence of it in one version."""

    group: int
    occurrence: int


def identity_groups(items: Sequence[tuple[Entry, str]]) -> list[int]:
    """A group number per (entry, its first line): entries sharing an id, a normalised title or, having
    neither, their first line, are one paper."""
    keys = []
    for entry, head in items:
        known = paper_keys((pid.key for pid in entry.ids), normalise_title(entry.title))
        keys.append(known or [f"line:{head.strip()}"])
    return group_roots(keys)


def occurrence_keys(groups: Iterable[int]) -> list[PaperKey]:
    """A key per group number in `groups`: the group, and how often it came before."""
    seen: Counter[int] = Counter()
    keys = []
    for group in groups:
        keys.append(PaperKey(group, seen[group]))
        seen[group] += 1
    return keys
