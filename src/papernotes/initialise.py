"""``papernotes init [DIR]``: start a notes collection, or describe the one already there, never overwriting.

In a folder whose Markdown files already list papers, init writes only ``papernotes.toml``, describing what
auto-detection found (index files, the folders the notes and figures live in, generated mirrors). Anywhere
else it creates a working collection: the configuration, a topic index with a TOC and one example entry, the
note template ``add`` fills, and ``assets/``.

The configuration shows every key it knows a value for, each under a one-line comment; only keys whose value
auto-detection would not find are left uncommented, so the file documents the layout without pinning it.
Everything is created in one ``Transaction`` (all files or none); a folder already configured is refused.
"""

from __future__ import annotations

import json
import posixpath
import textwrap
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from papernotes import __version__
from papernotes.config import MARKDOWN_EXTENSIONS, LoadedConfig, Settings, settings_from_table
from papernotes.edits import Transaction
from papernotes.errors import RefusedError, UsageError
from papernotes.model import Document, Entry, PaperId
from papernotes.queries import resolve_target
from papernotes.templates import DEFAULT_TEMPLATE
from papernotes.titles import normalise_title
from papernotes.workspace import Workspace, load_workspace

__all__ = ["HOOKS_REPO", "InitResult", "pre_commit_snippet", "run_init"]

CONFIG_NAME = "papernotes.toml"
INDEX = "notes/papers.md"
TEMPLATE = "notes/_template.md"  # excluded from discovery by the default `**/_template*.md`
ASSETS = "assets"
# Where this project's .pre-commit-hooks.yaml is published; pre-commit clones it at `rev`.
HOOKS_REPO = "https://github.com/papernotes/papernotes"
HOOK_IDS = ("papernotes-lint", "papernotes-toc")
# More note or image folders than this under one top folder are written as one recursive glob.
_MAX_FOLDERS = 3

_INDEX_TEXT = """\
# Papers

Reading notes, one entry per paper under its category. `papernotes add ARXIV_ID` adds a paper here, with
a note in papers/; `papernotes toc --write` keeps the table of contents below up to date.

<!-- papernotes:toc depth=2 -->
- [Example category](#example-category)
<!-- /papernotes:toc -->

## Example category

### 1706.03762 Attention Is All You Need
- https://arxiv.org/abs/1706.03762
- An example entry: an arXiv id, the title, the paper's URL, then summary bullets. Replace it with your own.
"""


@dataclass
class InitResult:
    """What ``run_init`` did. ``created``: paths relative to ``root``, in creation order; ``indexes``: the
    index files found (empty for a new collection); ``next_steps``: text for the user, ending in a newline."""

    root: Path
    created: list[str] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)
    entries: int = 0
    next_steps: str = ""

    def report(self) -> str:
        """Everything the command prints: what was found and created, then the next steps."""
        lines = []
        if self.indexes:
            found = ", ".join(self.indexes) if len(self.indexes) <= 3 else f"{len(self.indexes)} indexes"
            lines.append(f"Found {_plural(self.entries, 'paper entry', 'paper entries')} in {found}.")
        lines.append(f"Created in {self.root}:")
        lines += [f"  {rel}" for rel in self.created]
        return "\n".join(lines) + "\n\n" + self.next_steps


def run_init(target: Path, *, force_new: bool = False) -> InitResult:
    """Configure ``target`` (created if missing): describe its notes, or start a new collection there.

    ``force_new`` creates the new-collection files even where indexes were found (the configuration then
    lists both). Raises RefusedError when ``target`` is configured already or a file to create exists
    (nothing is written), UsageError when ``target`` is a file, WriteRefusedError when writing fails.
    """
    if target.exists() and not target.is_dir():
        raise UsageError("is not a folder", path=target)
    root = target.resolve()
    _refuse_configured(root)
    ws = load_workspace(LoadedConfig(root=root, settings=Settings(), source=None), use_cache=False)
    result = InitResult(root=root, indexes=[d.path for d in ws.indexes])
    result.entries = sum(len(d.entries) for d in ws.indexes)
    new = force_new or not ws.indexes
    files = _new_files(root) if new else {}
    config = _config_text(_keys(ws, new=new))
    settings_from_table(tomllib.loads(config), CONFIG_NAME)  # papernotes must read back what it writes
    files = {CONFIG_NAME: config, **files}
    clash = [rel for rel in files if (root / rel).exists() or (root / rel).is_symlink()]
    if clash:
        verb = "exists" if len(clash) == 1 else "exist"
        raise RefusedError(f"{', '.join(clash)} already {verb}; nothing was written", path=root)
    transaction = Transaction(root)
    for rel, text in files.items():
        transaction.create(root / rel, text)
    # No repo_lock: creating never replaces a file (create refuses one that appears meanwhile), and the lock
    # would leave a .papernotes_cache/ folder in a collection that has not been used yet.
    transaction.commit()
    result.created = list(files)
    result.next_steps = _next_steps(root, new=new)
    return result


def _refuse_configured(root: Path) -> None:
    config = root / CONFIG_NAME
    if config.exists():
        raise RefusedError("papernotes is configured here already; nothing was written", path=config)
    pyproject = root / "pyproject.toml"
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8")) if pyproject.is_file() else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return  # not a configuration papernotes could read either: it does not configure this folder
    tool = data.get("tool")
    if isinstance(tool, dict) and "papernotes" in tool:
        raise RefusedError(
            "[tool.papernotes] configures papernotes here already; nothing was written", path=pyproject
        )


def _new_files(root: Path) -> dict[str, str]:
    files = {INDEX: _INDEX_TEXT, TEMPLATE: DEFAULT_TEMPLATE}
    assets = root / ASSETS
    if not assets.is_dir() or not any(assets.iterdir()):
        files[f"{ASSETS}/.gitkeep"] = ""  # git keeps no empty folder
    return files


# The configuration


@dataclass(frozen=True, slots=True)
class _Key:
    name: str
    comment: str
    value: list[str] | str
    pinned: bool  # written uncommented: auto-detection would not find this value


def _keys(ws: Workspace, *, new: bool) -> list[_Key]:
    indexes = [d.path for d in ws.indexes]
    notes = _linked_folders(ws, _note_links)
    images = _linked_folders(ws, _figure_links) | {posixpath.dirname(p) for p in ws.discovery.images}
    if new:
        indexes.append(INDEX)
        notes.add(posixpath.join(posixpath.dirname(INDEX), "papers"))
        images.add(ASSETS)
    keys = [
        # Pinned in a new collection: auto-detection finds only files that list papers, and a new topic index
        # lists none (nor does this one once its example entry is gone).
        _Key("indexes", "Topic indexes: the Markdown files that list papers.", _index_globs(ws, indexes), new)
    ]
    if notes:
        globs = [posixpath.join(folder, "**/*.md" if deep else "*.md") for folder, deep in _folders(notes)]
        comment = "Per-paper notes (default: every Markdown file that is not an index)."
        keys.append(_Key("notes", comment, globs, False))
    if images - {""}:
        comment = "Folders whose every image must be used somewhere (default: every image)."
        # A folder stands for everything below it, however deep.
        keys.append(_Key("assets", comment, [folder for folder, _ in _folders(images - {""})], False))
    mirrors = _mirrors(ws.indexes)
    if mirrors:
        comment = "Generated mirrors of the other indexes: their duplicates are expected."
        keys.append(_Key("mirrors", comment, mirrors, True))
    if new:
        comment = "Where `add` writes a note, relative to its index ({id}, {slug}, {yyyymm})."
        keys.append(_Key("note-path", comment, "papers/{id}.md", False))
        # Auto-detection copies the front matter of sibling notes; a template file is only used when named.
        keys.append(_Key("note-template", "The note template `add` fills for a new paper.", TEMPLATE, True))
    return keys


def _config_text(keys: Sequence[_Key]) -> str:
    lines = [
        "# papernotes configuration, written by `papernotes init`.",
        "# Commented-out keys show what papernotes detects by itself: uncomment one to pin it.",
        "# `papernotes config` prints the settings in effect.",
    ]
    for key in keys:
        value = (
            json.dumps(key.value, ensure_ascii=False)
            if isinstance(key.value, str)
            else "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in key.value) + "]"
        )
        lines += ["", f"# {key.comment}", f"{'' if key.pinned else '# '}{key.name} = {value}"]
    return "\n".join(lines) + "\n"


def _index_globs(ws: Workspace, indexes: Sequence[str]) -> list[str]:
    """``folder/*.md`` for a folder (not the root) whose Markdown files are all indexes; else each path."""
    by_folder: dict[str, list[str]] = defaultdict(list)
    for path in indexes:
        by_folder[posixpath.dirname(path)].append(path)
    markdown: dict[str, set[str]] = defaultdict(set)
    for path in ws.discovery.markdown:
        markdown[posixpath.dirname(path)].add(path)
    globs: list[str] = []
    for folder, paths in by_folder.items():
        # Not "*.md" at the root: it would make every README, CHANGELOG and LICENSE.md there an index.
        if folder and markdown[folder] <= set(paths):
            globs.append(f"{folder}/*.md")
        else:
            globs += paths
    return globs


def _linked_folders(ws: Workspace, links: Callable[[Entry], Iterable[str]]) -> set[str]:
    """Folders inside the repository that the entries' ``links`` point into, whether they exist or not."""
    folders: set[str] = set()
    for doc in ws.indexes:
        for entry in doc.entries:
            for target in links(entry):
                rel = resolve_target(doc.path, target)
                if rel is not None and rel != ".." and not rel.startswith("../"):
                    folders.add(posixpath.dirname(rel))
    return folders


def _note_links(entry: Entry) -> list[str]:
    note = entry.note
    # A link with an #anchor points into an index or a reading log, not at a note of its own.
    if note is None or "#" in note or not note.lower().endswith(MARKDOWN_EXTENSIONS):
        return []
    return [note]


def _figure_links(entry: Entry) -> list[str]:
    return [figure.src for figure in entry.figures]


def _folders(folders: Iterable[str]) -> list[tuple[str, bool]]:
    """(folder, with its subfolders), sorted: many folders under one top folder (``papers/<venue>/<year>``)
    become their common folder, subfolders included."""
    by_top: dict[str, list[str]] = defaultdict(list)
    for folder in sorted(folders):
        by_top[folder.split("/", 1)[0]].append(folder)
    out: list[tuple[str, bool]] = []
    for group in by_top.values():
        if len(group) <= _MAX_FOLDERS:
            out += [(folder, False) for folder in group]
        else:
            out.append((posixpath.commonpath(group), True))
    return sorted(out)


def _mirrors(indexes: Sequence[Document]) -> list[str]:
    """Indexes every entry of which is listed in another index too: a README assembled from topic indexes."""
    keys_of = {doc.path: [_entry_keys(e.ids, e.title) for e in doc.entries] for doc in indexes}
    mirrors = []
    for doc in indexes:
        others = {k for path, listed in keys_of.items() if path != doc.path for keys in listed for k in keys}
        own = keys_of[doc.path]
        if len(own) >= 2 and all(keys & others for keys in own):
            mirrors.append(doc.path)
    # Two indexes mirroring each other are copies, not a mirror and its source: leave that to the user.
    return mirrors if len(mirrors) < len(indexes) else []


def _entry_keys(ids: Iterable[PaperId], title: str) -> set[str]:
    keys = {f"id:{pid.key}" for pid in ids}
    normalised = normalise_title(title)
    return keys | ({f"title:{normalised}"} if normalised else set())


# Next steps


def pre_commit_snippet() -> str:
    """The ``repos:`` entry of a ``.pre-commit-config.yaml`` that runs papernotes' hooks."""
    hooks = "".join(f"      - id: {hook}\n" for hook in HOOK_IDS)
    return f"repos:\n  - repo: {HOOKS_REPO}\n    rev: v{__version__}\n    hooks:\n{hooks}"


def _next_steps(root: Path, *, new: bool) -> str:
    steps = []
    if not any((folder / ".git").exists() for folder in (root, *root.parents)):
        steps.append("Make the folder a Git repository: git init")
    if new:
        steps.append(
            f"Add papers to {INDEX}: `papernotes add ARXIV_ID` writes the entry and a note from "
            f"{TEMPLATE}. Replace the example entry with your own."
        )
    else:
        steps.append(f"Review {CONFIG_NAME}, then check the collection: papernotes lint")
    snippet = "".join(f"      {line}\n" for line in pre_commit_snippet().splitlines())
    steps.append(
        "Check every commit with pre-commit (https://pre-commit.com): add this to .pre-commit-config.yaml, "
        f"then run `pre-commit install`:\n\n{snippet}"
    )
    steps.append("Merge branches that add papers without conflicts: papernotes git-setup")
    return "Next steps:\n" + "".join(_numbered(n, step) for n, step in enumerate(steps, 1))


def _numbered(number: int, step: str) -> str:
    """One step wrapped for an 80-column terminal; a block after a blank line (a snippet) keeps its lines."""
    text, _, block = step.partition("\n\n")
    head = f"  {number}. "
    wrapped = textwrap.fill(
        text,
        80,
        initial_indent=head,
        subsequent_indent=" " * len(head),
        break_on_hyphens=False,  # never "git-" / "setup": commands must stay whole to be copied
        break_long_words=False,
    )
    return wrapped + "\n" + (f"\n{block}\n" if block else "")


def _plural(count: int, word: str, words: str) -> str:
    return f"{count} {word if count == 1 else words}"
