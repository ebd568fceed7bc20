"""Rules about one index file: conflicts, malformed entries, ids and dates, levels, sections, TODOs."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from papernotes.diagnostics import Fix
from papernotes.rules.base import FileContext
from papernotes.splice import LineEdit

if TYPE_CHECKING:
    from papernotes.model import Entry

MERGE_CONFLICT_DOC = """\
## What it does
Finds merge-conflict marker lines (`<<<<<<<`, `|||||||`, `=======`, `>>>>>>>`) outside code blocks, one finding
per conflict region (a lone marker too), and names the entries on each side.

## Why it matters
A committed conflict shows both versions of the index to every reader, usually lists papers twice or not at all,
and GitHub renders `=======` under a line as a heading. It happens when two remotes are synced by hand.

## Example
```markdown
<<<<<<< HEAD
## [202003 What the MASK? Making Sense of Language-Specific BERT Models](notes/mask.md)
=======
#### [202003 What the MASK? Making Sense of Language-Specific BERT Models](notes/mask.md)
>>>>>>> 858f9910
```

## Fix
Keep the side you want and delete the markers, or let `papernotes resolve FILE` merge both sides' entries.
Lines that only look like markers inside fenced or indented code are never reported.
"""


def merge_conflict(ctx: FileContext) -> None:
    for region in ctx.parsed.conflicts:
        first, last = region.first_line, region.last_line
        if region.start is not None and region.end is not None:
            where = f"lines {first}-{last}"
            message = f"merge conflict ({where})"
            sides = []
            if region.ours:
                sides.append("ours: " + "; ".join(_short(t) for t in region.ours))
            if region.theirs:
                sides.append("theirs: " + "; ".join(_short(t) for t in region.theirs))
            if sides:
                message += " — " + " | ".join(sides)
        else:
            marker = ctx.lines[first - 1][:7]
            message = f"lone merge-conflict marker {marker!r}: the rest of the conflict is missing"
        ctx.report(first, message, end_line=last if last != first else None)


def _short(title: str, limit: int = 60) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


MALFORMED_ENTRY_DOC = """\
## What it does
Reports entries that are written in a way that breaks their rendering or their reading: unbalanced `[ ]` or
`【 】`, a link broken across two lines, an empty `()` target, a list marker or a checkbox inside a heading, an
entry without a title.

## Why it matters
GitHub renders `## [Title start` + `title end](note.md)` as a heading with a stray bracket and a paragraph with
a broken link: the note is unreachable from the index and the title is cut.

## Example
```markdown
## [2103.06874 CANINE: Pre-training an Efficient Tokenization-Free Encoder
for Language Representation](../resources/notes/d0001/pretrainlm_2103.06874.md)
```

## Fix
A title broken across two lines is joined into one line (safe fix). The other cases are reported for you to
edit: papernotes cannot know where a missing bracket belongs.
"""

_LIST_ITEM_RE = re.compile(r"^(?:[-*+]|\d{1,3}[.)])\s")
_MALFORMED_KINDS = {
    "broken-title",
    "unbalanced-bracket",
    "list-marker-in-heading",
    "checkbox-in-heading",
    "empty-target",
    "no-title",
}


def malformed_entry(ctx: FileContext) -> None:
    if ctx.index is None:
        return
    for entry in ctx.index.entries:
        for problem in entry.malformations:
            if problem.kind not in _MALFORMED_KINDS:
                continue
            fix = None
            if problem.kind == "broken-title":
                first, second = entry.span.line, entry.note_line or entry.span.line + 1
                tail = ctx.lines[second - 1].strip()
                if _continues_title(tail):
                    joined = ctx.lines[first - 1].rstrip() + " " + tail
                    fix = Fix("safe", "join the title into one line", (LineEdit(first, second, (joined,)),))
            # An entry without a title is named by what it does hold: its prefix, else its source line.
            label = entry.title or entry.raw_title or ctx.lines[entry.span.line - 1].strip()
            ctx.report(problem.line, f"{problem.message}: {_short(label)}", fix=fix)


def _continues_title(line: str) -> bool:
    """Whether a line can be the second half of a title: joining a bullet or a link of its own into the
    heading would destroy it (``## [Title]`` then ``* [Link to the paper](url)`` is not a broken title)."""
    return not _LIST_ITEM_RE.match(line) and "[" not in line.partition("](")[0]


INVALID_PAPER_ID_DOC = """\
## What it does
Reports an entry prefix that looks like an arXiv id or a date but is neither: a month 13, a wrong digit count
(`2103.1036` has four digits after the dot; ids since January 2015 have five).

## Why it matters
A wrong id sends readers (and `papernotes add`/`update`) to another paper or to nothing; a wrong date sorts
the entry into the wrong place.

## Example
```markdown
## [202013 Some Paper](notes/x.md)
## [2103.1036 GLM](notes/glm.md)
```

## Fix
Correct the prefix by hand: papernotes cannot know which digit is wrong.
"""


def invalid_paper_id(ctx: FileContext) -> None:
    if ctx.index is None:
        return
    for entry in ctx.index.entries:
        for problem in entry.malformations:
            if problem.kind == "invalid-prefix":
                ctx.report(problem.line, problem.message, column=_column(ctx, problem.line, entry.prefix))


def _column(ctx: FileContext, line: int, text: str | None) -> int:
    """Where ``text`` starts on ``line`` (1 when it is not there): findings point at the prefix itself."""
    if not text or not 0 < line <= len(ctx.lines):
        return 1
    return ctx.lines[line - 1].find(text) + 1 or 1


DATE_ID_MISMATCH_DOC = """\
## What it does
Compares an entry's date prefix (`201906`, `1907`, `2019`) with the date its arXiv id implies (`1907.11692` is
July 2019), taking the id from the prefix, the link or the URL lines.

## Why it matters
The prefix is what people sort and search by; a prefix that contradicts the id was usually typed by hand and
is wrong.

## Example
```markdown
## [201906 RoBERTa: A Robustly Optimized BERT Pretraining Approach](notes/roberta.md)
- https://arxiv.org/abs/1907.11692
```

## Fix
Unsafe fix: rewrite the prefix from the id (`201907`). Unsafe, because the id itself may be the wrong part.
"""


def date_id_mismatch(ctx: FileContext) -> None:
    from papernotes.ids import arxiv_date
    from papernotes.titles import split_title

    if ctx.index is None:
        return
    for entry in ctx.index.entries:
        if entry.date_source != "prefix" or entry.arxiv is None or entry.prefix is None:
            continue
        implied = arxiv_date(entry.arxiv)
        prefix = split_title(entry.raw_title).prefix
        if implied is None or prefix.year is None:
            continue
        year, month = implied
        if prefix.kind == "yyyy" and prefix.raw == f"{year % 100:02d}{month:02d}":
            continue  # "2001" before 2001.17838 is the YYMM of the id, not the year 2001
        if prefix.month is not None:
            if (prefix.year, prefix.month) == (year, month):
                continue
            says = f"{prefix.year}-{prefix.month:02d}"
        else:
            # A year alone is often the venue's year, a year after the preprint: only a larger gap is a mistake.
            if abs(prefix.year - year) <= 1:
                continue
            says = str(prefix.year)
        fix = _prefix_fix(ctx, entry, prefix.raw or "", prefix.kind or "", year, month)
        ctx.report(
            entry.span.line,
            f"date prefix {prefix.raw} says {says} but arXiv id {entry.arxiv.value} is from {year}-{month:02d}",
            column=_column(ctx, entry.span.line, prefix.raw),
            fix=fix,
        )


def _prefix_fix(ctx: FileContext, entry: Entry, raw: str, kind: str, year: int, month: int) -> Fix | None:
    replacement = {"yyyymm": f"{year}{month:02d}", "yymm": f"{year % 100:02d}{month:02d}", "yyyy": str(year)}
    new = replacement.get(kind)
    line = ctx.lines[entry.span.line - 1]
    if new is None or line.count(raw) != 1:
        return None
    return Fix(
        "unsafe",
        f"rewrite the prefix {raw} as {new}",
        (LineEdit(entry.span.line, entry.span.line, (line.replace(raw, new),)),),
    )


HEADING_LEVEL_DOC = """\
## What it does
Reports entries whose heading level differs from the other entries of their category, and categories that
skip a level under their parent category (`#` then `###`).

## Why it matters
A `##` entry among `####` entries closes the category in every outline, TOC and Markdown renderer: the papers
after it look like they belong to another section. It is the commonest slip when pasting entries.

## Example
```markdown
## 应用
#### [2010.05522 Active Learning for Sentence Matching](notes/x.md)
## [202004 Pre-training Is (Almost) All You Need](notes/y.md)
```

## Fix
Change the heading level to the category's usual one; the message names it.
"""


def heading_level(ctx: FileContext) -> None:
    if ctx.index is None:
        return
    groups: dict[tuple[str, ...], list[Entry]] = {}
    for entry in ctx.index.entries:
        if entry.kind == "heading" and not entry.in_conflict:
            groups.setdefault(tuple(entry.category), []).append(entry)
    for category, entries in groups.items():
        levels = Counter(e.level for e in entries)
        if len(levels) < 2:
            continue
        usual = max(
            levels, key=lambda lv: (levels[lv], -entries[[e.level for e in entries].index(lv)].span.line)
        )
        name = " / ".join(category) or "the top of the file"
        for entry in entries:
            if entry.level != usual:
                ctx.report(
                    entry.span.line,
                    f"entry at level {entry.level} ({'#' * entry.level}) while {levels[usual]} other entries of "
                    f"{name} are at level {usual} ({'#' * usual})",
                )
    sections = ctx.index.sections
    for section in sections:
        parent = next(
            (s for s in reversed(sections) if s.line < section.line and s.path == section.path[:-1]), None
        )
        if parent is not None and section.level - parent.level > 1 and section.level <= 6:
            ctx.report(
                section.line,
                f"category {section.title!r} is at level {section.level} under {parent.title!r} at level "
                f"{parent.level}: it skips a level",
            )


EMPTY_TODO_DOC = """\
## What it does
Reports a checkbox list item with nothing after it: `- [ ]`.

## Why it matters
An empty TODO is a reminder that lost its subject; it renders as an empty checkbox that nobody can act on.

## Example
```markdown
#### [2103.10385 GPT Understands, Too](notes/ptuning.md)
- [ ]
```

## Fix
Unsafe fix: delete the line (unsafe, because you may want to write what the TODO was instead).
"""


def empty_todo(ctx: FileContext) -> None:
    for line in ctx.parsed.empty_todos:
        text = ctx.lines[line - 1]
        ctx.report(
            line,
            "empty TODO checkbox",
            column=len(text) - len(text.lstrip()) + 1,
            fix=Fix("unsafe", "delete the empty checkbox line", (LineEdit(line, line, ()),)),
        )


EMPTY_SECTION_DOC = """\
## What it does
Reports a category heading with no entries and no sub-categories under it.

## Why it matters
An empty category in a topic index is usually a leftover of a move, or a place where entries were lost in a
merge; it also shows up as a dead line in the TOC.

## Example
```markdown
## 蒸馏

## 应用
- [Some paper](notes/x.md)
```

## Fix
Add the entries that belong there, or delete the heading.
"""


def empty_section(ctx: FileContext) -> None:
    if ctx.index is None:
        return
    sections = ctx.index.sections
    for section in sections:
        if section.entry_count or section.in_conflict:
            continue
        has_children = any(
            s.path[: len(section.path)] == section.path and len(s.path) > len(section.path)
            for s in sections
            if s.line > section.line
        )
        if not has_children:
            ctx.report(section.line, f"category {section.title!r} has no entries")


DUPLICATE_SECTION_DOC = """\
## What it does
Reports sibling category headings with the same text under the same parent, i.e. a category block that is
repeated in one index.

## Why it matters
Entries of one category end up split over two places; GitHub gives the second heading the anchor `name-1`, so
links and TOC lines to it silently go to the first one.

## Example
```markdown
## 蒸馏
## [1909.10351 TinyBERT](notes/tinybert.md)
## 应用
## 蒸馏
```

## Fix
Move the entries of the second block under the first and delete the repeated heading.
"""


def duplicate_section(ctx: FileContext) -> None:
    if ctx.index is None:
        return
    seen: dict[tuple[tuple[str, ...], str], int] = {}
    for section in ctx.index.sections:
        key = (tuple(section.path[:-1]), section.title.casefold().strip())
        first = seen.get(key)
        if first is None:
            seen[key] = section.line
        elif not section.in_conflict:
            ctx.report(
                section.line,
                f"category {section.title!r} repeats the one on line {first}",
                related=[(ctx.path, first)],
            )
