"""One entry's record: what its head gives, what its body adds, and the ids and date read from them. No I/O.

``EntryBuilder`` starts an entry from its head (``entryhead.Head``), joining a title broken over two lines,
then takes the blocks of its body one by one: lines that are only a paper link become URLs, sub-list items
become bullets, other lines and the entry's own sub-headings become text, images (Markdown or ``<img>``)
become figures. ``finalize_ids`` fills the ids and the date once the entry is complete. Which blocks belong to
which entry is the caller's business (``entries``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from papernotes.entryhead import GENERIC_LINK_TEXT_RE, URL_LABEL_RE, Head, is_url, link_text, read_head
from papernotes.ids import arxiv_date, find_ids, id_from_url
from papernotes.model import Bullet, Entry, Figure, Malformation, SourceSpan
from papernotes.parsing import Block, Inline, ParsedText, conflict_side
from papernotes.titles import split_title

__all__ = ["Draft", "EntryBuilder", "finalize_ids"]

_URL_RE = re.compile(r"^(?:https?|ftp)://\S+$")
_BROKEN_LINK_TAIL_RE = re.compile(r"^(.*?)\]\(([^()\s]*)\)")
_IMG_SRC_RE = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_COMMENT_RE = re.compile(r"\s*<!--.*?-->\s*", re.DOTALL)


@dataclass
class Draft:
    """An entry under construction."""

    entry: Entry
    base_depth: int
    first_block: int
    skip_lines: set[int] = field(default_factory=set)


class EntryBuilder:
    """Entries of one parsed index file, built from their heads and body blocks."""

    def __init__(self, parsed: ParsedText, path: str) -> None:
        self.parsed = parsed
        self.path = path

    def start_heading_entry(self, head: Head, category: list[str]) -> Draft:
        entry = self._entry(head, category, kind="heading", level=head.level)
        draft = Draft(entry=entry, base_depth=0, first_block=head.index)
        self._recover_broken_title(head, draft)
        return draft

    def start_list_entry(self, block: Block, index: int, category: list[str]) -> Draft:
        head = read_head(block, index)
        entry = self._entry(head, category, kind="list", level=block.list_depth - 1)
        return Draft(entry=entry, base_depth=block.list_depth, first_block=index)

    def _entry(self, head: Head, category: list[str], *, kind: str, level: int) -> Entry:
        block = head.block
        parts = head.parts
        note: str | None = None
        urls: list[str] = []
        if head.link is not None:
            if is_url(head.link):
                urls.append(head.link)
            else:
                note = head.link
        urls.extend(head.extra_urls)
        entry = Entry(
            title=parts.title,
            raw_title=head.title_text,
            translation=parts.translation,
            prefix=parts.prefix.raw,
            venue=parts.prefix.venue or parts.suffix_venue,
            suffix=parts.suffix,
            category=category,
            kind="heading" if kind == "heading" else "list",
            level=level,
            note=note,
            note_line=head.link_line if note is not None else None,
            urls=urls,
            todo="open" if head.todo == "open" else "done" if head.todo == "done" else None,
            conflict=conflict_side(self.parsed.conflicts, block.line),
            span=SourceSpan(file=self.path, line=block.line, end_line=block.end_line),
            malformations=list(head.problems),
        )
        if parts.prefix.kind == "invalid" and parts.prefix.problem:
            entry.malformations.append(
                Malformation(kind="invalid-prefix", message=parts.prefix.problem, line=block.line)
            )
        return entry

    def _recover_broken_title(self, head: Head, draft: Draft) -> None:
        """``## [Title start`` + next line ``title end](target)``: a title broken over two lines."""
        title = head.title_text
        if head.link is not None or not title.startswith("[") or title.count("[") <= title.count("]"):
            return
        next_line = head.block.end_line + 1
        lines = self.parsed.lines
        if next_line > len(lines):
            return
        match = _BROKEN_LINK_TAIL_RE.match(lines[next_line - 1].strip())
        if match is None:
            return
        entry = draft.entry
        joined = f"{head.title_text} {match.group(1).strip()}]"
        parts = split_title(joined)
        entry.title = parts.title
        entry.raw_title = joined
        entry.translation = parts.translation
        entry.suffix = parts.suffix
        entry.venue = parts.prefix.venue or parts.suffix_venue
        target = match.group(2)
        if is_url(target):
            entry.urls.append(target)
        else:
            entry.note, entry.note_line = target, next_line
        entry.malformations = [m for m in entry.malformations if m.kind != "unbalanced-bracket"] + [
            Malformation(
                kind="broken-title",
                message=f"the title is broken across lines {head.block.line}-{next_line}; join them",
                line=head.block.line,
            )
        ]
        entry.span = SourceSpan(file=self.path, line=entry.span.line, end_line=next_line)
        draft.skip_lines.add(next_line)

    def add_body(self, draft: Draft, block: Block, head: Head | None) -> None:
        entry = draft.entry
        if block.kind == "html" and _only_comments(block.content):
            return  # a pragma or TOC marker introduces what follows; it is not part of this entry
        entry.span = SourceSpan(
            file=self.path, line=entry.span.line, end_line=max(entry.span.end_line, block.end_line)
        )
        if head is not None:  # a sub-heading of the entry's own notes
            entry.text.append(Bullet(text=head.block.content.strip(), depth=0, line=block.line))
            return
        if block.kind == "html":
            for src in _html_img_srcs(block.content):
                entry.figures.append(Figure(src=src, line=block.line))
            return
        if block.kind not in ("paragraph", "table"):
            return
        depth = block.list_depth - draft.base_depth - 1
        lines = _split_lines(block.inlines)
        bullet_parts: list[str] = []
        for number, pieces in lines:
            if number in draft.skip_lines or number in self.parsed.marker_lines:
                continue
            for piece in pieces:
                if piece.kind == "image":
                    entry.figures.append(Figure(src=piece.href, alt=piece.content, line=piece.line))
            url = _url_of_line(pieces)
            if url is not None and (block.item_line is None or number == block.line):
                entry.urls.append(url)
                continue
            text = _plain(pieces).strip()
            if not text:
                continue
            if block.item_line is not None and depth >= 0:
                bullet_parts.append(text)
            else:
                entry.text.append(Bullet(text=text, depth=max(depth, 0), line=number))
        if bullet_parts:
            text = " ".join(bullet_parts)
            if text not in ("[ ]", "[x]", "[X]"):
                entry.bullets.append(Bullet(text=text, depth=depth, line=block.line))


def finalize_ids(entry: Entry) -> None:
    """Fill ``ids`` and ``date`` from the prefix, the links and the URL lines (in that order of trust)."""
    parts = split_title(entry.raw_title)
    ids = []
    if parts.prefix.arxiv is not None:
        ids.append(parts.prefix.arxiv)
    for url in entry.urls:
        pid = id_from_url(url)
        if pid is not None:
            ids.append(pid)
    if entry.note and not any(i.scheme == "arxiv" for i in ids):
        name = entry.note.rsplit("/", 1)[-1]
        ids.extend(i for i in find_ids(name) if i.scheme == "arxiv")
    seen: set[str] = set()
    entry.ids = [i for i in ids if not (i.key in seen or seen.add(i.key))]  # type: ignore[func-returns-value]
    prefix = parts.prefix
    arxiv = entry.arxiv
    yymm = arxiv.value[:4] if arxiv is not None and arxiv.value[:4].isdigit() else None
    if prefix.kind == "yyyy" and prefix.raw == yymm and arxiv is not None:
        ym = arxiv_date(arxiv)  # "2001" before 2001.17838 is the id's YYMM, not the year 2001
        if ym is not None:
            entry.date, entry.date_source = f"{ym[0]}-{ym[1]:02d}", "prefix"
    elif prefix.year is not None and prefix.kind not in (None, "invalid", "arxiv"):
        entry.date = f"{prefix.year}-{prefix.month:02d}" if prefix.month else str(prefix.year)
        entry.date_source = "prefix"
    elif entry.arxiv is not None:
        ym = arxiv_date(entry.arxiv)
        if ym is not None:
            entry.date = f"{ym[0]}-{ym[1]:02d}"
            entry.date_source = "id"
    elif parts.suffix_year is not None:
        entry.date = str(parts.suffix_year)
        entry.date_source = "suffix"


def _split_lines(inlines: Sequence[Inline]) -> list[tuple[int, list[Inline]]]:
    lines: list[tuple[int, list[Inline]]] = []
    current: list[Inline] = []
    line = inlines[0].line if inlines else 0
    for piece in inlines:
        if piece.kind == "break":
            lines.append((line, current))
            current = []
            line = piece.line + 1
            continue
        current.append(piece)
    lines.append((line, current))
    return lines


def _plain(pieces: Sequence[Inline]) -> str:
    out: list[str] = []
    for piece in pieces:
        if piece.kind in ("text", "code"):
            out.append(piece.content)
    return "".join(out)


def _url_of_line(pieces: Sequence[Inline]) -> str | None:
    """The URL when a line is only a paper link: a bare URL, ``URL: https://...``, ``[paper](https://...)``."""
    links = [p for p in pieces if p.kind == "link_open"]
    text = _plain(pieces).strip()
    if not links:
        stripped = URL_LABEL_RE.sub("", text)
        if _URL_RE.match(stripped):
            return stripped
        return None
    if len(links) != 1:
        return None
    href = links[0].href
    text_of_link = link_text(pieces, links[0])
    outside = text.replace(text_of_link, "", 1).strip() if text_of_link else text
    if not is_url(href) or (outside and not URL_LABEL_RE.match(outside + ":")):
        return None
    if text_of_link == href or GENERIC_LINK_TEXT_RE.match(text_of_link) or not text_of_link:
        return href
    return None


def _html_img_srcs(html: str) -> list[str]:
    return [m.group(1) or m.group(2) or m.group(3) or "" for m in _IMG_SRC_RE.finditer(html)]


def _only_comments(html: str) -> bool:
    return not _COMMENT_RE.sub("", html).strip()
