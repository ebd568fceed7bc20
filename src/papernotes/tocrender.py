"""A TOC's lines rendered from the headings, and whether the block as written already says them. Pure.

A TOC is compared by meaning, not bytes: a block another tool wrote in its own way is fresh as long as it
lists the right headings (nesting, target and text of each entry), so papernotes and an editor extension
never fight over it. A stale TOC is rewritten in the style it shows (``tocstyle``), keeping the lines
around its list. Also the topics overview: one line per topic index.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import unquote

from papernotes.facts import HeadingFact
from papernotes.parsing import Block
from papernotes.tocscan import Found, Outline
from papernotes.tocstyle import DEFAULTS, Pool, Style, int_attr, norm, read_style, read_written

__all__ = ["Rendered", "render_topics", "toc_renderer"]


@dataclass(frozen=True, slots=True)
class Rendered:
    """The lines between a block's markers once fresh, and whether the block has them already."""

    inner: tuple[str, ...]
    fresh: bool
    why: str  # what is out of date, for the message


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
        return _escape(norm(h.text))
    parts: list[str] = []
    for piece in block.inlines:
        if piece.kind == "text":
            parts.append(_escape(piece.content))
        elif piece.kind == "code":
            parts.append(_code_span(piece.content))
        elif piece.kind == "break":
            parts.append(" ")
    return "".join(parts).strip()


def _entries(style: Style, pool: Pool, ctx: Outline) -> list[tuple[int, HeadingFact, str]]:
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


def _meaning(entries: Sequence[tuple[int, HeadingFact, str]], style: Style) -> _Meaning:
    """What a reader sees of a TOC: nesting, target and text of each entry (not bullets or spacing)."""
    return [(depth, unquote(f"#{a}") if style.links else None, norm(h.text)) for depth, h, a in entries]


def _fits_some_range(
    kind: str, found: Found, style: Style, pool: Pool, ctx: Outline, actual: _Meaning
) -> bool:
    """Whether the items are exactly the TOC of some depth range the block's attributes allow.

    Items matched to headings by text alone are ambiguous when headings repeat, so the range inferred
    from them may miss; a block that lists a complete, well-nested range is fresh whatever that range is.
    """
    fixed = kind == "papernotes"
    lows = [style.min_level] if fixed or int_attr(found.attrs, "depthfrom", "minlevel") else range(1, 7)
    highs = [style.max_level] if fixed or int_attr(found.attrs, "depthto", "maxlevel") else range(1, 7)
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


def _render_items(entries: Sequence[tuple[int, HeadingFact, str]], style: Style, ctx: Outline) -> list[str]:
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


def toc_renderer(kind: str) -> Callable[[Found, Outline], Rendered]:
    def render(found: Found, ctx: Outline) -> Rendered:
        written = read_written(found.inner)
        pool = Pool(kind, found, written.items, ctx)
        style = read_style(kind, found, written, pool)
        entries = _entries(style, pool, ctx)
        expected = _meaning(entries, style)
        actual = [
            (depth, unquote(item.href) if item.href is not None else None, norm(item.text))
            for depth, item in zip(written.depths(), written.items, strict=True)
        ]
        intact = not written.stray and not found.corrupt
        if intact and (
            expected == actual or (actual and _fits_some_range(kind, found, style, pool, ctx, actual))
        ):
            return Rendered(found.inner, True, "")
        lines = _render_items(entries, style, ctx)
        if written.items:
            inner = [*written.head, *lines, *written.tail]
        else:
            kept = list(written.head)
            while kept and not kept[-1].strip():
                kept.pop()
            pad = [""] if DEFAULTS[kind].pad and lines else []
            inner = [*kept, *pad, *lines, *pad] if lines else list(found.inner)
        return Rendered(tuple(inner), False, _why(expected, actual, written.stray))

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
        f"- [{_escape(norm(title))}]({_link_target(link)}) — {_plural(count, 'paper')}"
        for title, link, count in items
    ]


def _link_target(path: str) -> str:
    return _UNSAFE_IN_LINK_RE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), path)
