"""Blocks of an index file -> categories and paper entries.

How people write indexes (see FIELD-GUIDE.md): entries are headings at any level, or list items; categories
are the plain headings above them (or a paragraph that is only bold text, faking one). A heading is an entry
when it looks like one (a link, brackets, an id/date prefix, an ``(Org/Year)`` suffix, a list marker or
checkbox), or when it is a plain heading with nothing nested under it whose text reads like a paper title. A
category reaches until the next category at its level or above: entries never close categories (the seed's
``## 应用`` holds ``####`` and ``##`` entries alike).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from papernotes.ids import arxiv_date, find_ids, id_from_url
from papernotes.model import Bullet, Entry, Figure, Malformation, Section, SourceSpan
from papernotes.parsing import Block, Inline, ParsedText, conflict_side
from papernotes.titles import TitleParts, split_title

__all__ = ["IndexParse", "extract_entries"]

_URL_RE = re.compile(r"^(?:https?|ftp)://\S+$")
_URL_LABEL_RE = re.compile(
    r"^(?:url|link|paper|pdf|arxiv|code|论文|链接|原文|地址|网址)\s*[:：]\s*", re.IGNORECASE
)
# Link texts that mean "here is the paper", not "here is a paper called ...".
_GENERIC_LINK_TEXT_RE = re.compile(
    r"^\W*(?:link(?: to (?:the )?paper)?|paper|pdf|arxiv|abs|abstract|url|code|github|project|"
    r"homepage|openreview|acl|doi|论文|链接|原文|地址|代码|项目)\W*$",
    re.IGNORECASE,
)
_CHECKBOX_RE = re.compile(r"^\[([ xX])\]\s*")
_LIST_MARKER_RE = re.compile(r"^(?:[-*+]|\d{1,3}[.)])\s+")
_BROKEN_LINK_TAIL_RE = re.compile(r"^(.*?)\]\(([^()\s]*)\)")
_LATIN_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9'’\-]*")
_PAPER_HOSTS = (
    "arxiv.org",
    "openreview.net",
    "aclanthology.org",
    "aclweb.org",
    "doi.org",
    "papers.nips.cc",
    "proceedings.neurips.cc",
    "proceedings.mlr.press",
    "dl.acm.org",
    "ieeexplore.ieee.org",
    "openaccess.thecvf.com",
    "semanticscholar.org",
    "link.springer.com",
    "arxiv-vanity.com",
    "ar5iv",
)


@dataclass
class IndexParse:
    title: str | None
    sections: list[Section]
    entries: list[Entry]


@dataclass
class _Head:
    """What one heading (or fake bold heading) says about itself."""

    block: Block
    index: int  # position in blocks
    level: int
    title_text: str
    link: str | None
    link_line: int
    extra_urls: list[str]
    parts: TitleParts
    problems: list[Malformation]
    todo: str | None
    entry_like: bool
    fake: bool = False
    role: str = ""  # "title" | "category" | "entry" | "body"


@dataclass
class _Acc:
    """An entry under construction."""

    entry: Entry
    base_depth: int
    first_block: int
    skip_lines: set[int] = field(default_factory=set)


def extract_entries(parsed: ParsedText, path: str) -> IndexParse:
    return _Extractor(parsed, path).run()


class _Extractor:
    def __init__(self, parsed: ParsedText, path: str) -> None:
        self.parsed = parsed
        self.path = path
        self.blocks = [b for b in parsed.blocks if not self._is_marker_block(b)]
        self.heads: dict[int, _Head] = {}
        self.list_candidates: set[int] = set()

    def _is_marker_block(self, block: Block) -> bool:
        markers = self.parsed.marker_lines
        if not markers:
            return False
        return all(n in markers for n in range(block.line, block.end_line + 1)) or (
            block.kind == "heading" and any(n in markers for n in range(block.line, block.end_line + 1))
        )

    # -- classification --------------------------------------------------------------------------

    def run(self) -> IndexParse:
        for i, block in enumerate(self.blocks):
            if block.kind == "heading" and not block.in_quote and block.list_depth == 0:
                self.heads[i] = self._head(block, i)
            elif block.kind == "paragraph" and self._is_fake_heading(block):
                head = self._head(block, i, level=7)
                head.fake = True
                head.entry_like = False
                self.heads[i] = head
            elif block.kind == "paragraph" and block.item_line is not None and self._list_candidate(block):
                self.list_candidates.add(i)
        self._classify()
        return self._assemble()

    @staticmethod
    def _is_fake_heading(block: Block) -> bool:
        content = block.content.strip()
        return (
            block.list_depth == 0
            and "\n" not in content
            and len(content) > 4
            and content.startswith("**")
            and content.endswith("**")
            and content.count("**") == 2
        )

    def _head(self, block: Block, index: int, level: int | None = None) -> _Head:
        problems: list[Malformation] = []
        before: list[str] = []
        inside: list[str] = []
        after: list[str] = []
        link: str | None = None
        link_line = block.line
        extra_urls: list[str] = []
        state = 0  # 0 before the first link, 1 inside it, 2 after it
        for piece in block.inlines:
            if piece.kind == "link_open":
                if state == 0:
                    link, link_line, state = piece.href, piece.line, 1
                elif _is_paper_url(piece.href):
                    extra_urls.append(piece.href)
                continue
            if piece.kind == "link_close":
                if state == 1:
                    state = 2
                continue
            text = piece.content if piece.kind in ("text", "code") else ""
            if piece.kind == "break":
                text = " "
            (before, inside, after)[state].append(text)
        raw_before = "".join(before).lstrip()
        todo: str | None = None
        if _LIST_MARKER_RE.match(raw_before) and block.kind == "heading":
            problems.append(
                Malformation(
                    kind="list-marker-in-heading",
                    message="a list marker inside a heading",
                    line=block.line,
                )
            )
            raw_before = _LIST_MARKER_RE.sub("", raw_before, count=1)
        raw_before = raw_before.strip()
        checkbox = _CHECKBOX_RE.match(raw_before)
        if checkbox:
            todo = "open" if checkbox.group(1) == " " else "done"
            raw_before = raw_before[checkbox.end() :]
            if block.kind == "heading":
                problems.append(
                    Malformation(
                        kind="checkbox-in-heading",
                        message="a checkbox inside a heading",
                        line=block.line,
                    )
                )
        title_text = raw_before
        link_text = "".join(inside).strip()
        if link is not None and raw_before.rstrip("[【( ") and _GENERIC_LINK_TEXT_RE.match(link_text):
            # "Title [[arXiv](url)] [[code](url)]": the title is the text, the links are the paper's URLs.
            if _is_paper_url(link):
                extra_urls.insert(0, link)
            title_text = raw_before.rstrip("[【( ").strip()
            link = None
        elif link is not None:
            title_text = (raw_before + " " + link_text).strip()
            tail = "".join(after).strip()
            if tail and not extra_urls and not tail.startswith("["):
                title_text = f"{title_text} {tail}"
            if link == "" or link.isspace():
                problems.append(
                    Malformation(kind="empty-target", message="the link target is empty: ()", line=block.line)
                )
                link = None
        elif block.kind == "paragraph":
            title_text = raw_before
        if block.kind == "paragraph" and title_text.startswith("**") and title_text.endswith("**"):
            title_text = title_text[2:-2].strip()
        parts = split_title(title_text)
        for problem in parts.problems:
            problems.append(Malformation(kind="unbalanced-bracket", message=problem, line=block.line))
        if not parts.title:
            problems.append(
                Malformation(kind="no-title", message="an entry without a title", line=block.line)
            )
        entry_like = bool(
            link is not None
            or title_text.startswith(("[", "【"))
            # a date alone ("## 2021", "## 202004") heads the papers of that period: a category
            or (parts.prefix.kind is not None and bool(parts.title))
            or parts.suffix
            or todo
            or any(p.kind in ("list-marker-in-heading", "empty-target") for p in problems)
        )
        return _Head(
            block=block,
            index=index,
            level=level if level is not None else block.level,
            title_text=title_text,
            link=link,
            link_line=link_line,
            extra_urls=extra_urls,
            parts=parts,
            problems=problems,
            todo=todo,
            entry_like=entry_like,
        )

    def _list_candidate(self, block: Block) -> bool:
        """A list item that names a paper: a link to a note or a paper page, or a checkbox with a title."""
        content = block.content.lstrip()
        if _CHECKBOX_RE.match(content) and len(content) > 4:
            return True
        first_link = next((p for p in block.inlines if p.kind == "link_open"), None)
        if first_link is None:
            return False
        link_text = _link_text(block.inlines, first_link)
        if not link_text or _GENERIC_LINK_TEXT_RE.match(link_text) or link_text == first_link.href:
            # "- [paper](url)" and "- [arXiv](url)" are URL lines of the entry above, unless a title precedes.
            before = _text_before_first_link(block.inlines).strip()
            return bool(before) and not _URL_LABEL_RE.match(before + ":") and len(before) > 3
        href = first_link.href
        return _is_note_target(href) or _is_paper_url(href) or not href.strip()

    def _classify(self) -> None:
        ordered = sorted(self.heads)
        for pos, i in enumerate(ordered):
            head = self.heads[i]
            if head.entry_like:
                head.role = "entry"
                continue
            # Scope: until the next heading at this level or above.
            end = len(self.blocks)
            for j in ordered[pos + 1 :]:
                if self.heads[j].level <= head.level:
                    end = j
                    break
            has_entries = any(
                (j in self.heads and self.heads[j].entry_like) or j in self.list_candidates
                for j in range(i + 1, end)
            )
            if has_entries:
                head.role = "category"
            elif _looks_like_title(head.title_text) and not head.fake:
                head.role = "entry"
                head.entry_like = True
            else:
                head.role = "category"
        # The first heading is the document's title when it is an H1 that holds no entry directly.
        if ordered:
            first = self.heads[ordered[0]]
            if first.level == 1 and first.role == "category" and not first.fake:
                nxt = next((self.heads[j] for j in ordered[1:]), None)
                direct = nxt is not None and nxt.role == "entry"
                direct = direct or any(
                    j in self.list_candidates
                    for j in range(ordered[0] + 1, ordered[1] if len(ordered) > 1 else len(self.blocks))
                )
                if not direct:
                    first.role = "title"
        # Plain headings inside an entry's body that hold no entries are the entry's own sub-headings.
        current_entry: _Head | None = None
        for i in ordered:
            head = self.heads[i]
            if head.role == "entry":
                current_entry = head
            elif head.role == "category":
                if (
                    current_entry is not None
                    and head.level > current_entry.level
                    and not head.fake
                    and not self._scope_has_entries(i, ordered)
                ):
                    head.role = "body"
                else:
                    current_entry = None
            elif head.role == "title":
                current_entry = None

    def _scope_has_entries(self, i: int, ordered: Sequence[int]) -> bool:
        level = self.heads[i].level
        for j in range(i + 1, len(self.blocks)):
            if j in self.heads:
                if self.heads[j].level <= level:
                    return False
                if self.heads[j].entry_like:
                    return True
            elif j in self.list_candidates:
                return True
        return False

    # -- assembly --------------------------------------------------------------------------------

    def _assemble(self) -> IndexParse:
        title: str | None = None
        sections: list[Section] = []
        entries: list[Entry] = []
        stack: list[tuple[int, str, Section]] = []  # (level, title, section)
        current: _Acc | None = None

        def close() -> None:
            nonlocal current
            if current is not None:
                finalize_ids(current.entry)
                entries.append(current.entry)
                current = None

        for i, block in enumerate(self.blocks):
            head = self.heads.get(i)
            if head is not None and head.role != "body":
                close()
                if head.role == "title":
                    title = head.title_text or head.block.content.strip()
                    stack.clear()
                elif head.role == "category":
                    while stack and stack[-1][0] >= head.level:
                        stack.pop()
                    name = head.parts.title or head.title_text
                    section = Section(
                        title=name,
                        level=head.level,
                        line=block.line,
                        path=[s[1] for s in stack] + [name],
                        in_conflict=conflict_side(self.parsed.conflicts, block.line) is not None,
                    )
                    sections.append(section)
                    stack.append((head.level, name, section))
                else:
                    current = self._start_heading_entry(head, [s[1] for s in stack])
                    if stack:
                        stack[-1][2].entry_count += 1
                continue
            if (
                i in self.list_candidates
                and (current is None or current.entry.kind == "list")
                and (current is None or block.list_depth <= current.base_depth)
            ):
                close()
                current = self._start_list_entry(block, i, [s[1] for s in stack])
                if stack:
                    stack[-1][2].entry_count += 1
                continue
            if current is not None:
                if current.entry.kind == "list" and (
                    block.list_depth < current.base_depth
                    or (block.list_depth == current.base_depth and block.item_line is not None)
                    or block.list_depth == 0
                ):
                    close()
                    continue
                self._add_body(current, block, head)
        close()
        self._mark_conflict_titles(entries)
        return IndexParse(title=title, sections=sections, entries=entries)

    def _start_heading_entry(self, head: _Head, category: list[str]) -> _Acc:
        entry = self._entry(head, category, kind="heading", level=head.level)
        acc = _Acc(entry=entry, base_depth=0, first_block=head.index)
        self._recover_broken_title(head, acc)
        return acc

    def _start_list_entry(self, block: Block, index: int, category: list[str]) -> _Acc:
        head = self._head(block, index)
        entry = self._entry(head, category, kind="list", level=block.list_depth - 1)
        return _Acc(entry=entry, base_depth=block.list_depth, first_block=index)

    def _entry(self, head: _Head, category: list[str], *, kind: str, level: int) -> Entry:
        block = head.block
        parts = head.parts
        note: str | None = None
        urls: list[str] = []
        if head.link is not None:
            if _is_url(head.link):
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

    def _recover_broken_title(self, head: _Head, acc: _Acc) -> None:
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
        entry = acc.entry
        joined = f"{head.title_text} {match.group(1).strip()}]"
        parts = split_title(joined)
        entry.title = parts.title
        entry.raw_title = joined
        entry.translation = parts.translation
        entry.suffix = parts.suffix
        entry.venue = parts.prefix.venue or parts.suffix_venue
        target = match.group(2)
        if _is_url(target):
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
        acc.skip_lines.add(next_line)

    def _add_body(self, acc: _Acc, block: Block, head: _Head | None) -> None:
        entry = acc.entry
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
        depth = block.list_depth - acc.base_depth - 1
        lines = _split_lines(block.inlines)
        bullet_parts: list[str] = []
        for number, pieces in lines:
            if number in acc.skip_lines or number in self.parsed.marker_lines:
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

    def _mark_conflict_titles(self, entries: list[Entry]) -> None:
        for region in self.parsed.conflicts:
            for entry in entries:
                line = entry.span.line
                if region.start is None or not region.first_line < line < region.last_line:
                    continue
                if entry.conflict == "theirs":
                    region.theirs.append(entry.title)
                elif entry.conflict == "ours":
                    region.ours.append(entry.title)


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


# -- small helpers --------------------------------------------------------------------------------


def _looks_like_title(text: str) -> bool:
    words = _LATIN_WORD_RE.findall(text)
    return len(words) >= 4 or (len(words) >= 3 and ":" in text)


def _is_url(target: str) -> bool:
    return "://" in target[:12]


def _is_note_target(href: str) -> bool:
    path = href.split("#", 1)[0].split("?", 1)[0].lower()
    return (not _is_url(href) and path.endswith((".md", ".markdown"))) or (
        bool(path) and not _is_url(href) and "." not in path.rsplit("/", 1)[-1]
    )


def _is_paper_url(href: str) -> bool:
    if not _is_url(href):
        return False
    lower = href.lower()
    return any(host in lower for host in _PAPER_HOSTS) or lower.split("?", 1)[0].endswith(".pdf")


def _link_text(inlines: Sequence[Inline], opener: Inline) -> str:
    out: list[str] = []
    inside = False
    for piece in inlines:
        if piece is opener:
            inside = True
        elif inside and piece.kind == "link_close":
            break
        elif inside and piece.kind in ("text", "code"):
            out.append(piece.content)
    return "".join(out).strip()


def _text_before_first_link(inlines: Sequence[Inline]) -> str:
    out: list[str] = []
    for piece in inlines:
        if piece.kind == "link_open":
            break
        if piece.kind in ("text", "code"):
            out.append(piece.content)
    return _CHECKBOX_RE.sub("", "".join(out).lstrip())


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
        stripped = _URL_LABEL_RE.sub("", text)
        if _URL_RE.match(stripped):
            return stripped
        return None
    if len(links) != 1:
        return None
    href = links[0].href
    link_text = _link_text(pieces, links[0])
    outside = text.replace(link_text, "", 1).strip() if link_text else text
    if not _is_url(href) or (outside and not _URL_LABEL_RE.match(outside + ":")):
        return None
    if link_text == href or _GENERIC_LINK_TEXT_RE.match(link_text) or not link_text:
        return href
    return None


_IMG_SRC_RE = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)


def _html_img_srcs(html: str) -> list[str]:
    return [m.group(1) or m.group(2) or m.group(3) or "" for m in _IMG_SRC_RE.finditer(html)]


_COMMENT_RE = re.compile(r"\s*<!--.*?-->\s*", re.DOTALL)


def _only_comments(html: str) -> bool:
    return not _COMMENT_RE.sub("", html).strip()
