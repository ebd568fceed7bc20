"""Heading anchors, checked against golden tables of real headings.

tests/data/github_anchors.tsv holds one heading per row: its Markdown, the text GitHub's slugger
sees, the anchor GitHub gives it. Rows are grouped into documents, so repeats get -1, -2.
tests/data/anchor_flavours.tsv does the same for the other flavours. In both tables ``\\u{HEX}``
stands for an invisible or combining character.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from itertools import groupby, pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from papernotes.slug import (
    FLAVOURS,
    Slugger,
    anchors_for,
    github_slug,
    inline_text,
    which_flavours,
)

DATA = Path(__file__).parent / "data"
_MD = MarkdownIt("commonmark")
_ESCAPE = re.compile(r"\\u\{([0-9A-Fa-f]+)\}")


def _unescape(cell: str) -> str:
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), cell)


Row = dict[str, str]


def _table(name: str) -> list[Row]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [{key: _unescape(value) for key, value in row.items()} for row in rows]


def _headings(markdown: str) -> Iterator[tuple[str, str]]:
    """(rendered text, raw source) of each heading, as lint and toc get them from markdown-it."""
    tokens = _MD.parse(markdown)
    for opening, inline in pairwise(tokens):
        if opening.type == "heading_open":
            yield inline_text(inline.children or []), inline.content


def _only_heading(markdown: str) -> tuple[str, str]:
    headings = list(_headings(markdown))
    assert len(headings) == 1, f"expected one heading in {markdown!r}, got {headings}"
    return headings[0]


GITHUB_ROWS = _table("github_anchors.tsv")
FLAVOUR_ROWS = _table("anchor_flavours.tsv")


def _documents(rows: list[Row], *keys: str) -> dict[tuple[str, ...], list[Row]]:
    documents: dict[tuple[str, ...], list[Row]] = {}
    for key, group in groupby(rows, key=lambda row: tuple(row[k] for k in keys)):
        assert key not in documents, f"document {key} is split in two; keep its rows together"
        documents[key] = list(group)
    return documents


GITHUB_DOCUMENTS = _documents(GITHUB_ROWS, "doc")
FLAVOUR_DOCUMENTS = _documents(FLAVOUR_ROWS, "doc", "flavour")


def _mismatches(expected: list[str], actual: list[str], sources: list[str]) -> str:
    lines = [
        f"  {source!r}\n    expected {want!r}\n    actual   {got!r}"
        for source, want, got in zip(sources, expected, actual, strict=True)
        if want != got
    ]
    return "\n".join(lines)


def test_the_golden_table_is_big_enough() -> None:
    assert len(GITHUB_ROWS) >= 80
    assert len(GITHUB_DOCUMENTS[("seed",)]) == 52  # every heading of the seed index


@pytest.mark.parametrize("doc", sorted(GITHUB_DOCUMENTS), ids=lambda key: key[0])
def test_rendered_text_is_what_githubs_slugger_sees(doc: tuple[str]) -> None:
    rows = GITHUB_DOCUMENTS[doc]
    sources = [row["markdown"] for row in rows]
    actual = [_only_heading(source)[0] for source in sources]
    expected = [row["text"] for row in rows]
    assert actual == expected, "\n" + _mismatches(expected, actual, sources)


@pytest.mark.parametrize("doc", sorted(GITHUB_DOCUMENTS), ids=lambda key: key[0])
def test_anchors_match_github(doc: tuple[str]) -> None:
    rows = GITHUB_DOCUMENTS[doc]
    sources = [row["markdown"] for row in rows]
    slugger = Slugger()
    actual = [slugger.slug(_only_heading(source)[0]) for source in sources]
    expected = [row["anchor"] for row in rows]
    assert actual == expected, "\n" + _mismatches(expected, actual, sources)


@pytest.mark.parametrize("doc", sorted(FLAVOUR_DOCUMENTS), ids="/".join)
def test_anchors_match_each_flavour(doc: tuple[str, str]) -> None:
    rows = FLAVOUR_DOCUMENTS[doc]
    sources = [row["markdown"] for row in rows]
    actual = anchors_for([_only_heading(source) for source in sources], flavour=doc[1])
    expected = [row["anchor"] for row in rows]
    assert actual == expected, "\n" + _mismatches(expected, actual, sources)


def test_every_flavour_has_examples_and_a_summary() -> None:
    covered = {flavour for _doc, flavour in FLAVOUR_DOCUMENTS}
    assert covered == set(FLAVOURS)
    for name, flavour in FLAVOURS.items():
        assert flavour.name == name
        assert flavour.summary


def test_github_slug_follows_github_slugger_fixtures() -> None:
    # A few of github-slugger's fixtures, which GitHub itself rendered.
    assert github_slug("heading with a - dash") == "heading-with-a---dash"
    assert github_slug("exchange.bind_headers(exchange, routing [, bindCallback])") == (
        "exchangebind_headersexchange-routing--bindcallback"
    )
    assert github_slug("I ♥ unicode") == "i--unicode"
    assert github_slug(" a ") == "-a-"  # no trimming: only the parser trims headings
    assert github_slug("Привет non-latin 你好") == "привет-non-latin-你好"


def test_slugger_suffixes_repeats_and_forgets_on_reset() -> None:
    slugger = Slugger()
    assert [slugger.slug(text) for text in ("Intro", "Intro", "Intro 1")] == [
        "intro",
        "intro-1",
        "intro-1-1",
    ]
    slugger.reset()
    assert slugger.slug("Intro") == "intro"


def test_anchors_for_rejects_an_unknown_flavour() -> None:
    with pytest.raises(ValueError, match="known: github"):
        anchors_for([("Intro", "Intro")], flavour="bitbucket")


SEED_LIKE = [
    _only_heading("# 模型"),
    _only_heading("## 2103.04350 Syntax-BERT: Improving Pre-trained Transformers with Syntax Trees"),
]


def test_which_flavours_names_the_editor_that_wrote_a_stale_anchor() -> None:
    fragment = "2103.04350Syntax-BERT:ImprovingPre-trainedTransformerswithSyntaxTrees"
    assert which_flavours(fragment, SEED_LIKE) == [("vscode-raw", 1)]
    assert which_flavours("#2103.04350-syntax-bert", SEED_LIKE) == []


def test_which_flavours_decodes_percent_encoding() -> None:
    assert ("github", 0) in which_flavours("%E6%A8%A1%E5%9E%8B", SEED_LIKE)
    assert ("github", 0) in which_flavours("#模型", SEED_LIKE)


def test_which_flavours_accepts_githubs_user_content_prefix() -> None:
    # GitHub's real id for heading "模型" is "user-content-模型"; its page script resolves both.
    assert ("github", 0) in which_flavours("user-content-模型", SEED_LIKE)


def test_which_flavours_never_matches_an_empty_fragment() -> None:
    empty_heading = [_only_heading("## 🎉")]
    assert anchors_for(empty_heading) == [""]
    assert which_flavours("#", empty_heading) == []


# Never raise on arbitrary input, and keep the promises lint and toc rely on.

_HEADING_TEXT = st.text(max_size=60)


@given(_HEADING_TEXT)
def test_github_slug_keeps_only_anchor_characters(text: str) -> None:
    slug = github_slug(text)
    assert " " not in slug
    assert github_slug(slug) == slug


@given(st.lists(_HEADING_TEXT, max_size=12))
def test_slugger_never_repeats_an_anchor(texts: list[str]) -> None:
    slugger = Slugger()
    anchors = [slugger.slug(text) for text in texts]
    assert len(set(anchors)) == len(anchors)


@given(st.text(max_size=200))
def test_any_markdown_gets_one_anchor_per_heading_in_every_flavour(markdown: str) -> None:
    headings = list(_headings(markdown))
    for name, flavour in FLAVOURS.items():
        anchors = anchors_for(headings, name)
        assert len(anchors) == len(headings)
        if flavour.dedup:
            assert len(set(anchors)) == len(anchors)


@given(
    st.text(max_size=40),
    st.lists(st.tuples(st.text(max_size=40), st.text(max_size=40)), max_size=6),
)
def test_which_flavours_points_at_real_headings(fragment: str, headings: list[tuple[str, str]]) -> None:
    for name, index in which_flavours(fragment, headings):
        assert name in FLAVOURS
        assert 0 <= index < len(headings)
