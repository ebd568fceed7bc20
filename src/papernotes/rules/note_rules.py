"""Rules about notes: front matter, and notes agreeing with the index entries that link to them."""

from __future__ import annotations

import re

from papernotes.rules.base import FileContext, RepoContext

FRONTMATTER_INVALID_DOC = """\
## What it does
Reports front matter that does not parse (YAML or TOML syntax, tabs, duplicate keys, `!!python/...` tags, alias
bombs, deep nesting, a list instead of a mapping) or that fails the note schema: `id`, `title`, `date`, `venue`
must be strings, `tags`, `authors` and `urls` lists of strings. It catches lossy scalars too: an unquoted
`id: 2103.10360` loads as the number 2103.1036.

## Why it matters
Jekyll, Obsidian and every script reading the notes see broken or silently different metadata; the id of an
unquoted `2103.10360` loses its trailing zero and names another paper.

## Example
```yaml
---
id: 2103.10360
title: GLM
tags: [nlp
---
```

## Fix
Quote ids and titles (`id: "2103.10360"`), fix the syntax the message points to.
"""

_STRING_KEYS = ("id", "title", "venue", "arxiv_id", "doi")
_LIST_KEYS = ("tags", "authors", "urls", "categories")
_KINDS = {"int": "a number", "float": "a number", "bool": "a boolean", "list": "a list", "dict": "a mapping"}


def frontmatter_invalid(ctx: FileContext) -> None:
    front = ctx.parsed.front_matter
    if front is None:
        return
    if front.error is not None:
        # error_line is already a line of the file (front.py counts the opening "---").
        error = front.error if front.error.startswith("front matter") else f"front matter: {front.error}"
        ctx.report(front.error_line or front.start, error)
        return
    data = front.data or {}
    for key in _STRING_KEYS:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            ctx.report(
                _key_line(ctx, front.start, front.end, key),
                f"front matter: {key} is {_kind(value)} ({value!r}); quote it as a string",
            )
    date = data.get("date")
    if date is not None and not isinstance(date, str):
        ctx.report(
            _key_line(ctx, front.start, front.end, "date"),
            f'front matter: date is {_kind(date)}; write it as "YYYY-MM"',
        )
    for key in _LIST_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            ctx.report(
                _key_line(ctx, front.start, front.end, key), f"front matter: {key} must be a list of strings"
            )


def _kind(value: object) -> str:
    name = type(value).__name__
    return _KINDS.get(name, f"a {name}")


def _key_line(ctx: FileContext, start: int, end: int, key: str) -> int:
    """The line of ``key:`` (YAML) or ``key =`` (TOML) between the front matter's fences, else its start."""
    pattern = re.compile(rf"^{re.escape(key)}\s*[:=]")
    for number in range(start + 1, min(end, len(ctx.lines) + 1)):
        if pattern.match(ctx.lines[number - 1]):
            return number
    return start


NOTE_INDEX_MISMATCH_DOC = """\
## What it does
Compares a note's front matter (`id`, `title`) with the index entry that links to it.

## Why it matters
When the two disagree, one of them was edited without the other (a paper renamed, a note reused for another
paper): readers and scripts get two different answers to "which paper is this".

## Example
```markdown
## [2103.10360 All NLP Tasks Are Generation Tasks](papers/2103.10360.md)
```
```yaml
---
id: "2103.10385"
title: "GPT Understands, Too"
---
```

## Fix
Correct whichever side is wrong; `papernotes update` reports renamed papers with the command to apply.
"""


def note_index_mismatch(ctx: RepoContext) -> None:
    from papernotes.ids import parse_id
    from papernotes.titles import normalise_title

    notes = {path: f for path, f in ctx.facts.items() if f.role == "note" and (f.fm_id or f.fm_title)}
    if not notes:
        return
    for res in ctx.graph.resolved:
        if res.actual not in notes or res.link.kind != "link" or res.fragment:
            continue
        index = ctx.facts.get(res.source)
        if index is None or index.role != "index":
            continue
        entry = next((e for e in index.entries if e.note_line == res.link.line), None)
        if entry is None:
            continue
        note = notes[res.actual]
        pid = parse_id(note.fm_id) if note.fm_id else None
        if pid is not None and entry.ids:
            # Both sides name an id: it decides, whatever short form of the title the index uses.
            if pid.key not in entry.ids:
                ctx.report(
                    res.source,
                    entry.line,
                    f"the entry's id {entry.ids[0].split(':', 1)[1]} differs from {res.actual}'s front matter "
                    f"id {note.fm_id}",
                    related=[(res.actual, note.fm_line or 1)],
                )
            continue
        if note.fm_title and entry.title_key:
            note_key = normalise_title(note.fm_title)
            # An index often shortens a title ("GLM" for the whole of it): either side may hold the other.
            if note_key and note_key not in entry.title_key and entry.title_key not in note_key:
                ctx.report(
                    res.source,
                    entry.line,
                    f"the entry's title {entry.title!r} differs from {res.actual}'s front matter title "
                    f"{note.fm_title!r}",
                    related=[(res.actual, note.fm_line or 1)],
                )


ENTRY_WITHOUT_NOTE_DOC = """\
## What it does
Reports an entry with neither a note link nor a paper URL: a bare title.

## Why it matters
Such an entry cannot be followed anywhere; often it is a paper to read later, or a note that was never written.

## Example
```markdown
## VideoBERT: A Joint Model for Video and Language Representation Learning
```

## Fix
Link the entry to its note, or add the paper's URL as the first bullet (`papernotes add` does both).
"""


def entry_without_note(ctx: FileContext) -> None:
    if ctx.index is None:
        return
    for entry in ctx.index.entries:
        if entry.note is None and not entry.urls and not entry.in_conflict:
            ctx.report(entry.span.line, f"{entry.title!r} has no note link and no paper URL")
