"""Generated blocks: tables of contents in every convention, and papernotes' own blocks. Pure: no I/O.

A generated block is the lines between an opening and a closing HTML comment; only those lines ever change.
``check`` says of every block whether it is fresh, ``plan`` returns the line edits that make them all fresh.
The kinds of block are data (``KINDS``): the TOC markers other tools write, papernotes' own TOC, the
topics overview and the stats block. A new kind is one entry there and one render function.

A TOC keeps the style its lines show (bullets, indent, numbering, links, depth range, whether it lists the
title) and is compared by meaning, not bytes: a block another tool wrote in its own way is fresh as long as
it lists the right headings, so papernotes and an editor extension never fight over it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import unquote

from papernotes.edits import LineEdit
from papernotes.facts import HeadingFact
from papernotes.model import TocBlock
from papernotes.parsing import Block, ParsedText, build_md
from papernotes.slug import FLAVOURS, anchors_for, inline_text
from papernotes.textfile import TextFile

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
class _Found:
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


@dataclass(frozen=True, slots=True)
class _Rendered:
    inner: tuple[str, ...]
    fresh: bool
    why: str  # what is out of date, for the message


@dataclass(frozen=True, slots=True)
class BlockKind:
    """One kind of generated block: its markers, and how the lines between them are made."""

    name: str
    label: str  # the opening marker, as messages show it
    open_re: re.Pattern[str]
    close_re: re.Pattern[str]
    render: Callable[[_Found, _Context], _Rendered | None]  # None: no facts to check this block against
    toc: bool = True  # a table of contents: a file holding one needs no other (``add``)


# Markers


def _markers(open_body: str, close_body: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    return (
        re.compile(rf"^\s*<!--\s*{open_body}\s*-->\s*$"),
        re.compile(rf"^\s*<!--\s*{close_body}\s*-->\s*$"),
    )


# Written on one line by an old VS Code extension, with the word "auto" where each newline should be.
_COLLAPSED_RE = re.compile(r"^(\s*<!--\s*TOC\b[^>]*-->)(auto.*)(<!--\s*/TOC\s*-->\s*)$")
# A separator "auto" follows a marker, a link or another separator, and precedes a list item or the end:
# "auto" inside a heading ("AutoML", "[x auto y]") stays text.
_AUTO_SEP_RE = re.compile(r"(?:(?<=-->)|(?<=\))|(?<=auto))auto(?=auto|$|[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t])")
_TYPORA_RE = re.compile(r"^\s*\[(?:toc|TOC)\]\s*$")
_ATTR_RE = re.compile(r"""([\w-]+)\s*[:=]\s*("[^"]*"|'[^']*'|[^\s"']+)""")


def _attrs(text: str) -> dict[str, str]:
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


def _scan(parsed: ParsedText) -> tuple[list[_Found], list[int]]:
    """Every generated block by its markers (problems included), and Typora's ``[toc]`` lines."""
    found: list[_Found] = []
    typora: list[int] = []
    lines = parsed.lines
    opened: tuple[BlockKind, int, dict[str, str]] | None = None
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
        for kind in KINDS.values():
            match = kind.open_re.match(line)
            if match is not None:
                if opened is not None:
                    again = "opened again" if opened[0] is kind else "a second block starts"
                    found.append(_unclosed(opened, f"{again} at line {number} before it closes"))
                opened = (kind, number, _attrs(match.group("attrs") or ""))
                break
            if kind.close_re.match(line):
                if opened is not None and opened[0] is kind:
                    start = opened[1]
                    found.append(
                        _Found(kind.name, start, number, opened[2], tuple(lines[start : number - 1]))
                    )
                    opened = None
                else:
                    found.append(
                        _Found(
                            kind.name, -1, number, problem=f"closing marker without {kind.label} before it"
                        )
                    )
                break
    if opened is not None:
        found.append(_unclosed(opened, "no closing marker"))
    return found, typora


def _unclosed(opened: tuple[BlockKind, int, dict[str, str]], why: str) -> _Found:
    kind, start, attrs = opened
    return _Found(kind.name, start, -1, attrs, problem=f"{kind.label}: {why}")


def _collapsed(number: int, line: str, match: re.Match[str]) -> _Found:
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
    attrs = _attrs(match.group(1).split("TOC", 1)[1])
    return _Found("vscode", number, number, attrs, tuple(inner), True, match.group(1), match.group(3))


def find_blocks(parsed: ParsedText) -> list[TocBlock]:
    """Generated blocks and Typora lines by their markers; markers in code, comments or front matter are not.

    An opening marker without its closing marker (or a second opening before the close) gives a block with
    ``end == -1``, a closing marker without an opening one a block with ``start == -1``.
    """
    found, typora = _scan(parsed)
    blocks = [
        TocBlock(style=f.kind, start=f.start, end=f.end, attrs=f.attrs, corrupt=f.corrupt) for f in found
    ]
    blocks += [TocBlock(style="typora", start=n, end=n) for n in typora]
    return sorted(blocks, key=lambda block: block.start if block.start > 0 else block.end)


# The document as the TOC sees it


class _Context:
    """Headings outside every block (the blocks' own lines are about to be replaced), with anchors."""

    def __init__(self, parsed: ParsedText, found: Sequence[_Found], flavour: str, data: BlockData) -> None:
        spans = [(f.start, f.end) for f in found if not f.problem]
        self.parsed = parsed
        self.flavour = flavour
        self.data = data
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


# TOC items as written


_ITEM_RE = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>[-*+]|(?P<number>\d{1,9})[.)])(?:[ \t]+(?P<body>.*))?$")
_OMIT_RE = re.compile(r"<!--\s*(?:omit (?:in|from) toc|mdformat-toc exclude)\s*-->", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Item:
    indent: str
    marker: str
    number: int | None
    href: str | None  # None: a plain-text item
    text: str
    angle: bool


# No character that Markdown gives a meaning inside link text or destination: the text is the text.
_SIMPLE_LINK_RE = re.compile(r"^\[([^\[\]\\`*_<>&!~]*)\]\(([^()\s<>\\&]*)\)$")


def _item(line: str) -> _Item | None:
    match = _ITEM_RE.match(line)
    if match is None:
        return None
    body = (match.group("body") or "").strip()
    simple = _SIMPLE_LINK_RE.match(body)
    number = match.group("number")
    if simple is not None:  # "[Text](#anchor)", nearly every TOC line: no need for the inline parser
        return _Item(
            indent=match.group("indent"),
            marker=match.group("marker"),
            number=int(number) if number else None,
            href=simple.group(2),
            text=simple.group(1),
            angle=False,
        )
    tokens = build_md().parseInline(body) if body else []
    children = (tokens[0].children or []) if tokens else []
    href, text = None, inline_text(children)
    if children and children[0].type == "link_open" and children[-1].type == "link_close":
        closes = [i for i, child in enumerate(children) if child.type == "link_close"]
        if closes == [len(children) - 1]:  # the whole body is one link
            href = str(children[0].attrs.get("href", ""))
            text = inline_text(children[1:-1])
    number = match.group("number")
    return _Item(
        indent=match.group("indent"),
        marker=match.group("marker"),
        number=int(number) if number else None,
        href=href,
        text=text,
        angle="](<" in body,
    )


def _width(indent: str) -> int:
    return len(indent.expandtabs(4))


@dataclass(frozen=True, slots=True)
class _Written:
    """A TOC block's inner lines, split: kept head, list items, kept tail."""

    head: tuple[str, ...]
    items: tuple[_Item, ...]
    tail: tuple[str, ...]
    stray: int  # non-item lines among the items: they go when the block is rewritten

    def depths(self) -> list[int]:
        widths = sorted({_width(item.indent) for item in self.items})
        return [widths.index(_width(item.indent)) for item in self.items]


def _written(inner: Sequence[str]) -> _Written:
    parsed = [_item(line) for line in inner]
    positions = [i for i, item in enumerate(parsed) if item is not None]
    if not positions:
        return _Written(tuple(inner), (), (), 0)
    first, last = positions[0], positions[-1]
    items = tuple(item for item in parsed if item is not None)
    stray = sum(1 for i in range(first, last + 1) if parsed[i] is None and inner[i].strip())
    return _Written(tuple(inner[:first]), items, tuple(inner[last + 1 :]), stray)


# TOC style


@dataclass(frozen=True, slots=True)
class _Defaults:
    bullets: tuple[str, ...] = ("-",)
    indent: str = "  "
    ordered_indent: str = "   "
    pad: bool = True  # a blank line after the opening and before the closing marker
    min_level: int = 1
    max_level: int = 6
    above: bool = True  # list the headings above the block


@dataclass(frozen=True, slots=True)
class _Style:
    bullets: tuple[str, ...]  # by depth, cycled
    base: str
    indent: str
    ordered: bool
    delimiter: str
    ones: bool  # "1." on every item
    links: bool
    angle: bool
    min_level: int
    max_level: int
    above: bool
    title: bool


def _int_attr(attrs: dict[str, str], *keys: str) -> int | None:
    for key in keys:
        value = attrs.get(key, "")
        if value.isdigit() and 1 <= int(value) <= 6:
            return int(value)
    return None


def _bool_attr(attrs: dict[str, str], key: str) -> bool | None:
    value = attrs.get(key, "").lower()
    return True if value in ("1", "true", "yes") else False if value in ("0", "false", "no") else None


_ANCHOR_MODES = {"github.com": "github", "gitlab.com": "gitlab", "github": "github", "gitlab": "gitlab"}


def _flavour(attrs: dict[str, str], default: str) -> str:
    # VS Code's Markdown TOC writes "anchorMode:gitlab.com", mdformat-toc "--slug=gitlab".
    return _ANCHOR_MODES.get(attrs.get("anchormode", attrs.get("slug", "")).lower(), default)


def _bullets(items: Sequence[_Item], depths: Sequence[int], default: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[int, str] = {}
    for item, depth in zip(items, depths, strict=True):
        if item.number is None:
            seen.setdefault(depth, item.marker)
    if not seen or all(default[d % len(default)] == b for d, b in seen.items()):
        return default
    pattern: list[str] = []
    for depth in range(max(seen) + 1):
        pattern.append(seen.get(depth) or (pattern[-1] if pattern else seen[min(seen)]))
    return tuple(pattern)


def _numbered_ones(items: Sequence[_Item], depths: Sequence[int]) -> bool:
    """Whether later items of a numbered list are numbered "1." too (a single item says nothing)."""
    counts: list[int] = []
    for item, depth in zip(items, depths, strict=True):
        counts = [*counts[: depth + 1], *([0] * (depth + 1 - len(counts)))]
        counts[depth] += 1
        if item.number is not None and counts[depth] > 1:
            return item.number == 1
    return False


def _indent(items: Sequence[_Item], depths: Sequence[int], default: str) -> tuple[str, str]:
    """(indent of the top items, one more level), as the items show them."""
    base = next((item.indent for item, depth in zip(items, depths, strict=True) if depth == 0), "")
    nested = next((item.indent for item, depth in zip(items, depths, strict=True) if depth == 1), None)
    if nested is None:
        return base, default
    if "\t" in nested:
        return base, "\t"
    return base, " " * max(1, _width(nested) - _width(base))


def _style(kind: str, found: _Found, written: _Written, pool: _Pool) -> _Style:
    defaults = _DEFAULTS[kind]
    attrs = found.attrs
    items = written.items
    depths = written.depths()
    ordered_attr = _bool_attr(attrs, "orderedlist")
    ordered = ordered_attr if ordered_attr is not None else bool(items) and items[0].number is not None
    links_attr = _bool_attr(attrs, "withlinks")
    links = links_attr if links_attr is not None else not items or any(i.href is not None for i in items)
    base, indent = _indent(items, depths, defaults.ordered_indent if ordered else defaults.indent)
    if kind == "papernotes":
        # papernotes' own block says everything in its attributes: depth=N, min=1.
        min_level = _int_attr(attrs, "min") or 2
        max_level = _int_attr(attrs, "depth") or 3
    else:
        min_level = _int_attr(attrs, "depthfrom", "minlevel") or pool.min_level(defaults.min_level)
        nested = min_level + max(depths, default=0)  # nesting shows levels even where entries are stale
        max_level = _int_attr(attrs, "depthto", "maxlevel") or pool.max_level(
            defaults.max_level, min_level, nested
        )
    return _Style(
        bullets=_bullets(items, depths, defaults.bullets),
        base=base,
        indent=indent,
        ordered=ordered,
        delimiter=next((i.marker[-1] for i in items if i.number is not None), "."),
        ones=_numbered_ones(items, depths),
        links=links,
        angle=any(item.angle for item in items),
        min_level=min_level,
        max_level=max_level,
        above=pool.above,
        title=pool.lists_title and min_level <= 1,
    )


class _Pool:
    """The headings a TOC block may list, and what its written items say about its range."""

    def __init__(self, kind: str, found: _Found, items: Sequence[_Item], ctx: _Context) -> None:
        self.flavour = _flavour(found.attrs, ctx.flavour)
        self.start = found.start
        anchors = ctx.anchors(self.flavour)
        self.pool = [
            (h, anchor)
            for h, anchor in zip(ctx.headings, anchors, strict=True)
            if not h.in_conflict and h.text.strip() and not _OMIT_RE.search(h.raw)
        ]
        below = found.start if not _DEFAULTS[kind].above else 0
        matched = _match(items, self.pool, ctx.title, below)
        self.lists_title = ctx.title is not None and any(h is ctx.title for h in matched)
        # doctoc lists only the headings below its block, unless told otherwise (and then its block shows it).
        self.above = _DEFAULTS[kind].above or any(h.line < found.start for h in matched)
        self.scoped = [(h, a) for h, a in self.pool if self.above or h.line > found.start]
        self.levels = [h.level for h in matched]  # the title's too: "the title only" is a range

    def min_level(self, default: int) -> int:
        return min(self.levels) if self.levels else default

    def max_level(self, default: int, floor: int, nested: int) -> int:
        levels = [level for level in self.levels if level >= floor]
        if not levels:
            return default
        deepest = max(*levels, nested)
        # Deeper headings left out: the block stops there. None to leave out: the style's own limit.
        return deepest if any(h.level > deepest for h, _ in self.scoped) else default


def _match(
    items: Sequence[_Item], pool: Sequence[tuple[HeadingFact, str]], title: HeadingFact | None, below: int
) -> list[HeadingFact]:
    """The headings the items stand for: by anchor, else by text, each heading once.

    Text is ambiguous when headings repeat: headings below line ``below`` (where doctoc looks) are taken
    first, the title last.
    """
    by_anchor = {anchor: h for h, anchor in pool}
    by_text: dict[str, list[HeadingFact]] = {}
    for h, _ in sorted(pool, key=lambda pair: (pair[0].line <= below, pair[0] is title)):
        by_text.setdefault(_norm(h.text).casefold(), []).append(h)
    matched: list[HeadingFact] = []
    used: set[int] = set()
    for item in items:
        hit = by_anchor.get(unquote(item.href).removeprefix("#")) if item.href else None
        if hit is None or hit.line in used:
            same = by_text.get(_norm(item.text).casefold(), [])
            hit = next((h for h in same if h.line not in used), None)
        if hit is not None:
            matched.append(hit)
            used.add(hit.line)
    return matched


def _norm(text: str) -> str:
    return " ".join(text.split())


# Rendering TOC lines


_ESCAPE_RE = re.compile(r"[\\`*\[\]<~]|_(?![^\W_])|(?<![^\W_])_|&(?=#?[0-9A-Za-z]+;)")
_PLAIN_START_RE = re.compile(r"^(?:[#>+=-]|\d+(?=[.)]))")


def _plain(text: str) -> str:
    # Without a link, the text starts the list item: "1. x" or "# x" there would nest a list or a heading.
    match = _PLAIN_START_RE.match(text)
    if match is None:
        return text
    return text[: match.end()] + "\\" + text[match.end() :] if text[0].isdigit() else "\\" + text


def _escape(text: str) -> str:
    """Text that renders as itself inside a link: a snake_case word keeps its underscores."""
    return _ESCAPE_RE.sub(lambda m: "\\" + m.group(0), text)


def _code_span(content: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space from each side when both are there; pad so the content survives.
    padded = content.startswith("`") or content.endswith("`") or (content[:1] == content[-1:] == " ")
    if padded and content.strip(" "):
        return f"{fence} {content} {fence}"
    return f"{fence}{content}{fence}"


def _heading_markdown(h: HeadingFact, block: Block | None) -> str:
    """The heading as TOC item text: links give their text, code stays code, images and HTML go."""
    if block is None:
        return _escape(_norm(h.text))
    parts: list[str] = []
    for piece in block.inlines:
        if piece.kind == "text":
            parts.append(_escape(piece.content))
        elif piece.kind == "code":
            parts.append(_code_span(piece.content))
        elif piece.kind == "break":
            parts.append(" ")
    return "".join(parts).strip()


def _entries(style: _Style, pool: _Pool, ctx: _Context) -> list[tuple[int, HeadingFact, str]]:
    """(depth, heading, anchor) of every heading the block lists, nested under its listed ancestors."""
    out: list[tuple[int, HeadingFact, str]] = []
    stack: list[int] = []
    for h, anchor in pool.pool:
        if not style.above and h.line < pool.start:
            continue
        if h is ctx.title:
            if not style.title:
                continue
        elif not style.min_level <= h.level <= style.max_level:
            continue
        while stack and stack[-1] >= h.level:
            stack.pop()
        out.append((len(stack), h, anchor))
        stack.append(h.level)
    return out


_Meaning = list[tuple[int, str | None, str]]


def _meaning(entries: Sequence[tuple[int, HeadingFact, str]], style: _Style) -> _Meaning:
    """What a reader sees of a TOC: nesting, target and text of each entry (not bullets or spacing)."""
    return [(depth, unquote(f"#{a}") if style.links else None, _norm(h.text)) for depth, h, a in entries]


def _fits_some_range(
    kind: str, found: _Found, style: _Style, pool: _Pool, ctx: _Context, actual: _Meaning
) -> bool:
    """Whether the items are exactly the TOC of some depth range the block's attributes allow.

    Items matched to headings by text alone are ambiguous when headings repeat, so the range inferred
    from them may miss; a block that lists a complete, well-nested range is fresh whatever that range is.
    """
    fixed = kind == "papernotes"
    lows = [style.min_level] if fixed or _int_attr(found.attrs, "depthfrom", "minlevel") else range(1, 7)
    highs = [style.max_level] if fixed or _int_attr(found.attrs, "depthto", "maxlevel") else range(1, 7)
    return any(
        _meaning(
            _entries(replace(style, min_level=low, max_level=high, title=title, above=above), pool, ctx),
            style,
        )
        == actual
        for low in lows
        for high in highs
        if low <= high
        for title in ((False, True) if low == 1 else (False,))
        for above in (False, True)
    )


def _render_items(entries: Sequence[tuple[int, HeadingFact, str]], style: _Style, ctx: _Context) -> list[str]:
    lines: list[str] = []
    counters: list[int] = []
    for depth, h, anchor in entries:
        if style.ordered:
            counters = [*counters[: depth + 1], *([0] * (depth + 1 - len(counters)))]
            counters[depth] += 1
            marker = f"{1 if style.ones else counters[depth]}{style.delimiter}"
        else:
            marker = style.bullets[depth % len(style.bullets)]
        text = _heading_markdown(h, ctx.blocks.get(h.line))
        if style.links:
            target = f"<#{_link_target(anchor)}>" if style.angle else f"#{_link_target(anchor)}"
            body = f"[{text}]({target})"
        else:
            body = _plain(text)
        lines.append(f"{style.base}{style.indent * depth}{marker} {body}")
    return lines


def _toc_renderer(kind: str) -> Callable[[_Found, _Context], _Rendered]:
    def render(found: _Found, ctx: _Context) -> _Rendered:
        written = _written(found.inner)
        pool = _Pool(kind, found, written.items, ctx)
        style = _style(kind, found, written, pool)
        entries = _entries(style, pool, ctx)
        expected = _meaning(entries, style)
        actual = [
            (depth, unquote(item.href) if item.href is not None else None, _norm(item.text))
            for depth, item in zip(written.depths(), written.items, strict=True)
        ]
        intact = not written.stray and not found.corrupt
        if intact and (
            expected == actual or (actual and _fits_some_range(kind, found, style, pool, ctx, actual))
        ):
            return _Rendered(found.inner, True, "")
        lines = _render_items(entries, style, ctx)
        if written.items:
            inner = [*written.head, *lines, *written.tail]
        else:
            kept = list(written.head)
            while kept and not kept[-1].strip():
                kept.pop()
            pad = [""] if _DEFAULTS[kind].pad and lines else []
            inner = [*kept, *pad, *lines, *pad] if lines else list(found.inner)
        return _Rendered(tuple(inner), False, _why(expected, actual, written.stray))

    return render


def _why(
    expected: list[tuple[int, str | None, str]], actual: list[tuple[int, str | None, str]], stray: int
) -> str:
    want = Counter((href, text) for _, href, text in expected)
    have = Counter((href, text) for _, href, text in actual)
    missing, gone = sum((want - have).values()), sum((have - want).values())
    parts = [_plural(missing, "heading") + " missing"] if missing else []
    parts += [_plural(gone, "entry", "entries") + " no longer a heading"] if gone else []
    parts += [_plural(stray, "stray line")] if stray else []
    return ", ".join(parts) or "entries out of order or wrongly nested"


def _plural(count: int, word: str, words: str = "") -> str:
    return f"{count} {word if count == 1 else words or word + 's'}"


# The topics overview


# Characters a link destination cannot hold as they are (or would read as escapes and entities).
_UNSAFE_IN_LINK_RE = re.compile(r"[\s()<>\\&]")


def render_topics(items: Sequence[tuple[str, str, int]]) -> list[str]:
    """One line per topic index: ``- [Title](notes/x.md) — N papers``, from (title, link, entry count)."""
    return [
        f"- [{_escape(_norm(title))}]({_link_target(link)}) — {_plural(count, 'paper')}"
        for title, link, count in items
    ]


def _link_target(path: str) -> str:
    return _UNSAFE_IN_LINK_RE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), path)


def _render_topics_block(found: _Found, ctx: _Context) -> _Rendered | None:
    if ctx.data.topics is None:
        return None
    lines = tuple(render_topics(ctx.data.topics))
    return _Rendered(lines, lines == found.inner, "topic indexes or their paper counts changed")


def _render_stats_block(found: _Found, ctx: _Context) -> _Rendered | None:
    if ctx.data.stats is None:
        return None
    return _Rendered(ctx.data.stats, ctx.data.stats == found.inner, "paper counts changed")


# The registry


# Attributes as the tools write them ("depthFrom:2", "--maxlevel=4", "--no-anchors", "depth=3"): a comment
# such as "<!-- TOC is below -->" is no marker.
# The two kinds of token start differently, so a hostile line cannot make the pattern backtrack.
_ATTRS = r"(?P<attrs>(?:\s+(?:-[\w-]*(?:[:=]\S+)?|\w[\w-]*[:=]\S+))*)"


def _toc_kind(name: str, label: str, open_body: str, close_body: str) -> BlockKind:
    open_re, close_re = _markers(open_body, close_body)
    return BlockKind(name, label, open_re, close_re, _toc_renderer(name))


_DEFAULTS: dict[str, _Defaults] = {
    "papernotes": _Defaults(pad=False, min_level=2, max_level=3),
    # VS Code's Markdown TOC indents by the editor's tab size, 4 by default.
    "vscode": _Defaults(indent="    ", ordered_indent="    "),
    # markdown-toc cycles its bullets by depth and leaves out the first H1 (its firsth1 option).
    "markdown-toc": _Defaults(bullets=("-", "*", "+")),
    # doctoc lists the headings below its block only.
    "doctoc": _Defaults(above=False),
    "mdformat-toc": _Defaults(),
}

KINDS: dict[str, BlockKind] = {
    kind.name: kind
    for kind in (
        _toc_kind("papernotes", "<!-- papernotes:toc -->", rf"papernotes:toc{_ATTRS}", r"/papernotes:toc"),
        _toc_kind("vscode", "<!-- TOC -->", rf"TOC{_ATTRS}", r"/TOC"),
        _toc_kind("markdown-toc", "<!-- toc -->", r"toc(?P<attrs>)", r"tocstop"),
        _toc_kind(
            "doctoc", "<!-- START doctoc -->", r"START doctoc\b(?P<attrs>[^>]*?)", r"END doctoc\b[^>]*?"
        ),
        _toc_kind(
            "mdformat-toc",
            "<!-- mdformat-toc start -->",
            rf"mdformat-toc start{_ATTRS}",
            r"mdformat-toc end",
        ),
        BlockKind(
            "topics",
            "<!-- papernotes:topics -->",
            *_markers(rf"papernotes:topics{_ATTRS}", r"/papernotes:topics"),
            render=_render_topics_block,
            toc=False,
        ),
        BlockKind(
            "stats",
            "<!-- papernotes:stats -->",
            *_markers(rf"papernotes:stats{_ATTRS}", r"/papernotes:stats"),
            render=_render_stats_block,
            toc=False,
        ),
    )
}


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
    found, typora_lines = _scan(parsed)
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


def _status(found: _Found, ctx: _Context) -> TocStatus | None:
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
    found = _Found("papernotes", start, start, _attrs(attrs))
    rendered = KINDS["papernotes"].render(found, ctx)
    inner = rendered.inner if rendered is not None else ()
    return (opening, *inner, "<!-- /papernotes:toc -->") if inner else ()


def _typora_line(number: int) -> TocStatus:
    message = "Typora [toc]: only Typora shows it, GitHub shows the text (typora-toc = true adds a TOC)"
    return TocStatus("typora", number, number, "typora", message, number)


def _typora(number: int, found: Sequence[_Found], ctx: _Context, depth: int | None) -> TocStatus | None:
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
