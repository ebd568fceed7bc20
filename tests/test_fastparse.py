"""The fast parser (markdown-it-pyrs) yields exactly the facts of the reference parser (markdown-it-py).

Proven on generated notes repositories, the seed, the project's own notes, a hostile document, random text;
where the fast parser panics or nests deeper than the reference, the reference parses the document.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papernotes.config import Settings
from papernotes.parsing import ParsedText, parse_text
from papernotes.rules import REGISTRY
from papernotes.rules.base import FileContext
from papernotes.toc import check as check_toc

from .conftest import DATA, SEED

ROOT = Path(__file__).parents[1]
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("markdown_it_pyrs") is None, reason="markdown-it-pyrs is not installed"
)


def facts(parsed: ParsedText) -> dict[str, object]:
    return {
        "blocks": [
            (
                b.kind,
                b.line,
                b.end_line,
                b.level,
                b.list_depth,
                b.item_line,
                b.ordered,
                b.in_quote,
                b.content,
                b.text,
                [(i.kind, i.content, i.line, i.href) for i in b.inlines],
            )
            for b in parsed.blocks
        ],
        "headings": [tuple(h) for h in parsed.headings],
        "links": [tuple(link) for link in parsed.links],
        "html_anchors": parsed.html_anchors,
        "code_lines": sorted(parsed.code_lines),
        "empty_todos": parsed.empty_todos,
        "conflicts": [c.model_dump() for c in parsed.conflicts],
    }


def assert_same(text: str) -> None:
    reference = facts(parse_text(text, backend="py"))
    fast = facts(parse_text(text, backend="rs"))
    for key, value in reference.items():
        assert fast[key] == value, f"{key} differs"
    assert_lean_same(text)


def assert_lean_same(text: str) -> None:
    """A lean parse (lint's notes) leaves out text blocks only: every other fact, the TOC statuses and
    the findings of every file rule are the full parse's."""
    full, lean = parse_text(text, backend="rs"), parse_text(text, backend="rs", lean=True)
    expected, got = facts(full), facts(lean)
    kept, all_blocks = got.pop("blocks"), expected.pop("blocks")
    assert kept == [b for b in all_blocks if b in kept]  # type: ignore[attr-defined]
    assert all(b[0] in ("paragraph", "table") for b in all_blocks if b not in kept)  # type: ignore[attr-defined, index]
    assert got == expected
    assert toc_states(lean) == toc_states(full)
    assert file_findings(lean, text) == file_findings(full, text)


def toc_states(parsed: ParsedText) -> list[tuple[object, ...]]:
    return [(s.state, s.line, s.message, s.expected, s.edit) for s in check_toc(parsed, typora=True)]


def file_findings(parsed: ParsedText, text: str) -> list[tuple[object, ...]]:
    ctx = FileContext(path="notes/x.md", parsed=parsed, index=None, settings=Settings())
    for rule in REGISTRY.values():
        if rule.scope == "file":
            ctx.rule = rule
            rule.check(ctx)
    return [f.to_tuple() for f in ctx.findings]


def _generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    out = tmp_path_factory.mktemp("corpus") / "repo"
    generate.main([str(out), "--notes", "150", "--seed", "7"])
    return sorted(out.rglob("*.md"))


def test_generated_repository(tmp_path_factory: pytest.TempPathFactory) -> None:
    files = _generated(tmp_path_factory)
    assert len(files) > 150
    for path in files:
        assert_same(path.read_text(encoding="utf-8"))


def test_seed_and_the_projects_own_notes() -> None:
    for path in [SEED, *sorted((ROOT / "notes").rglob("*.md"))]:
        assert_same(path.read_text(encoding="utf-8"))


def test_hostile_document() -> None:
    assert_same((DATA / "parse" / "hostile.md").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "text",
    [
        "[笔记](DeeBERT%20%E7%AC%94%E8%AE%B0.md#实验) and [Ab 实](<ab 实.md>)\n",
        '[x](a%e5%ae%9e.md#%E5%AE%9E) ![实](<images/实 1.png> "实")\n',
        "| a | b |\n| - | - |\n| plain cell | [实](实.md) |\n\n- plain item\n  continued  \n  hard break\n",
        "# A heading\u3000with an ideographic space\n\nno\u00a0break\tand a tab\n",
        "| t |\n|-|\n| c |\n\n- plain  \n  b\n  - nested\n    more\n- two\n",
        "- *a  \n  b* c  \n  d\n  - e\n",
        "| `array\\|string` | a\\|b |\n| - | - |\n| x | y |\n",
        "- Shim (#1608)\n  \u00a0\n  Bug Fixes\n",
    ],
)
def test_targets_written_half_encoded_plain_text_blocks_and_hard_breaks(text: str) -> None:
    assert_same(text)


def test_a_document_that_makes_the_fast_parser_panic_is_parsed_by_the_reference(capfd) -> None:  # type: ignore[no-untyped-def]
    text = "]*\t[>\n`(文é中>\n-)\t*\t\n*[]"
    assert_same(text)
    assert "panicked" not in capfd.readouterr().err  # Rust's backtrace never reaches the user


def test_nesting_deeper_than_the_reference_allows_is_parsed_by_the_reference() -> None:
    assert_same("".join("  " * i + "- x\n" for i in range(40)))
    assert_same(">" * 60 + " deep\n")


_WORD = st.sampled_from(
    [
        "GLM",
        "BERT",
        "预训练",
        "语言模型",
        "2103.10360",
        "202004",
        "note",
        "x",
        "Attention",
        "（THU/ACL2019）",
        "a_b",
        "😀",
    ]
)
_TARGET = st.sampled_from(
    [
        "notes/x.md",
        "../resources/notes/d0001/a.md",
        "a%20b.md",
        "我的.md",
        "https://arxiv.org/abs/2103.10360",
        "#模型",
        "x.md#2d-positional-encoding",
        "../source/images/1.png",
        "<a b.md>",
    ]
)
_TEXT = st.lists(_WORD, min_size=1, max_size=6).map(" ".join)
_INLINE = st.one_of(
    _TEXT,
    st.builds(lambda t, u: f"[{t}]({u})", _TEXT, _TARGET),
    st.builds(lambda t, u: f"![{t}]({u})", _TEXT, _TARGET),
    st.builds(lambda t: f"`{t}`", _TEXT),
    st.builds(lambda t: f"**{t}**", _TEXT),
    st.just("https://arxiv.org/pdf/2004.12993v1.pdf"),
    st.just('<img src="a.png" width=300>'),
)
_LINE = st.lists(_INLINE, min_size=1, max_size=4).map(" ".join)
_BLOCK = st.one_of(
    st.builds(lambda n, t: "#" * n + " " + t, st.integers(1, 6), _LINE),
    st.builds(lambda t: "- " + t, _LINE),
    st.builds(lambda t: "  - " + t, _LINE),
    st.builds(lambda t: "1. " + t, _LINE),
    st.builds(lambda t: "- [ ] " + t, _LINE),
    st.just("- [ ]"),
    st.builds(lambda t: "> " + t, _LINE),
    _LINE,
    st.builds(lambda t: "```\n# " + t + "\n=======\n```", _TEXT),
    st.builds(lambda t: "    " + t, _TEXT),
    st.builds(lambda a, b: f"| {a} | {b} |\n|---|---|\n| {b} | {a} |", _INLINE, _INLINE),
    st.just("<!-- TOC -->\n- [A](#a)\n<!-- /TOC -->"),
    st.just("<<<<<<< HEAD\n## [202003 What the MASK?](a.md)\n=======\n#### [x](b.md)\n>>>>>>> 858f9910"),
    st.just("---"),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_BLOCK, st.sampled_from(["\n", "\n\n"])), max_size=25))
def test_random_real_shaped_documents(blocks: list[tuple[str, str]]) -> None:
    assert_same("".join(block + sep for block, sep in blocks))


def test_facts_dataclasses_compare_by_value() -> None:
    parsed = parse_text("# a\n")
    assert dataclasses.is_dataclass(parsed.blocks[0])
