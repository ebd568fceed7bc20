"""papernotes mv: moves that keep every link working, in the style it was written, all or nothing.

Also the staged rename of the write path (``Transaction.rename``) that ``mv`` is built on.
"""

from __future__ import annotations

import posixpath
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papernotes import edits
from papernotes.config import load_config
from papernotes.edits import Transaction
from papernotes.errors import RefusedError, UsageError, WriteRefusedError
from papernotes.lint import LintOptions, run_lint
from papernotes.moving import MvResult, render_summary, run_mv
from papernotes.report import render
from papernotes.textfile import read_text

from .conftest import SEED, git

Golden = Callable[[str, str], None]

GLM_NOTE = "resources/notes/d0001/pretrainlm_2103.10360.md"
DEEBERT_NOTE = "resources/notes/d0001/pretrainlm_202004_DeeBert.md"
IMAGE = "resources/images/d0001/12205241811205302418.png"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR synthetic"

# The seed index plus what a real repository around it holds: notes for some entries (one with CRLF line
# endings), a second index linking the same note, and an image used by the index and three notes.
SEED_SHAPED: dict[str, str | bytes] = {
    GLM_NOTE: (
        "---\n"
        'id: "2103.10360"\n'
        'title: "All NLP Tasks Are Generation Tasks: A General Pretraining Framework"\n'
        "---\n"
        "\n"
        "# All NLP Tasks Are Generation Tasks\n"
        "\n"
        "Listed in [the index](../../../notes/PretrainedLangugeModel.md#模型); compare "
        "[DeeBERT](./pretrainlm_202004_DeeBert.md#method).\n"
        "\n"
        "![blank infilling](../../images/d0001/12205241811205302418.png)\n"
        "\n"
        "## Method\n"
        "\n"
        "See [above](#method) and [this note](pretrainlm_2103.10360.md#method).\n"
    ),
    DEEBERT_NOTE: (
        "# DeeBERT\r\n"
        "\r\n"
        "## Method\r\n"
        "\r\n"
        "Exits early; [GLM](pretrainlm_2103.10360.md#method) does not ([again](pretrainlm_2103.10360)).\r\n"
        "\r\n"
        '<img src="../../images/d0001/12205241811205302418.png" width="300">\r\n'
    ),
    "resources/notes/d0001/pretrainlm_202003_Survey.md": (
        "# Pre-trained Models for Natural Language Processing: A Survey\n"
        "\n"
        "![exits](../../images/d0001/12205241811205302418.png?raw=true)\n"
    ),
    IMAGE: PNG,
    "README.md": (
        "# Reading list\n"
        "\n"
        "## Pretraining\n"
        "\n"
        "- [2103.10360 All NLP Tasks Are Generation Tasks](resources/notes/d0001/pretrainlm_2103.10360.md)\n"
        "\n"
        "The [method section][glm] is worth a read.\n"
        "\n"
        "[glm]: ./resources/notes/d0001/pretrainlm_2103.10360.md#method\n"
    ),
}


def _build(root: Path, files: dict[str, str | bytes], *, use_git: bool) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    if use_git:
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "notes")
    else:
        (root / ".git").mkdir(exist_ok=True)  # a repository root, without Git
    return root


@pytest.fixture
def seed_shaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    (root / "notes").mkdir(parents=True)
    shutil.copyfile(SEED, root / "notes" / "PretrainedLangugeModel.md")
    _build(root, SEED_SHAPED, use_git=True)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    def build(files: dict[str, str | bytes], *, use_git: bool = False) -> Path:
        root = _build(tmp_path / "repo", files, use_git=use_git)
        monkeypatch.chdir(root)
        return root

    return build


def _mv(src: str, dst: str, *, dry_run: bool = False) -> MvResult:
    return run_mv(load_config(Path.cwd()), Path(src), Path(dst), dry_run=dry_run)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not {".git", ".papernotes_cache"} & set(path.relative_to(root).parts)
    }


def _lint(root: Path) -> str:
    result = run_lint(load_config(root), LintOptions(use_cache=False))
    return render("concise", result.findings, result.skipped)


def _read(root: Path, rel: str) -> str:
    return (root / rel).read_text(encoding="utf-8")


# Acceptance: the seed-shaped repository


def test_moving_a_note_and_an_image_keeps_lint_and_a_move_back_restores_every_byte(seed_shaped: Path) -> None:
    before_files = _snapshot(seed_shaped)
    before_lint = _lint(seed_shaped)

    note = _mv(GLM_NOTE, "resources/notes/glm/pretrainlm_2103.10360.md")
    image = _mv(IMAGE, "assets/figures/early exit.png")

    assert (note.links, note.files) == (
        6,
        [
            "README.md",
            "notes/PretrainedLangugeModel.md",
            DEEBERT_NOTE,
            "resources/notes/glm/pretrainlm_2103.10360.md",
        ],
    )
    assert (image.links, len(image.files)) == (4, 4)  # the index and three notes
    assert note.git and image.git
    assert render_summary(image) == (
        f"Moved {IMAGE} to assets/figures/early exit.png (git mv); rewrote 4 links in 4 files.\n"
    )
    assert _lint(seed_shaped) == before_lint
    status = git(seed_shaped, "status", "--short")
    assert f"R  {IMAGE} -> " in status
    assert f"{GLM_NOTE} -> resources/notes/glm/pretrainlm_2103.10360.md" in status
    assert (seed_shaped / DEEBERT_NOTE).read_bytes().count(b"\r\n") == 7  # CRLF stays CRLF
    assert (seed_shaped / "assets/figures/early exit.png").read_bytes() == PNG

    _mv("assets/figures/early exit.png", IMAGE)
    _mv("resources/notes/glm/pretrainlm_2103.10360.md", GLM_NOTE)
    assert _snapshot(seed_shaped) == before_files
    assert git(seed_shaped, "status", "--short") == ""


def test_dry_run_prints_the_diff_and_writes_nothing(seed_shaped: Path, golden: Golden) -> None:
    before = _snapshot(seed_shaped)
    result = _mv(GLM_NOTE, "resources/notes/glm/pretrainlm_2103.10360.md", dry_run=True)
    assert result.dry_run and not result.written
    assert _snapshot(seed_shaped) == before
    golden("mv/seed-note-dry-run.diff", result.diff)


def test_image_move_dry_run(seed_shaped: Path, golden: Golden) -> None:
    golden("mv/seed-image-dry-run.diff", _mv(IMAGE, "assets/figures/early exit.png", dry_run=True).diff)


def test_moving_an_index_rewrites_its_own_links_and_lint_reports_the_same_problems(seed_shaped: Path) -> None:
    index = "notes/PretrainedLangugeModel.md"
    before_files = _snapshot(seed_shaped)
    before = run_lint(load_config(seed_shaped), LintOptions(use_cache=False)).findings

    result = _mv(index, "PretrainedLangugeModel.md")

    after = run_lint(load_config(seed_shaped), LintOptions(use_cache=False)).findings
    moved = {index: "PretrainedLangugeModel.md"}
    # The messages quote the targets as written, which moved with the file; what and where did not change.
    # (A paper in both indexes is reported on the index that sorts second: README.md, now.)
    across = "duplicate-entry-across-files"
    assert sorted((moved.get(f.path, f.path), f.line, f.rule) for f in before if f.rule != across) == sorted(
        (f.path, f.line, f.rule) for f in after if f.rule != across
    )
    assert [f.rule for f in before].count(across) == [f.rule for f in after].count(across) == 1
    text = _read(seed_shaped, "PretrainedLangugeModel.md")
    assert "(resources/notes/d0001/pretrainlm_2103.10360.md)" in text
    assert "(./notes/FastReading.md#2103.04350Syntax-BERT" in text  # broken before, broken the same way after
    assert "(../../../PretrainedLangugeModel.md#模型)" in _read(seed_shaped, GLM_NOTE)
    assert result.warnings == []  # the root is where indexes are looked for

    _mv("PretrainedLangugeModel.md", index)
    after_files = _snapshot(seed_shaped)
    assert {rel for rel in before_files if after_files[rel] != before_files[rel]} == {index}
    # A detour in a path is not a style: it is gone once the link has been rewritten.
    detour = "./resources/../FastReading.md#2103.04350"
    assert after_files[index] == before_files[index].replace(detour.encode(), b"./FastReading.md#2103.04350")


def test_an_index_moved_out_of_sight_is_warned_about(seed_shaped: Path) -> None:
    result = _mv("notes/PretrainedLangugeModel.md", "notes/topics/PretrainedLangugeModel.md", dry_run=True)
    assert len(result.warnings) == 1
    assert "is not where papernotes looks for indexes" in result.warnings[0]


# How each kind of link is rewritten


STYLES = [
    # (link line in a/doc.md, src, dst, expected link line)
    ("[x](../b/note.md)", "b/note.md", "c/d/note.md", "[x](../c/d/note.md)"),
    ("[x](../b/note)", "b/note.md", "c/paper.md", "[x](../c/paper)"),
    ("[x](../b/note.md#sec)", "b/note.md", "c/note.md", "[x](../c/note.md#sec)"),
    ("![x](../b/img.png?raw=true)", "b/img.png", "img.png", "![x](../img.png?raw=true)"),
    ("[x](../b/my%20note.md)", "b/my note.md", "c/my note.md", "[x](../c/my%20note.md)"),
    ("[x](../b/note.md)", "b/note.md", "c/my note (v2).md", "[x](../c/my%20note%20(v2).md)"),
    ("[x](<../b/my note.md>)", "b/my note.md", "c/your note.md", "[x](<../c/your note.md>)"),
    (
        "[x](../b/%E7%AC%94%E8%AE%B0.md)",
        "b/笔记.md",
        "c/新笔记.md",
        "[x](../c/%E6%96%B0%E7%AC%94%E8%AE%B0.md)",
    ),
    ("[x](../b/笔记.md)", "b/笔记.md", "图 片/笔记.md", "[x](../图%20片/笔记.md)"),
    ("[x](./../b/note.md)", "b/note.md", "a/note.md", "[x](./note.md)"),
    ("[x](/b/note.md)", "b/note.md", "c/note.md", "[x](/c/note.md)"),
    ("[x](..\\b\\note.md)", "b/note.md", "c/note.md", "[x](..\\c\\note.md)"),
    ('<img src="../b/img.png" width=3>', "b/img.png", "c/it's.png", '<img src="../c/it%27s.png" width=3>'),
    ("[../b/note.md](../b/note.md)", "b/note.md", "c/note.md", "[../b/note.md](../c/note.md)"),
    (
        "`[x](../b/note.md)` is [x](../b/note.md)",
        "b/note.md",
        "c/note.md",
        "`[x](../b/note.md)` is [x](../c/note.md)",
    ),
    ("[x](../b/note.md) [y](../b/note.md)", "b/note.md", "n.md", "[x](../n.md) [y](../n.md)"),
    ("[x](../b/note.md 'a title')", "b/note.md", "c/note.md", "[x](../c/note.md 'a title')"),
    ("[x](../b/a_\\(1\\).md)", "b/a_(1).md", "c/a_(1).md", "[x](../c/a_\\(1\\).md)"),
    ("[x](../b/a%281%29.md)", "b/a(1).md", "c/b(2).md", "[x](../c/b%282%29.md)"),
    ("[x](../b/note.md)", "b/note.md", "c/a(1.md", "[x](../c/a%281.md)"),
]


@pytest.mark.parametrize(("line", "src", "dst", "expected"), STYLES)
def test_links_keep_their_style(
    repo: Callable[..., Path], line: str, src: str, dst: str, expected: str
) -> None:
    root = repo({"a/doc.md": f"# Doc\n\n{line}\n", src: PNG if src.endswith(".png") else "# Target\n"})
    result = _mv(src, dst)
    assert _read(root, "a/doc.md") == f"# Doc\n\n{expected}\n"
    assert result.links == (2 if line.count("](../b") == 2 and "`" not in line else 1)


def test_reference_definitions_multiline_links_and_wikilinks(repo: Callable[..., Path]) -> None:
    root = repo(
        {
            "papernotes.toml": "wikilinks = true\nself-urls = ['https://github.com/o/r']\n",
            "a/doc.md": (
                "# Doc\n\n"
                "Read [the note][n] and [a title wrapped\nover two lines](../b/note.md).\n\n"
                "Also [[note]], [[note#Method|the method]] and [on GitHub](https://github.com/o/r/blob/main/b/note.md#m).\n\n"
                '[n]: ../b/note.md "The note"\n'
            ),
            "b/note.md": "# Note\n\n## Method\n",
        }
    )
    result = _mv("b/note.md", "c/paper.md")
    assert _read(root, "a/doc.md") == (
        "# Doc\n\n"
        "Read [the note][n] and [a title wrapped\nover two lines](../c/paper.md).\n\n"
        "Also [[paper]], [[paper#Method|the method]] and [on GitHub](https://github.com/o/r/blob/main/c/paper.md#m).\n\n"
        '[n]: ../c/paper.md "The note"\n'
    )
    assert result.links == 5


def test_the_moved_file_keeps_pointing_where_it_pointed(repo: Callable[..., Path]) -> None:
    root = repo(
        {
            "notes/a.md": (
                "# A\n\n"
                "[b](b.md), [img](../img/x.png), [up](../README.md#top), [self](a.md#a), [here](#a), "
                "[gone](missing.md), [web](https://example.org/a.md), [mail](mailto:x@example.org), "
                "[sibling](../../other/x.md)\n"
            ),
            "notes/b.md": "# B\n",
            "img/x.png": PNG,
            "README.md": "# Top\n",
        }
    )
    _mv("notes/a.md", "notes/deep/er/a.md")
    assert _read(root, "notes/deep/er/a.md") == (
        "# A\n\n"
        "[b](../../b.md), [img](../../../img/x.png), [up](../../../README.md#top), [self](a.md#a), "
        "[here](#a), [gone](../../missing.md), [web](https://example.org/a.md), "
        "[mail](mailto:x@example.org), [sibling](../../../../other/x.md)\n"
    )


def test_a_plain_rename_in_place_changes_only_the_links_to_it(repo: Callable[..., Path]) -> None:
    root = repo({"n/a.md": "# A\n\n[b](b.md) [self](./a.md)\n", "n/b.md": "# B\n\n[a](a.md)\n"})
    result = _mv("n/a.md", "n/z.md")
    assert _read(root, "n/z.md") == "# A\n\n[b](b.md) [self](./z.md)\n"
    assert _read(root, "n/b.md") == "# B\n\n[a](z.md)\n"
    assert not (root / "n/a.md").exists()
    assert not result.git  # not a Git work tree: a plain rename
    assert render_summary(result) == "Moved n/a.md to n/z.md; rewrote 2 links in 2 files.\n"


def test_a_folder_as_destination_receives_the_file(repo: Callable[..., Path]) -> None:
    root = repo({"a.md": "# A\n\n[b](b.md)\n", "b.md": "# B\n", "sub/keep.md": "# K\n"})
    result = _mv("b.md", "sub")
    assert result.dst == "sub/b.md"
    assert (
        render_summary(_mv("sub/keep.md", "keep.md"))
        == "Moved sub/keep.md to keep.md; no link pointed to it.\n"
    )
    assert _read(root, "a.md") == "# A\n\n[b](sub/b.md)\n"


def test_relative_arguments_are_read_from_the_current_folder(
    repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo({"notes/a.md": "# A\n\n[b](b.md)\n", "notes/b.md": "# B\n"})
    monkeypatch.chdir(root / "notes")
    _mv("b.md", "../b.md")
    assert _read(root, "notes/a.md") == "# A\n\n[b](../b.md)\n"


def test_a_link_that_cannot_be_found_refuses_the_move(repo: Callable[..., Path]) -> None:
    # An entity in a destination: markdown-it reads "b&amp;c.md" as "b&c.md"; found and rewritten.
    root = repo({"a.md": "# A\n\n[b](b&amp;c.md)\n", "b&c.md": "# B\n"})
    _mv("b&c.md", "d.md")
    assert _read(root, "a.md") == "# A\n\n[b](d.md)\n"


FOLDERS = st.lists(st.sampled_from(["notes", "d0001", "图片", "my notes", "a(1)"]), max_size=2).map("/".join)
NAMES = st.sampled_from(["x.md", "笔记.md", "paper (v2).md", "GLM.md"])


def _written(source: str, target: str, style: str) -> str:
    """A link from ``source`` to ``target`` as an editor writes it: %-encoded (as JavaScript's encodeURI
    does: parentheses stay), raw (in <> when it has a space), or raw with "./"."""
    rel = posixpath.relpath(target, posixpath.dirname(source) or ".")
    if style == "encoded":
        return quote(rel, safe="/()")
    if style == "dot" and not rel.startswith(".."):
        rel = "./" + rel
    return f"<{rel}>" if " " in rel else rel


@settings(max_examples=60, deadline=None)
@given(
    linker=st.tuples(FOLDERS, NAMES),
    note=st.tuples(FOLDERS, NAMES),
    moved=st.tuples(FOLDERS, NAMES),
    style=st.sampled_from(["encoded", "raw", "dot"]),
)
def test_a_move_and_a_move_back_restore_every_byte(
    linker: tuple[str, str], note: tuple[str, str], moved: tuple[str, str], style: str
) -> None:
    """Whatever the folders, names and the style the links are written in (one style per file)."""
    source, target, destination = (posixpath.join(*pair) for pair in (linker, note, moved))
    if len({source, target, destination}) < 3 or destination.startswith(target + "/"):
        return
    witness = "图/见.md"  # another link of the file, written in the same style
    files: dict[str, str | bytes] = {
        source: f"# L\n\n[n]({_written(source, target, style)}) [w]({_written(source, witness, style)})\n",
        target: f"# N\n\n[back]({_written(target, source, style)}) [w]({_written(target, witness, style)})\n",
        witness: "# W\n",
    }
    with tempfile.TemporaryDirectory() as folder:
        root = _build(Path(folder).resolve(), files, use_git=False)
        before = _snapshot(root)
        config = load_config(root)
        run_mv(config, root / target, root / destination, dry_run=False)
        assert "broken-link" not in _lint(root)
        run_mv(config, root / destination, root / target, dry_run=False)
        assert _snapshot(root) == before


# Anchors


ANCHORED: dict[str, str | bytes] = {
    "notes/paper.md": (
        "# Paper\n\n"
        "<!-- TOC -->\n- [Training objectives](#training-objectives)\n<!-- /TOC -->\n\n"
        "## Training objectives\n\n"
        "As said in [the method](#method), and [elsewhere](#method-1).\n"
    ),
    "notes/other.md": (
        "# Other\n\n"
        "[method](paper.md#method), [on GitHub](paper.md#user-content-method), "
        "[encoded](paper.md#%E6%96%B9%E6%B3%95), [unrelated](paper.md#paper)\n"
    ),
    "notes/cjk.md": "# CJK\n\n## 方法\n\n[m](paper.md#%E6%96%B9%E6%B3%95)\n",
}


def test_renaming_an_anchor_rewrites_the_links_to_it(repo: Callable[..., Path], golden: Golden) -> None:
    root = repo(ANCHORED)
    result = _mv("notes/paper.md#method", "notes/paper.md#training-objectives", dry_run=True)
    golden("mv/anchor-dry-run.diff", result.diff)
    assert (result.kind, result.links, result.files) == ("anchor", 3, ["notes/other.md", "notes/paper.md"])

    done = _mv("notes/paper.md#method", "#training-objectives")
    assert render_summary(done) == (
        "Rewrote 3 links to notes/paper.md#method in 2 files: they now point to #training-objectives.\n"
    )
    assert "[the method](#training-objectives)" in _read(root, "notes/paper.md")
    assert "[elsewhere](#method-1)" in _read(root, "notes/paper.md")
    assert _read(root, "notes/other.md") == (
        "# Other\n\n"
        "[method](paper.md#training-objectives), [on GitHub](paper.md#user-content-training-objectives), "
        "[encoded](paper.md#%E6%96%B9%E6%B3%95), [unrelated](paper.md#paper)\n"
    )


def test_a_percent_encoded_anchor_stays_encoded(repo: Callable[..., Path]) -> None:
    root = repo(
        {"notes/cjk.md": "# CJK\n\n## 新方法\n", "notes/o.md": "# O\n\n[m](cjk.md#%E6%96%B9%E6%B3%95)\n"}
    )
    _mv("notes/cjk.md#方法", "notes/cjk.md#新方法")
    assert _read(root, "notes/o.md") == "# O\n\n[m](cjk.md#%E6%96%B0%E6%96%B9%E6%B3%95)\n"


@pytest.mark.parametrize(
    ("src", "dst", "error", "message"),
    [
        (
            "notes/paper.md#method",
            "notes/paper.md#results",
            RefusedError,
            "no heading with the anchor #results",
        ),
        (
            "notes/paper.md#paper",
            "notes/paper.md#training-objectives",
            RefusedError,
            "#paper is still an anchor",
        ),
        ("notes/paper.md#method", "notes/other.md#other", UsageError, "an anchor stays in its file"),
        ("notes/paper.md#method", "notes/paper.md", UsageError, "give the new one"),
        ("notes/paper.md", "notes/x.md#a", UsageError, "holds a '#'"),
        ("notes/gone.md#a", "#b", RefusedError, "does not exist"),
        ("notes/paper.md#x", "#x", UsageError, "are the same anchor"),
    ],
)
def test_anchor_renames_are_refused_when_they_make_no_sense(
    repo: Callable[..., Path], src: str, dst: str, error: type[Exception], message: str
) -> None:
    root = repo(ANCHORED)
    before = _snapshot(root)
    with pytest.raises(error, match=message):
        _mv(src, dst)
    assert _snapshot(root) == before


# Refusals and all-or-nothing


@pytest.mark.parametrize(
    ("src", "dst", "message"),
    [
        ("notes/gone.md", "notes/new.md", "does not exist"),
        ("notes/a.md", "notes/b.md", "already exists"),
        ("notes/a.md", "../outside.md", "outside the repository"),
        ("../elsewhere.md", "notes/x.md", "outside the repository"),
        ("notes", "papers", "not a file"),
        ("notes/a.md", "notes/a.md", "is already at"),
        ("notes/a.md", "_site/a.md", "excluded by the configuration"),
        ("notes/a.md", ".git/a.md", "excluded by the configuration"),
        ("notes/a.md", "notes/b.md/x/a.md", "cannot make a folder inside the file notes/b.md"),
    ],
)
def test_refused_moves_change_nothing(repo: Callable[..., Path], src: str, dst: str, message: str) -> None:
    root = repo({"notes/a.md": "# A\n\n[b](b.md)\n", "notes/b.md": "# B\n\n[a](a.md)\n"})
    (root.parent / "elsewhere.md").write_text("# E\n", encoding="utf-8")
    before = _snapshot(root)
    with pytest.raises(RefusedError, match=message):
        _mv(src, dst)
    assert _snapshot(root) == before


def test_a_symlink_is_not_moved(repo: Callable[..., Path]) -> None:
    root = repo({"notes/a.md": "# A\n"})
    (root / "notes/link.md").symlink_to("a.md")
    with pytest.raises(RefusedError, match="symbolic link"):
        _mv("notes/link.md", "notes/moved.md")


def test_a_failed_rewrite_leaves_the_file_where_it_was(repo: Callable[..., Path]) -> None:
    root = repo({"notes/a.md": "# A\n\n[b](b.md)\n", "notes/b.md": "# B\n\n[a](a.md)\n"}, use_git=True)
    (root / "notes/a.md").chmod(0o444)
    before = _snapshot(root)
    with pytest.raises(WriteRefusedError, match="read-only"):
        _mv("notes/b.md", "papers/b.md")
    assert _snapshot(root) == before
    assert git(root, "status", "--short") == ""


def test_a_rewrite_failing_after_the_move_undoes_the_git_mv(
    repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo({"notes/a.md": "# A\n\n[b](b.md)\n", "notes/b.md": "# B\n\n[a](a.md)\n"}, use_git=True)
    before = _snapshot(root)
    real_install = edits._install

    def failing_install(temp: Path, target: Path, *, create: bool) -> None:
        if target.name == "a.md":
            raise OSError(28, "No space left on device")
        real_install(temp, target, create=create)

    monkeypatch.setattr(edits, "_install", failing_install)
    with pytest.raises(WriteRefusedError, match="No space left on device; no file was changed"):
        _mv("notes/b.md", "papers/b.md")
    assert _snapshot(root) == before
    assert git(root, "status", "--short") == ""  # the rename was unstaged again
    assert not (root / "papers").exists()


def test_a_failed_move_rewrites_no_link(repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo({"notes/a.md": "# A\n\n[b](b.md)\n", "notes/b.md": "# B\n\n[a](a.md)\n"})
    before = _snapshot(root)

    def failing_move(src: Path, dst: Path) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(edits, "_move_no_clobber", failing_move)
    with pytest.raises(WriteRefusedError, match="could not move it"):
        _mv("notes/b.md", "papers/b.md")
    assert _snapshot(root) == before


def test_an_untracked_file_is_moved_without_git(repo: Callable[..., Path]) -> None:
    root = repo({"notes/a.md": "# A\n\n[b](b.md)\n"}, use_git=True)
    (root / "notes/b.md").write_text("# B\n", encoding="utf-8")
    result = _mv("notes/b.md", "notes/c.md")
    assert not result.git
    assert (root / "notes/c.md").exists()
    assert _read(root, "notes/a.md") == "# A\n\n[b](c.md)\n"


# Transaction.rename: the write path's staged move


def test_transaction_rename_moves_with_new_content_keeping_the_mode(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_bytes(b"# A\r\n\r\n[x](x.md)\r\n")
    (tmp_path / "a.md").chmod(0o640)
    transaction = Transaction(tmp_path)
    transaction.rename(read_text(tmp_path / "a.md"), tmp_path / "sub/b.md", "# A\n\n[x](../x.md)\n")
    assert transaction.diff() == (
        "diff --git a/a.md b/sub/b.md\nrename from a.md\nrename to sub/b.md\n"
        "--- a/a.md\n+++ b/sub/b.md\n@@ -1,3 +1,3 @@\n # A\n \n-[x](x.md)\n+[x](../x.md)\n"
    )
    assert transaction.commit() == [tmp_path / "sub/b.md"]
    assert not (tmp_path / "a.md").exists()
    assert (tmp_path / "sub/b.md").read_bytes() == b"# A\r\n\r\n[x](../x.md)\r\n"
    assert stat.S_IMODE((tmp_path / "sub/b.md").stat().st_mode) == 0o640


def test_transaction_rename_moves_a_binary_file_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_bytes(PNG)
    transaction = Transaction(tmp_path)
    transaction.rename(tmp_path / "x.png", tmp_path / "img/y.png")
    assert transaction.diff() == "diff --git a/x.png b/img/y.png\nrename from x.png\nrename to img/y.png\n"
    transaction.commit()
    assert (tmp_path / "img/y.png").read_bytes() == PNG


def test_transaction_rename_refuses_what_it_cannot_do_safely(tmp_path: Path) -> None:
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text("# A\n", encoding="utf-8")
    transaction = Transaction(tmp_path)
    with pytest.raises(WriteRefusedError, match="already exists"):
        transaction.rename(tmp_path / "a.md", tmp_path / "b.md")
    with pytest.raises(WriteRefusedError, match="not a regular file"):
        transaction.rename(tmp_path / "missing.md", tmp_path / "c.md")
    with pytest.raises(ValueError, match="needs the file as read"):
        transaction.rename(tmp_path / "a.md", tmp_path / "c.md", "# C\n")
    transaction.rename(tmp_path / "a.md", tmp_path / "c.md")
    with pytest.raises(ValueError, match="already staged"):
        transaction.replace(read_text(tmp_path / "a.md"), "# changed\n")
    with pytest.raises(ValueError, match="already staged"):
        transaction.rename(tmp_path / "b.md", tmp_path / "c.md")


def test_transaction_rename_refuses_a_file_changed_since_it_was_read(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n", encoding="utf-8")
    transaction = Transaction(tmp_path)
    transaction.rename(read_text(tmp_path / "a.md"), tmp_path / "b.md", "# B\n")
    (tmp_path / "a.md").write_text("# A, edited meanwhile\n", encoding="utf-8")
    with pytest.raises(WriteRefusedError, match="changed since it was read"):
        transaction.commit()
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == "# A, edited meanwhile\n"
    assert not (tmp_path / "b.md").exists()


def test_transaction_rename_refuses_a_destination_that_appeared_before_commit(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n", encoding="utf-8")
    transaction = Transaction(tmp_path)
    transaction.rename(tmp_path / "a.md", tmp_path / "b.md")
    (tmp_path / "b.md").write_text("# someone else's\n", encoding="utf-8")
    with pytest.raises(WriteRefusedError, match="already exists"):
        transaction.commit()
    assert (tmp_path / "b.md").read_text(encoding="utf-8") == "# someone else's\n"


def test_the_default_mover_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("a", encoding="utf-8")
    (tmp_path / "b").write_text("b", encoding="utf-8")
    with pytest.raises(FileExistsError):
        edits._move_no_clobber(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "b").read_text(encoding="utf-8") == "b"


def test_a_failed_undo_names_the_file_left_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.md").write_text("# A\n", encoding="utf-8")
    (tmp_path / "o.md").write_text("# O\n", encoding="utf-8")
    moves: list[tuple[str, str]] = []

    def mover(src: Path, dst: Path) -> None:
        moves.append((src.name, dst.name))
        if len(moves) > 1:
            raise OSError(5, "Input/output error")
        src.rename(dst)

    def failing_install(temp: Path, target: Path, *, create: bool) -> None:
        raise OSError(28, "No space left on device")

    transaction = Transaction(tmp_path)
    transaction.rename(tmp_path / "a.md", tmp_path / "b.md", mover=mover)
    transaction.replace(read_text(tmp_path / "o.md"), "# O2\n")
    monkeypatch.setattr(edits, "_install", failing_install)
    with pytest.raises(WriteRefusedError, match=r"could not restore .*b\.md \(to be moved back to .*a\.md\)"):
        transaction.commit()
    assert moves == [("a.md", "b.md"), ("b.md", "a.md")]
