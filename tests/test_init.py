"""`papernotes init`: a new collection in an empty folder, a description of an existing one, and refusals."""

from __future__ import annotations

import re
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path

import cfgv
import pytest
import yaml
from pre_commit.clientlib import CONFIG_SCHEMA

from papernotes import __version__
from papernotes.config import load_config, settings_from_table
from papernotes.errors import RefusedError, UsageError
from papernotes.initialise import HOOK_IDS, pre_commit_snippet, run_init
from papernotes.lint import LintOptions, run_lint
from papernotes.tocfiles import run_toc
from papernotes.workspace import load_workspace

MakeRepo = Callable[[dict[str, str | bytes]], Path]
Golden = Callable[[str, str], None]
REPO = Path(__file__).parent.parent

README_INDEX = """\
# Awesome graph papers

## Node classification

- [Semi-Supervised Classification with Graph Convolutional Networks](https://arxiv.org/abs/1609.02907)
- [Graph Attention Networks](https://arxiv.org/abs/1710.10903)
  ![](images/gat.png)

## Link prediction

- [Variational Graph Auto-Encoders](https://arxiv.org/abs/1611.07308)
"""


def tree(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` (folders show through their files)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def show_tree(root: Path) -> str:
    return "".join(f"=== {rel}\n{data.decode()}" for rel, data in tree(root).items())


def shown(report: str, root: Path) -> str:
    """The report without what changes between runs and releases: the folder and the version."""
    return report.replace(str(root), "DIR").replace(f"rev: v{__version__}", "rev: vVERSION")


def uncommented(config: str) -> str:
    """The configuration with every key line uncommented: what the file says it found."""
    return re.sub(r"^# (?=[a-z-]+ = )", "", config, flags=re.MULTILINE)


# A new collection


def test_an_empty_folder_gets_a_working_collection(tmp_path: Path, golden: Golden) -> None:
    root = tmp_path / "notes-repo"
    root.mkdir()

    result = run_init(root)

    assert result.created == ["papernotes.toml", "notes/papers.md", "notes/_template.md", "assets/.gitkeep"]
    assert list(tree(root)) == sorted(result.created)
    golden("init/new-tree.txt", show_tree(root))
    golden("init/new-report.txt", shown(result.report(), root))


def test_the_new_collection_lints_clean_and_its_toc_is_fresh(tmp_path: Path) -> None:
    run_init(tmp_path)
    config = load_config(tmp_path)
    assert config.source == tmp_path / "papernotes.toml"

    lint = run_lint(config, LintOptions(use_cache=False))
    assert (lint.findings, lint.exit_code) == ([], 0)
    toc = run_toc(tmp_path, config.settings, None, write=False, check=True, diff=False, add=False, depth=None)
    assert (toc.exit_code, toc.lines) == (0, ["1 block in 1 file: 1 fresh"])


def test_the_new_index_stays_an_index_once_its_example_entry_is_gone(tmp_path: Path) -> None:
    run_init(tmp_path)
    index = tmp_path / "notes" / "papers.md"
    text = index.read_text(encoding="utf-8")
    index.write_text(text[: text.index("### 1706.03762")], encoding="utf-8")

    ws = load_workspace(load_config(tmp_path))
    assert [d.path for d in ws.indexes] == ["notes/papers.md"]
    # The template is never read as a note (an orphan) or an index.
    assert "notes/_template.md" not in ws.documents


def test_a_missing_folder_is_created(tmp_path: Path) -> None:
    run_init(tmp_path / "new" / "collection")
    assert (tmp_path / "new" / "collection" / "papernotes.toml").is_file()


def test_an_assets_folder_with_files_gets_no_gitkeep(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.png").write_bytes(b"png")
    result = run_init(tmp_path)
    assert "assets/.gitkeep" not in result.created
    assert 'assets = ["assets"]' in (tmp_path / "papernotes.toml").read_text(encoding="utf-8")


# An existing collection


def test_the_seed_layout_gets_only_a_configuration_describing_it(seed_repo: Path, golden: Golden) -> None:
    before = tree(seed_repo)

    result = run_init(seed_repo)

    assert result.created == ["papernotes.toml"]
    assert (result.indexes, result.entries) == (["notes/PretrainedLangugeModel.md"], 46)
    after = tree(seed_repo)
    config = after.pop("papernotes.toml").decode()
    assert after == before
    golden("init/seed-papernotes.toml", config)
    golden("init/seed-report.txt", shown(result.report(), seed_repo))


def test_the_description_matches_what_auto_detection_finds(seed_repo: Path) -> None:
    run_init(seed_repo)
    written = (seed_repo / "papernotes.toml").read_text(encoding="utf-8")
    # Every key is commented out: auto-detection already finds all of it.
    assert settings_from_table(tomllib.loads(written), "papernotes.toml").indexes is None
    pinned = settings_from_table(tomllib.loads(uncommented(written)), "papernotes.toml")
    assert pinned.indexes == ["notes/*.md"]
    assert pinned.notes == ["resources/notes/d0001/*.md"]  # where the index's note links lead
    assert pinned.assets == ["resources/images/d0001", "source/images"]  # where its figures are
    auto = load_workspace(load_config(seed_repo))
    (seed_repo / "papernotes.toml").write_text(uncommented(written), encoding="utf-8")
    explicit = load_workspace(load_config(seed_repo))
    assert [d.path for d in explicit.indexes] == [d.path for d in auto.indexes]


def test_the_projects_own_notes_are_described_as_its_pyproject_configures_them(tmp_path: Path) -> None:
    shutil.copytree(REPO / "notes", tmp_path / "notes")
    shutil.copytree(REPO / "assets", tmp_path / "assets")
    run_init(tmp_path)
    written = (tmp_path / "papernotes.toml").read_text(encoding="utf-8")
    described = settings_from_table(tomllib.loads(uncommented(written)), "papernotes.toml")
    own = load_config(REPO).settings
    assert (described.indexes, described.notes, described.assets) == (own.indexes, own.notes, own.assets)


def test_a_readme_only_repository(make_repo: MakeRepo) -> None:
    root = make_repo({"README.md": README_INDEX, "images/gat.png": b"png", "LICENSE": "MIT\n"})
    result = run_init(root)
    assert result.created == ["papernotes.toml"]
    assert result.indexes == ["README.md"]
    assert (root / "papernotes.toml").read_text(encoding="utf-8").split("\n")[3:] == [
        "",
        "# Topic indexes: the Markdown files that list papers.",
        '# indexes = ["README.md"]',
        "",
        "# Folders whose every image must be used somewhere (default: every image).",
        '# assets = ["images"]',
        "",
    ]


def test_a_generated_mirror_is_pinned_as_one(make_repo: MakeRepo) -> None:
    gcn = "- [1609.02907 Semi-Supervised Classification with GCNs](https://arxiv.org/abs/1609.02907)\n"
    gat = "- [1710.10903 Graph Attention Networks](https://arxiv.org/abs/1710.10903)\n"
    root = make_repo(
        {
            "README.md": f"# All papers\n\n## GCN\n\n{gcn}\n## GAT\n\n{gat}",
            "notes/gcn.md": f"# GCN\n\n## Papers\n\n{gcn}",
            "notes/gat.md": f"# GAT\n\n## Papers\n\n{gat}",
        }
    )
    run_init(root)
    settings = load_config(root).settings
    assert settings.mirrors == ["README.md"]
    assert settings.indexes is None  # still auto-detected


def test_many_note_folders_under_one_folder_become_one_recursive_glob(make_repo: MakeRepo) -> None:
    years = ["2019", "2020", "2021", "2022"]
    index = "# Papers\n\n## All\n\n" + "".join(
        f"- [{year}01 Paper of {year}](papers/acl/{year}/p.md)\n" for year in years
    )
    root = make_repo({"README.md": index} | {f"papers/acl/{year}/p.md": "# P\n" for year in years})
    run_init(root)
    written = (root / "papernotes.toml").read_text(encoding="utf-8")
    assert '# notes = ["papers/acl/**/*.md"]' in written


def test_force_new_adds_a_collection_beside_the_indexes_found(seed_repo: Path) -> None:
    result = run_init(seed_repo, force_new=True)
    assert result.created == ["papernotes.toml", "notes/papers.md", "notes/_template.md", "assets/.gitkeep"]
    indexes = [d.path for d in load_workspace(load_config(seed_repo)).indexes]
    assert indexes == ["notes/PretrainedLangugeModel.md", "notes/papers.md"]


# Refusals


def test_an_existing_papernotes_toml_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "papernotes.toml").write_text("# mine\n", encoding="utf-8")
    before = tree(tmp_path)
    with pytest.raises(RefusedError) as caught:
        run_init(tmp_path)
    assert caught.value.exit_code == 1
    assert str(caught.value) == (
        f"{tmp_path / 'papernotes.toml'}: papernotes is configured here already; nothing was written"
    )
    assert tree(tmp_path) == before


def test_a_tool_papernotes_table_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.papernotes]\nindexes = ["x.md"]\n', encoding="utf-8")
    with pytest.raises(RefusedError, match=r"pyproject\.toml: \[tool\.papernotes\] configures"):
        run_init(tmp_path)
    assert list(tree(tmp_path)) == ["pyproject.toml"]


def test_a_pyproject_without_the_table_is_no_configuration(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert "papernotes.toml" in run_init(tmp_path).created


def test_a_second_init_is_refused_and_so_is_a_third_identically(tmp_path: Path) -> None:
    run_init(tmp_path)
    after_first = tree(tmp_path)
    messages = []
    for _ in range(2):
        with pytest.raises(RefusedError) as caught:
            run_init(tmp_path)
        messages.append(str(caught.value))
        assert tree(tmp_path) == after_first
    assert messages[0] == messages[1]


def test_a_file_in_the_way_refuses_the_whole_collection(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "_template.md").write_text("my template\n", encoding="utf-8")
    with pytest.raises(RefusedError, match=r"notes/_template\.md already exists; nothing was written"):
        run_init(tmp_path)
    assert list(tree(tmp_path)) == ["notes/_template.md"]  # not even papernotes.toml


def test_a_file_as_target_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "README.md"
    target.write_text("# x\n", encoding="utf-8")
    with pytest.raises(UsageError, match="is not a folder"):
        run_init(target)


# Next steps


def test_the_pre_commit_snippet_is_valid_and_names_this_projects_hooks() -> None:
    config = yaml.safe_load(pre_commit_snippet())
    cfgv.validate(config, CONFIG_SCHEMA)
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in config["repos"][0]["hooks"]] == list(HOOK_IDS)
    assert set(HOOK_IDS) <= {h["id"] for h in hooks}


def test_git_init_is_suggested_only_outside_a_git_repository(tmp_path: Path, make_repo: MakeRepo) -> None:
    outside = tmp_path / "plain"
    assert "git init" in run_init(outside).next_steps
    inside = make_repo({"README.md": README_INDEX}) / "sub"
    assert "git init" not in run_init(inside).next_steps
