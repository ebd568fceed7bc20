"""Rules about generated blocks (tables of contents), shared with the toc command through ``toc.check``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from papernotes.diagnostics import Fix
from papernotes.rules.base import FileContext

if TYPE_CHECKING:
    from papernotes.toc import TocStatus

TOC_STALE_DOC = """\
## What it does
Checks every table of contents block (`<!-- TOC -->`, `<!-- toc -->`, doctoc, mdformat-toc,
`<!-- papernotes:toc -->`) against the file's headings and GitHub's anchors, in the block's own style and depth
range. With `typora-toc = true`, a `[toc]` line without the generated block after it is reported too.

## Why it matters
A TOC written by an editor extension goes stale the moment a heading is renamed or added: its links jump to
the top of the file, or list sections that no longer exist.

## Example
```markdown
<!-- TOC -->
- [Method](#method)
<!-- /TOC -->

## Approach
```

## Fix
Safe fix (same as `papernotes toc --write`): regenerate the block's lines; nothing outside the block changes.
"""

TOC_CORRUPT_DOC = """\
## What it does
Finds TOC blocks collapsed onto one line with the word `auto` where each newline should be, as one old VS Code
extension wrote them.

## Why it matters
GitHub renders the whole TOC as one unreadable line of `auto- [A](#a)auto - [B](#b)` text, with no working
links.

## Example
```markdown
<!-- TOC -->autoauto- [深度学习](#深度学习)auto    - [概述](#概述)autoauto<!-- /TOC -->
```

## Fix
Safe fix (same as `papernotes toc --write`): rewrite the block as a proper multi-line TOC with GitHub anchors.
"""

TOC_MARKERS_DOC = """\
## What it does
Reports TOC markers that do not pair up: an opening marker without its closing one, a closing marker without
an opening one, or a second opening marker inside a block. Markers inside code, HTML comments and front matter
are not markers.

## Why it matters
No tool can tell where such a block ends: papernotes leaves the file untouched rather than guess, and editor
extensions may eat the text after it.

## Example
```markdown
<!-- TOC -->
- [Method](#method)

## Method
```

## Fix
Add the missing marker (`<!-- /TOC -->`) or delete the stray one.
"""

TYPORA_TOC_DOC = """\
## What it does
Reports a Typora `[toc]` / `[TOC]` line.

## Why it matters
Only Typora renders it as a table of contents; GitHub and every other renderer show the literal text `[toc]`.

## Example
```markdown
# 预训练语言模型
[toc]
```

## Fix
Set `typora-toc = true` to have `papernotes toc --write` maintain a real TOC block right after the line (and
keep the line for Typora), or replace the line with a `<!-- papernotes:toc -->` block.
"""


def statuses(ctx: FileContext) -> list[TocStatus]:
    """The file's TOC statuses, computed once for the four TOC rules."""
    from papernotes.toc import check

    if "toc" not in ctx.memo:
        settings = ctx.settings
        try:
            ctx.memo["toc"] = list(check(ctx.parsed, settings.slug_flavour, typora=settings.typora_toc))
        except ValueError:
            ctx.memo["toc"] = []
    return ctx.memo["toc"]  # type: ignore[return-value]


def toc_stale(ctx: FileContext) -> None:
    for status in statuses(ctx):
        if status.state in ("stale", "missing"):
            edit = status.edit
            fix = Fix("safe", "regenerate the TOC", (edit,)) if edit is not None else None
            ctx.report(status.line, status.message, fix=fix)


def toc_corrupt(ctx: FileContext) -> None:
    for status in statuses(ctx):
        if status.state == "corrupt":
            edit = status.edit
            fix = Fix("safe", "rewrite the collapsed TOC as a block", (edit,)) if edit is not None else None
            ctx.report(status.line, status.message, fix=fix)


def toc_markers(ctx: FileContext) -> None:
    for status in statuses(ctx):
        if status.state == "unbalanced":
            ctx.report(status.line, status.message)


def typora_toc(ctx: FileContext) -> None:
    for status in statuses(ctx):
        if status.state == "typora":
            ctx.report(status.line, status.message)
