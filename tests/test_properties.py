"""Properties of the read, parse, lint and write paths on generated input (hypothesis).

Reading and parsing never raise on any bytes, and every line they report is a line of the file; lint never
raises on a one-file repository; ``lint --fix --unsafe-fixes`` changes only the lines its fixes name and a
second run writes nothing; ``toc --write`` keeps every byte outside its blocks whatever the line endings.
(``toc.check`` on arbitrary text is tested in test_toc.py, ``resolve`` in test_merge.py.)
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papernotes import lint
from papernotes.config import Settings, load_config
from papernotes.diagnostics import Finding, Severity
from papernotes.errors import UnsafeInputError
from papernotes.extract import Roles, extract
from papernotes.lint import LintOptions, run_lint
from papernotes.parsing import parse_text
from papernotes.rules import REGISTRY
from papernotes.textfile import decode
from papernotes.tocfiles import TocResult, run_toc

# Lines that mean something to one of the parsers: headings, lists, quotes, fences, tables, HTML, links of
# every kind, front matter and TOC markers, conflict markers, entries, emphasis, odd characters.
_MARKDOWN_LINES = st.sampled_from(
    [
        "# Title",
        "## [2103.10360 GLM: General Language Model](papers/glm.md)",
        "## 201906 RoBERTa: A Robustly Optimized BERT Pretraining Approach",
        "Setext",
        "======",
        "---",
        "+++",
        "title: x",
        "id: 2103.10360",
        "- [ ]",
        "- [x] [1810.04805 BERT](https://arxiv.org/abs/1810.04805)",
        "  - nested [a](a.md#frag)",
        "1. [b](<b c.md>)",
        "> quote ![img](i.png)",
        "```",
        "~~~",
        "    indented code",
        "| a | [b](t.md) |",
        "|---|---|",
        '<a name="x"></a><img src="h.png">',
        "<!-- toc -->",
        "<!-- tocstop -->",
        "<!-- papernotes-disable-next-line broken-link -->",
        "[toc]",
        "<<<<<<< HEAD",
        "=======",
        ">>>>>>> branch",
        "[[Wiki|alias]] https://arxiv.org/abs/2103.10360 javascript:alert(1) file:///etc/passwd",
        "[ref][r]",
        "[r]: ref.md",
        "***bold** *em* _x_ ~~s~~ `code` \\*",
        "",
    ]
)
_ODD_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",))
    | st.sampled_from("\u2028\u200b\u202e\x85\ufeff#[]()<>`*_|!-"),
    max_size=30,
)
_ENDINGS = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def _files(draw: st.DrawFn) -> bytes:
    """Markdown-shaped bytes: real-looking lines with any endings, maybe a BOM, maybe some stray bytes."""
    lines = draw(st.lists(_MARKDOWN_LINES | _ODD_TEXT, max_size=25))
    text = "".join(line + draw(_ENDINGS) for line in lines)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    data = ("\ufeff" if draw(st.booleans()) else "").encode() + text.encode()
    noise = draw(st.binary(max_size=3))
    at = draw(st.integers(0, len(data)))
    return data[:at] + noise + data[at:]


def _in_file(lines: Sequence[str], numbers: list[int]) -> bool:
    return all(1 <= n <= max(len(lines), 1) for n in numbers)


FILE_RULES = [rule for rule in REGISTRY.values() if rule.scope == "file"]


@settings(max_examples=300, deadline=None)
@given(_files() | st.binary(max_size=200))
def test_reading_and_parsing_never_raise_and_report_lines_of_the_file(data: bytes) -> None:
    try:
        tf = decode(data, "notes/x.md")
    except UnsafeInputError as err:
        assert err.path == "notes/x.md"
        return
    lines = tf.lines()
    for backend in ("py", "rs"):
        parsed = parse_text(tf.text, backend=backend)
        assert _in_file(lines, [h.line for h in parsed.headings] + [link.line for link in parsed.links])
    for index_candidate in (True, False):
        facts, _, _ = extract(
            tf.text,
            "notes/x.md",
            roles=Roles(index_candidate=index_candidate, explicit=False, note=True),
            settings=Settings(),
            rules=FILE_RULES,
        )
        assert _in_file(lines, [Finding.from_tuple(t).line for t in facts.findings])


@contextmanager
def _one_file_repo(data: bytes, name: str = "notes/x.md") -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / ".git").mkdir()
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
        yield root


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_files() | st.binary(max_size=200))
def test_lint_never_raises_on_a_one_file_repository(data: bytes) -> None:
    try:
        decode(data, "notes/x.md")
        readable = True
    except UnsafeInputError:
        readable = False
    with _one_file_repo(data) as root:
        result = run_lint(load_config(root), LintOptions(use_cache=False))
    failing = any(f.severity >= Severity.parse(Settings().fail_on) for f in result.findings)
    assert result.exit_code == (3 if not readable else 1 if failing else 0)
    assert [path for path, _, _ in result.skipped] == ([] if readable else ["notes/x.md"])


# lint --fix --unsafe-fixes: every rule with a fix has a block here, so fixes meet and cascade

_FIXABLE_BLOCKS = st.sampled_from(
    [
        # malformed-entry (safe): a title broken across two lines
        "## [2103.06874 CANINE: Pre-training an Efficient Tokenization-Free Encoder\n"
        "for Language Representation](papers/canine.md)",
        # date-id-mismatch (unsafe)
        "## [201906 RoBERTa: A Robustly Optimized BERT Pretraining Approach](papers/canine.md)\n"
        "- https://arxiv.org/abs/1907.11692",
        # duplicate-entry (unsafe), when drawn twice
        "## [1905.03197 Unified Language Model Pre-training](papers/unilm.md)\n- https://arxiv.org/abs/1905.03197",
        "## 2103.04350 Syntax-BERT: Improving Pre-trained Transformers with Syntax Trees",
        # empty-todo (unsafe)
        "- [ ]",
        "- [x] done",
        # link-case-mismatch, missing-image (a file of that name elsewhere), broken-anchor (safe)
        "- [Case](Papers/Canine.md)",
        "![](../figures/fig.png)",
        "[anchor](#2103.04350Syntax-BERT:ImprovingPre-trainedTransformerswithSyntaxTrees)",
        # toc-stale, toc-corrupt (safe)
        "<!-- toc -->\n- [Old](#old)\n<!-- tocstop -->",
        "<!-- TOC -->autoauto- [深度学习](#深度学习)auto<!-- /TOC -->",
        # no fix: the context fixes must leave alone
        "## Section",
        "Some text with [a link](papers/canine.md).",
        "```\n- [ ]\n[x](Papers/Canine.md)\n```",
        "#### [ ] [Checkbox](papers/canine.md)",
    ]
)
# The index ends in a section of its own: a duplicate entry that ends the file trips a bug of its own
# (test_merging_a_duplicate_that_ends_the_file_stays_inside_the_file below).
_TRAILER = ["# Trailer", "The end."]


@st.composite
def _indexes(draw: st.DrawFn) -> bytes:
    blocks = ["# Index", *draw(st.lists(_FIXABLE_BLOCKS, min_size=1, max_size=10)), *_TRAILER]
    text = "\n\n".join(blocks) + draw(st.sampled_from(["", "\n"]))
    data = text.replace("\n", draw(st.sampled_from(["\n", "\r\n"]))).encode()
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + data


@contextmanager
def _index_repo(index: bytes) -> Iterator[Path]:
    with _one_file_repo(index, "notes/index.md") as root:
        (root / "notes/papers").mkdir()
        (root / "notes/papers/canine.md").write_text("# CANINE\n", encoding="utf-8")
        (root / "notes/papers/unilm.md").write_text("# UniLM\n", encoding="utf-8")
        (root / "assets").mkdir()
        (root / "assets/fig.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        yield root


FIX_ALL = LintOptions(use_cache=False, fix=True, unsafe_fixes=True)


def _kept_in_order(kept: list[bytes], lines: list[bytes]) -> bool:
    remaining = iter(lines)
    return all(any(line == other for other in remaining) for line in kept)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_indexes())
def test_fixing_touches_only_the_fixed_lines_and_a_second_run_writes_nothing(index: bytes) -> None:
    with _index_repo(index) as root:
        path, config = root / "notes/index.md", load_config(root)
        # One round at a time: the lines a round may change are those its findings' fixes name.
        with mock.patch.object(lint, "MAX_FIX_ROUNDS", 1):
            for _round in range(10):
                before = path.read_bytes()
                findings = run_lint(config, LintOptions(use_cache=False)).findings
                named = {n for f in findings if f.fix for e in f.fix.edits for n in range(e.start, e.end + 1)}
                if not run_lint(config, FIX_ALL).written:
                    break
                kept = [line for n, line in enumerate(before.splitlines(True), 1) if n not in named]
                assert _kept_in_order(kept, path.read_bytes().splitlines(True))
        stepwise = path.read_bytes()
        path.write_bytes(index)
        assert run_lint(config, FIX_ALL).written or stepwise == index
        assert path.read_bytes() == stepwise  # all rounds in one run end where the rounds one by one did
        assert run_lint(config, FIX_ALL).written == []
        assert path.read_bytes() == stepwise


def test_merging_a_duplicate_that_ends_the_file_stays_inside_the_file() -> None:
    entry = "## [1905.03197 UniLM](https://arxiv.org/abs/1905.03197)"
    with _index_repo(f"# Index\n\n{entry}\n\n{entry}\n".encode()) as root:
        result = run_lint(load_config(root), FIX_ALL)
        assert (root / "notes/index.md").read_text(encoding="utf-8") == f"# Index\n\n{entry}\n"
    assert "duplicate-entry" not in [f.rule for f in result.findings]


# toc --write through the write path, whatever the line endings

_TOC_LINES = st.sampled_from(
    [
        "# Title",
        "## Alpha",
        "### Beta `code`",
        "## 模型",
        "Text.",
        "",
        "- item",
        "```",
        "<!-- toc -->",
        "<!-- tocstop -->",
        "- [Old](#old)",
    ]
)


@st.composite
def _toc_files(draw: st.DrawFn) -> bytes:
    """A file with one TOC block somewhere among headings, each line ending in LF or CRLF at random."""
    before = draw(st.lists(_TOC_LINES, max_size=6))
    after = draw(st.lists(_TOC_LINES, max_size=10))
    lines = [
        *before,
        "<!-- toc -->",
        *draw(st.lists(st.just("- [Old](#old)"), max_size=2)),
        "<!-- tocstop -->",
    ]
    lines += after
    text = "".join(line + draw(st.sampled_from(["\n", "\r\n"])) for line in lines)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode()


def _toc_write(root: Path) -> TocResult:
    config = load_config(root)
    return run_toc(root, config.settings, None, write=True, check=False, diff=False, add=False, depth=None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_toc_files())
def test_toc_write_keeps_every_byte_outside_its_blocks_and_is_idempotent(data: bytes) -> None:
    with _one_file_repo(data) as root:
        first = _toc_write(root)
        written = (root / "notes/x.md").read_bytes()
        named = {
            n
            for status in first.statuses.get("notes/x.md", [])
            if status.edit is not None
            for n in range(status.edit.start, status.edit.end + 1)
        }
        kept = [line for n, line in enumerate(data.splitlines(True), 1) if n not in named]
        assert _kept_in_order(kept, written.splitlines(True))
        assert _toc_write(root).written == []
        assert (root / "notes/x.md").read_bytes() == written
