"""Markdown text -> the facts papernotes needs about one file. No file I/O here.

This is the only place a ``MarkdownIt`` is built. Tokens are walked flat (the tree helper recurses and breaks
on deeply nested input). The walk turns markdown-it's tokens into a small, parser-independent list of
``Block``s (used by ``entries``) and the cacheable ``Document`` facts (used by the rules).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Literal

from papernotes.facts import HeadingFact, LinkFact
from papernotes.front import front_matter_of
from papernotes.model import ConflictRegion, FrontMatter
from papernotes.slug import Slugger, inline_text

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

__all__ = ["Block", "Inline", "ParsedText", "build_md", "parse_text", "scan_conflicts"]

# Git writes markers of exactly seven characters (conflict-marker-size); longer "=" runs underline headings.
_MARKER_RE = re.compile(r"^(?:(<{7})(?:[ \t].*)?|(\|{7})(?:[ \t].*)?|(={7})[ \t]*|(>{7})(?:[ \t].*)?)$")
_HTML_ATTR_RE = re.compile(
    r"""\b(src|href|name|id)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE
)
_HTML_TAG_RE = re.compile(r"<(img|a|span|div|h[1-6]|p|section)\b[^>]*>", re.IGNORECASE)
_BARE_URL_RE = re.compile(
    r"(?<![\w<\"'=])(?:https?|ftp|file)://[^\s<>\"'`)\]]+|(?<![\w/])(?:javascript|vbscript|data):[^\s<>]+",
    re.IGNORECASE,
)
# Editors paste local paths with raw spaces: no link to a CommonMark parser; GitHub shows the text.
_RAW_LOCAL_LINK_RE = re.compile(
    r"(!?)\[([^\]\n]*)\]\(((?:/(?:Users|home|Volumes|mnt|media|tmp)/|[A-Za-z]:[\\/])[^)\n]*)\)"
)
_SCRIPT_SCHEME_RE = re.compile(r"(?:javascript|vbscript|data):", re.IGNORECASE)
_WIKILINK_RE = re.compile(r"(!?)\[\[([^\[\]|#\n]*)(#[^\[\]|\n]*)?(?:\|([^\[\]\n]*))?\]\]")
_TRAILING_PUNCT = ".,;:!?。，；：！？"


@cache
def build_md() -> MarkdownIt:
    """The one MarkdownIt papernotes uses: CommonMark + GFM tables and strikethrough, HTML on.

    Link normalisation is switched off so that targets stay as written (no percent-encoding of CJK paths).
    Link validation stays on, as in every renderer: ``javascript:`` and ``file:`` links become text, where the
    text scan still finds them.
    """
    from markdown_it import MarkdownIt

    # The commonmark preset stops at 20 levels of open tokens and silently drops the rest of the document
    # after a list nested 10 deep; real outlines go that deep. The walk is flat, so depth costs nothing.
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": 200}).enable(["table", "strikethrough"])
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    md.normalizeLinkText = lambda link: link  # type: ignore[method-assign]
    return md


@dataclass(slots=True)
class Inline:
    """One inline piece, parser-independent: text, code, link_open/link_close, image, html, break."""

    kind: Literal["text", "code", "link_open", "link_close", "image", "html", "break"]
    content: str
    line: int
    href: str = ""

    @property
    def type(self) -> str:
        """markdown-it's token type for this piece (what ``slug.inline_text`` reads)."""
        return _TOKEN_TYPES.get(self.kind, self.kind)


_TOKEN_TYPES = {"code": "code_inline", "break": "softbreak", "html": "html_inline"}


@dataclass(slots=True)
class Block:
    """A leaf block: a heading, a paragraph, an html/code block, a table, or a thematic break.

    ``list_depth`` is how many lists enclose it (0 outside lists); ``item_line`` is the line of the list item
    it opens, when it is the first block of that item.
    """

    kind: Literal["heading", "paragraph", "html", "code", "table", "hr"]
    line: int
    end_line: int
    level: int = 0
    list_depth: int = 0
    item_line: int | None = None
    ordered: bool = False
    in_quote: bool = False
    inlines: list[Inline] = field(default_factory=list)
    content: str = ""
    text: str = ""  # a heading's rendered text, as GitHub's slugger sees it


@dataclass(slots=True)
class ParsedText:
    lines: list[str]
    blocks: list[Block]
    headings: list[HeadingFact]
    links: list[LinkFact]
    html_anchors: list[str]
    code_lines: frozenset[int]
    conflicts: list[ConflictRegion]
    marker_lines: frozenset[int]
    front_matter: FrontMatter | None
    empty_todos: list[int]


def scan_conflicts(
    lines: Sequence[str], code_lines: frozenset[int], underlines: frozenset[int] = frozenset()
) -> list[ConflictRegion]:
    """Merge-conflict regions from raw lines (1-based), ignoring lines inside fenced or indented code.

    ``underlines`` are the lines that underline a setext heading: outside a conflict, a ``=======`` there is
    the heading's, not a lone marker.
    """
    regions: list[ConflictRegion] = []
    current: ConflictRegion | None = None
    for number, line in enumerate(lines, 1):
        if number in code_lines or len(line) < 7 or line[0] not in "<|=>":
            continue
        match = _MARKER_RE.match(line)
        if match is None:
            continue
        start, base, middle, end = match.groups()
        if start:
            if current is not None:
                regions.append(current)
            current = ConflictRegion(start=number)
        elif current is None:
            if middle and number in underlines:
                continue  # "Title\n=======" is a setext heading, not a lone marker
            regions.append(
                ConflictRegion(
                    base=number if base else None,
                    middle=number if middle else None,
                    end=number if end else None,
                )
            )
        elif base and current.middle is None and current.base is None:
            current.base = number
        elif middle and current.middle is None:
            current.middle = number
        elif end:
            current.end = number
            regions.append(current)
            current = None
        else:
            # A second "=======" or "|||||||" inside one region: report it as its own lone marker.
            regions.append(ConflictRegion(base=number if base else None, middle=number if middle else None))
    if current is not None:
        regions.append(current)
    return regions


def _is_underline(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and set(stripped) <= {"=", "-"}


def conflict_side(regions: Sequence[ConflictRegion], line: int) -> Literal["ours", "base", "theirs"] | None:
    for region in regions:
        if region.start is None or not region.start < line:
            continue
        last = region.end if region.end is not None else 10**9
        if line >= last:
            continue
        if region.base is not None and line > region.base and (region.middle is None or line < region.middle):
            return "base"
        if region.middle is not None and line > region.middle:
            return "theirs"
        if region.base is None or line < region.base:
            return "ours"
    return None


def parse_text(text: str, *, path: str = "", backend: str | None = None, lean: bool = False) -> ParsedText:
    """Parse normalised text (``\\n`` line endings, no BOM) into blocks and document facts.

    ``backend`` is ``"rs"`` (markdown-it-pyrs, fast), ``"py"`` (markdown-it-py, the reference) or ``None``:
    the fast one when it is installed and ``PAPERNOTES_PARSER`` does not say ``py``. A document the fast
    parser cannot handle exactly like the reference (a panic, nesting deeper than the reference allows) is
    parsed by the reference.

    ``lean`` allows leaving out of ``blocks`` the text blocks that hold no fact (see ``fastparse.walk_rs``):
    for callers that read no paragraph text (lint's notes).
    """
    lines = text.split("\n")
    front = front_matter_of(lines)
    body = text
    if front is not None:
        # Blank the front matter out rather than cut it, so markdown-it's line numbers stay the file's.
        body = "\n" * front.end + "\n".join(lines[front.end :])
    if not body.endswith("\n"):
        # The same document for both parsers: markdown-it-pyrs treats a last line without newline differently.
        body += "\n"
    if (backend or default_backend()) == "rs":
        from papernotes.fastparse import walk_rs

        parsed = walk_rs(body, lines, front, lean=lean)
        if parsed is not None:
            return parsed
    tokens = build_md().parse(body)
    return _PyWalker(lines, front).walk(tokens)


@cache
def default_backend() -> str:
    if os.environ.get("PAPERNOTES_PARSER", "").lower() in ("py", "python", "markdown-it-py"):
        return "py"
    try:
        import markdown_it_pyrs  # noqa: F401
    except ImportError:
        return "py"
    return "rs"


def merge_text(inlines: list[Inline]) -> list[Inline]:
    """Adjacent text pieces as one (parsers split text at entities and escapes differently)."""
    out: list[Inline] = []
    for piece in inlines:
        if piece.kind == "text" and not piece.content:
            continue  # emphasis markers that matched nothing leave empty text in markdown-it-py
        if piece.kind == "text" and out and out[-1].kind == "text":
            out[-1].content += piece.content
        else:
            out.append(piece)
    return out


def norm_content(content: str) -> str:
    """An inline block's source with each line's indentation dropped, as both parsers agree on it."""
    if "\n" not in content:
        return content.strip()
    return "\n".join(line.strip() for line in content.split("\n")).strip()


class BaseWalker:
    """What both parser walks share: collecting blocks, links and anchors, and finishing the facts."""

    def __init__(self, lines: list[str], front: FrontMatter | None) -> None:
        self.lines = lines
        self.front = front
        self.blocks: list[Block] = []
        self.links: list[LinkFact] = []
        self.html_anchors: list[str] = []
        self.code_lines: set[int] = set()
        self.empty_todos: list[int] = []
        self._cursor: dict[tuple[int, str], int] = {}

    def add_inline_block(self, block: Block, inlines: list[Inline], *, item: bool) -> None:
        block.inlines = merge_text(inlines)
        block.content = norm_content(block.content)
        if block.kind == "heading":
            block.text = inline_text(block.inlines)  # type: ignore[arg-type]
        if block.kind == "paragraph" and item and block.content in ("[ ]", "[x]", "[X]"):
            self.empty_todos.append(block.line)
        self._collect_links(block.inlines)
        self.blocks.append(block)

    def add_plain_block(self, block: Block, inlines: list[Inline]) -> None:
        """``add_inline_block`` for a block without inline markup: its pieces need no merging, and only a bare
        URL or a script scheme (both hold a colon) can be a link in it."""
        block.inlines = inlines
        block.content = norm_content(block.content)
        if block.kind == "heading":
            block.text = inline_text(inlines)  # type: ignore[arg-type]
        if ":" in block.content:
            self._collect_links(inlines)
        self.blocks.append(block)

    def add_code_block(self, block: Block) -> None:
        self.code_lines.update(range(block.line, block.end_line + 1))
        self.blocks.append(block)

    def add_html_block(self, block: Block) -> None:
        self._html_links(block.content, block.line)
        self.blocks.append(block)

    def _collect_links(self, inlines: list[Inline]) -> None:
        text_of_link: list[str] | None = None
        opener: Inline | None = None
        for piece in inlines:
            if piece.kind == "link_open":
                opener, text_of_link = piece, []
            elif piece.kind == "link_close":
                if opener is not None and text_of_link is not None:
                    text = "".join(text_of_link)
                    target = opener.href
                    autolink = text == target or text == target.removeprefix("mailto:")
                    self.links.append(
                        LinkFact(
                            kind="autolink" if autolink else "link",
                            target=target,
                            line=opener.line,
                            column=self._column(opener),
                            text=text,
                        )
                    )
                opener, text_of_link = None, None
            elif piece.kind == "image":
                self.links.append(
                    LinkFact(
                        kind="image",
                        target=piece.href,
                        text=piece.content,
                        line=piece.line,
                        column=self._column(piece),
                    )
                )
            elif piece.kind == "html":
                self._html_links(piece.content, piece.line)
            elif piece.kind in ("text", "code"):
                if text_of_link is not None:
                    text_of_link.append(piece.content)
                elif piece.kind == "text":
                    self._text_links(piece.content, piece.line)

    def _text_links(self, text: str, line: int) -> None:
        if "[[" in text:
            for match in _WIKILINK_RE.finditer(text):
                target = match.group(2) + (match.group(3) or "")
                kind = "embed" if match.group(1) else "wikilink"
                col = self._find_col(line, match.group(0))
                self.links.append(
                    LinkFact(kind=kind, target=target, text=match.group(4) or "", line=line, column=col)
                )
        if "](" in text:
            for match in _RAW_LOCAL_LINK_RE.finditer(text):
                col = self._find_col(line, match.group(3))
                kind = "image" if match.group(1) else "link"
                self.links.append(
                    LinkFact(kind=kind, target=match.group(3), line=line, column=col, text=match.group(2))
                )
        if "://" in text or (":" in text and _SCRIPT_SCHEME_RE.search(text)):
            for match in _BARE_URL_RE.finditer(text):
                url = match.group(0).rstrip(_TRAILING_PUNCT)
                col = self._find_col(line, url)
                self.links.append(LinkFact(kind="bare_url", target=url, line=line, column=col))

    def _html_links(self, html: str, line: int) -> None:
        for tag in _HTML_TAG_RE.finditer(html):
            tag_line = line + html.count("\n", 0, tag.start())
            name = tag.group(1).lower()
            for attr in _HTML_ATTR_RE.finditer(tag.group(0)):
                key = attr.group(1).lower()
                value = attr.group(2) if attr.group(2) is not None else attr.group(3)
                if value is None:
                    value = attr.group(4) or ""
                if key in ("name", "id"):
                    self.html_anchors.append(value)
                elif key == "src" and name == "img":
                    col = self._find_col(tag_line, value)
                    self.links.append(LinkFact(kind="html_img", target=value, line=tag_line, column=col))
                elif key == "href" and name == "a":
                    col = self._find_col(tag_line, value)
                    self.links.append(LinkFact(kind="html_a", target=value, line=tag_line, column=col))

    def _column(self, piece: Inline) -> int:
        return self._find_col(piece.line, piece.href) if piece.href else 1

    def _find_col(self, line: int, needle: str) -> int:
        """The column of ``needle`` on ``line``, after the links already found there (links come in order)."""
        if 0 < line <= len(self.lines) and needle:
            start = self._cursor.get((line, needle), 0)
            found = self.lines[line - 1].find(needle, start)
            if found < 0 and start:
                found = self.lines[line - 1].find(needle)
            if found >= 0:
                self._cursor[(line, needle)] = found + len(needle)
                return found + 1
        return 1

    def finish(self) -> ParsedText:
        code_lines = frozenset(self.code_lines)
        underlines = frozenset(
            b.end_line + 1
            for b in self.blocks
            if b.kind == "heading" and b.end_line < len(self.lines) and _is_underline(self.lines[b.end_line])
        )
        conflicts = scan_conflicts(self.lines, code_lines, underlines)
        marker_lines = frozenset(
            n
            for region in conflicts
            for n in (region.start, region.base, region.middle, region.end)
            if n is not None
        )
        headings: list[HeadingFact] = []
        slugger = Slugger()
        for block in self.blocks:
            if block.kind != "heading":
                continue
            if any(n in marker_lines for n in range(block.line, block.end_line + 1)):
                continue  # "<<<<<<< HEAD\ntext\n=======" reads as a setext heading; it is not one
            text = block.text
            headings.append(
                HeadingFact(
                    level=block.level,
                    line=block.line,
                    text=text,
                    raw=block.content,
                    anchor=slugger.slug(text),
                    in_conflict=conflict_side(conflicts, block.line) is not None,
                )
            )
        return ParsedText(
            lines=self.lines,
            blocks=self.blocks,
            headings=headings,
            links=self.links,
            html_anchors=self.html_anchors,
            code_lines=code_lines,
            conflicts=conflicts,
            marker_lines=marker_lines,
            front_matter=self.front,
            empty_todos=self.empty_todos,
        )


class _PyWalker(BaseWalker):
    def walk(self, tokens: Sequence[Token]) -> ParsedText:
        list_depth = 0
        quote_depth = 0
        ordered_stack: list[bool] = []
        pending_item: int | None = None
        heading_level = 0
        for index, token in enumerate(tokens):
            kind = token.type
            if kind == "bullet_list_open" or kind == "ordered_list_open":
                list_depth += 1
                ordered_stack.append(kind == "ordered_list_open")
            elif kind == "bullet_list_close" or kind == "ordered_list_close":
                list_depth -= 1
                ordered_stack.pop()
            elif kind == "list_item_open":
                pending_item = token.map[0] + 1 if token.map else None
            elif kind == "list_item_close":
                pending_item = None  # an empty item must not hand its line to the next block
            elif kind == "blockquote_open":
                quote_depth += 1
            elif kind == "blockquote_close":
                quote_depth -= 1
            elif kind == "heading_open":
                heading_level = int(token.tag[1:])
            elif kind == "inline" and token.map is not None:
                parent = tokens[index - 1].type if index else ""
                block_kind: Literal["heading", "paragraph", "table"] = (
                    "heading"
                    if parent == "heading_open"
                    else "paragraph"
                    if parent == "paragraph_open"
                    else "table"
                )
                block = Block(
                    kind=block_kind,
                    line=token.map[0] + 1,
                    end_line=token.map[1],
                    level=heading_level if block_kind == "heading" else 0,
                    list_depth=list_depth,
                    item_line=pending_item if block_kind != "table" else None,
                    ordered=bool(ordered_stack and ordered_stack[-1]),
                    in_quote=quote_depth > 0,
                    content=token.content,
                )
                self.add_inline_block(block, self._inlines(token), item=pending_item is not None)
                if block_kind != "table":
                    pending_item = None
            elif kind in ("fence", "code_block", "html_block") and token.map is not None:
                start, end = token.map
                is_code = kind != "html_block"
                leaf = Block(
                    kind="code" if is_code else "html",
                    line=start + 1,
                    end_line=end,
                    list_depth=list_depth,
                    item_line=pending_item,
                    in_quote=quote_depth > 0,
                    content=token.content,
                )
                (self.add_code_block if is_code else self.add_html_block)(leaf)
                pending_item = None
            elif kind == "hr" and token.map is not None:
                self.blocks.append(
                    Block(
                        kind="hr",
                        line=token.map[0] + 1,
                        end_line=token.map[1],
                        list_depth=list_depth,
                        in_quote=quote_depth > 0,
                    )
                )
        return self.finish()

    def _inlines(self, token: Token) -> list[Inline]:
        assert token.map is not None
        line = token.map[0] + 1
        out: list[Inline] = []
        for child in token.children or ():
            kind = child.type
            if kind in ("text", "text_special"):
                out.append(Inline("text", child.content, line))
            elif kind == "code_inline":
                out.append(Inline("code", child.content, line))
            elif kind in ("softbreak", "hardbreak"):
                out.append(Inline("break", "\n", line))
                line += 1
            elif kind == "link_open":
                href = str(child.attrs.get("href", ""))
                out.append(Inline("link_open", "", line, href))
            elif kind == "link_close":
                out.append(Inline("link_close", "", line))
            elif kind == "image":
                src = str(child.attrs.get("src", ""))
                out.append(Inline("image", child.content, line, src))
            elif kind == "html_inline":
                out.append(Inline("html", child.content, line))
                line += child.content.count("\n")
        return out
