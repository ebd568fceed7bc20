"""What one heading, bold line or list item says about itself, read from its inline pieces. Pure.

A head's text is split around its first link: the link is the entry's note or paper page, unless text precedes
it and its own text is generic (``Title [[arXiv](url)]``), in which case that text is the title and the link
one of the paper's URLs. A checkbox is taken off the front and kept as the entry's to-do state; inside a
heading, it and a list marker are reported as malformations. The title is then split into its parts
(``titles``). ``entry_like`` says whether the head alone shows it is an entry; a plain heading's role is
decided later, from what it holds (``entries``). The link vocabulary here (what is a URL, a paper page, a
note, a generic link text) is shared with the reading of entry bodies (``entryrecord``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from papernotes.model import Malformation
from papernotes.parsing import Block, Inline
from papernotes.titles import TitleParts, split_title

__all__ = [
    "GENERIC_LINK_TEXT_RE",
    "URL_LABEL_RE",
    "Head",
    "is_fake_heading",
    "is_list_candidate",
    "is_url",
    "link_text",
    "looks_like_title",
    "read_head",
]

URL_LABEL_RE = re.compile(
    r"^(?:url|link|paper|pdf|arxiv|code|论文|链接|原文|地址|网址)\s*[:：]\s*", re.IGNORECASE
)
# Link texts that mean "here is the paper", not "here is a paper called ...".
GENERIC_LINK_TEXT_RE = re.compile(
    r"^\W*(?:link(?: to (?:the )?paper)?|paper|pdf|arxiv|abs|abstract|url|code|github|project|"
    r"homepage|openreview|acl|doi|论文|链接|原文|地址|代码|项目)\W*$",
    re.IGNORECASE,
)
_CHECKBOX_RE = re.compile(r"^\[([ xX])\]\s*")
_LIST_MARKER_RE = re.compile(r"^(?:[-*+]|\d{1,3}[.)])\s+")
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
class Head:
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


def is_fake_heading(block: Block) -> bool:
    """A paragraph that is only bold text, standing in for a heading."""
    content = block.content.strip()
    return (
        block.list_depth == 0
        and "\n" not in content
        and len(content) > 4
        and content.startswith("**")
        and content.endswith("**")
        and content.count("**") == 2
    )


def read_head(block: Block, index: int, level: int | None = None) -> Head:
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
    text_of_link = "".join(inside).strip()
    if link is not None and raw_before.rstrip("[【( ") and GENERIC_LINK_TEXT_RE.match(text_of_link):
        # "Title [[arXiv](url)] [[code](url)]": the title is the text, the links are the paper's URLs.
        if _is_paper_url(link):
            extra_urls.insert(0, link)
        title_text = raw_before.rstrip("[【( ").strip()
        link = None
    elif link is not None:
        title_text = (raw_before + " " + text_of_link).strip()
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
        problems.append(Malformation(kind="no-title", message="an entry without a title", line=block.line))
    entry_like = bool(
        link is not None
        or title_text.startswith(("[", "【"))
        # a date alone ("## 2021", "## 202004") heads the papers of that period: a category
        or (parts.prefix.kind is not None and bool(parts.title))
        or parts.suffix
        or todo
        or any(p.kind in ("list-marker-in-heading", "empty-target") for p in problems)
    )
    return Head(
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


def is_list_candidate(block: Block) -> bool:
    """A list item that names a paper: a link to a note or a paper page, or a checkbox with a title."""
    content = block.content.lstrip()
    if _CHECKBOX_RE.match(content) and len(content) > 4:
        return True
    first_link = next((p for p in block.inlines if p.kind == "link_open"), None)
    if first_link is None:
        return False
    text = link_text(block.inlines, first_link)
    if not text or GENERIC_LINK_TEXT_RE.match(text) or text == first_link.href:
        # "- [paper](url)" and "- [arXiv](url)" are URL lines of the entry above, unless a title precedes.
        before = _text_before_first_link(block.inlines).strip()
        return bool(before) and not URL_LABEL_RE.match(before + ":") and len(before) > 3
    href = first_link.href
    return _is_note_target(href) or _is_paper_url(href) or not href.strip()


def looks_like_title(text: str) -> bool:
    words = _LATIN_WORD_RE.findall(text)
    return len(words) >= 4 or (len(words) >= 3 and ":" in text)


def is_url(target: str) -> bool:
    return "://" in target[:12]


def link_text(inlines: Sequence[Inline], opener: Inline) -> str:
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


def _is_note_target(href: str) -> bool:
    path = href.split("#", 1)[0].split("?", 1)[0].lower()
    return (not is_url(href) and path.endswith((".md", ".markdown"))) or (
        bool(path) and not is_url(href) and "." not in path.rsplit("/", 1)[-1]
    )


def _is_paper_url(href: str) -> bool:
    if not is_url(href):
        return False
    lower = href.lower()
    return any(host in lower for host in _PAPER_HOSTS) or lower.split("?", 1)[0].endswith(".pdf")


def _text_before_first_link(inlines: Sequence[Inline]) -> str:
    out: list[str] = []
    for piece in inlines:
        if piece.kind == "link_open":
            break
        if piece.kind in ("text", "code"):
            out.append(piece.content)
    return _CHECKBOX_RE.sub("", "".join(out).lstrip())
