"""The pre-commit hooks, end to end with the real pre-commit framework and real git.

pre-commit installs this repository (at its current commit) into its own environment, exactly as a user's
``.pre-commit-config.yaml`` would; that needs the package index, so the test is marked slow (CI runs it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import git

ROOT = Path(__file__).parents[1]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
]

INDEX = """\
# Papers

<!-- papernotes:toc depth=2 -->
- [Models](#models)
<!-- /papernotes:toc -->

## Models

### [2103.10360 All NLP Tasks Are Generation Tasks](papers/glm.md)
- https://arxiv.org/abs/2103.10360
"""
NOTE = (
    '---\nid: "2103.10360"\ntitle: "All NLP Tasks Are Generation Tasks"\n---\n\n# GLM\n\n'
    "<!-- TOC -->\n- [Method](#method)\n<!-- /TOC -->\n\n## Method\n"
)


def _project_commit() -> str:
    if not (ROOT / ".git").exists():
        pytest.skip("the project is not a git checkout")
    return git(ROOT, "rev-parse", "HEAD").strip()


def _commit(repo: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    git(repo, "add", "-A")
    return subprocess.run(
        ["git", "commit", "-m", message],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_commit_with_a_broken_link_a_conflict_and_a_stale_toc_is_rejected(tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit")
    if pre_commit is None:
        pytest.skip("pre-commit is not installed")
    rev = _project_commit()
    repo = tmp_path / "notes-repo"
    (repo / "notes" / "papers").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "notes" / "index.md").write_text(INDEX, encoding="utf-8")
    (repo / "notes" / "papers" / "glm.md").write_text(NOTE, encoding="utf-8")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {ROOT}\n  rev: {rev}\n  hooks:\n  - id: papernotes-lint\n  - id: papernotes-toc\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    subprocess.run([pre_commit, "install"], cwd=repo, env=env, check=True, capture_output=True)
    first = _commit(repo, env, "clean notes")
    assert first.returncode == 0, first.stdout + first.stderr

    bad = INDEX.replace("## Models", "## Models\n\n### [1810.04805 BERT](papers/bert.md)")
    bad += "<<<<<<< HEAD\n- a bullet\n=======\n- another bullet\n>>>>>>> 858f9910\n"
    (repo / "notes" / "index.md").write_text(bad, encoding="utf-8")
    note = repo / "notes" / "papers" / "glm.md"
    note.write_text(NOTE.replace("## Method", "## Approach"), encoding="utf-8")  # the TOC goes stale
    rejected = _commit(repo, env, "broken")
    output = rejected.stdout + rejected.stderr
    assert rejected.returncode != 0, output
    assert "PN010" in output and "papers/bert.md" in output  # the broken link, named
    assert "PN001" in output  # the conflict
    assert "PN024" in output and "glm.md" in output  # the stale TOC
    assert "merge conflict at line" in output  # and the toc hook leaves the conflicted file alone
    assert "- [Approach](#approach)" in note.read_text(encoding="utf-8")  # but updates the stale TOC

    fixed = bad.replace("### [1810.04805 BERT](papers/bert.md)\n\n", "")
    fixed = fixed.split("<<<<<<< HEAD")[0] + "- another bullet\n"
    (repo / "notes" / "index.md").write_text(fixed, encoding="utf-8")
    accepted = _commit(repo, env, "fixed")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "Passed" in accepted.stdout + accepted.stderr
