"""Heading anchors: the fragment GitHub gives a heading, and what older tools wrote instead.

lint's ``broken-anchor`` rule and the ``toc`` command share this module. GitHub's anchors follow
github-slugger (https://github.com/Flet/github-slugger), whose test fixtures were rendered by
GitHub itself: lower-case the heading's rendered text, delete every character that is not a
letter, mark, decimal or letter number, connector punctuation, ``-`` or space, turn each space into
``-``, and suffix repeats with ``-1``, ``-2``... in document order. Nothing is trimmed or collapsed.

Other flavours (``FLAVOURS``) let lint say which editor a stale anchor came from and let ``toc``
keep a file's own convention. Everything here is pure and never raises on document text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:  # this module runs on every heading; importing markdown-it here would slow start-up
    from markdown_it.token import Token

__all__ = [
    "FLAVOURS",
    "Flavour",
    "Slugger",
    "anchors_for",
    "github_slug",
    "inline_text",
    "which_flavours",
]

_TEXT_TOKENS = frozenset({"text", "text_special", "code_inline"})
# cmark renders both breaks with a newline, which the slug then deletes (it is a control character).
_BREAK_TOKENS = frozenset({"softbreak", "hardbreak"})


def inline_text(children: Sequence[Token]) -> str:
    """The text GitHub slugs for a heading: the textContent of its rendered inline tokens.

    Links give their text (never their URL), emphasis and code give their content, raw HTML tags
    vanish while the text between them stays, and images give nothing (an ``<img>`` has no text).
    """
    parts: list[str] = []
    for token in children:
        if token.type in _TEXT_TOKENS:
            parts.append(token.content)
        elif token.type in _BREAK_TOKENS:
            parts.append("\n")
    return "".join(parts)


# github-slugger's script/generate-regex.mjs deletes every general category but these...
_KEPT_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "Pc"})
# ...and then keeps Alphabetic code points of deleted categories too: circled and squared letters.
_ALPHABETIC_SYMBOLS = ((0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189))
_SPACE, _HYPHEN = ord(" "), ord("-")
# Distinct characters of real notes number in the thousands; the cap only bounds hostile input.
_CACHE_LIMIT = 1 << 16


def _github_char(codepoint: int) -> int | None:
    if codepoint == _SPACE:
        return _HYPHEN
    if unicodedata.category(chr(codepoint)) in _KEPT_CATEGORIES or codepoint == _HYPHEN:
        return codepoint
    if any(low <= codepoint <= high for low, high in _ALPHABETIC_SYMBOLS):
        return codepoint
    return None


class _GithubTable(dict[int, int | None]):
    """A ``str.translate`` table filled on first sight, so slugging runs at C speed."""

    def __missing__(self, codepoint: int) -> int | None:
        value = _github_char(codepoint)
        if len(self) < _CACHE_LIMIT:
            self[codepoint] = value
        return value


_GITHUB_TABLE = _GithubTable()


def github_slug(text: str) -> str:
    """GitHub's anchor for a heading whose rendered text is *text*, before de-duplication.

    Python's ``unicodedata`` may be newer than github-slugger's Unicode 13: letters assigned since
    are kept here, as GitHub's own renderer keeps them.
    """
    return text.lower().translate(_GITHUB_TABLE)


class Slugger:
    """GitHub's anchors for the headings of one document, in order: repeats get ``-1``, ``-2``..."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def slug(self, text: str) -> str:
        """The anchor of the next heading, whose rendered text is *text*."""
        return self._claim(github_slug(text))

    def reset(self) -> None:
        """Forget every anchor handed out: start a new document."""
        self._seen.clear()

    def _claim(self, base: str) -> str:
        # A loop, not one suffix: "foo-1" may already be a literal heading when "foo" repeats.
        anchor = base
        while anchor in self._seen:
            self._seen[base] += 1
            anchor = f"{base}-{self._seen[base]}"
        self._seen[anchor] = 0
        return anchor


@dataclass(frozen=True)
class Flavour:
    """A way of turning a heading into an anchor; ``slugify`` takes (rendered text, raw source)."""

    name: str
    summary: str
    slugify: Callable[[str, str], str]
    dedup: bool


def _github(rendered: str, raw: str) -> str:
    return github_slug(rendered)


_HYPHEN_RUNS = re.compile(r"-{2,}")
_ASCII_DIGITS = re.compile(r"[0-9]+")


def _gitlab(rendered: str, raw: str) -> str:
    # lib/gitlab/utils/markdown.rb: Ruby's strip, GitHub's punctuation, squeezed hyphens, and
    # digits-only anchors prefixed because "#123" would read as an issue reference.
    slug = _HYPHEN_RUNS.sub("-", github_slug(rendered.strip(" \t\n\v\f\r\0")))
    return f"anchor-{slug}" if _ASCII_DIGITS.fullmatch(slug) else slug


_WHITESPACE = re.compile(r"\s")


def _typora(rendered: str, raw: str) -> str:
    # Typora matches "#`foo`-—-that-is-an-em-dash-btw" to "# `Foo` — That Is an Em Dash BTW"
    # (typora/typora-issues#6591): the source, lower-cased, whitespace to hyphens, nothing removed.
    return _WHITESPACE.sub("-", raw.strip().lower())


_HTML_TAG = re.compile(r"<[^>]*>")
_NOT_HTML4_ID = re.compile(r"[^A-Za-z0-9_:.-]")
_LEADING_NON_ALNUM = re.compile(r"^[^A-Za-z0-9]+")


def _vscode_raw(rendered: str, raw: str) -> str:
    # Observed output of the "<!-- vscode-markdown-toc -->" extension, which also writes its anchor
    # as <a name='...'> into the heading (dropped here): the source without spaces, keeping case and
    # only HTML 4 id characters (so "Aplicación" loses its "ó"), ":defined" losing its ":".
    kept = _NOT_HTML4_ID.sub("", _HTML_TAG.sub("", raw))
    return _LEADING_NON_ALNUM.sub("", kept)


def _raw(rendered: str, raw: str) -> str:
    # Naive scripts slug the source line, so link targets leak in: "[Title](../x.md)" -> "titlexmd".
    return github_slug(raw)


FLAVOURS: dict[str, Flavour] = {
    flavour.name: flavour
    for flavour in (
        Flavour("github", "GitHub's heading anchors (github-slugger)", _github, dedup=True),
        Flavour("gitlab", "GitLab: GitHub's rules, runs of hyphens squeezed", _gitlab, dedup=True),
        Flavour("typora", "Typora: the source lower-cased, spaces to hyphens", _typora, dedup=False),
        Flavour(
            "vscode-raw",
            "old VS Code TOC extension: the source without spaces, case kept",
            _vscode_raw,
            dedup=True,
        ),
        Flavour("raw", "GitHub's rules on the source text, link targets and all", _raw, dedup=True),
    )
}


def anchors_for(headings: Sequence[tuple[str, str]], flavour: str = "github") -> list[str]:
    """The anchors of a document's headings, given as (rendered text, raw source), in order."""
    spec = FLAVOURS.get(flavour)
    if spec is None:
        raise ValueError(f"unknown anchor flavour {flavour!r}; known: {', '.join(FLAVOURS)}")
    anchors = [spec.slugify(rendered, raw) for rendered, raw in headings]
    if not spec.dedup:
        return anchors
    slugger = Slugger()
    return [slugger._claim(anchor) for anchor in anchors]


_USER_CONTENT = "user-content-"


def _fragment_forms(fragment: str) -> set[str]:
    fragment = fragment.removeprefix("#")
    forms = {fragment, unquote(fragment)}
    # GitHub's page script also resolves "#user-content-x", the id it really gives heading "x".
    forms |= {form.removeprefix(_USER_CONTENT) for form in forms}
    forms.discard("")
    return forms


def which_flavours(fragment: str, headings: Sequence[tuple[str, str]]) -> list[tuple[str, int]]:
    """Every (flavour, heading index) whose anchor is *fragment*, percent-encoded or not."""
    forms = _fragment_forms(fragment)
    if not forms:
        return []
    return [
        (name, index)
        for name in FLAVOURS
        for index, anchor in enumerate(anchors_for(headings, name))
        if anchor in forms
    ]
