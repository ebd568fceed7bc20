"""The repository as papernotes sees it: which files are indexes, notes and images, and what each one says.

Discovery walks the tree once (pruning excluded folders), then every Markdown file is read through the one
read path and turned into a ``Document``. Nothing here writes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from papernotes.config import (
    DEFAULT_INDEX_CANDIDATES,
    IMAGE_EXTENSIONS,
    MARKDOWN_EXTENSIONS,
    NOT_INDEXES,
    LoadedConfig,
    Settings,
)
from papernotes.errors import UnsafeInputError

if TYPE_CHECKING:
    from papernotes.model import Document, Repository

__all__ = [
    "Discovery",
    "Workspace",
    "build_document",
    "compile_globs",
    "discover",
    "load_workspace",
]


@dataclass
class Discovery:
    markdown: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    files: set[str] = field(default_factory=set)
    dirs: set[str] = field(default_factory=set)
    outside: list[str] = field(default_factory=list)  # Markdown symlinks leading out of the repository


@dataclass
class Workspace:
    root: Path
    config: LoadedConfig
    discovery: Discovery
    documents: dict[str, Document]

    @property
    def settings(self) -> Settings:
        return self.config.settings

    @property
    def indexes(self) -> list[Document]:
        return [d for d in self.documents.values() if d.role == "index"]

    @property
    def notes(self) -> list[Document]:
        return [d for d in self.documents.values() if d.role == "note"]

    def repository(self) -> Repository:
        """The whole collection as one record: indexes, notes, images and the link graph between files."""
        from papernotes.model import IndexFile, Note, Repository
        from papernotes.queries import resolve_target

        graph: dict[str, list[str]] = {}
        known = set(self.discovery.files) | set(self.discovery.dirs)
        for path, doc in sorted(self.documents.items()):
            targets = {resolve_target(path, link.target) for link in doc.links}
            targets = {t + ".md" if t + ".md" in known and t not in known else t for t in targets if t}
            graph[path] = sorted(t for t in targets if t in known and t != path)
        images = {"image", "html_img", "embed"}
        return Repository(
            root=str(self.root),
            indexes=[
                IndexFile(
                    path=d.path,
                    title=d.title,
                    sections=d.sections,
                    entries=d.entries,
                    conflicts=d.conflicts,
                    toc_blocks=d.toc_blocks,
                )
                for d in self.indexes
            ],
            notes=[
                Note(
                    path=d.path,
                    title=d.title,
                    front_matter=d.front_matter,
                    headings=d.headings,
                    links=[link for link in d.links if link.kind not in images],
                    images=[link for link in d.links if link.kind in images],
                    toc_blocks=d.toc_blocks,
                )
                for d in self.notes
            ],
            images=list(self.discovery.images),
            links=graph,
        )


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """gitignore-flavoured globs: no slash matches a name at any depth; ``**`` spans folders."""
    pattern = pattern.strip().removeprefix("./")
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.rstrip("/")
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))
        i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    # A pattern naming a folder excludes everything below it.
    return re.compile(f"^{prefix}{body}(?:/.*)?$", re.IGNORECASE if os.name == "nt" else 0)


def compile_globs(patterns: Iterable[str]) -> Callable[[str], bool]:
    """Plain names are a set lookup on each path component, the rest one regex: discovery asks this once per
    file and folder of the repository."""
    names: set[str] = set()
    bodies: list[str] = []
    for pattern in (p.strip().removeprefix("./").rstrip("/") for p in patterns):
        if not pattern:
            continue
        if "/" not in pattern and not any(c in pattern for c in "*?["):
            names.add(pattern)
        else:
            bodies.append(_glob_regex(pattern).pattern)
    match = re.compile("|".join(f"(?:{b})" for b in bodies)).match if bodies else None

    def matches(path: str) -> bool:
        if names and not names.isdisjoint(path.split("/")):
            return True
        return match is not None and match(path) is not None

    return matches


def discover(root: Path, settings: Settings) -> Discovery:
    excluded = compile_globs(settings.all_excludes)
    found = Discovery()
    root_str = str(root)
    root_real = os.path.realpath(root_str)
    for folder, dirnames, filenames in os.walk(root_str, followlinks=False):
        rel_folder = os.path.relpath(folder, root_str).replace(os.sep, "/")
        rel_folder = "" if rel_folder == "." else rel_folder + "/"
        kept = []
        for name in dirnames:
            rel = rel_folder + name
            if not excluded(rel):
                kept.append(name)
                found.dirs.add(rel)
        dirnames[:] = sorted(kept)
        for name in filenames:
            rel = rel_folder + name
            if excluded(rel):
                continue
            found.files.add(rel)
            lower = name.lower()
            if lower.endswith(MARKDOWN_EXTENSIONS):  # os.walk lists folders (even "x.md/") in dirnames
                full = os.path.join(folder, name)  # noqa: PTH118 - strings in the walk's hot loop
                if os.path.islink(full) and not _inside(root_real, full):  # noqa: PTH114
                    found.outside.append(rel)  # never read: its text could be any file of the machine
                else:
                    found.markdown.append(rel)
            elif lower.endswith(IMAGE_EXTENSIONS):
                found.images.append(rel)
    found.markdown.sort()
    found.images.sort()
    return found


def _inside(root_real: str, path: str) -> bool:
    target = os.path.realpath(path)
    return target == root_real or target.startswith(root_real + os.sep)


OUTSIDE_MESSAGE = "a symlink that leads outside the repository: not read"


def role_candidates(
    settings: Settings,
) -> tuple[Callable[[str], bool], Callable[[str], bool], bool]:
    """(is index candidate, is note, explicit): how a path's role is decided before its content is read."""
    if settings.indexes is not None:
        is_index = compile_globs(settings.indexes)
        explicit = True
    else:
        candidates = compile_globs([*DEFAULT_INDEX_CANDIDATES, "**/README.md", "**/readme.md"])
        never = compile_globs(NOT_INDEXES)

        def is_index(path: str) -> bool:
            return candidates_anchored(path, candidates) and not never(path)

        explicit = False
    is_note = compile_globs(settings.notes) if settings.notes is not None else (lambda path: True)
    return is_index, is_note, explicit


def candidates_anchored(path: str, candidates: Callable[[str], bool]) -> bool:
    # "*.md" in DEFAULT_INDEX_CANDIDATES means root-level files only, not every Markdown file.
    depth = path.count("/")
    if depth == 0:
        return True
    first = path.split("/", 1)[0]
    if depth == 1 and first in ("notes", "docs", "papers"):
        return True
    return path.rsplit("/", 1)[-1].lower() == "readme.md" and candidates(path)


def build_document(text: str, path: str, *, index_candidate: bool, explicit: bool, is_note: bool) -> Document:
    """One file's text (normalised, no BOM) -> its Document."""
    from papernotes.entries import extract_entries
    from papernotes.model import Document, Heading, Link
    from papernotes.parsing import parse_text
    from papernotes.toc import find_blocks

    parsed = parse_text(text, path=path)
    doc = Document(
        path=path,
        line_count=len(parsed.lines),
        headings=[Heading.model_validate(h._asdict()) for h in parsed.headings],
        links=[Link.model_validate(link._asdict()) for link in parsed.links],
        html_anchors=parsed.html_anchors,
        conflicts=parsed.conflicts,
        front_matter=parsed.front_matter,
        empty_todos=parsed.empty_todos,
        toc_blocks=find_blocks(parsed),
        title=next((h.text for h in parsed.headings if h.level == 1), None),
    )
    if index_candidate:
        found = extract_entries(parsed, path)
        if found.entries or explicit:
            doc.role = "index"
            doc.entries = found.entries
            doc.sections = found.sections
            doc.title = found.title or doc.title
            return doc
    name = path.rsplit("/", 1)[-1].lower()
    doc.role = "note" if is_note and name not in ("readme.md", "index.md") else "other"
    return doc


def load_workspace(config: LoadedConfig, *, use_cache: bool = True) -> Workspace:
    from papernotes.model import Document
    from papernotes.textfile import read_text

    settings = config.settings
    found = discover(config.root, settings)
    is_index, is_note, explicit = role_candidates(settings)
    documents = {rel: Document(path=rel, skipped=OUTSIDE_MESSAGE) for rel in found.outside}
    for rel in found.markdown:
        try:
            tf = read_text(config.root / rel)
            if tf.size > settings.max_file_size:
                raise UnsafeInputError(f"larger than {settings.max_file_size} bytes: skipped", path=rel)
        except UnsafeInputError as err:
            documents[rel] = Document(path=rel, skipped=err.message, skipped_line=err.line)
            continue
        documents[rel] = build_document(
            tf.text, rel, index_candidate=is_index(rel), explicit=explicit, is_note=is_note(rel)
        )
    demote_topics(documents, lambda entry: entry.span.line, explicit=explicit)
    return Workspace(root=config.root, config=config, discovery=found, documents=documents)


def demote_topics(files: Mapping[str, Any], line_of: Callable[[Any], int], *, explicit: bool) -> None:
    """Drop each index's entries that link to another index: a README listing topic indexes lists topics,
    not papers. An index left without entries is no index, unless the configuration names the indexes.

    ``files`` are documents or lint's facts (each with ``role`` and ``entries``); ``line_of`` gives an
    entry's line.
    """
    indexes = {path for path, item in files.items() if item.role == "index"}
    for path in sorted(indexes):
        item = files[path]
        topics = topic_entries(path, ((line_of(e), e.note) for e in item.entries), indexes)
        if topics:
            item.entries = [e for e in item.entries if line_of(e) not in topics]
            if not item.entries and not explicit:
                item.role = "other"


def topic_entries(source: str, notes: Iterable[tuple[int, str | None]], indexes: set[str]) -> set[int]:
    """Lines of the entries of ``source`` whose link leads to another index: a README listing topic indexes
    lists topics, not papers."""
    from papernotes.queries import resolve_target

    lines: set[int] = set()
    for line, target in notes:
        if target is None:
            continue
        resolved = resolve_target(source, target)
        if (
            resolved is not None
            and resolved != source
            and (resolved in indexes or resolved + ".md" in indexes)
        ):
            lines.add(line)
    return lines
