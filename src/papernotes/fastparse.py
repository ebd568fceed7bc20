"""The fast parse: markdown-it-pyrs (a Rust port of the markdown-it algorithm) walked into the same facts.

markdown-it-py stays the reference: ``tests/test_fastparse.py`` proves on generated, real-shaped and hostile
documents that this walk yields the same blocks, links, headings and anchors. Where the Rust parser cannot be
trusted to agree — it panics on some inputs, and it nests deeper than markdown-it-py allows — ``walk_rs``
returns ``None`` and the caller parses with the reference.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections.abc import Iterator
from functools import cache
from typing import Any, Literal
from urllib.parse import unquote

from papernotes.fastguard import deeply_nested, known_divergence, quiet_stderr
from papernotes.model import FrontMatter
from papernotes.parsing import BaseWalker, Block, Inline, ParsedText

__all__ = ["walk_rs"]

# markdown-it-py's commonmark preset stops nesting at 20 levels of open tokens; beyond a tree depth of 18 the
# two parsers may disagree, so such (rare, usually hostile) documents go to the reference parser.
MAX_DEPTH = 18
_BLOCK_NODES = frozenset(
    {
        "paragraph",
        "heading",
        "lheading",
        "bullet_list",
        "ordered_list",
        "blockquote",
        "fence",
        "code_block",
        "html_block",
        "hr",
        "table",
        "definition",
        "list_item",
    }
)


class _Fallback(Exception):
    """This document is for the reference parser."""


@cache
def _md() -> Any:
    import markdown_it_pyrs

    return markdown_it_pyrs.MarkdownIt("commonmark").enable_many(["table", "strikethrough"])


def walk_rs(
    body: str, lines: list[str], front: FrontMatter | None, *, lean: bool = False
) -> ParsedText | None:
    """The facts of ``body`` by markdown-it-pyrs, or None when the reference parser must read it.

    ``lean`` leaves out of ``blocks`` the paragraphs and table cells that cannot hold a link, an anchor or a
    TODO (no markup character, no colon): the other facts are the same, and lint's notes need no more.
    """
    if known_divergence(lines) or deeply_nested(lines):
        return None
    try:
        with quiet_stderr():
            tree = _md().tree(body)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # pyo3's PanicException derives from BaseException
        return None
    walker = _RsWalker(lines, front, body, lean=lean)
    try:
        walker.walk(tree)
    except (_Fallback, RecursionError):
        return None
    return walker.finish()


class _RsWalker(BaseWalker):
    def __init__(self, lines: list[str], front: FrontMatter | None, body: str, *, lean: bool = False) -> None:
        super().__init__(lines, front)
        self.lean = lean
        self.source = body.encode("utf-8")
        starts = [0]
        find = self.source.find
        at = find(b"\n")
        while at >= 0:
            starts.append(at + 1)
            at = find(b"\n", at + 1)
        self.starts = starts
        self.pending_item: int | None = None

    def _inert(self, start: int, end: int) -> bool:
        """In a lean walk, whether these bytes can be left out: nothing in them can be a fact."""
        return self.lean and _INERT_RE.search(self.source, start, end) is None

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset)

    def text_of(self, start: int, end: int) -> str:
        return self.source[start:end].decode("utf-8", "replace")

    # -- blocks ---------------------------------------------------------------------------------------------

    def walk(self, root: Any) -> None:
        # (node, depth, list_depth, ordered, quote_depth); None marks the end of a list item.
        stack: list[tuple[Any, int, int, bool, int] | None] = [
            (child, 1, 0, False, 0) for child in reversed(root.children)
        ]
        while stack:
            entry = stack.pop()
            if entry is None:
                self.pending_item = None
                continue
            node, depth, list_depth, ordered, quote = entry
            if depth > MAX_DEPTH:
                raise _Fallback
            name = node.name
            if name in ("paragraph", "heading", "lheading"):
                self._inline_block(node, name, list_depth, ordered, quote)
            elif name in ("bullet_list", "ordered_list"):
                is_ordered = name == "ordered_list"
                stack.extend(
                    (child, depth + 1, list_depth + 1, is_ordered, quote) for child in reversed(node.children)
                )
            elif name == "list_item":
                item_start, item_end = node.srcmap
                self.pending_item = self.line_of(item_start)
                stack.append(None)
                children = node.children
                groups = self._item_groups(children)
                for group in reversed(groups):
                    if isinstance(group, list):
                        loose = _Loose(group, item_end, self._inert(item_start, item_end))
                        stack.append((loose, depth + 1, list_depth, ordered, quote))
                    else:
                        stack.append((group, depth + 1, list_depth, ordered, quote))
            elif name == "_loose":
                if node.inert:
                    self._take_item()
                    continue
                self._tight_paragraph(node.nodes, node.end, list_depth, ordered, quote)
            elif name == "blockquote":
                stack.extend(
                    (child, depth + 1, list_depth, ordered, quote + 1) for child in reversed(node.children)
                )
            elif name in ("fence", "code_block"):
                start, end = node.srcmap
                content = self._block_content(node, end) if name == "fence" else _code_content(node)
                line = self.line_of(start)
                # An unclosed fence runs to the end of the document, blank lines included.
                last = max(self.line_of(max(end - 1, start)), line + content.count("\n") * (name == "fence"))
                self.add_code_block(
                    Block(
                        kind="code",
                        line=line,
                        end_line=min(last, len(self.lines)),
                        list_depth=list_depth,
                        item_line=self._take_item(),
                        in_quote=quote > 0,
                        content=content,
                    )
                )
            elif name == "html_block":
                start, end = node.srcmap
                self.add_html_block(
                    Block(
                        kind="html",
                        line=self.line_of(start),
                        end_line=self.line_of(max(end - 1, start)),
                        list_depth=list_depth,
                        item_line=self._take_item(),
                        in_quote=quote > 0,
                        content=self._block_content(node, end),
                    )
                )
            elif name == "hr":
                start, end = node.srcmap
                self.blocks.append(
                    Block(
                        kind="hr",
                        line=self.line_of(start),
                        end_line=self.line_of(max(end - 1, start)),
                        list_depth=list_depth,
                        in_quote=quote > 0,
                    )
                )
            elif name == "table":
                self._table(node, depth, list_depth, ordered, quote)
            elif name == "definition":
                continue
            else:
                stack.extend(
                    (child, depth + 1, list_depth, ordered, quote) for child in reversed(node.children)
                )

    @staticmethod
    def _item_groups(children: Any) -> list[Any]:
        """A tight list item holds inline nodes directly: group each run of them as one paragraph."""
        groups: list[Any] = []
        run: list[Any] = []
        for child in children:
            if child.name in _BLOCK_NODES:
                if run:
                    groups.append(run)
                    run = []
                groups.append(child)
            else:
                run.append(child)
        if run:
            groups.append(run)
        return groups

    def _block_content(self, node: Any, end: int) -> str:
        """markdown-it-pyrs ends a block's content with a newline even on a last line that has none."""
        content: str = node.meta.get("content", "")
        if content.endswith("\n") and end >= len(self.source) and not self.source.endswith(b"\n"):
            return content[:-1]
        return content

    def _check_tabs(self, block: Block) -> None:
        """markdown-it-pyrs maps text after a tab inside lists and quotes a few bytes off: leave those to the
        reference parser."""
        if (block.list_depth or block.in_quote) and any(
            "\t" in line for line in self.lines[block.line - 1 : block.end_line]
        ):
            raise _Fallback

    def _take_item(self) -> int | None:
        item, self.pending_item = self.pending_item, None
        return item

    def _inline_block(self, node: Any, name: str, list_depth: int, ordered: bool, quote: int) -> None:
        start, end = node.srcmap
        if name == "paragraph" and self._inert(start, end):
            self._take_item()
            return
        children = node.children
        is_heading = name != "paragraph"
        if name == "lheading" and children:
            # markdown-it-py's map of a setext heading stops before its underline
            end = _span(children, end)[1]
        item = self._take_item()
        block = Block(
            kind="heading" if is_heading else "paragraph",
            line=self.line_of(start),
            end_line=self.line_of(max(end - 1, start)),
            level=int(node.meta.get("level", 0)) if is_heading else 0,
            list_depth=list_depth,
            item_line=item,
            ordered=ordered,
            in_quote=quote > 0,
        )
        block.content = self._content(block, atx=name == "heading")
        self._check_tabs(block)
        self._add_text(block, children, item=item is not None)

    def _tight_paragraph(
        self, nodes: list[Any], limit: int, list_depth: int, ordered: bool, quote: int
    ) -> None:
        start, end = _span(nodes, limit)
        item = self._take_item()
        block = Block(
            kind="paragraph",
            line=item if item is not None else self.line_of(start),
            end_line=self.line_of(max(end - 1, start)),
            list_depth=list_depth,
            item_line=item,
            ordered=ordered,
            in_quote=quote > 0,
        )
        block.content = self._content(block, atx=False)
        self._check_tabs(block)
        self._add_text(block, nodes, item=item is not None)

    def _add_text(self, block: Block, nodes: Any, *, item: bool) -> None:
        """A block of inline text: its pieces read from its source when it holds no markup, else walked."""
        plain = _plain_inlines(block.content, block.line, self.lines[block.line - 1 : block.end_line])
        if plain is not None:
            self.add_plain_block(block, plain)
        else:
            self.add_inline_block(block, self._inlines(nodes, block.line), item=item)

    def _content(self, block: Block, *, atx: bool) -> str:
        """The block's inline source as markdown-it-py gives it, rebuilt from its lines (markdown-it-pyrs's
        byte offsets are off inside some emphasis), without list, quote and heading markers."""
        lines = self.lines[block.line - 1 : block.end_line]
        if not lines:
            return ""
        first = _CONTAINER_RE.sub("", lines[0], count=1)
        if atx:
            return _ATX_CLOSE_RE.sub("", _ATX_OPEN_RE.sub("", first, count=1)).strip()
        rest = [self._unquoted_line(line, block.in_quote) for line in lines[1:]]
        return "\n".join([first, *rest])

    @staticmethod
    def _unquoted_line(line: str, in_quote: bool) -> str:
        line = line.lstrip()
        while in_quote and line.startswith(">"):
            line = line[1:].lstrip()
        return line

    def _table(self, node: Any, depth: int, list_depth: int, ordered: bool, quote: int) -> None:
        for section in node.children:
            for row in section.children:
                row_line = self.line_of(row.srcmap[0])
                for cell in row.children:
                    srcmap = cell.srcmap
                    if srcmap and self._inert(srcmap[0], srcmap[1]):
                        continue
                    line = self.line_of(srcmap[0]) if srcmap else row_line
                    # markdown-it-py drops the backslash of an escaped pipe from a cell's content
                    content = self.text_of(srcmap[0], srcmap[1]).replace("\\|", "|") if srcmap else ""
                    block = Block(
                        kind="table",
                        line=line,
                        end_line=line,
                        list_depth=list_depth,
                        ordered=ordered,
                        in_quote=quote > 0,
                        content=content,
                    )
                    self._add_text(block, cell.children, item=False)

    # -- inlines --------------------------------------------------------------------------------------------

    def _inlines(self, nodes: Any, line: int) -> list[Inline]:
        """Inline pieces; lines counted from the block's first line by breaks, as markdown-it-py does."""
        out: list[Inline] = []
        stack: list[Any] = list(reversed(nodes))
        while stack:
            node = stack.pop()
            if node is _CLOSE:
                out.append(Inline("link_close", "", line))
                continue
            name = node.name
            if name in ("text", "text_special"):
                out.append(Inline("text", node.meta.get("content", ""), line))
            elif name in ("softbreak", "hardbreak"):
                out.append(Inline("break", "\n", line))
                line += 1
            elif name == "code_inline":
                out.append(Inline("code", self._code_span(node), line))
            elif name in ("link", "autolink"):
                out.append(
                    Inline("link_open", "", line, self._raw_url(node.meta.get("url", ""), node.srcmap))
                )
                stack.append(_CLOSE)
                stack.extend(reversed(node.children))
            elif name == "image":
                alt = "".join(self._plain(node))
                out.append(Inline("image", alt, line, self._raw_url(node.meta.get("url", ""), node.srcmap)))
            elif name == "html_inline":
                content = node.meta.get("content", "")
                out.append(Inline("html", content, line))
                line += content.count("\n")
            else:
                stack.extend(reversed(node.children))
        return out

    def _code_span(self, node: Any) -> str:
        content = "".join(c.meta.get("content", "") for c in node.children)
        if content.strip() or not node.srcmap:
            return content
        # A span of spaces only keeps them all (CommonMark 6.1); markdown-it-pyrs strips one on each side.
        marker = int(node.meta.get("marker_len", 1))
        raw = self.text_of(*node.srcmap)
        return raw[marker:-marker].replace("\n", " ") if len(raw) >= 2 * marker else content

    def _plain(self, node: Any) -> Iterator[str]:
        stack = list(reversed(node.children))
        while stack:
            child = stack.pop()
            if child.name in ("text", "text_special"):
                yield child.meta.get("content", "")
            elif child.name in ("softbreak", "hardbreak"):
                yield "\n"
            elif child.name == "image":
                yield from self._plain(child)
            else:
                stack.extend(reversed(child.children))

    def _raw_url(self, url: str, srcmap: Any) -> str:
        """The target as written: markdown-it-pyrs percent-encodes it, markdown-it-py (as configured) not.

        Each percent-encoded character of the parser's URL matches itself or its encoding in the link's
        source, so a target written half encoded (``a%20b.md#实验``) comes back as written.
        """
        if "%" not in url or not srcmap:
            return url
        written = self.text_of(srcmap[0], srcmap[1])
        if "&" in written:
            written = html.unescape(written)
        if url in written:
            return url
        decoded = unquote(url)
        if decoded in written:
            return decoded
        # The last match: the destination comes after the link's text.
        matches = [m.group(0) for m in _encoded_pattern(url).finditer(written)]
        return matches[-1] if matches else url


_PERCENT_RUN_RE = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def _encoded_pattern(url: str) -> re.Pattern[str]:
    """The ways ``url`` can be written: each percent-encoded character as it is or decoded."""
    parts: list[str] = []
    last = 0
    for run in _PERCENT_RUN_RE.finditer(url):
        parts.append(re.escape(url[last : run.start()]))
        data = bytes.fromhex(run.group(0).replace("%", ""))
        at = 0
        while at < len(data):
            for size in (1, 2, 3, 4):  # one UTF-8 character's bytes
                try:
                    char = data[at : at + size].decode("utf-8")
                except UnicodeDecodeError:
                    continue
                encoded = run.group(0)[3 * at : 3 * (at + size)]
                parts.append("(?:(?i:" + re.escape(encoded) + ")|" + re.escape(char) + ")")
                at += size
                break
            else:
                parts.append(f"(?i:{re.escape(run.group(0)[3 * at : 3 * at + 3])})")
                at += 1
        last = run.end()
    parts.append(re.escape(url[last:]))
    return re.compile("".join(parts))


# Characters that can start inline markup (code, emphasis, links, images, autolinks, HTML, escapes, entities),
# and whitespace both parsers may keep inside text (tabs, no-break and ideographic spaces): a block of text
# without any of them is plain text, line by line, whatever the parser.
_MARKUP_RE = re.compile(r"[\[\]<`!\\&*_~]|[^\S \n]")
_ODD_SPACE_RE = re.compile(r"[^\S ]")
# What a lean walk keeps a text block for: inline markup, or a colon (bare URLs and script schemes).
_INERT_RE = re.compile(rb"[\[\]<`!\\&*_~:]")


def _plain_inlines(content: str, line: int, raw: list[str]) -> list[Inline] | None:
    """The inline pieces of a block's source that holds no inline markup, without walking its nodes: four
    inline blocks in five of real notes (and each node visited costs a Python object built by the parser).
    ``content`` has lost its indentation, so the block's ``raw`` lines are checked for odd spaces too."""
    if (
        content.count("\n") >= len(raw)  # more lines than its source: not text read line by line
        or _MARKUP_RE.search(content) is not None
        or any(_ODD_SPACE_RE.search(r) for r in raw)
    ):
        return None
    out: list[Inline] = []
    for number, text in enumerate(content.split("\n")):
        if number:
            out.append(Inline("break", "\n", line))
            line += 1
        text = text.strip(" ")
        if text:
            out.append(Inline("text", text, line))
    return out


# Container markers before a paragraph's or heading's first line: quotes, list items (nested on one line too).
_CONTAINER_RE = re.compile(r"^(?:\s*(?:>|[-*+](?=\s|$)|\d{1,9}[.)](?=\s|$)))*\s*")
_ATX_OPEN_RE = re.compile(r"^#{1,6}(?=\s|$)")
_ATX_CLOSE_RE = re.compile(r"(?:^|\s+)#+\s*$")
_CLOSE = object()  # marks where a link's children end, on the inline walk's stack


class _Loose:
    """A run of inline nodes directly under a tight list item, walked as one paragraph."""

    name: Literal["_loose"] = "_loose"

    def __init__(self, nodes: list[Any], end: int, inert: bool) -> None:
        self.nodes = nodes
        self.end = end  # the list item's end: no inline node of it ends later
        self.inert = inert  # the whole item holds nothing a lean walk keeps


def _span(nodes: list[Any], limit: int) -> tuple[int, int]:
    """Byte span of inline nodes; markdown-it-pyrs maps some emphasis wrongly, so its children count too, and
    the text before a hard break may run past it: no node ends after the next one starts, nor after the block
    (``limit``)."""
    starts: list[int] = []
    ends: list[int] = []
    for siblings in (nodes, *(node.children for node in nodes)):
        following = limit
        for item in reversed(siblings):
            srcmap = item.srcmap
            if srcmap:
                starts.append(srcmap[0])
                ends.append(min(srcmap[1], max(following, srcmap[0])))
                following = srcmap[0]
    return (min(starts), min(max(ends), limit)) if starts else (0, 0)


def _code_content(node: Any) -> str:
    """An indented code block ends at its last non-blank line in markdown-it-py."""
    content: str = node.meta.get("content", "")
    lines = content.split("\n")
    while len(lines) > 1 and not lines[-2].strip() and lines[-1] == "":
        lines.pop()
        lines[-1] = ""
    return "\n".join(lines)
