"""Where ``papernotes add`` writes, settled before anything is fetched: index, category, note template.

The index is ``--index``, else the one holding ``--category``, else the only one; never a generated mirror.
The category is found by its name or its path ``a/b`` (NFKC, case-insensitive), or is the only one holding
entries. The note's template is ``note-template``, else the front matter most sibling notes share, else the
built-in one. A choice that cannot be made is a UsageError naming the option that settles it (a ConfigError
for an unreadable ``note-template``).
"""

from __future__ import annotations

import os
import posixpath
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from papernotes.config import MARKDOWN_EXTENSIONS, LoadedConfig
from papernotes.errors import ConfigError, PapernotesError, UsageError
from papernotes.model import Entry, Section
from papernotes.queries import resolve_target
from papernotes.templates import DEFAULT_TEMPLATE, Template, parse_template, template_from_front_matter
from papernotes.textfile import read_text
from papernotes.workspace import Workspace, compile_globs

__all__ = ["category_path", "choose_index", "given_index", "note_template"]


def choose_index(ws: Workspace, config: LoadedConfig, category: str | None, new_category: bool) -> str:
    """The index to write (relative to the root) when --index is not given: the only one, or the one
    holding the category; never a generated mirror."""
    mirror = compile_globs(config.settings.mirrors)
    candidates = [doc.path for doc in ws.indexes if not mirror(doc.path)]
    if category and not new_category:
        holding = [
            doc.path for doc in ws.indexes if doc.path in candidates and _matches(doc.sections, category)
        ]
        if len(holding) == 1:
            return holding[0]
        if holding:
            raise UsageError(f"category {category!r} is in {_listing(holding)}; choose one with --index")
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise UsageError("no index found (a Markdown file listing papers): give one with --index PATH")
    raise UsageError(f"several indexes: {_listing(candidates)}; choose one with --index")


def given_index(root: Path, index: Path) -> str:
    """``--index`` relative to the root, once it is known to be a Markdown file in the repository."""
    rel = posixpath.normpath(Path(os.path.relpath(index.absolute(), root)).as_posix())
    if rel == ".." or rel.startswith("../"):
        raise UsageError(f"--index {index} is outside the repository {root}")
    if not rel.lower().endswith(MARKDOWN_EXTENSIONS) or not (root / rel).is_file():
        raise UsageError(f"--index {index} is not a Markdown file")
    return rel


def category_path(
    sections: Sequence[Section], category: str | None, new_category: bool, index_rel: str
) -> tuple[str, ...]:
    """The category's path in the index; () for an index without categories."""
    if category is not None:
        found = _matches(sections, category)
        if new_category:
            if found:
                raise UsageError(
                    f"{index_rel}:{found[0].line}: category {category!r} exists; drop --new-category"
                )
            return (" ".join(category.split()),)
        if len(found) == 1:
            return tuple(found[0].path)
        if found:
            where = ", ".join(f"line {s.line}: {'/'.join(s.path)}" for s in found)
            raise UsageError(
                f"{index_rel}: several categories are named {category!r} ({where}); give its path a/b"
            )
        names = _listing(["/".join(s.path) for s in sections]) or "none"
        raise UsageError(
            f"{index_rel}: no category {category!r}; categories: {names} (--new-category creates one)"
        )
    holding = [s for s in sections if s.entry_count]
    if len(holding) > 1:
        names = _listing(["/".join(s.path) for s in holding])
        raise UsageError(f"{index_rel} has several categories; choose one with --category: {names}")
    return tuple(holding[0].path) if holding else ()


def note_template(config: LoadedConfig, ws: Workspace, index_rel: str, entries: Sequence[Entry]) -> Template:
    """``note-template``, else the front matter shape most sibling notes share, else the built-in one."""
    setting = config.settings.note_template
    if setting is not None:
        path = config.root / setting
        try:
            text = read_text(path).text
        except PapernotesError as err:
            raise ConfigError(f"note-template {setting}: {err.message}", path=config.source) from None
        return parse_template(text, source=setting)
    models: dict[tuple[str, ...], tuple[str, int]] = {}  # shape -> (first note with it, closing line)
    counts: Counter[tuple[str, ...]] = Counter()
    for entry in entries:
        rel = resolve_target(index_rel, entry.note) if entry.note else None
        doc = ws.documents.get(rel) if rel else None
        if doc is None or doc.front_matter is None:
            continue
        front = doc.front_matter
        if front.format == "yaml" and front.error is None and front.data:
            shape = tuple(front.data)
            models.setdefault(shape, (doc.path, front.end))
            counts[shape] += 1
    if counts:
        model, end = models[counts.most_common(1)[0][0]]
        try:
            lines = read_text(config.root / model).lines()
        except PapernotesError:
            pass  # gone or unreadable since the workspace was read: the built-in template will do
        else:
            return template_from_front_matter(lines[1 : end - 1], source=f"the front matter of {model}")
    return parse_template(DEFAULT_TEMPLATE, source="the built-in note template")


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _matches(sections: Sequence[Section], wanted: str) -> list[Section]:
    """Sections named ``wanted`` (NFKC, case-insensitive), by their own name or by their path "a/b"."""
    key = _fold(wanted)
    found = [s for s in sections if _fold(s.path[-1]) == key] or [
        s for s in sections if _fold("/".join(s.path)) == key
    ]
    # The seed's "# 模型" holds only its sub-category "## 模型": the one holding entries is meant.
    holding = [s for s in found if s.entry_count]
    return holding if len(found) > 1 and len(holding) == 1 else found


def _listing(items: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
