"""Rules about the same paper (or note) appearing more than once."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from papernotes.diagnostics import Fix
from papernotes.facts import EntryFact
from papernotes.identity import group_roots, groups_in_order, paper_keys
from papernotes.rules.base import FileContext, RepoContext
from papernotes.splice import LineEdit

if TYPE_CHECKING:
    from papernotes.model import Entry

DUPLICATE_ENTRY_DOC = """\
## What it does
Finds the same paper listed twice in one index: the same arXiv id (any version, any URL form), the same DOI, or
the same normalised title (NFKC, case, punctuation and full/half width folded; the date/venue prefix, a trailing
translation and an `（Org/Year）` suffix removed). The message names every location.

## Why it matters
Duplicates split a paper's notes over two places that drift apart; they come from merges, from pasting an entry
into a second category, or from adding a paper again under another title form.

## Example
```markdown
## [1905.03197 Unified Language Model Pre-training for Natural Language Understanding and Generation](u.md)
...
## [Unified Language Model Pre-training for Natural Language Understanding and Generation（Microsoft/2019）]
```

## Fix
Unsafe fix: merge the later entry into the first, keeping the union of their bullets and figures. Unsafe because
you may prefer the later entry's place or title. Entries inside a merge conflict are left to `papernotes resolve`.
"""


def _groups(items: Sequence[tuple[int, Iterable[str], str]]) -> list[list[int]]:
    """Positions of the items that are the same paper (sharing an id or a title key), groups of two or more."""
    roots = group_roots([paper_keys(ids, title_key) for _, ids, title_key in items])
    return [group for group in groups_in_order(roots) if len(group) > 1]


def duplicate_entry(ctx: FileContext) -> None:
    from papernotes.titles import normalise_title

    if ctx.index is None:
        return
    entries = ctx.index.entries
    items = [(e.span.line, [i.key for i in e.ids], normalise_title(e.title)) for e in entries]
    for group in _groups(items):
        lines = [entries[i].span.line for i in group]
        first = entries[group[0]]
        for i in group[1:]:
            entry = entries[i]
            where = ", ".join(str(n) for n in lines)
            fix = None
            if not entry.in_conflict and not first.in_conflict and i == group[1]:
                fix = _merge_fix(ctx, first, entry)
            ctx.report(
                entry.span.line,
                f"{_label(entry)} is listed {len(group)} times in this index (lines {where})",
                related=[(ctx.path, n) for n in lines if n != entry.span.line],
                fix=fix,
            )


def _label(entry: Entry) -> str:
    title = entry.title if len(entry.title) <= 60 else entry.title[:59] + "…"
    arxiv = entry.arxiv
    return f"{arxiv.value} {title!r}" if arxiv else repr(title)


def _merge_fix(ctx: FileContext, keep: Entry, drop: Entry) -> Fix:
    lines = ctx.lines
    keep_end, drop_end = _own_end(lines, keep), _own_end(lines, drop)
    kept = {line.strip() for line in lines[keep.span.line - 1 : keep_end]}
    extra = tuple(
        line for line in lines[drop.span.line : drop_end] if line.strip() and line.strip() not in kept
    )
    # Between two blank lines, the blank after the dropped entry goes too: no double gap is left behind.
    count = len(lines) - 1 if lines and lines[-1] == "" else len(lines)  # "" after a final newline is no line
    gap = drop_end < count and not lines[drop_end].strip()
    gap = gap and (drop.span.line == 1 or not lines[drop.span.line - 2].strip())
    start = drop.span.line
    if not gap and drop_end >= count and start > 1 and not lines[start - 2].strip():
        start -= 1  # the dropped entry ended the file: the blank line before it goes, not one after
    edits = [LineEdit(start, drop_end + 1 if gap else drop_end, ())]
    if extra:
        edits.append(LineEdit(keep_end + 1, keep_end, extra))
    edits.sort(key=lambda e: e.start)
    return Fix("unsafe", f"merge into the entry on line {keep.span.line}", tuple(edits))


def _own_end(lines: Sequence[str], entry: Entry) -> int:
    """The entry's last line of its own: trailing HTML comments (a pragma, a note on the next entry)
    introduce what follows them, so the merge neither moves nor deletes them."""
    end = entry.span.end_line
    while end > entry.span.line and _comment_or_blank(lines[end - 1]):
        end -= 1
    return end


def _comment_or_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or (stripped.startswith("<!--") and stripped.endswith("-->"))


DUPLICATE_ENTRY_ACROSS_FILES_DOC = """\
## What it does
Finds the same paper (by id or normalised title, as `duplicate-entry` does) in two different index files.
Silent for indexes configured as generated mirrors (`mirrors = [...]`), whose copies are by design.

## Why it matters
A paper listed in two topic indexes is sometimes intended (it belongs to both topics) and sometimes a leftover
of moving it: this is information, for you to decide.

## Example
```text
notes/nlp.md:12 and notes/pretraining.md:40 both list 1810.04805 BERT
```

## Fix
Keep one entry and link to it from the other index if both topics need it.
"""


def duplicate_entry_across_files(ctx: RepoContext) -> None:
    from papernotes.workspace import compile_globs

    mirror = compile_globs(ctx.settings.mirrors)
    items: list[tuple[int, Iterable[str], str]] = []
    where: list[tuple[str, EntryFact]] = []
    for path in sorted(ctx.facts):
        facts = ctx.facts[path]
        if facts.role != "index" or mirror(path):
            continue
        for entry in facts.entries:
            items.append((entry.line, entry.ids, entry.title_key))
            where.append((path, entry))
    for group in _groups(items):
        files = {where[i][0] for i in group}
        if len(files) < 2:
            continue
        first_path, first_entry = where[group[0]]
        for i in group:
            path, entry = where[i]
            if path == first_path:
                continue
            ctx.report(
                path,
                entry.line,
                f"{entry.title!r} is also listed in {first_path}:{first_entry.line}",
                related=[(first_path, first_entry.line)],
            )


CONFLICTING_ID_DOC = """\
## What it does
Reports one arXiv id (or DOI) used for two papers with different titles anywhere in the repository.

## Why it matters
Either the paper was renamed (arXiv titles change between versions: GLM's v1 and v2 differ) or an id was
copied onto the wrong entry; in both cases one of the entries sends readers to the wrong paper.

## Example
```markdown
## [2103.10360 All NLP Tasks Are Generation Tasks](a.md)
## [2103.10360 Deep contextualized word representations](b.md)
```

## Fix
Check the id against the paper; correct the wrong id, or make both titles the same if it was renamed.
"""


def conflicting_id(ctx: RepoContext) -> None:
    seen: dict[str, tuple[str, EntryFact]] = {}
    for path in sorted(ctx.facts):
        for entry in ctx.facts[path].entries:
            for key in entry.ids:
                if key not in seen:
                    seen[key] = (path, entry)
                    continue
                other_path, other = seen[key]
                if _same_title(other.title_key, entry.title_key):
                    continue
                ctx.report(
                    path,
                    entry.line,
                    f"{key.split(':', 1)[1]} is also used by {other.title!r} ({other_path}:{other.line}), "
                    f"a different title than {entry.title!r}",
                    related=[(other_path, other.line)],
                )


def _same_title(a: str, b: str) -> bool:
    if not a or not b or a == b or a in b or b in a:
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.8


DUPLICATE_NOTE_DOC = """\
## What it does
Reports two note files with the same content, or whose front matter names the same paper id.

## Why it matters
Copies drift apart: one gets the reader's updates, the other keeps being linked from somewhere.

## Example
```text
notes/papers/2103.10360.md and notes/old/glm.md have the same content
```

## Fix
Keep one, delete the other, and point its links to the one kept (`papernotes mv` rewrites links).
"""


def duplicate_note(ctx: RepoContext) -> None:
    from papernotes.ids import parse_id

    by_digest: dict[str, str] = {}
    by_id: dict[str, str] = {}
    for path in sorted(ctx.facts):
        facts = ctx.facts[path]
        if facts.role != "note" or facts.skipped:
            continue
        if facts.digest and facts.size > 0:
            first = by_digest.setdefault(facts.digest, path)
            if first != path:
                ctx.report(path, 1, f"same content as {first}", related=[(first, 1)])
                continue
        if facts.fm_id:
            pid = parse_id(facts.fm_id)
            key = pid.key if pid is not None else facts.fm_id.strip().casefold()
            first = by_id.setdefault(key, path)
            if first != path:
                ctx.report(
                    path,
                    facts.fm_line or 1,
                    f"front matter id {facts.fm_id!r} is also the id of {first}",
                    related=[(first, 1)],
                )
