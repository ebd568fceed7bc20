"""Generated blocks: tables of contents in every convention, and papernotes' own blocks. Pure: no I/O.

A generated block is the lines between an opening and a closing HTML comment; only those lines ever change.
``check`` says of every block whether it is fresh, ``plan`` returns the line edits that make them all fresh.
The kinds of block are data (``KINDS``): the TOC markers other tools write, papernotes' own TOC, the
topics overview and the stats block. A new kind is one entry there and one render function.

A TOC keeps the style its lines show and is compared by meaning, not bytes, so papernotes and an editor
extension never fight over it. The work is split by concern: ``tocscan`` finds blocks by their markers,
``tocstyle`` reads how a TOC is written, ``tocrender`` renders one and compares it with the block; this
module holds the registry and the public API.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from papernotes.model import TocBlock
from papernotes.parsing import ParsedText
from papernotes.slug import FLAVOURS
from papernotes.splice import LineEdit
from papernotes.textfile import TextFile
from papernotes.tocrender import Rendered, render_topics, toc_renderer
from papernotes.tocscan import ATTRS, Found, Outline, markers, parse_attrs, scan

__all__ = [
    "KINDS",
    "BlockData",
    "BlockKind",
    "TocState",
    "TocStatus",
    "check",
    "find_blocks",
    "plan",
    "render_topics",
]

TocState = Literal["fresh", "stale", "corrupt", "missing", "unbalanced", "conflict", "typora"]


@dataclass(frozen=True, slots=True)
class BlockData:
    """Repository facts that some blocks are made from; a block whose facts are None is not checked.

    ``topics``: (index title, link from the file holding the block, entry count), one per topic index.
    ``stats``: the lines of a stats block, made by ``stats.render_stats_block``.
    """

    topics: tuple[tuple[str, str, int], ...] | None = None
    stats: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class TocStatus:
    """One generated block (or a place that needs one) and what ``plan`` would do to it.

    ``expected`` is the whole block once fresh, markers included; ``edit`` is None when nothing changes.
    """

    style: str
    start: int
    end: int
    state: TocState
    message: str
    line: int
    expected: tuple[str, ...] = ()
    edit: LineEdit | None = None


@dataclass(frozen=True, slots=True)
class BlockKind:
    """One kind of generated block: its markers, and how the lines between them are made."""

    name: str
    label: str  # the opening marker, as messages show it
    open_re: re.Pattern[str]
    close_re: re.Pattern[str]
    render: Callable[[Found, _Context], Rendered | None]  # None: no facts to check this block against
    toc: bool = True  # a table of contents: a file holding one needs no other (``add``)


class _Context(Outline):
    """The document as every block sees it: its headings, and the repository facts some blocks are made of."""

    def __init__(self, parsed: ParsedText, found: Sequence[Found], flavour: str, data: BlockData) -> None:
        super().__init__(parsed, found, flavour)
        self.data = data


# The topics overview and the stats block


def _render_topics_block(found: Found, ctx: _Context) -> Rendered | None:
    if ctx.data.topics is None:
        return None
    lines = tuple(render_topics(ctx.data.topics))
    return Rendered(lines, lines == found.inner, "topic indexes or their paper counts changed")


def _render_stats_block(found: Found, ctx: _Context) -> Rendered | None:
    if ctx.data.stats is None:
        return None
    return Rendered(ctx.data.stats, ctx.data.stats == found.inner, "paper counts changed")


# The registry


def _toc_kind(name: str, label: str, open_body: str, close_body: str) -> BlockKind:
    open_re, close_re = markers(open_body, close_body)
    return BlockKind(name, label, open_re, close_re, toc_renderer(name))


KINDS: dict[str, BlockKind] = {
    kind.name: kind
    for kind in (
        _toc_kind("papernotes", "<!-- papernotes:toc -->", rf"papernotes:toc{ATTRS}", r"/papernotes:toc"),
        _toc_kind("vscode", "<!-- TOC -->", rf"TOC{ATTRS}", r"/TOC"),
        _toc_kind("markdown-toc", "<!-- toc -->", r"toc(?P<attrs>)", r"tocstop"),
        _toc_kind(
            "doctoc", "<!-- START doctoc -->", r"START doctoc\b(?P<attrs>[^>]*?)", r"END doctoc\b[^>]*?"
        ),
        _toc_kind(
            "mdformat-toc",
            "<!-- mdformat-toc start -->",
            rf"mdformat-toc start{ATTRS}",
            r"mdformat-toc end",
        ),
        BlockKind(
            "topics",
            "<!-- papernotes:topics -->",
            *markers(rf"papernotes:topics{ATTRS}", r"/papernotes:topics"),
            render=_render_topics_block,
            toc=False,
        ),
        BlockKind(
            "stats",
            "<!-- papernotes:stats -->",
            *markers(rf"papernotes:stats{ATTRS}", r"/papernotes:stats"),
            render=_render_stats_block,
            toc=False,
        ),
    )
}


def find_blocks(parsed: ParsedText) -> list[TocBlock]:
    """Generated blocks and Typora lines by their markers; markers in code, comments or front matter are not.

    An opening marker without its closing marker (or a second opening before the close) gives a block with
    ``end == -1``, a closing marker without an opening one a block with ``start == -1``.
    """
    found, typora = scan(parsed, KINDS.values())
    blocks = [
        TocBlock(style=f.kind, start=f.start, end=f.end, attrs=f.attrs, corrupt=f.corrupt) for f in found
    ]
    blocks += [TocBlock(style="typora", start=n, end=n) for n in typora]
    return sorted(blocks, key=lambda block: block.start if block.start > 0 else block.end)


# check and plan

_NO_DATA = BlockData()


def check(
    parsed: ParsedText,
    flavour: str = "github",
    *,
    add: bool = False,
    depth: int | None = None,
    typora: bool = False,
    data: BlockData = _NO_DATA,
) -> list[TocStatus]:
    """The state of every generated block of a document, with the edit that makes it fresh.

    A file with a merge conflict or with unbalanced markers is refused whole: its statuses say why, and
    none carries an edit. ``add`` reports a missing TOC after the first H1 of a file without one;
    ``typora`` one after every Typora ``[toc]`` line; ``depth`` is the lowest level such a new TOC lists.
    """
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown anchor flavour {flavour!r}; known: {', '.join(FLAVOURS)}")
    if depth is not None and not 1 <= depth <= 6:
        raise ValueError(f"depth must be a heading level from 1 to 6, not {depth}")
    found, typora_lines = scan(parsed, KINDS.values())
    if not found and not typora_lines and not add:
        return []  # most files: no block, nothing to refuse
    wanted = add and not typora_lines and not any(KINDS[f.kind].toc for f in found)
    statuses: list[TocStatus | None] = [_typora_line(n) for n in typora_lines if not typora]
    if parsed.conflicts:
        where = min(region.first_line for region in parsed.conflicts)
        message = f"merge conflict at line {where}: resolve it, then update the TOC"
        places = [(f.kind, f.start, f.end) for f in found] + [
            ("typora", n, n) for n in typora_lines if typora
        ]
        places += [("papernotes", where, where)] * wanted
        statuses += [TocStatus(kind, a, b, "conflict", message, a if a > 0 else b) for kind, a, b in places]
    elif any(f.problem for f in found):
        statuses += [
            TocStatus(f.kind, f.start, f.end, "unbalanced", f.problem, f.line) for f in found if f.problem
        ]
    else:
        ctx = _Context(parsed, found, flavour, data)
        statuses += [_status(f, ctx) for f in found]
        statuses += [_typora(number, found, ctx, depth) for number in typora_lines if typora]
        if wanted:
            statuses.append(_add(ctx, depth))
    return sorted((s for s in statuses if s is not None), key=lambda s: s.line)


def plan(
    tf: TextFile,
    parsed: ParsedText,
    *,
    flavour: str = "github",
    add: bool = False,
    depth: int | None = None,
    typora: bool = False,
    data: BlockData = _NO_DATA,
) -> list[LineEdit]:
    """Line edits that make every generated block of ``tf`` fresh (none for a refused file)."""
    if len(parsed.lines) - (parsed.lines[-1:] == [""]) != len(tf.lines()):
        raise ValueError(f"{tf.path}: the parse is not of this file's text")
    statuses = check(parsed, flavour, add=add, depth=depth, typora=typora, data=data)
    return [s.edit for s in statuses if s.edit is not None]


def _status(found: Found, ctx: _Context) -> TocStatus | None:
    kind = KINDS[found.kind]
    rendered = kind.render(found, ctx)
    if rendered is None:
        return None
    open_line = found.open_text or ctx.parsed.lines[found.start - 1]
    close_line = found.close_text or ctx.parsed.lines[found.end - 1]
    expected = (open_line, *rendered.inner, close_line)
    if found.corrupt:
        message = f"{kind.label} collapsed onto one line, 'auto' for each newline (an old VS Code extension)"
        edit = LineEdit(found.start, found.end, expected)
        return TocStatus(kind.name, found.start, found.end, "corrupt", message, found.start, expected, edit)
    if rendered.fresh:
        return TocStatus(
            kind.name, found.start, found.end, "fresh", f"{kind.label} up to date", found.start, expected
        )
    edit = LineEdit(found.start + 1, found.end - 1, rendered.inner)
    message = f"{kind.label} out of date: {rendered.why}"
    return TocStatus(kind.name, found.start, found.end, "stale", message, found.start, expected, edit)


def _new_block(ctx: _Context, start: int, depth: int | None) -> tuple[str, ...]:
    attrs = (f" depth={depth}" if depth is not None else "") + (" min=1" if ctx.has_section_h1s() else "")
    opening = f"<!-- papernotes:toc{attrs} -->"
    found = Found("papernotes", start, start, parse_attrs(attrs))
    rendered = KINDS["papernotes"].render(found, ctx)
    inner = rendered.inner if rendered is not None else ()
    return (opening, *inner, "<!-- /papernotes:toc -->") if inner else ()


def _typora_line(number: int) -> TocStatus:
    message = "Typora [toc]: only Typora shows it, GitHub shows the text (typora-toc = true adds a TOC)"
    return TocStatus("typora", number, number, "typora", message, number)


def _typora(number: int, found: Sequence[Found], ctx: _Context, depth: int | None) -> TocStatus | None:
    lines = ctx.parsed.lines
    after = next((n for n in range(number + 1, len(lines) + 1) if lines[n - 1].strip()), None)
    if any(f.kind == "papernotes" and f.start == after for f in found):
        return None  # maintained: the block has its own status
    block = _new_block(ctx, number, depth)
    if not block:
        return None
    message = f"Typora [toc] without a generated TOC after it: {block[0]} to add"
    return TocStatus(
        "papernotes", number, number, "missing", message, number, block, LineEdit(number + 1, number, block)
    )


def _add(ctx: _Context, depth: int | None) -> TocStatus | None:
    h1 = next(
        (
            b
            for b in ctx.parsed.blocks
            if b.kind == "heading" and b.level == 1 and not b.list_depth and not b.in_quote
        ),
        None,
    )
    if h1 is None:
        return None
    block = _new_block(ctx, h1.end_line, depth)
    if not block:
        return None
    lines = ctx.parsed.lines
    following = lines[h1.end_line] if h1.end_line < len(lines) else ""
    inserted = ("", *block, *([""] if following.strip() else []))
    edit = LineEdit(h1.end_line + 1, h1.end_line, inserted)
    message = f"no TOC: {block[0]} to add after the title"
    return TocStatus("papernotes", h1.end_line, h1.end_line, "missing", message, h1.line, block, edit)
