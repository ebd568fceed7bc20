"""Link targets re-written, when what they point to moves, the way their author wrote them.

``moved_target`` gives a link its target once a file (or the file the link stands in) has moved: the new
path keeps the old target's separators (``/`` or ``\\``), its ``./``, trailing slash, omitted ``.md`` and
``?query#fragment``, and its percent-encoding of non-ASCII names (or that of the file's other links, when
it has no such name to tell); spaces stay raw where ``<...>`` allows them, parentheses are encoded only
where they must be, and segments that do not change keep their bytes. A wikilink takes the new name (with
its extension only if it was written with one), a URL into this repository keeps its host and branch.
``anchor_target`` follows a renamed heading; ``canonical`` says what a target means however it is written.
Pure, text in and text out: ``moving`` finds where each target stands and writes the result.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from papernotes.links import Resolved

__all__ = ["Written", "anchor_target", "canonical", "moved_target", "non_ascii_style"]

_USER_CONTENT = "user-content-"
# Deep enough that no "../" of a real link climbs out of it: relpath then never consults the cwd.
_VIRTUAL_ROOT = "/" + "/".join(f"r{i}" for i in range(64))
_ENCODED_NON_ASCII = re.compile(r"%[89A-Fa-f][0-9A-Fa-f]")
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: a backslash escapes ASCII punctuation


@dataclass(frozen=True, slots=True)
class Written:
    """How a link's target is written, beyond its text."""

    angled: bool = False  # inside <...>, where raw spaces are fine
    html: bool = False  # an HTML attribute value, where quotes end it
    file_encodes: bool = False  # the file's links %-encode non-ASCII names


def moved_target(res: Resolved, target: str, src: str, dst: str, how: Written) -> str | None:
    """The target ``res`` (written ``target``) must have once ``src`` is at ``dst``, or None to leave it."""
    link = res.link
    moved = res.actual == src and not res.is_dir
    new_source = dst if res.source == src else res.source
    if not moved and new_source == res.source:
        return None
    if res.kind == "local" and link.kind in ("wikilink", "embed"):
        return _wiki_target(target, src, dst) if moved else None
    if res.kind == "local" and res.path is not None:
        path = _keep_omitted_extension(res, dst) if moved else res.path
        if "://" in target:  # an absolute URL of this repository (self-urls)
            return _url_target(target, res.path, path) if moved else None  # URLs: encoded
        if target.startswith("/"):
            return (
                "/" + _styled(_split_suffix(target)[0][1:], path, how) + _split_suffix(target)[1]
                if moved
                else None
            )
        return _relative(target, path, new_source, how)
    if res.kind == "outside" and res.path is not None:
        return _relative(target, res.path, new_source, how)  # a sibling repository, say: still there
    return None


def anchor_target(res: Resolved, target: str, file: str, old: str, new: str) -> str | None:
    if res.actual != file or res.is_dir or res.fragment is None or res.link.kind in ("wikilink", "embed"):
        return None
    if res.fragment == old:
        prefix = ""
    elif res.fragment == _USER_CONTENT + old:
        prefix = _USER_CONTENT  # the id GitHub really gives a heading: keep writing it that way
    else:
        return None
    head, _, fragment = target.partition("#")
    encoded = unquote(fragment) != fragment
    return f"{head}#{prefix}{quote(new, safe='-_.~') if encoded else new}"


def _keep_omitted_extension(res: Resolved, dst: str) -> str:
    """``dst`` without ``.md`` when the link left it out (``[x](notes/x)`` resolved by adding ``.md``)."""
    assert res.path is not None and res.actual is not None
    omitted = res.actual.lower() == res.path.lower() + ".md"
    return dst[:-3] if omitted and dst.lower().endswith(".md") else dst


def _relative(target: str, path: str, source: str, how: Written) -> str:
    raw_path, suffix = _split_suffix(target)
    start = posixpath.join(_VIRTUAL_ROOT, posixpath.dirname(source))
    rel = posixpath.relpath(posixpath.join(_VIRTUAL_ROOT, path), start)
    return _styled(raw_path, rel, how) + suffix


def _url_target(target: str, old: str, new: str) -> str | None:
    """A URL into this repository with its path part replaced (the host, branch and fragment stay)."""
    url_path, suffix = _split_suffix(target)
    count = len(old.split("/"))
    segments = url_path.split("/")
    head, tail = segments[:-count], segments[-count:]
    if unquote("/".join(tail)) != old:
        return None  # a URL shape papernotes does not rewrite (lint reports what breaks)
    return "/".join(head) + "/" + _styled("/".join(tail), new, Written(file_encodes=True)) + suffix


def _wiki_target(target: str, src: str, dst: str) -> str | None:
    name, hash_sign, fragment = target.partition("#")
    old_name, new_name = posixpath.basename(src), posixpath.basename(dst)
    with_extension = name.strip().lower() == old_name.lower()
    new = new_name if with_extension else posixpath.splitext(new_name)[0]
    if new == name.strip():
        return None  # moved to another folder under the same name: the wikilink still finds it
    return new + hash_sign + fragment


def _split_suffix(target: str) -> tuple[str, str]:
    """(path as written, ``?query#fragment`` as written)."""
    cut = min((i for i in (target.find("?"), target.find("#")) if i >= 0), default=len(target))
    return target[:cut], target[cut:]


def _styled(raw_path: str, rel: str, how: Written) -> str:
    """``rel`` (decoded, "/"-separated) written the way ``raw_path`` was: its separators, its ``./``, its
    trailing slash; segments it already had keep their bytes, new ones are percent-encoded as it was (as the
    file's other links are, when it has no non-ASCII name to tell)."""
    backslashes = "\\" in raw_path and "/" not in raw_path
    sep = "\\" if backslashes else "/"
    known = {canonical(segment): segment for segment in raw_path.split(sep) if segment}
    own = non_ascii_style(raw_path)
    encode_non_ascii = how.file_encodes if own is None else own
    raw_spaces = how.angled or " " in raw_path
    # Balanced parentheses are fine in a link (CommonMark); encoded ones stay so, unbalanced ones must be.
    encoded_parens = "%28" in raw_path.upper() or "%29" in raw_path.upper()
    raw_parens = not encoded_parens and (how.angled or _balanced(rel))
    out = sep.join(
        known.get(segment) or _encode(segment, encode_non_ascii, raw_spaces, raw_parens, how.html)
        for segment in rel.split("/")
    )
    if raw_path.startswith(("./", ".\\")):
        out = "." + sep + out  # "./../x.md" too: a move back must give "./x.md" again
    if raw_path.endswith(("/", "\\")) and not out.endswith(sep):
        out += sep
    return out


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += 1 if char == "(" else -1 if char == ")" else 0
        if depth < 0:
            return False
    return depth == 0


def non_ascii_style(written: str) -> bool | None:
    """True when ``written`` percent-encodes non-ASCII characters, False when it has them raw, None when
    it has none either way (a new name is then written the way the file's other links write theirs)."""
    if _ENCODED_NON_ASCII.search(written):
        return True
    return False if any(ord(char) > 127 for char in written) else None


def _encode(segment: str, non_ascii: bool, raw_spaces: bool, raw_parens: bool, html_attr: bool) -> str:
    out = []
    for char in segment:
        keep = not (
            char in '%#?<>"\\`[]'  # read as an escape, a fragment, a query, or the end of the link
            or (char == "'" and html_attr)
            or (char == " " and not raw_spaces)
            or (char in "()" and not raw_parens)
            or (not char.isprintable())
            or (ord(char) > 127 and non_ascii)
        )
        out.append(char if keep else quote(char, safe=""))
    return "".join(out)


def canonical(text: str) -> str:
    """What a destination means, whichever way it is written: escapes, entities and %-encoding undone."""
    return unquote(html.unescape(_BACKSLASH_ESCAPE.sub(r"\1", text.strip())))
