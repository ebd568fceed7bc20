"""Where every link of the repository points: resolved once, shared by all link, anchor and image rules.

Pure over the discovered file set: a link is resolved the way GitHub resolves it (relative to its file,
``/x`` relative to the repository root, percent-decoded, ``?query`` and ``#fragment`` split off), with the
extras real notes repositories need: ``.md`` omitted, absolute URLs to this same repository, wikilinks.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

from papernotes.facts import FileFacts, LinkFact

__all__ = ["LinkGraph", "Resolved", "self_url_paths"]

Kind = Literal["external", "local", "anchor", "absolute-local", "outside", "script", "mail", "empty", "wiki"]

_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]{1,31}):")
_DRIVE_RE = re.compile(r"^[a-zA-Z]:[\\/]")
# Folders that only exist on someone's machine: a link into them is a pasted local path.
_LOCAL_ROOTS = (
    "/Users/",
    "/home/",
    "/root/",
    "/mnt/",
    "/media/",
    "/Volumes/",
    "/private/",
    "/tmp/",
    "/var/folders/",
    "/opt/",
    "/usr/",
    "/etc/",
)
_MARKDOWN = (".md", ".markdown", ".mdown", ".mkd")
_GITHUB_BLOB_RE = re.compile(r"^/(?:blob|tree|raw)/[^/]+/(.*)$")


@dataclass(slots=True)
class Resolved:
    source: str
    link: LinkFact
    kind: Kind
    path: str | None = None  # repository-relative target (as written, normalised)
    fragment: str | None = None  # percent-decoded, without '#'
    actual: str | None = None  # the existing file or folder it resolves to (case-corrected, .md added)
    case_mismatch: bool = False
    is_dir: bool = False

    @property
    def exists(self) -> bool:
        return self.actual is not None and not self.case_mismatch

    @property
    def is_image(self) -> bool:
        return self.link.kind in ("image", "html_img", "embed")


def self_url_paths(prefixes: Iterable[str]) -> list[str]:
    """Normalised URL prefixes (``github.com/owner/repo``) that point into this repository."""
    out: list[str] = []
    for prefix in prefixes:
        cleaned = re.sub(r"^https?://", "", prefix.strip()).rstrip("/").removesuffix(".git").lower()
        if cleaned:
            out.append(cleaned)
    return out


class LinkGraph:
    def __init__(
        self,
        facts: Mapping[str, FileFacts],
        files: set[str],
        dirs: set[str],
        *,
        images: Sequence[str] = (),
        self_urls: Iterable[str] = (),
        wikilinks: bool = False,
        read_lines: Callable[[str], list[str] | None] = lambda path: None,
    ) -> None:
        self.facts = facts
        self.images = list(images)
        self._read_lines = read_lines
        self._lines: dict[str, list[str] | None] = {}
        self.files = files
        self.dirs = dirs
        self._lower: dict[str, str] = {}
        for path in (*files, *dirs):
            self._lower.setdefault(path.lower(), path)
        self._self = self_url_paths(self_urls)
        self._wiki: dict[str, list[str]] | None = None
        if wikilinks:
            self._wiki = defaultdict(list)
            for path in files:
                name = posixpath.basename(path)
                self._wiki[name.lower()].append(path)
                stem, dot, _ext = name.rpartition(".")
                if dot:
                    self._wiki[stem.lower()].append(path)
        self.resolved: list[Resolved] = []
        self.inbound: dict[str, list[Resolved]] = defaultdict(list)
        for source in sorted(facts):
            for link in facts[source].links:
                res = self.resolve(source, link)
                self.resolved.append(res)
                if res.actual is not None:
                    self.inbound[res.actual].append(res)

    def lines_of(self, path: str) -> list[str] | None:
        """A file's lines, read on demand: only fixes need them, and only for files with findings."""
        if path not in self._lines:
            self._lines[path] = self._read_lines(path)
        return self._lines[path]

    def resolve(self, source: str, link: LinkFact) -> Resolved:
        target = link.target.strip()
        if link.kind in ("wikilink", "embed"):
            return self._resolve_wiki(source, link, target)
        if not target:
            return Resolved(source, link, "empty")
        if target.startswith("#"):
            return Resolved(source, link, "anchor", path=source, fragment=unquote(target[1:]), actual=source)
        if _DRIVE_RE.match(target):
            return Resolved(source, link, "absolute-local", path=target)
        scheme = _SCHEME_RE.match(target)
        if scheme is not None:
            name = scheme.group(1).lower()
            if name in ("http", "https"):
                inside = self._self_path(target)
                if inside is None:
                    return Resolved(source, link, "external")
                return self._resolve_path(source, link, inside, root_relative=True)
            if name == "file":
                return Resolved(source, link, "absolute-local", path=target)
            if name in ("javascript", "vbscript", "data"):
                return Resolved(source, link, "script")
            return Resolved(source, link, "mail" if name in ("mailto", "tel") else "external")
        if target.startswith("//"):
            return Resolved(source, link, "external")
        if target.startswith(_LOCAL_ROOTS) or target.startswith("~/"):
            return Resolved(source, link, "absolute-local", path=target)
        return self._resolve_path(source, link, target, root_relative=target.startswith("/"))

    def _self_path(self, url: str) -> str | None:
        if not self._self:
            return None
        bare = re.sub(r"^https?://", "", url).split("#", 1)
        fragment = "#" + bare[1] if len(bare) > 1 else ""
        lower = bare[0].lower()
        for prefix in self._self:
            if lower.startswith(prefix + "/"):
                rest = bare[0][len(prefix) :]
                match = _GITHUB_BLOB_RE.match(rest)
                if match is not None:
                    return "/" + match.group(1) + fragment
            # raw.githubusercontent.com/OWNER/REPO/BRANCH/path
            owner_repo = prefix.removeprefix("github.com/")
            raw = "raw.githubusercontent.com/" + owner_repo + "/"
            if lower.startswith(raw):
                rest = bare[0][len(raw) :]
                parts = rest.split("/", 1)
                if len(parts) == 2:
                    return "/" + parts[1] + fragment
        return None

    def _resolve_path(self, source: str, link: LinkFact, target: str, *, root_relative: bool) -> Resolved:
        raw_path, _, fragment = target.partition("#")
        raw_path = raw_path.split("?", 1)[0]
        decoded = unquote(raw_path).replace("\\", "/")
        frag = unquote(fragment) if fragment else None
        if not decoded:
            return Resolved(source, link, "anchor", path=source, fragment=frag, actual=source)
        if root_relative:
            joined = posixpath.normpath(decoded.lstrip("/"))
        else:
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(source), decoded))
        if joined == ".." or joined.startswith("../"):
            return Resolved(source, link, "outside", path=joined, fragment=frag)
        if joined == ".":
            joined = ""
        res = Resolved(source, link, "local", path=joined, fragment=frag)
        self._locate(res, joined)
        return res

    def _locate(self, res: Resolved, path: str) -> None:
        if path == "" or path in self.dirs:
            res.actual, res.is_dir = path, True
            return
        if path in self.files:
            res.actual = path
            return
        candidates = [path]
        # Not "no dot in the name": note names often hold an arXiv id (pretrainlm_2103.06874).
        if not path.lower().endswith(_MARKDOWN):
            candidates.append(path + ".md")
            if path + ".md" in self.files:
                res.actual = path + ".md"
                return
        for candidate in candidates:
            found = self._lower.get(candidate.lower())
            if found is not None:
                res.actual, res.case_mismatch, res.is_dir = found, True, found in self.dirs
                return

    def _resolve_wiki(self, source: str, link: LinkFact, target: str) -> Resolved:
        if self._wiki is None:
            return Resolved(source, link, "wiki")
        name, _, fragment = target.partition("#")
        frag = fragment or None
        if not name:
            return Resolved(source, link, "anchor", path=source, fragment=frag, actual=source)
        hits = self._wiki.get(name.strip().lower()) or self._wiki.get(name.strip().lower() + ".md") or []
        res = Resolved(source, link, "local", path=name, fragment=frag)
        if hits:
            res.actual = sorted(hits)[0]
        return res
