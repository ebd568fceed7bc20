"""Configuration and discovery: the root, the settings model, and the layouts auto-detected without config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from papernotes.config import Settings, find_root, load_config, settings_from_table
from papernotes.errors import ConfigError
from papernotes.workspace import load_workspace

MakeRepo = Callable[[dict[str, str | bytes]], Path]

ENTRY = "## [2103.10360 All NLP Tasks Are Generation Tasks]({target})\n- https://arxiv.org/abs/2103.10360\n"


def roles(root: Path) -> dict[str, str]:
    ws = load_workspace(load_config(root))
    return {path: doc.role for path, doc in ws.documents.items()}


def test_the_root_is_the_nearest_config_or_git_folder(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    deep = tmp_path / "notes" / "papers"
    deep.mkdir(parents=True)
    assert find_root(deep) == (tmp_path, None)
    (tmp_path / "notes" / "papernotes.toml").write_text("", encoding="utf-8")
    assert find_root(deep) == (tmp_path / "notes", tmp_path / "notes" / "papernotes.toml")


def test_a_pyproject_without_a_tool_table_is_not_a_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert find_root(tmp_path / "sub")[0] == tmp_path


def test_settings_forbid_unknown_keys_and_name_the_valid_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_table({"slug-flavor": "github"}, "papernotes.toml")
    assert "did you mean 'slug-flavour'" in str(caught.value) and "valid keys:" in str(caught.value)


def test_settings_reject_wrong_types_with_the_key_named() -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_table({"fail-on": "fatal"}, "papernotes.toml")
    assert str(caught.value).startswith("papernotes.toml: fail-on:")


def test_settings_accept_kebab_case_and_the_fingerprint_follows_them() -> None:
    a = settings_from_table({"slug-flavour": "typora", "extend-exclude": ["drafts"]}, "x")
    assert a.slug_flavour == "typora" and a.all_excludes[-1] == "drafts"
    assert a.fingerprint() != Settings().fingerprint()


def test_the_seed_layout(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "README.md": "# Notes\n\n- [Pretrained language models](notes/PretrainedLangugeModel.md)\n",
            "notes/PretrainedLangugeModel.md": "# 预训练语言模型\n\n# 模型\n"
            + ENTRY.format(target="../resources/notes/d0001/pretrainlm_2103.10360.md"),
            "resources/notes/d0001/pretrainlm_2103.10360.md": "# GLM\n",
            "source/images/1.png": b"\x89PNG",
        }
    )
    assert roles(root) == {
        "README.md": "other",
        "notes/PretrainedLangugeModel.md": "index",
        "resources/notes/d0001/pretrainlm_2103.10360.md": "note",
    }


def test_this_projects_own_layout(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "notes/pretrained-language-models.md": "# PLM\n\n## 模型\n\n"
            + ENTRY.format(target="papers/2103.10360.md").replace("## [", "### ["),
            "notes/papers/2103.10360.md": '---\nid: "2103.10360"\n---\n\n# GLM\n',
            "assets/plm-timeline.svg": "<svg/>",
        }
    )
    assert roles(root) == {
        "notes/pretrained-language-models.md": "index",
        "notes/papers/2103.10360.md": "note",
    }


def test_a_readme_only_repository(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "README.md": "# Reading list\n\n## NLP\n\n- [GLM](https://arxiv.org/abs/2103.10360)\n"
            "- Hindsight Experience Replay [[arXiv](https://arxiv.org/abs/1707.01495)]\n",
            "CHANGELOG.md": "# Changelog\n\n## [0.1.0] - 2024-01-01\n",
        }
    )
    assert roles(root) == {"README.md": "index", "CHANGELOG.md": "note"}
    ws = load_workspace(load_config(root))
    assert [e.title for e in ws.documents["README.md"].entries] == ["GLM", "Hindsight Experience Replay"]


def test_a_jekyll_site_with_posts_and_a_built_site(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "index.md": "# Papers\n\n## 2021\n\n- [GLM](_posts/2021-03-18-glm.md)\n",
            "_posts/2021-03-18-glm.md": '---\ntitle: "GLM"\nlayout: post\n---\n\nNotes.\n',
            "_site/index.html": "<html></html>",
            "_site/2021/glm.md": "# built copy\n",
            ".obsidian/workspace.md": "# editor state\n",
            "_posts/template.md": "# template\n",
        }
    )
    assert roles(root) == {"index.md": "index", "_posts/2021-03-18-glm.md": "note"}


def test_a_reading_log_with_notes_inline(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "PaperReading2021.md": "# 2021\n\n## [202004 DeeBERT: Dynamic Early Exiting](https://arxiv.org/abs/2004.12993)\n"
            "### Method\n\nEarly exits after each layer.\n\n## [2103.10360 GLM](https://arxiv.org/abs/2103.10360)\n",
        }
    )
    ws = load_workspace(load_config(root))
    doc = ws.documents["PaperReading2021.md"]
    assert doc.role == "index" and [e.title for e in doc.entries] == ["DeeBERT: Dynamic Early Exiting", "GLM"]
    assert doc.entries[0].text[0].text == "Method"  # a sub-heading of the entry's own notes, not a category


def test_explicit_globs_win_over_detection(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "papernotes.toml": 'indexes = ["lists/*.md"]\nnotes = ["papers/**/*.md"]\n',
            "lists/nlp.md": "# NLP\n\nNothing listed yet.\n",
            "papers/acl/2019/ernie.md": "# ERNIE\n",
            "README.md": "# Project\n\n" + ENTRY.format(target="papers/acl/2019/ernie.md"),
        }
    )
    assert roles(root) == {"lists/nlp.md": "index", "papers/acl/2019/ernie.md": "note", "README.md": "other"}
