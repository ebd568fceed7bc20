"""``papernotes mv``: move a note, an image or an index, or follow a renamed heading, and rewrite every link
that pointed to it.

Everything is planned before anything is written: every Markdown file is parsed and every link resolved the
way lint resolves it (``LinkGraph``). A link is rewritten when its target moves or the file it is written in
moves, in the style it was written in (``linkstyle``): percent-encoding, ``./``, an omitted ``.md``,
backslashes, ``?query`` and ``#fragment`` are kept, and path segments that do not change keep their bytes.
The move and the rewrites are one ``Transaction``: the move is ``git mv`` when Git tracks the file, and it is
undone when a rewrite fails. Front matter is never touched (its paths are not links).
"""

from __future__ import annotations

import posixpath
import re
import subprocess
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from papernotes.config import MARKDOWN_EXTENSIONS, LoadedConfig
from papernotes.edits import Mover, Transaction, repo_lock
from papernotes.errors import RefusedError, UnsafeInputError, UsageError
from papernotes.facts import FileFacts, LinkFact
from papernotes.links import LinkGraph, Resolved
from papernotes.linkstyle import Written, anchor_target, canonical, moved_target, non_ascii_style
from papernotes.parsing import ParsedText, parse_text
from papernotes.slug import anchors_for
from papernotes.splice import LineEdit, apply_edits
from papernotes.textfile import TextFile, read_text
from papernotes.workspace import build_document, compile_globs, discover, role_candidates

__all__ = ["MvResult", "render_summary", "run_mv"]

_INLINE_OPEN = re.compile(r"\]\([ \t]*")
_REF_DEF = re.compile(r"^ {0,3}\[(?:[^\]\\\n]|\\.)+\]:[ \t]*")
_HTML_ATTR = re.compile(r"""\b(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>")
_WIKILINK = re.compile(r"!?\[\[([^\[\]|\n]*)")
_BACKTICKS = re.compile(r"`+")
# The new target of a resolved link, given its target as written and whether it stands in <...>, or None.
_Retarget = Callable[[Resolved, str, bool], "str | None"]
# How far below its first line a link's destination may stand (a link text wrapped over lines).
_MAX_BLOCK_LINES = 50


@dataclass
class MvResult:
    """What ``mv`` did (or, dry, would do). Paths are relative to the repository root."""

    kind: Literal["file", "anchor"]
    src: str  # "notes/a.md", or "notes/a.md#old" for an anchor
    dst: str
    links: int = 0  # links rewritten
    files: list[str] = field(default_factory=list)  # files with rewritten links, where they are afterwards
    git: bool = False  # moved with `git mv`
    diff: str = ""
    written: list[Path] = field(default_factory=list)
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)


def run_mv(config: LoadedConfig, src: Path, dst: Path, *, dry_run: bool) -> MvResult:
    """Move ``src`` to ``dst`` (relative paths are from the current folder, as for ``git mv``; an existing
    folder as ``dst`` receives the file), or, given ``FILE#old`` and ``FILE#new`` (or ``#new``), rewrite
    the links to the anchor ``#old`` of FILE, whose heading the user has already renamed.

    Raises UsageError for malformed arguments, RefusedError when the move is refused (``dst`` exists, ``src``
    is missing, a path is outside the repository, a link cannot be rewritten) and WriteRefusedError when
    the write fails: then no file has changed.
    """
    root = config.root
    src_text, dst_text = str(src), str(dst)
    with nullcontext() if dry_run else repo_lock(root):
        planner: _Planner
        if not _names_a_file(src_text) and "#" in src_text:
            planner = _AnchorRename(config, *_anchor_request(root, src_text, dst_text))
        else:
            if "#" in posixpath.basename(dst_text):
                # Links to such a name need "%23", and FILE#anchor is how this command names an anchor.
                raise UsageError(
                    f"{dst_text} holds a '#': to follow a renamed heading give FILE#old-anchor "
                    "FILE#new-anchor; papernotes does not give files names with '#'"
                )
            source = _repo_path(root, src)
            planner = _FileMove(config, source, _destination(config, source, dst))
        result = planner.plan(dry_run=dry_run)
        if not dry_run:
            result.written = planner.transaction.commit(reparse=_reparse)
    return result


def render_summary(result: MvResult) -> str:
    """The line ``papernotes mv`` prints once the move is written (a dry run prints ``result.diff``)."""
    links = f"{result.links} link{'' if result.links == 1 else 's'}"
    files = f"{len(result.files)} file{'' if len(result.files) == 1 else 's'}"
    if result.kind == "anchor":
        anchor = result.dst.rpartition("#")[2]
        return f"Rewrote {links} to {result.src} in {files}: they now point to #{anchor}.\n"
    how = " (git mv)" if result.git else ""
    rewritten = f"rewrote {links} in {files}" if result.links else "no link pointed to it"
    return f"Moved {result.src} to {result.dst}{how}; {rewritten}.\n"


def _reparse(text: str) -> object:
    return parse_text(text)


# Arguments


def _names_a_file(text: str) -> bool:
    # A file name may hold a "#" ("C#.md"): only a path that exists as given is read as a file.
    return Path(text).exists()


def _repo_path(root: Path, given: Path) -> str:
    """``given`` (absolute, or relative to the current folder) relative to the root, "/"-separated."""
    absolute = given if given.is_absolute() else Path.cwd() / given
    # Symlinked folders are followed; the last component is not, so a symlink is named, not its target.
    normal = Path(posixpath.normpath(absolute.as_posix()))
    try:
        inside = (normal.parent.resolve() / normal.name).relative_to(root.resolve())
    except ValueError:
        raise RefusedError(
            "is outside the repository; papernotes moves files inside it only", path=given
        ) from None
    rel = inside.as_posix()
    if rel in ("", "."):
        raise RefusedError("is the repository itself", path=given)
    return rel


def _destination(config: LoadedConfig, src: str, dst: Path) -> str:
    root = config.root
    source = root / src
    if not source.exists() and not source.is_symlink():
        raise RefusedError("does not exist", path=src)
    if source.is_symlink():
        raise RefusedError("is a symbolic link; move the file it points to", path=src)
    if not source.is_file():
        raise RefusedError("is not a file; papernotes moves one file at a time", path=src)
    target = _repo_path(root, dst)
    if (root / target).is_dir() and not (root / target).is_symlink():
        target = posixpath.join(target, posixpath.basename(src))  # as mv and git mv do
    if target == src:
        raise RefusedError(f"is already at {target}", path=src)
    if (root / target).exists() or (root / target).is_symlink():
        raise RefusedError("already exists; papernotes never overwrites a file", path=target)
    if target.split("/", 1)[0] == ".git" or compile_globs(config.settings.all_excludes)(target):
        raise RefusedError(
            "is excluded by the configuration (exclude): papernotes would lose sight of the file", path=target
        )
    folder = (root / target).parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise RefusedError(
            f"cannot make a folder inside the file {folder.relative_to(root).as_posix()}", path=target
        )
    return target


def _anchor_request(root: Path, src: str, dst: str) -> tuple[str, str, str]:
    """(file, old anchor, new anchor) from ``FILE#old`` and ``FILE#new`` or ``#new``; anchors decoded."""
    file_part, _, old = src.rpartition("#")
    dst_file, hash_sign, new = dst.rpartition("#")
    if not hash_sign:
        raise UsageError(f"{src} names an anchor: give the new one as FILE#new-anchor or #new-anchor")
    if not file_part or not old or not new:
        raise UsageError("give a file and both anchors: papernotes mv FILE#old-anchor FILE#new-anchor")
    file = _repo_path(root, Path(file_part))
    if dst_file and _repo_path(root, Path(dst_file)) != file:
        raise UsageError(
            "an anchor stays in its file: give the same FILE on both sides (or just #new-anchor)"
        )
    if not (root / file).is_file():
        raise RefusedError("does not exist", path=file)
    if not file.lower().endswith(MARKDOWN_EXTENSIONS):
        raise RefusedError("is not a Markdown file: it has no heading anchors", path=file)
    return file, unquote(old), unquote(new)


# Planning


class _Planner:
    """Reads and parses the repository once, then collects link rewrites into one transaction."""

    def __init__(self, config: LoadedConfig) -> None:
        self.config = config
        self.root = config.root
        self.transaction = Transaction(self.root)
        self.warnings: list[str] = []
        self.discovery = discover(self.root, config.settings)
        self.texts: dict[str, TextFile] = {}
        self.parsed: dict[str, ParsedText] = {}
        for rel in self.discovery.markdown:
            self._read(rel, required=False)

    def _read(self, rel: str, *, required: bool) -> None:
        try:
            tf = read_text(self.root / rel)
        except UnsafeInputError as err:
            if required:
                raise RefusedError(
                    f"cannot rewrite its links: {err.message}", path=rel, line=err.line
                ) from None
            self.warnings.append(f"{rel}: {err.message}; its links were not checked")
            return
        self.texts[rel] = tf
        self.parsed[rel] = parse_text(tf.text, path=rel)

    def graph(self) -> LinkGraph:
        from papernotes.lint import self_urls  # the same self-URL prefixes lint resolves with

        settings = self.config.settings
        facts = {rel: FileFacts(path=rel, links=parsed.links) for rel, parsed in self.parsed.items()}
        return LinkGraph(
            facts,
            self.discovery.files,
            self.discovery.dirs,
            images=self.discovery.images,
            self_urls=self_urls(self.root, settings),
            wikilinks=settings.wikilinks,
        )

    def plan(self, *, dry_run: bool) -> MvResult:
        raise NotImplementedError

    def rewrites(self, retarget: _Retarget) -> dict[str, tuple[list[LineEdit], int]]:
        """Per file, the line edits that give links their ``retarget`` (when not None), and how many links
        they rewrite."""
        wanted: dict[str, list[Resolved]] = {}
        for res in self.graph().resolved:
            new = retarget(res, res.link.target.strip(), False)
            if new is not None and new != res.link.target.strip():
                wanted.setdefault(res.source, []).append(res)
        out = {}
        for rel, links in sorted(wanted.items()):
            edits, count = _line_edits(rel, self.texts[rel].lines(), self.parsed[rel], links, retarget)
            if count:
                out[rel] = (edits, count)
        return out


class _FileMove(_Planner):
    def __init__(self, config: LoadedConfig, src: str, dst: str) -> None:
        super().__init__(config)
        self.src, self.dst = src, dst
        self._encoding: dict[str, bool] = {}
        self.markdown = src.lower().endswith(MARKDOWN_EXTENSIONS)
        if self.markdown and src not in self.texts:
            self._read(src, required=True)  # excluded from discovery, or unreadable: its own links matter

    def plan(self, *, dry_run: bool) -> MvResult:
        result = MvResult(kind="file", src=self.src, dst=self.dst, dry_run=dry_run)
        rewrites = self.rewrites(self._retarget)
        mover, result.git = _mover(self.root, self.src)
        source = self.root / self.src
        own = rewrites.pop(self.src, None)
        if own is not None:
            tf = self.texts[self.src]
            self.transaction.rename(tf, self.root / self.dst, apply_edits(tf, own[0]), mover=mover)
        else:
            self.transaction.rename(source, self.root / self.dst, mover=mover)
        for rel, (edits, _count) in rewrites.items():
            tf = self.texts[rel]
            self.transaction.replace(tf, apply_edits(tf, edits))
        counts = {
            **{rel: count for rel, (_, count) in rewrites.items()},
            **({self.dst: own[1]} if own else {}),
        }
        result.links = sum(counts.values())
        result.files = sorted(counts)
        result.diff = self.transaction.diff()
        result.warnings = [*self.warnings, *self._role_warnings()]
        return result

    def _retarget(self, res: Resolved, written: str, angled: bool) -> str | None:
        html = res.link.kind in ("html_img", "html_a")
        how = Written(angled=angled, html=html, file_encodes=self._encodes(res.source))
        return moved_target(res, written, self.src, self.dst, how)

    def _encodes(self, rel: str) -> bool:
        """Whether the links of ``rel`` percent-encode non-ASCII names (more of them do than do not)."""
        if rel not in self._encoding:
            links = self.parsed[rel].links if rel in self.parsed else []
            votes = [non_ascii_style(link.target) for link in links]
            self._encoding[rel] = votes.count(True) > votes.count(False)
        return self._encoding[rel]

    def _role_warnings(self) -> list[str]:
        if not self.markdown or self.src not in self.texts:
            return []
        is_index, is_note, explicit = role_candidates(self.config.settings)
        if not is_index(self.src) or is_index(self.dst):
            return []
        doc = build_document(
            self.texts[self.src].text,
            self.src,
            index_candidate=True,
            explicit=explicit,
            is_note=is_note(self.src),
        )
        if doc.role != "index":
            return []
        return [
            f"{self.dst} is not where papernotes looks for indexes: list it under `indexes` in "
            "papernotes.toml, or lint will read it as a note"
        ]


class _AnchorRename(_Planner):
    def __init__(self, config: LoadedConfig, file: str, old: str, new: str) -> None:
        super().__init__(config)
        self.file, self.old, self.new = file, old, new
        if file not in self.parsed:
            self._read(file, required=True)
        self._check()

    def _check(self) -> None:
        parsed = self.parsed[self.file]
        flavour = self.config.settings.slug_flavour
        anchors = set(anchors_for([(h.text, h.raw) for h in parsed.headings], flavour))
        anchors |= set(parsed.html_anchors)
        if self.old == self.new:
            raise UsageError(f"#{self.old} and #{self.new} are the same anchor")
        if self.new not in anchors:
            raise RefusedError(
                f"has no heading with the anchor #{self.new}; rename the heading first, then run mv "
                "to rewrite the links",
                path=self.file,
            )
        if self.old in anchors:
            raise RefusedError(
                f"#{self.old} is still an anchor here: links to it are not broken; rename its heading first",
                path=self.file,
            )

    def plan(self, *, dry_run: bool) -> MvResult:
        result = MvResult(
            kind="anchor", src=f"{self.file}#{self.old}", dst=f"{self.file}#{self.new}", dry_run=dry_run
        )
        for rel, (edits, count) in self.rewrites(self._retarget).items():
            tf = self.texts[rel]
            self.transaction.replace(tf, apply_edits(tf, edits))
            result.links += count
            result.files.append(rel)
        result.diff = self.transaction.diff()
        result.warnings = list(self.warnings)
        return result

    def _retarget(self, res: Resolved, written: str, angled: bool) -> str | None:
        return anchor_target(res, written, self.file, self.old, self.new)


def _mover(root: Path, src: str) -> tuple[Mover | None, bool]:
    """``git mv`` when Git tracks ``src`` (the rename is then staged), else the plain no-clobber rename."""
    try:
        tracked = subprocess.run(
            ["git", "ls-files", "--error-unmatch", "--", src],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None, False  # no git at all
    if tracked.returncode != 0:
        return None, False

    def git_mv(old: Path, new: Path) -> None:
        done = subprocess.run(
            ["git", "mv", "--", str(old), str(new)], cwd=root, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise OSError(f"git mv failed: {done.stderr.strip() or done.returncode}")

    return git_mv, True


# Finding where a link is written


def _line_edits(
    rel: str, lines: list[str], parsed: ParsedText, links: Sequence[Resolved], retarget: _Retarget
) -> tuple[list[LineEdit], int]:
    """The line edits that write each link's new target where its old one stands in ``lines``, and how many
    links they change. The new target is made from the target as written, so its escapes survive."""
    spans: dict[tuple[int, int], tuple[int, str]] = {}
    claimed: set[tuple[int, int]] = set()
    for res in links:
        link = res.link
        where = _locate(lines, parsed, link, claimed)
        if where is None:
            raise RefusedError(
                f"cannot find where the link target {link.target!r} is written, so cannot rewrite it; "
                "write it plainly ([text](path)) or move the file by hand",
                path=rel,
                line=link.line,
            )
        index, start, end, shared = where
        if not shared:
            claimed.add((index, start))
        written = lines[index][start:end]
        angled = lines[index][start - 1 : start] == "<" and lines[index][end : end + 1] == ">"
        new = retarget(res, written, angled)
        if new is not None and new != written:
            spans[(index, start)] = (end, new)
    edits = []
    for index in sorted({index for index, _ in spans}):
        line = lines[index]
        for (_, start), (end, new) in sorted(
            ((key, value) for key, value in spans.items() if key[0] == index), reverse=True
        ):
            line = line[:start] + new + line[end:]
        edits.append(LineEdit(index + 1, index + 1, (line,)))
    return edits, len(spans)


def _locate(
    lines: list[str], parsed: ParsedText, link: LinkFact, claimed: set[tuple[int, int]]
) -> tuple[int, int, int, bool] | None:
    """(line index, start, end, shared) of ``link``'s destination: the first unclaimed one written the same
    way from its line to the end of its block, else a reference definition anywhere (shared by its uses)."""
    wanted = canonical(link.target)
    first = link.line - 1
    for index in range(first, min(len(lines), first + _MAX_BLOCK_LINES)):
        if index > first and not lines[index].strip():
            break  # a blank line ends the block the link stands in
        if index + 1 in parsed.code_lines:
            continue
        for start, end, is_definition in _destinations(lines[index], link):
            if (index, start) not in claimed and canonical(lines[index][start:end]) == wanted:
                return index, start, end, is_definition
    for index, line in enumerate(lines):
        match = _REF_DEF.match(line)
        if match is None or index + 1 in parsed.code_lines:
            continue
        start, end = _definition_span(line, match.end())
        if canonical(line[start:end]) == wanted:
            return index, start, end, True
    return None


def _destinations(line: str, link: LinkFact) -> Iterator[tuple[int, int, bool]]:
    """Spans of ``line`` that can hold ``link``'s target, outside code spans, in order; True marks a
    reference definition."""
    code = _code_spans(line)
    found: list[tuple[int, int, bool]] = []
    if link.kind == "bare_url":
        start = line.find(link.target)
        while start >= 0:
            found.append((start, start + len(link.target), False))
            start = line.find(link.target, start + 1)
    elif link.kind in ("wikilink", "embed"):
        found += [(m.start(1), m.end(1), False) for m in _WIKILINK.finditer(line)]
    elif link.kind in ("html_img", "html_a"):
        found += [
            (m.start(g), m.end(g), False)
            for m in _HTML_ATTR.finditer(line)
            for g in (1, 2, 3)
            if m.group(g) is not None
        ]
    else:
        found += [(*_inline_span(line, m.end()), False) for m in _INLINE_OPEN.finditer(line)]
        found += [(m.start(1), m.end(1), False) for m in _AUTOLINK.finditer(line)]
        definition = _REF_DEF.match(line)
        if definition is not None:
            found.append((*_definition_span(line, definition.end()), True))
    for start, end, shared in sorted(found):
        if not any(a <= start < b for a, b in code):
            yield start, end, shared


def _inline_span(line: str, start: int) -> tuple[int, int]:
    """The destination of an inline link whose ``](`` ends at ``start``: ``<...>`` inside, or up to the first
    space or unbalanced ``)``."""
    if line.startswith("<", start):
        end = line.find(">", start + 1)
        return start + 1, end if end >= 0 else start + 1
    depth = 0
    index = start
    while index < len(line) and not line[index].isspace():
        char = line[index]
        if char == "\\":
            index += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        index += 1
    return start, min(index, len(line))


def _definition_span(line: str, start: int) -> tuple[int, int]:
    if line.startswith("<", start):
        end = line.find(">", start + 1)
        return start + 1, end if end >= 0 else start + 1
    end = start
    while end < len(line) and not line[end].isspace():
        end += 1
    return start, end


def _code_spans(line: str) -> list[tuple[int, int]]:
    """Inline code spans of one line: a backtick run up to the next run of the same length."""
    runs = list(_BACKTICKS.finditer(line))
    spans = []
    index = 0
    while index < len(runs):
        opener = runs[index]
        closer = next(
            (i for i in range(index + 1, len(runs)) if len(runs[i].group()) == len(opener.group())), None
        )
        if closer is None:
            index += 1
            continue
        spans.append((opener.start(), runs[closer].end()))
        index = closer + 1
    return spans
