"""Rich renderables for entries (list, show). Returns renderables; printing is the CLI's job."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from papernotes.model import Document, Entry

__all__ = ["entries_table", "entry_panel"]


def entries_table(entries: Sequence[Entry]) -> Table:
    table = Table(show_lines=False, title=f"{len(entries)} entries", title_justify="left")
    table.add_column("id / date", no_wrap=True)
    table.add_column("title", ratio=3, min_width=24)
    table.add_column("category", ratio=1, overflow="fold")
    table.add_column("where", ratio=1, overflow="fold")
    for entry in entries:
        ident = str(entry.arxiv or entry.doi or "") or (entry.date or "")
        title = Text(entry.title)
        if entry.in_conflict:
            title.append(f"  [conflict: {entry.conflict}]", style="bold red")
        if entry.todo == "open":
            title.append("  [todo]", style="yellow")
        table.add_row(ident, title, " / ".join(entry.category), f"{entry.span.file}:{entry.span.line}")
    return table


def entry_panel(entry: Entry, note: Document | None) -> Panel:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")

    def row(name: str, value: object) -> None:
        if value not in (None, "", []):
            grid.add_row(name, Text(str(value)))

    row("ids", ", ".join(i.key + (f"v{i.version}" if i.version else "") for i in entry.ids))
    row("date", f"{entry.date} (from the {entry.date_source})" if entry.date else None)
    row("venue", entry.venue)
    row("translation", entry.translation)
    row("category", " / ".join(entry.category))
    row("where", f"{entry.span.file}:{entry.span.line}-{entry.span.end_line}")
    row("note", entry.note)
    row("urls", "\n".join(entry.urls))
    row("todo", entry.todo)
    row("conflict", entry.conflict and f"inside a merge conflict ({entry.conflict} side)")
    row("figures", "\n".join(f.src for f in entry.figures))
    row("problems", "\n".join(f"line {m.line}: {m.message}" for m in entry.malformations))
    parts: list[object] = [grid]
    if entry.bullets:
        parts.append(Text("\n".join("  " * b.depth + "- " + b.text for b in entry.bullets)))
    if note is not None:
        fm = note.front_matter
        summary = f"note {note.path}: {len(note.headings)} headings, {len(note.links)} links"
        if fm is not None and fm.data:
            summary += ", front matter: " + ", ".join(sorted(fm.data))
        parts.append(Text(summary, style="dim"))
    return Panel(Group(*parts), title=entry.title, title_align="left")  # type: ignore[arg-type]
