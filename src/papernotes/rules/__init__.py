"""The rule registry: one explicit table, checked at import. ``papernotes rule NAME`` prints a rule's doc."""

from __future__ import annotations

import re

from papernotes.diagnostics import Severity
from papernotes.rules import duplicate_rules as dup
from papernotes.rules import external_rules as ext
from papernotes.rules import index_rules as idx
from papernotes.rules import link_rules as lnk
from papernotes.rules import note_rules as note
from papernotes.rules import toc_rules as toc
from papernotes.rules.base import Rule

__all__ = ["REGISTRY", "Rule", "lookup", "resolve_selection"]

E, W, I = Severity.error, Severity.warning, Severity.info  # noqa: E741 - a table key, read as E/W/I

# fmt: off
_RULES = [
    Rule("PN001", "merge-conflict", E, "Committed merge-conflict markers", idx.MERGE_CONFLICT_DOC, "none", "file", idx.merge_conflict),
    Rule("PN002", "duplicate-entry", W, "The same paper twice in one index", dup.DUPLICATE_ENTRY_DOC, "unsafe", "file", dup.duplicate_entry),
    Rule("PN003", "duplicate-entry-across-files", I, "The same paper in two indexes", dup.DUPLICATE_ENTRY_ACROSS_FILES_DOC, "none", "repo", dup.duplicate_entry_across_files),
    Rule("PN004", "conflicting-id", W, "One id used by two different titles", dup.CONFLICTING_ID_DOC, "none", "repo", dup.conflicting_id),
    Rule("PN005", "duplicate-section", W, "A category repeated under one parent", idx.DUPLICATE_SECTION_DOC, "none", "file", idx.duplicate_section),
    Rule("PN006", "malformed-entry", W, "An entry written in a way that breaks it", idx.MALFORMED_ENTRY_DOC, "safe", "file", idx.malformed_entry),
    Rule("PN007", "entry-without-note", I, "An entry with no note link and no paper URL", note.ENTRY_WITHOUT_NOTE_DOC, "none", "file", note.entry_without_note),
    Rule("PN008", "orphan-note", W, "A note no index links to", lnk.ORPHAN_NOTE_DOC, "none", "repo", lnk.orphan_note),
    Rule("PN009", "duplicate-note", W, "Two notes with the same content or paper", dup.DUPLICATE_NOTE_DOC, "none", "repo", dup.duplicate_note),
    Rule("PN010", "broken-link", E, "A relative link to a file that does not exist", lnk.BROKEN_LINK_DOC, "none", "repo", lnk.broken_link),
    Rule("PN011", "link-case-mismatch", E, "A link that resolves only case-insensitively", lnk.LINK_CASE_MISMATCH_DOC, "safe", "repo", lnk.link_case_mismatch),
    Rule("PN012", "link-outside-root", W, "A link that leaves the repository", lnk.LINK_OUTSIDE_ROOT_DOC, "none", "repo", lnk.link_outside_root),
    Rule("PN013", "absolute-local-path", W, "A link to a path on one machine", lnk.ABSOLUTE_LOCAL_PATH_DOC, "none", "repo", lnk.absolute_local_path),
    Rule("PN014", "broken-anchor", W, "A #fragment that matches no heading anchor", lnk.BROKEN_ANCHOR_DOC, "safe", "repo", lnk.broken_anchor),
    Rule("PN015", "missing-image", E, "An image whose file does not exist", lnk.MISSING_IMAGE_DOC, "safe", "repo", lnk.missing_image),
    Rule("PN016", "unused-image", W, "An image file nothing references", lnk.UNUSED_IMAGE_DOC, "none", "repo", lnk.unused_image),
    Rule("PN017", "invalid-paper-id", W, "A prefix that is neither a valid arXiv id nor a date", idx.INVALID_PAPER_ID_DOC, "none", "file", idx.invalid_paper_id),
    Rule("PN018", "date-id-mismatch", W, "A date prefix contradicting the arXiv id", idx.DATE_ID_MISMATCH_DOC, "unsafe", "file", idx.date_id_mismatch),
    Rule("PN019", "frontmatter-invalid", E, "Front matter that does not parse or fails the schema", note.FRONTMATTER_INVALID_DOC, "none", "file", note.frontmatter_invalid),
    Rule("PN020", "note-index-mismatch", W, "A note's front matter disagreeing with its entry", note.NOTE_INDEX_MISMATCH_DOC, "none", "repo", note.note_index_mismatch),
    Rule("PN021", "heading-level", W, "Entries at mixed levels; categories skipping levels", idx.HEADING_LEVEL_DOC, "none", "file", idx.heading_level),
    Rule("PN022", "empty-todo", I, "An empty checkbox item", idx.EMPTY_TODO_DOC, "unsafe", "file", idx.empty_todo),
    Rule("PN023", "empty-section", W, "A category with no entries", idx.EMPTY_SECTION_DOC, "none", "file", idx.empty_section),
    Rule("PN024", "toc-stale", W, "A table of contents that does not match the headings", toc.TOC_STALE_DOC, "safe", "file", toc.toc_stale),
    Rule("PN025", "toc-corrupt", E, "A TOC collapsed onto one line with 'auto' separators", toc.TOC_CORRUPT_DOC, "safe", "file", toc.toc_corrupt),
    Rule("PN026", "toc-markers", W, "TOC markers that do not pair up", toc.TOC_MARKERS_DOC, "none", "file", toc.toc_markers),
    Rule("PN027", "typora-toc", I, "A Typora [toc] line GitHub shows as text", toc.TYPORA_TOC_DOC, "none", "file", toc.typora_toc),
    Rule("PN028", "broken-external-link", W, "An http(s) link that is gone or unreachable", ext.BROKEN_EXTERNAL_LINK_DOC, "none", "repo", ext.broken_external_link, opt_in=True),
]
# fmt: on

REGISTRY: dict[str, Rule] = {rule.name: rule for rule in _RULES}
_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in _RULES}
_DOC_SECTIONS = ("## What it does", "## Why it matters", "## Example", "## Fix")


def _check_registry() -> None:
    if len(REGISTRY) != len(_RULES) or len(_BY_CODE) != len(_RULES):
        raise RuntimeError("rule names and codes must be unique")
    for rule in _RULES:
        if not re.fullmatch(r"PN\d{3}", rule.code) or not re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name):
            raise RuntimeError(f"bad rule identity: {rule.code} {rule.name}")
        missing = [s for s in _DOC_SECTIONS if s not in rule.doc]
        if missing:
            raise RuntimeError(f"rule {rule.name} lacks doc sections {missing}")


_check_registry()


def lookup(name_or_code: str) -> Rule | None:
    key = name_or_code.strip()
    return REGISTRY.get(key.lower()) or _BY_CODE.get(key.upper())


def resolve_selection(items: list[str] | None) -> set[str] | None:
    """Rule names for --select/--ignore values (names, codes, code prefixes like PN0, or ALL)."""
    from papernotes.errors import UsageError

    if items is None:
        return None
    names: set[str] = set()
    for raw in items:
        for item in (p for p in re.split(r"[\s,]+", raw) if p):
            if item.upper() == "ALL":
                names.update(REGISTRY)
                continue
            rule = lookup(item)
            if rule is not None:
                names.add(rule.name)
                continue
            prefixed = [
                r.name for r in _RULES if r.code.startswith(item.upper()) and item.upper().startswith("PN")
            ]
            if not prefixed:
                raise UsageError(f"unknown rule {item!r}; see `papernotes rules`")
            names.update(prefixed)
    return names
