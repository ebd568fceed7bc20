"""How an existing TOC is written: its items, the headings they stand for, the style they show. Pure.

A TOC keeps the style its lines show (bullets, indent, numbering, links, depth range, whether it lists the
title), so that a block another tool wrote is rewritten the way that tool writes it. Attributes on the
opening marker ("depthFrom:2", "depth=3") win over what the items show; the tool's defaults (``DEFAULTS``)
fill in what neither says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from papernotes.facts import HeadingFact
from papernotes.parsing import build_md
from papernotes.slug import inline_text
from papernotes.tocscan import Found, Outline

__all__ = ["DEFAULTS", "Pool", "Style", "int_attr", "norm", "read_style", "read_written"]


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


def read_written(inner: Sequence[str]) -> _Written:
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


# Each TOC kind's own way (``toc.KINDS`` names the kinds), where its items and attributes say nothing.
DEFAULTS: dict[str, _Defaults] = {
    "papernotes": _Defaults(pad=False, min_level=2, max_level=3),
    # VS Code's Markdown TOC indents by the editor's tab size, 4 by default.
    "vscode": _Defaults(indent="    ", ordered_indent="    "),
    # markdown-toc cycles its bullets by depth and leaves out the first H1 (its firsth1 option).
    "markdown-toc": _Defaults(bullets=("-", "*", "+")),
    # doctoc lists the headings below its block only.
    "doctoc": _Defaults(above=False),
    "mdformat-toc": _Defaults(),
}


@dataclass(frozen=True, slots=True)
class Style:
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


def int_attr(attrs: dict[str, str], *keys: str) -> int | None:
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


def read_style(kind: str, found: Found, written: _Written, pool: Pool) -> Style:
    defaults = DEFAULTS[kind]
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
        min_level = int_attr(attrs, "min") or 2
        max_level = int_attr(attrs, "depth") or 3
    else:
        min_level = int_attr(attrs, "depthfrom", "minlevel") or pool.min_level(defaults.min_level)
        nested = min_level + max(depths, default=0)  # nesting shows levels even where entries are stale
        max_level = int_attr(attrs, "depthto", "maxlevel") or pool.max_level(
            defaults.max_level, min_level, nested
        )
    return Style(
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


class Pool:
    """The headings a TOC block may list, and what its written items say about its range."""

    def __init__(self, kind: str, found: Found, items: Sequence[_Item], ctx: Outline) -> None:
        self.flavour = _flavour(found.attrs, ctx.flavour)
        self.start = found.start
        anchors = ctx.anchors(self.flavour)
        self.pool = [
            (h, anchor)
            for h, anchor in zip(ctx.headings, anchors, strict=True)
            if not h.in_conflict and h.text.strip() and not _OMIT_RE.search(h.raw)
        ]
        below = found.start if not DEFAULTS[kind].above else 0
        matched = _match(items, self.pool, ctx.title, below)
        self.lists_title = ctx.title is not None and any(h is ctx.title for h in matched)
        # doctoc lists only the headings below its block, unless told otherwise (and then its block shows it).
        self.above = DEFAULTS[kind].above or any(h.line < found.start for h in matched)
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
        by_text.setdefault(norm(h.text).casefold(), []).append(h)
    matched: list[HeadingFact] = []
    used: set[int] = set()
    for item in items:
        hit = by_anchor.get(unquote(item.href).removeprefix("#")) if item.href else None
        if hit is None or hit.line in used:
            same = by_text.get(norm(item.text).casefold(), [])
            hit = next((h for h in same if h.line not in used), None)
        if hit is not None:
            matched.append(hit)
            used.add(hit.line)
    return matched


def norm(text: str) -> str:
    return " ".join(text.split())
