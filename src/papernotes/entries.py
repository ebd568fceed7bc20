"""Blocks of an index file -> categories and paper entries.

How people write indexes (see FIELD-GUIDE.md): entries are headings at any level, or list items; categories
are the plain headings above them (or a paragraph that is only bold text, faking one). A heading is an entry
when it looks like one (a link, brackets, an id/date prefix, an ``(Org/Year)`` suffix, a list marker or
checkbox), or when it is a plain heading with nothing nested under it whose text reads like a paper title. A
category reaches until the next category at its level or above: entries never close categories (the seed's
``## 应用`` holds ``####`` and ``##`` entries alike).

This module decides the role of every head (title, category, entry, or a sub-heading of an entry's notes) and
walks the blocks into sections and entries, skipping generated blocks (TOCs) by their markers and recording
which titles each side of a merge conflict holds. What one head says about itself is read in ``entryhead``; an
entry's record is filled from its head and body blocks in ``entryrecord``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from papernotes.entryhead import Head, is_fake_heading, is_list_candidate, looks_like_title, read_head
from papernotes.entryrecord import Draft, EntryBuilder, finalize_ids
from papernotes.model import Entry, Section
from papernotes.parsing import Block, ParsedText, conflict_side

__all__ = ["IndexParse", "extract_entries"]


@dataclass
class IndexParse:
    title: str | None
    sections: list[Section]
    entries: list[Entry]


def extract_entries(parsed: ParsedText, path: str) -> IndexParse:
    return _Extractor(parsed, path).run()


class _Extractor:
    def __init__(self, parsed: ParsedText, path: str) -> None:
        self.parsed = parsed
        self.blocks = [b for b in parsed.blocks if not self._is_marker_block(b)]
        self.heads: dict[int, Head] = {}
        self.list_candidates: set[int] = set()
        self.builder = EntryBuilder(parsed, path)

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
                self.heads[i] = read_head(block, i)
            elif block.kind == "paragraph" and is_fake_heading(block):
                head = read_head(block, i, level=7)
                head.fake = True
                head.entry_like = False
                self.heads[i] = head
            elif block.kind == "paragraph" and block.item_line is not None and is_list_candidate(block):
                self.list_candidates.add(i)
        self._classify()
        return self._assemble()

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
            elif looks_like_title(head.title_text) and not head.fake:
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
        current_entry: Head | None = None
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
        current: Draft | None = None

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
                    current = self.builder.start_heading_entry(head, [s[1] for s in stack])
                    if stack:
                        stack[-1][2].entry_count += 1
                continue
            if (
                i in self.list_candidates
                and (current is None or current.entry.kind == "list")
                and (current is None or block.list_depth <= current.base_depth)
            ):
                close()
                current = self.builder.start_list_entry(block, i, [s[1] for s in stack])
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
                self.builder.add_body(current, block, head)
        close()
        self._mark_conflict_titles(entries)
        return IndexParse(title=title, sections=sections, entries=entries)

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
