"""One file's text -> its ``FileFacts``: the small record lint caches, with the file's own findings.

Everything a cross-file rule needs is taken here, so a warm lint run never re-reads or re-parses a file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from papernotes.config import Settings
from papernotes.entries import IndexParse, extract_entries
from papernotes.facts import EntryFact, FileFacts, Pragma
from papernotes.parsing import ParsedText, parse_text
from papernotes.rules.base import FileContext, Rule
from papernotes.titles import normalise_title

__all__ = ["Roles", "extract", "pragmas_of"]

_PRAGMA_RE = re.compile(
    r"<!--\s*papernotes-(disable-next-line|disable-line|disable-file|disable|enable)\b(.*?)-->"
)


@dataclass(frozen=True)
class Roles:
    """How a path's role is decided (see ``workspace.role_candidates``)."""

    index_candidate: bool
    explicit: bool
    note: bool


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def pragmas_of(parsed: ParsedText) -> list[Pragma]:
    out: list[Pragma] = []
    for number, line in enumerate(parsed.lines, 1):
        if "papernotes-" not in line or number in parsed.code_lines:
            continue
        for match in _PRAGMA_RE.finditer(line):
            kind = match.group(1).removeprefix("disable-") if "-" in match.group(1) else match.group(1)
            rules = tuple(r for r in re.split(r"[\s,]+", match.group(2).strip()) if r)
            out.append(Pragma(kind=kind, rules=rules, line=number))
    return out


def extract(
    text: str,
    path: str,
    *,
    roles: Roles,
    settings: Settings,
    rules: Sequence[Rule],
    size: int = 0,
    mtime_ns: int = 0,
    digest: str = "",
) -> tuple[FileFacts, ParsedText, IndexParse | None]:
    # Only entries read paragraph text: other files' blocks may leave out text that holds no fact.
    parsed = parse_text(text, path=path, lean=not roles.index_candidate)
    index: IndexParse | None = None
    role = "other"
    if roles.index_candidate:
        found = extract_entries(parsed, path)
        if found.entries or roles.explicit:
            index, role = found, "index"
    if role == "other":
        name = path.rsplit("/", 1)[-1].lower()
        role = "note" if roles.note and name not in ("readme.md", "index.md") else "other"
    facts = FileFacts(
        path=path,
        role=role,
        size=size,
        mtime_ns=mtime_ns,
        digest=digest,
        title=next((h.text.strip() for h in parsed.headings if h.level == 1), None),
        anchors=[h.anchor for h in parsed.headings],
        html_anchors=list(parsed.html_anchors),
        headings=parsed.headings,
        links=parsed.links,
        pragmas=pragmas_of(parsed),
    )
    if index is not None:
        facts.title = index.title or facts.title
        facts.entries = [
            EntryFact(
                line=e.span.line,
                title=e.title,
                title_key=normalise_title(e.title),
                ids=tuple(i.key for i in e.ids),
                note=e.note,
                note_line=e.note_line,
                category=tuple(e.category),
                in_conflict=e.in_conflict,
            )
            for e in index.entries
        ]
    front = parsed.front_matter
    if front is not None and front.data:
        fm_id = front.data.get("id") or front.data.get("arxiv_id") or front.data.get("arxiv")
        fm_title = front.data.get("title")
        facts.fm_id = str(fm_id) if fm_id is not None else None
        facts.fm_title = str(fm_title) if isinstance(fm_title, str) else None
        facts.fm_line = front.start
    ctx = FileContext(path=path, parsed=parsed, index=index, settings=settings)
    for rule in rules:
        ctx.rule = rule
        rule.check(ctx)
    facts.findings = [f.to_tuple() for f in ctx.findings]
    facts.toc = _toc_record(ctx, text)
    return facts, parsed, index


def _toc_record(ctx: FileContext, text: str) -> tuple[tuple[str, int, int, str, str, int], ...] | None:
    """What the TOC rules found, for ``papernotes toc`` to answer from the cache (see ``FileFacts.toc``)."""
    if "papernotes:topics" in text or "papernotes:stats" in text:
        return None
    from papernotes.rules.toc_rules import statuses

    return tuple((s.style, s.start, s.end, s.state, s.message, s.line) for s in statuses(ctx))
