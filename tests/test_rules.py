"""Every rule is data with a doc and a fixture: a small repository of violations and clean cases, snapshotted.

A fixture is ``tests/data/rules/<rule-name>/``, files as they would be on disk, each case introduced by a
comment in the Markdown itself (``<!-- violation: ... -->`` or ``<!-- clean: ... -->``). The snapshot of what
the rule reports on it is ``tests/golden/rules/<rule-name>.txt``; a rule with a fix also has the diff of its
fix, ``tests/golden/rules/<rule-name>.diff``. ``PAPERNOTES_UPDATE_GOLDEN=1 pytest tests/test_rules.py``
rewrites them: then read the diff of the snapshots, case by case.
"""

from __future__ import annotations

import difflib
import re
import shutil
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import pytest

from papernotes.config import load_config
from papernotes.entries import extract_entries
from papernotes.front import front_matter_of
from papernotes.lint import LintOptions, LintResult, run_lint
from papernotes.parsing import parse_text
from papernotes.report import render
from papernotes.rules import REGISTRY
from papernotes.titles import normalise_title

from .conftest import DATA
from .test_external import fake_web

FIXTURES = DATA / "rules"
ALL_RULES = sorted(REGISTRY)
FIXABLE = sorted(name for name, rule in REGISTRY.items() if rule.fix != "none")
DOC_SECTIONS = ["What it does", "Why it matters", "Example", "Fix"]
_CASE_RE = re.compile(r"<!--\s*(violation|clean)\b(.*?)-->", re.DOTALL)

Golden = Callable[[str, str], None]


def _copy_fixture(name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    (root / ".git").mkdir()  # the repository root, as in a clone
    return root


def _lint(
    root: Path, name: str, *, fix: bool = False, unsafe: bool = False, diff: bool = False
) -> LintResult:
    opt_in = REGISTRY[name].opt_in  # needs the network: its fixture's *.test hosts are served locally
    options = LintOptions(
        select=[name], external=opt_in, use_cache=False, fix=fix, unsafe_fixes=unsafe, diff=diff
    )
    with fake_web() if opt_in else nullcontext():
        return run_lint(load_config(root), options)


def _files(root: Path) -> dict[str, bytes]:
    """The repository's files, without git's folder and papernotes' own (the write lock lives there)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not {".git", ".papernotes_cache"} & set(p.parts)
    }


def _doc_sections(doc: str) -> list[tuple[str, str]]:
    """(title, body) of each ``## `` section of a rule doc; lines in fenced examples are not headings."""
    sections: list[tuple[str, str]] = []
    fenced = False
    for line in doc.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if line.startswith("## ") and not fenced:
            sections.append((line[3:], ""))
        elif sections:
            title, body = sections[-1]
            sections[-1] = (title, body + line + "\n")
    return sections


# The registry


@pytest.mark.parametrize("name", ALL_RULES)
def test_rule_doc_has_the_four_sections_in_order(name: str) -> None:
    sections = _doc_sections(REGISTRY[name].doc)
    assert [title for title, _ in sections] == DOC_SECTIONS
    for title, body in sections:
        assert body.strip(), f"{name}: the doc section {title!r} is empty"


@pytest.mark.parametrize("name", ALL_RULES)
def test_rule_doc_example_is_a_fenced_block(name: str) -> None:
    example = dict(_doc_sections(REGISTRY[name].doc))["Example"]
    assert re.search(r"^```\w*\n.+?\n```$", example, re.MULTILINE | re.DOTALL), f"{name}: no fenced example"


@pytest.mark.parametrize("name", ALL_RULES)
def test_rule_has_a_fixture_with_violations_and_clean_cases(name: str) -> None:
    folder = FIXTURES / name
    assert folder.is_dir(), f"rule {name} has no fixture: add tests/data/rules/{name}/"
    kinds = {case.kind for case in _cases(folder)}
    assert kinds == {"violation", "clean"}, f"{name}: the fixture needs both violation and clean cases"


def test_every_fixture_belongs_to_a_rule() -> None:
    assert sorted(p.name for p in FIXTURES.iterdir()) == ALL_RULES


# Fixtures and their snapshots


@pytest.mark.parametrize("name", ALL_RULES)
def test_rule_fixture_snapshot(name: str, tmp_path: Path, golden: Golden) -> None:
    result = _lint(_copy_fixture(name, tmp_path), name)
    assert result.findings, f"{name} reports nothing on its fixture"
    assert {f.rule for f in result.findings} == {name}
    assert not result.skipped
    golden(f"rules/{name}.txt", render("concise", result.findings, result.skipped))


@dataclass(frozen=True)
class _Case:
    path: str
    line: int
    kind: str  # "violation" or "clean"
    text: str


def _cases(root: Path) -> list[_Case]:
    cases = []
    for path in sorted(root.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        for match in _CASE_RE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            cases.append(_Case(path.relative_to(root).as_posix(), line, match.group(1), match.group(2)))
    return cases


@pytest.mark.parametrize("name", ALL_RULES)
def test_rule_fixture_reports_violations_and_only_them(name: str, tmp_path: Path) -> None:
    """Each finding falls under a violation comment (or is about the file as a whole, above its first case),
    and each violation comment is borne out by a finding under it, or on the file it names."""
    root = _copy_fixture(name, tmp_path)
    findings = _lint(root, name).findings
    cases = _cases(root)
    for finding in findings:
        above = [c for c in cases if c.path == finding.path and c.line <= finding.line]
        if above:
            case = above[-1]
            assert case.kind == "violation", f"a clean case is reported: {finding.path}:{finding.line}"
        elif not finding.path.endswith(".md"):
            named = [c for c in cases if finding.path in c.text]
            assert named and all(c.kind == "violation" for c in named), f"unexplained: {finding.path}"
    for case in (c for c in cases if c.kind == "violation"):
        same_file = [c.line for c in cases if c.path == case.path]
        end = min((line for line in same_file if line > case.line), default=10**9)
        first = min(same_file)
        borne_out = any(
            f.path == case.path and (case.line <= f.line < end or (f.line < first and case.line == first))
            for f in findings
        ) or any(f.path != case.path and f.path in case.text for f in findings)
        assert borne_out, f"a violation is not reported: {case.path}:{case.line}{case.text}"


# Fixes


def _touched_lines(result: LintResult) -> dict[str, tuple[set[int], set[int]]]:
    """Per file: the lines the offered fixes replace, and the lines before which they insert."""
    touched: dict[str, tuple[set[int], set[int]]] = {}
    for finding in result.findings:
        if finding.fix is None:
            continue
        replaced, inserted = touched.setdefault(finding.path, (set(), set()))
        for edit in finding.fix.edits:
            if edit.end < edit.start:
                inserted.add(edit.start)
            replaced.update(range(edit.start, edit.end + 1))
    return touched


def _changed_old_lines(old: bytes, new: bytes) -> tuple[set[int], set[int]]:
    """(old lines replaced or deleted, old lines before which something was inserted), 1-based."""
    matcher = difflib.SequenceMatcher(None, old.splitlines(True), new.splitlines(True), autojunk=False)
    replaced: set[int] = set()
    inserted: set[int] = set()
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            replaced.update(range(i1 + 1, i2 + 1))
        elif tag == "insert":
            inserted.add(i1 + 1)
    return replaced, inserted


def _git_style_diff(path: str, old: bytes, new: bytes) -> str:
    lines = difflib.unified_diff(
        old.decode().splitlines(True), new.decode().splitlines(True), f"a/{path}", f"b/{path}"
    )
    return "".join(lines)


@pytest.mark.parametrize("name", FIXABLE)
def test_rule_fix_changes_only_the_fixed_lines(name: str, tmp_path: Path, golden: Golden) -> None:
    unsafe = REGISTRY[name].fix == "unsafe"
    root = _copy_fixture(name, tmp_path)
    before = _files(root)
    offered = _touched_lines(_lint(root, name))
    assert offered, f"{name} offers no fix on its fixture"

    preview = _lint(root, name, diff=True, unsafe=unsafe)
    assert _files(root) == before, "--diff wrote something"
    golden(f"rules/{name}.diff", preview.diff)

    fixed = _lint(root, name, fix=True, unsafe=unsafe)
    after = _files(root)
    changed = sorted(path for path in after if after[path] != before[path])
    assert changed == sorted(offered), "a file without a fix offered was changed"
    assert sorted(p.relative_to(root).as_posix() for p in fixed.written) == changed
    for path in changed:
        replaced, inserted = _changed_old_lines(before[path], after[path])
        allowed, insert_points = offered[path]
        assert replaced <= allowed, f"{path}: lines {sorted(replaced - allowed)} changed without a fix"
        near = allowed | {n + 1 for n in allowed} | insert_points
        assert inserted <= near, f"{path}: lines inserted away from any fix before {sorted(inserted - near)}"
    assert preview.diff == "".join(_git_style_diff(p, before[p], after[p]) for p in changed)

    again = _lint(root, name, fix=True, unsafe=unsafe)
    assert again.written == [] and again.fixed == 0, "the second run still found something to fix"
    assert _files(root) == after


def test_unsafe_fixes_are_not_applied_by_fix_alone(tmp_path: Path) -> None:
    root = _copy_fixture("date-id-mismatch", tmp_path)
    before = _files(root)
    result = _lint(root, "date-id-mismatch", fix=True)
    assert result.written == [] and _files(root) == before
    assert sum(f.fix is not None for f in result.findings) == 3


# Bugs found while writing the fixtures, in code the rules depend on (parser, entries, titles, front matter).
# Each is pinned here by the behaviour a rule needs; strict xfail: when one passes, drop its marker.


def test_lone_separator_after_a_list_item_is_a_conflict_marker() -> None:
    parsed = parse_text("# Notes\n\n- [GLM](glm.md)\n=======\n- [P-tuning](ptuning.md)\n")
    assert [(r.middle, r.start, r.end) for r in parsed.conflicts] == [(4, None, None)]


def test_list_entry_with_bracketed_arxiv_and_code_links_has_a_clean_title() -> None:
    text = (
        "# Papers\n\n## Robotics\n\n"
        "- Hindsight Experience Replay [[arXiv](https://arxiv.org/abs/1707.01495)] [[code](https://github.com/x/her)]\n"
    )
    (entry,) = extract_entries(parse_text(text), "README.md").entries
    assert entry.title == "Hindsight Experience Replay"
    assert [i.key for i in entry.ids] == ["arxiv:1707.01495"]


def test_full_width_year_prefix_is_removed_from_the_title_key() -> None:
    assert normalise_title("２０１９ ERNIE: Enhanced Language Representation") == normalise_title(
        "2019 ERNIE: Enhanced Language Representation"
    )


def test_list_marker_in_a_heading_with_a_link_is_malformed() -> None:
    text = "# Papers\n\n## Models\n\n#### - [201909 ALBERT: A Lite BERT](papers/albert.md)\n"
    (entry,) = extract_entries(parse_text(text), "README.md").entries
    assert entry.title == "ALBERT: A Lite BERT"
    assert [m.kind for m in entry.malformations] == ["list-marker-in-heading"]


def test_link_less_entry_followed_by_a_link_bullet_is_not_a_broken_title() -> None:
    text = (
        "# Papers\n\n## Models\n\n## [XLNet: Generalized Autoregressive Pretraining]\n"
        "* [Link to the paper](https://arxiv.org/abs/1906.08237)\n"
    )
    (entry,) = extract_entries(parse_text(text), "README.md").entries
    assert entry.title == "XLNet: Generalized Autoregressive Pretraining"
    assert entry.malformations == []
    assert entry.urls == ["https://arxiv.org/abs/1906.08237"]


def test_list_entry_with_an_empty_target_is_malformed() -> None:
    text = "# Papers\n\n## Models\n\n- [202002 REALM: Retrieval-Augmented Language Model Pre-Training]()\n"
    (entry,) = extract_entries(parse_text(text), "README.md").entries
    assert [m.kind for m in entry.malformations] == ["empty-target"]


def test_a_pragma_before_an_entry_is_not_part_of_the_entry_above() -> None:
    text = (
        "# Papers\n\n## Models\n\n## [GLM](glm.md)\n- a bullet\n\n"
        "<!-- papernotes-disable-next-line broken-link -->\n## [P-tuning](ptuning.md)\n"
    )
    glm, _ptuning = extract_entries(parse_text(text), "README.md").entries
    assert glm.span.end_line == 6


def test_two_identical_links_on_one_line_have_their_own_columns() -> None:
    parsed = parse_text("See [GLM](glm.md) and [GLM again](glm.md).\n")
    assert [link.column for link in parsed.links] == [11, 35]


def test_typora_image_with_spaces_in_its_path_is_an_absolute_local_path(tmp_path: Path) -> None:
    # The example of absolute-local-path's own doc.
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "note.md").write_text(
        "# Note\n\n![](/Users/me/Library/Application Support/typora-user-images/image-20210318.png)\n",
        encoding="utf-8",
    )
    findings = _lint(root, "absolute-local-path").findings
    assert [(f.line, f.column) for f in findings] == [(3, 5)]


def test_duplicate_key_message_names_the_file_line_of_the_first_key() -> None:
    front = front_matter_of(["---", 'id: "1909.10351"', "title: a", "title: b", "---"])
    assert front is not None and front.error is not None
    assert front.error_line == 4
    assert "first on line 3" in front.error


def test_unquoted_arxiv_id_is_reported_on_its_own_line() -> None:
    front = front_matter_of(["---", 'title: "GLM"', "id: 2103.10360", "---"])
    assert front is not None and front.error is not None and "2103.10360" in front.error
    assert front.error_line == 3
