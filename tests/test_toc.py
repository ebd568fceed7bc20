"""Generated blocks, pure: find every TOC convention, check it, plan the edits that make it fresh."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papernotes.parsing import parse_text
from papernotes.splice import LineEdit, apply_edits
from papernotes.textfile import TextFile, decode
from papernotes.toc import BlockData, TocStatus, check, find_blocks, plan, render_topics

from .conftest import DATA, SEED

TOC_DATA = DATA / "toc"
ROOT = Path(__file__).parents[1]

# Each data file is a note before `toc --write`; its golden file is the note after. Options per file.
CASES: dict[str, dict[str, Any]] = {
    "note-glm.md": {},
    "collapsed-readme.md": {},
    "vscode-options.md": {},
    "vscode-ordered.md": {},
    "markdown-toc.md": {},
    "doctoc.md": {},
    "mdformat-toc.md": {},
    "papernotes-tabs.md": {},
    "withlinks-off.md": {},
    "typora.md": {"typora": True},
    "add.md": {"add": True, "depth": 3},
}


def _tf(text: str | bytes) -> TextFile:
    return decode(text.encode() if isinstance(text, str) else text, "note.md")


def _statuses(text: str, **options: Any) -> list[TocStatus]:
    return check(parse_text(_tf(text).text), **options)


def _write(text: str | bytes, **options: Any) -> bytes:
    """What `toc --write` makes of a file."""
    tf = _tf(text)
    return apply_edits(tf, plan(tf, parse_text(tf.text), **options))


def _resolved_seed() -> str:
    """The seed index with its committed merge conflict resolved: our side kept."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    ours, theirs, end = (
        next(i for i, x in enumerate(lines) if x.startswith(m)) for m in ("<<<<<<< ", "=======", ">>>>>>> ")
    )
    return "\n".join(lines[:ours] + lines[ours + 1 : theirs] + lines[end + 1 :])


def _states(text: str, **options: Any) -> list[tuple[str, int]]:
    return [(s.state, s.line) for s in _statuses(text, **options)]


def test_every_data_file_has_a_case() -> None:
    assert sorted(p.name for p in TOC_DATA.glob("*.md")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_block_style_is_regenerated_in_its_own_style(
    name: str, golden: Callable[[str, str], None]
) -> None:
    before = (TOC_DATA / name).read_bytes()
    after = _write(before, **CASES[name])
    assert after != before
    golden(f"toc/{name}", after.decode())
    # Run again: every block is fresh and nothing changes, byte for byte.
    assert _write(after, **CASES[name]) == after
    assert {s.state for s in _statuses(after.decode(), **CASES[name])} <= {"fresh"}


def test_the_glm_note_gets_every_section_with_github_anchors() -> None:
    after = _write((TOC_DATA / "note-glm.md").read_bytes()).decode()
    assert after.split("\n")[7:16] == [
        "<!-- TOC -->",
        "",
        "- [ABSTRACT](#abstract)",
        "- [1 INTRODUCTION 引言](#1-introduction-引言)",
        "    - [2D Positional Encoding](#2d-positional-encoding)",
        "    - [PRE-TRAINING OBJECTIVES](#pre-training-objectives)",
        "- [2 FINETUNING GLM](#2-finetuning-glm)",
        "",
        "<!-- /TOC -->",
    ]


def test_a_stale_block_says_what_is_missing() -> None:
    (status,) = _statuses((TOC_DATA / "note-glm.md").read_text(encoding="utf-8"))
    assert (status.style, status.state, status.line) == ("vscode", "stale", 8)
    assert status.message == ("<!-- TOC --> out of date: 3 headings missing, 1 entry no longer a heading")
    assert status.edit == LineEdit(9, 13, status.expected[1:-1])


def test_a_collapsed_block_is_repaired_and_nothing_else_changes() -> None:
    before = (TOC_DATA / "collapsed-readme.md").read_text(encoding="utf-8")
    (status,) = _statuses(before)
    assert (status.state, status.line) == ("corrupt", 1)
    after = _write(before).decode()
    lines = after.split("\n")
    assert lines[:10] == [
        "<!-- TOC -->",
        "",
        "- [深度学习](#深度学习)",
        "    - [自编码器 Autoencoder](#自编码器-autoencoder)",
        "    - [AutoML 自动机器学习](#automl-自动机器学习)",
        "    - [生成对抗网络（GAN）](#生成对抗网络gan)",
        "- [强化学习](#强化学习)",
        "    - [201312 Playing Atari with Deep Reinforcement Learning]"
        "(#201312-playing-atari-with-deep-reinforcement-learning)",
        "",
        "<!-- /TOC -->",
    ]
    assert lines[10:] == before.split("\n")[1:]


def test_the_seed_index_keeps_its_typora_line_and_is_refused_for_its_conflict() -> None:
    text = SEED.read_text(encoding="utf-8")
    assert _states(text) == [("typora", 2)]
    (status,) = _statuses(text, typora=True)
    assert (status.state, status.message) == (
        "conflict",
        "merge conflict at line 199: resolve it, then update the TOC",
    )
    assert plan(_tf(text), parse_text(text), typora=True) == []


def test_the_seed_index_once_resolved_gets_a_maintained_block_after_its_typora_line(
    golden: Callable[[str, str], None],
) -> None:
    after = _write(_resolved_seed(), typora=True)
    golden("toc/seed-resolved.md", after.decode())
    assert _write(after, typora=True) == after
    assert _states(after.decode(), typora=True) == [("fresh", 3)]


def test_the_seed_index_with_a_stale_toc_block_lists_its_sections_and_papers() -> None:
    lines = _resolved_seed().split("\n")
    assert lines[1] == "[toc]"
    lines[1:2] = ["<!-- TOC -->", "- [模型](#模型)", "    - [Old title](#old-title)", "<!-- /TOC -->"]
    after = _write("\n".join(lines)).decode().split("\n")
    # Two levels, as the stale block's nesting shows: the "####" papers stay out.
    assert after[1:5] == [
        "<!-- TOC -->",
        "- [模型](#模型)",
        "    - [模型](#模型-1)",
        "    - [\\[2103.06874 CANINE: Pre-training an Efficient Tokenization-Free Encoder]"
        "(#210306874-canine-pre-training-an-efficient-tokenization-free-encoder)",
    ]
    block = after[1 : after.index("<!-- /TOC -->")]
    assert [line for line in block if line.startswith("- ")] == [
        "- [模型](#模型)",
        "- [蒸馏](#蒸馏)",
        "- [原理](#原理)",
    ]
    assert after[after.index("<!-- /TOC -->") + 1 :] == lines[5:]
    assert _write("\n".join(after)).decode().split("\n") == after


def test_the_projects_own_index_is_fresh_as_committed() -> None:
    text = (ROOT / "notes" / "pretrained-language-models.md").read_text(encoding="utf-8")
    assert _states(text) == [("fresh", 7)]
    assert _write(text) == text.encode()


# Fresh blocks are compared by meaning: what another tool wrote in its own way is left alone.

FRESH_AS_WRITTEN = {
    "loose list": "<!-- TOC -->\n\n- [A](#a)\n\n- [B](#b)\n\n<!-- /TOC -->\n\n## A\n\n## B\n",
    "code kept as code": "<!-- toc -->\n- [`foo` option](#foo-option)\n<!-- tocstop -->\n## `foo` option",
    "angle-bracket links": "<!-- mdformat-toc start -->\n- [A](<#a>)\n<!-- mdformat-toc end -->\n# T\n## A",
    "percent-encoded anchors": "<!-- TOC -->\n- [模型](#%E6%A8%A1%E5%9E%8B)\n<!-- /TOC -->\n## 模型\n",
    "numbering of its own": "<!-- TOC -->\n1. [A](#a)\n1. [B](#b)\n<!-- /TOC -->\n## A\n## B\n",
    "empty block, nothing to list": "# Title\n<!-- toc -->\n<!-- tocstop -->\n",
}


@pytest.mark.parametrize("text", FRESH_AS_WRITTEN.values(), ids=FRESH_AS_WRITTEN.keys())
def test_a_fresh_block_is_left_byte_identical(text: str) -> None:
    assert [s.state for s in _statuses(text)] == ["fresh"]
    assert _write(text) == text.encode()


# What a block keeps of its own style when it is rewritten: (before, after), both whole files.

STYLE_KEPT = {
    "star bullets": (
        "<!-- TOC -->\n* [A](#a)\n<!-- /TOC -->\n## A\n## B\n",
        "<!-- TOC -->\n* [A](#a)\n* [B](#b)\n<!-- /TOC -->\n## A\n## B\n",
    ),
    "two-space indent": (
        "<!-- TOC -->\n- [A](#a)\n  - [B](#b)\n<!-- /TOC -->\n## A\n### B\n### C\n",
        "<!-- TOC -->\n- [A](#a)\n  - [B](#b)\n  - [C](#c)\n<!-- /TOC -->\n## A\n### B\n### C\n",
    ),
    "the title listed stays listed": (
        "# T\n<!-- toc -->\n- [T](#t)\n  * [A](#a)\n<!-- tocstop -->\n## A\n## B\n",
        "# T\n<!-- toc -->\n- [T](#t)\n  * [A](#a)\n  * [B](#b)\n<!-- tocstop -->\n## A\n## B\n",
    ),
    "the title not listed stays out": (
        "# T\n<!-- toc -->\n- [A](#a)\n<!-- tocstop -->\n## A\n## B\n",
        "# T\n<!-- toc -->\n- [A](#a)\n- [B](#b)\n<!-- tocstop -->\n## A\n## B\n",
    ),
    "deeper levels left out stay out": (
        "<!-- TOC -->\n- [A](#a)\n<!-- /TOC -->\n## A\n### A1\n## B\n",
        "<!-- TOC -->\n- [A](#a)\n- [B](#b)\n<!-- /TOC -->\n## A\n### A1\n## B\n",
    ),
    "ordered, counting": (
        "<!-- TOC -->\n1) [A](#a)\n<!-- /TOC -->\n## A\n## B\n",
        "<!-- TOC -->\n1) [A](#a)\n2) [B](#b)\n<!-- /TOC -->\n## A\n## B\n",
    ),
    "what stands before the items is kept, and a heading there is not listed": (
        "<!-- TOC -->\n## Contents\n<!-- /TOC -->\n## A\n",
        "<!-- TOC -->\n## Contents\n\n- [A](#a)\n\n<!-- /TOC -->\n## A\n",
    ),
    "skipped levels nest under the nearest listed heading": (
        "<!-- papernotes:toc depth=4 -->\n<!-- /papernotes:toc -->\n## A\n#### A.1.1\n## B\n",
        "<!-- papernotes:toc depth=4 -->\n- [A](#a)\n  - [A.1.1](#a11)\n- [B](#b)\n<!-- /papernotes:toc -->\n"
        "## A\n#### A.1.1\n## B\n",
    ),
    "omitted headings stay out": (
        "<!-- TOC -->\n<!-- /TOC -->\n## A\n## Changelog <!-- omit from toc -->\n",
        "<!-- TOC -->\n\n- [A](#a)\n\n<!-- /TOC -->\n## A\n## Changelog <!-- omit from toc -->\n",
    ),
    "repeated headings get -1": (
        "<!-- TOC -->\n<!-- /TOC -->\n## Notes\n## Notes\n",
        "<!-- TOC -->\n\n- [Notes](#notes)\n- [Notes](#notes-1)\n\n<!-- /TOC -->\n## Notes\n## Notes\n",
    ),
    "gitlab anchors when the block asks": (
        "<!-- TOC anchorMode:gitlab.com -->\n<!-- /TOC -->\n## A -- B\n",
        "<!-- TOC anchorMode:gitlab.com -->\n\n- [A -- B](#a-b)\n\n<!-- /TOC -->\n## A -- B\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), STYLE_KEPT.values(), ids=STYLE_KEPT.keys())
def test_a_rewritten_block_keeps_its_style(before: str, after: str) -> None:
    assert _write(before).decode() == after
    assert _write(after).decode() == after


HEADING_TEXTS = {
    # heading source -> its TOC entry
    "[2103.06874 CANINE: Pre-training an Efficient": r"[\[2103.06874 CANINE: Pre-training an Efficient]",
    "snake_case and _emphasis_ and __init__": r"[snake_case and emphasis and init]",
    r"\_\_init\_\_ \*args": r"[\_\_init\_\_ \*args]",
    "a `` `tick` `` and `<b>`": "[a `` `tick` `` and `<b>`]",
    "R&amp;D &amp;copy; <br> ~~gone~~": r"[R&D \&copy;  gone]",
    "[Title](../notes/x.md) ![](fig.png)": "[Title]",
}


@pytest.mark.parametrize(("source", "entry"), HEADING_TEXTS.items(), ids=HEADING_TEXTS.values())
def test_an_entry_renders_as_its_heading_reads(source: str, entry: str) -> None:
    before = f"<!-- TOC -->\n<!-- /TOC -->\n## {source}\n"
    line = _write(before).decode().split("\n")[2]
    assert line.startswith(f"- {entry}(#")
    assert _states(_write(before).decode()) == [("fresh", 1)]


# Where markers are not markers


NOT_MARKERS = {
    "fenced code": "```markdown\n<!-- TOC -->\n- [A](#a)\n```\n## A\n",
    "indented code": "Example:\n\n    <!-- toc -->\n    <!-- tocstop -->\n\n## A\n",
    "an HTML comment": "<!--\nAn old TOC, kept for reference:\n<!-- TOC -->\n-->\n## A\n",
    "front matter": "---\ntoc: |\n  <!-- toc -->\n---\n## A\n",
    "inline": "Write `<!-- toc -->` on a line of its own, or <!-- toc --> here.\n",
    "a quote": "> <!-- TOC -->\n> [toc]\n",
    "a comment that only mentions a TOC": "<!-- TOC is below, keep it short -->\n## A\n",
}


@pytest.mark.parametrize("text", NOT_MARKERS.values(), ids=NOT_MARKERS.keys())
def test_markers_in_code_comments_front_matter_and_quotes_are_not_markers(text: str) -> None:
    assert find_blocks(parse_text(text)) == []
    assert _statuses(text, typora=True) == []


UNBALANCED = {
    "no closing marker": ("## A\n<!-- TOC -->\n- [A](#a)\n", [("unbalanced", 2)]),
    "no opening marker": ("- [A](#a)\n<!-- tocstop -->\n## A\n", [("unbalanced", 2)]),
    "opened twice": ("<!-- TOC -->\n<!-- TOC -->\n- [A](#a)\n<!-- /TOC -->\n## A\n", [("unbalanced", 1)]),
    "closed twice": ("<!-- toc -->\n<!-- tocstop -->\n<!-- tocstop -->\n## A\n", [("unbalanced", 3)]),
    "crossed styles": (
        "<!-- TOC -->\n<!-- toc -->\n<!-- /TOC -->\n<!-- tocstop -->\n",
        [("unbalanced", 1), ("unbalanced", 3)],
    ),
}


@pytest.mark.parametrize(("text", "states"), UNBALANCED.values(), ids=UNBALANCED.keys())
def test_unbalanced_and_repeated_markers_are_refused(text: str, states: list[tuple[str, int]]) -> None:
    assert _states(text) == states
    assert plan(_tf(text), parse_text(text)) == []


def test_unbalanced_markers_name_the_problem() -> None:
    messages = [s.message for s in _statuses(UNBALANCED["opened twice"][0])]
    assert messages == ["<!-- TOC -->: opened again at line 2 before it closes"]


def test_a_file_with_a_merge_conflict_is_refused() -> None:
    text = (
        "<!-- TOC -->\n- [A](#a)\n<!-- /TOC -->\n## A\n"
        "<<<<<<< HEAD\n## B ours\n=======\n## B theirs\n>>>>>>> feature\n"
    )
    assert [(s.state, s.line, s.message) for s in _statuses(text)] == [
        ("conflict", 1, "merge conflict at line 5: resolve it, then update the TOC")
    ]
    assert plan(_tf(text), parse_text(text)) == []
    assert _states("# T\n<<<<<<< HEAD\n", add=True) == [("conflict", 2)]


def test_conflict_markers_in_code_are_no_conflict() -> None:
    text = "<!-- TOC -->\n<!-- /TOC -->\n## A\n```\n<<<<<<< HEAD\n=======\n>>>>>>> x\n```\n"
    assert _states(text) == [("stale", 1)]


# Typora and add


def test_a_typora_line_is_reported_and_left_as_it_is() -> None:
    text = "# T\n[toc]\n## A\n"
    (status,) = _statuses(text)
    assert (status.style, status.state, status.edit) == ("typora", "typora", None)
    assert _write(text) == text.encode()


def test_a_maintained_typora_block_is_checked_like_any_other() -> None:
    text = "# T\n[toc]\n<!-- papernotes:toc -->\n<!-- /papernotes:toc -->\n## A\n"
    assert _states(text, typora=True) == [("stale", 3)]
    assert _write(text, typora=True).decode() == (
        "# T\n[toc]\n<!-- papernotes:toc -->\n- [A](#a)\n<!-- /papernotes:toc -->\n## A\n"
    )


ADDED = {
    "after the title, sections from H2": (
        "# T\n\nIntro.\n## A\n### A1\n#### A1a\n",
        "# T\n\n<!-- papernotes:toc -->\n- [A](#a)\n  - [A1](#a1)\n<!-- /papernotes:toc -->\n\nIntro.\n"
        "## A\n### A1\n#### A1a\n",
    ),
    "H1 sections listed": (
        "# T\n# A\n## A1\n",
        "# T\n\n<!-- papernotes:toc min=1 -->\n- [A](#a)\n  - [A1](#a1)\n<!-- /papernotes:toc -->\n\n"
        "# A\n## A1\n",
    ),
    "nothing to list": ("# T\n\nJust a title.\n", "# T\n\nJust a title.\n"),
    "no title": ("## A\n## B\n", "## A\n## B\n"),
    "a TOC already there": ("# T\n<!-- toc -->\n<!-- tocstop -->\n", "# T\n<!-- toc -->\n<!-- tocstop -->\n"),
}


@pytest.mark.parametrize(("before", "after"), ADDED.values(), ids=ADDED.keys())
def test_add_puts_a_papernotes_block_after_the_first_h1(before: str, after: str) -> None:
    assert _write(before, add=True).decode() == after
    assert _write(after, add=True).decode() == after


def test_add_writes_the_depth_asked_for() -> None:
    after = _write("# T\n## A\n### A1\n", add=True, depth=2).decode()
    assert (
        after
        == "# T\n\n<!-- papernotes:toc depth=2 -->\n- [A](#a)\n<!-- /papernotes:toc -->\n\n## A\n### A1\n"
    )


# The topics overview


def test_render_topics_gives_one_line_per_topic_index() -> None:
    assert render_topics(
        [
            ("预训练语言模型 Pretrained Language Models", "notes/pretrained-language-models.md", 42),
            ("Graph [GNN] papers", "notes/graph neural networks.md", 1),
        ]
    ) == [
        "- [预训练语言模型 Pretrained Language Models](notes/pretrained-language-models.md) — 42 papers",
        r"- [Graph \[GNN\] papers](notes/graph%20neural%20networks.md) — 1 paper",
    ]


def test_a_topics_block_is_checked_only_against_the_indexes_given() -> None:
    text = "# Notes\n<!-- papernotes:topics -->\n- [Old](old.md) — 3 papers\n<!-- /papernotes:topics -->\n"
    assert _statuses(text) == []
    topics = BlockData(topics=(("Graphs", "notes/graphs.md", 2),))
    assert _states(text, data=topics) == [("stale", 2)]
    assert _write(text, data=topics).decode() == (
        "# Notes\n<!-- papernotes:topics -->\n- [Graphs](notes/graphs.md) — 2 papers\n"
        "<!-- /papernotes:topics -->\n"
    )


def test_find_blocks_names_every_convention() -> None:
    text = "\n\n".join(
        [
            "# T",
            "[TOC]",
            "<!-- TOC depthFrom:2 -->\n<!-- /TOC -->",
            "<!-- toc -->\n<!-- tocstop -->",
            "<!-- START doctoc -->\n<!-- END doctoc -->",
            "<!-- mdformat-toc start --slug=github --maxlevel=6 --minlevel=1 -->\n<!-- mdformat-toc end -->",
            "<!-- papernotes:toc depth=2 -->\n<!-- /papernotes:toc -->",
            "<!-- papernotes:topics -->\n<!-- /papernotes:topics -->",
            "<!-- TOC -->autoauto- [T](#t)autoauto<!-- /TOC -->",
        ]
    )
    blocks = find_blocks(parse_text(text))
    assert [(b.style, b.start, b.end, b.attrs, b.corrupt) for b in blocks] == [
        ("typora", 3, 3, {}, False),
        ("vscode", 5, 6, {"depthfrom": "2"}, False),
        ("markdown-toc", 8, 9, {}, False),
        ("doctoc", 11, 12, {}, False),
        ("mdformat-toc", 14, 15, {"slug": "github", "maxlevel": "6", "minlevel": "1"}, False),
        ("papernotes", 17, 18, {"depth": "2"}, False),
        ("topics", 20, 21, {}, False),
        ("vscode", 23, 23, {}, True),
    ]


# Properties

_HEADING_WORDS = st.sampled_from(
    [
        "A",
        "b",
        "模型",
        "GAN（生成）",
        "x_y",
        "_z_",
        "*s*",
        "`c`",
        "[l](u)",
        "a&amp;b",
        "auto",
        "1.",
        "-",
        "Notes",
    ]
)
_HEADINGS = st.builds(
    lambda level, words: "#" * level + " " + " ".join(words),
    st.integers(1, 6),
    st.lists(_HEADING_WORDS, min_size=1, max_size=4),
)
_OTHER = st.sampled_from(["", "Some text.", "- a bullet", "```\n# code\n```", "> quote", "[toc]", "---"])
_OPEN_CLOSE = st.sampled_from(
    [
        ("<!-- TOC -->", "<!-- /TOC -->"),
        ("<!-- toc -->", "<!-- tocstop -->"),
        ("<!-- START doctoc -->", "<!-- END doctoc -->"),
        ("<!-- mdformat-toc start --minlevel=2 -->", "<!-- mdformat-toc end -->"),
        ("<!-- papernotes:toc depth=4 min=1 -->", "<!-- /papernotes:toc -->"),
        ("<!-- TOC orderedList:1 withLinks:0 -->", "<!-- /TOC -->"),
    ]
)
_INNER = st.lists(
    st.sampled_from(
        ["", "- [A](#a)", "  * [b](#nope)", "\t+ [模型](#模型)", "1. [x_y](#x_y)", "junk", "    - plain"]
    ),
    max_size=5,
)


@st.composite
def _documents(draw: st.DrawFn) -> tuple[str, int, int]:
    """A document with one block: (text, line of its opening marker, line of its closing marker)."""
    before = draw(st.lists(st.one_of(_HEADINGS, _OTHER), max_size=5))
    after = draw(st.lists(st.one_of(_HEADINGS, _OTHER), max_size=8))
    opening, closing = draw(_OPEN_CLOSE)
    lines = "\n".join(before).split("\n") if before else []
    start = len(lines) + 1
    inner = draw(_INNER)
    text = "\n".join([*lines, opening, *inner, closing, *after]) + draw(st.sampled_from(["", "\n"]))
    return text, start, start + len(inner) + 1


@settings(max_examples=300, deadline=None)
@given(_documents())
def test_writing_twice_is_writing_once_and_only_the_block_changes(doc: tuple[str, int, int]) -> None:
    text, start, end = doc
    statuses = _statuses(text)
    if any(s.state in ("unbalanced", "conflict") for s in statuses):
        return  # generated code fences and quotes can swallow a marker; those files are refused
    once = _write(text).decode()
    assert _write(once) == once.encode()
    assert all(s.state in ("fresh", "typora") for s in _statuses(once))
    before, after = text.split("\n"), once.split("\n")
    tail = len(before) - end
    assert after[:start] == before[:start]
    assert after[len(after) - tail :] == before[end:]


_LINES = st.sampled_from(
    [
        "<!-- TOC -->",
        "<!-- /TOC -->",
        "<!-- toc -->",
        "<!-- tocstop -->",
        "<!-- papernotes:toc depth=9 min=x -->",
        "<!-- /papernotes:toc -->",
        "<!-- papernotes:topics -->",
        "<!-- /papernotes:topics -->",
        "<!-- TOC -->autoauto- [A](#a)auto<!-- /TOC -->",
        "<!--",
        "-->",
        "[toc]",
        "```",
        "<<<<<<< HEAD",
        "=======",
        ">>>>>>> x",
        "---",
        "# T",
        "## A",
        "Setext",
        "===",
        "- [A](#a)",
        "1. [B](<#b>)",
    ]
)


_CHARS = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_LINES, _CHARS), max_size=20), st.booleans(), st.booleans())
def test_check_and_plan_never_raise_on_arbitrary_text(lines: list[str], add: bool, typora: bool) -> None:
    tf = _tf("\n".join(lines))
    parsed = parse_text(tf.text)
    topics = BlockData(topics=(("T", "t.md", 1),))
    check(parsed, add=add, typora=typora, data=topics)
    apply_edits(tf, plan(tf, parsed, add=add, typora=typora, data=topics))
