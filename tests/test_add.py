"""papernotes add: a paper by id -> a note and an entry in the index's own style, through the local server.

The two acceptance repositories are the seed (notes/PretrainedLangugeModel.md, a hand-kept index with its
notes under ../resources/notes/d0001/) and a copy of papernotes' own notes (notes/, assets/, its config).
"""

from __future__ import annotations

import difflib
import json
import shutil
import threading
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papernotes import adding, metadata
from papernotes.adding import AddResult, run_add
from papernotes.config import load_config
from papernotes.edits import repo_lock
from papernotes.entries import extract_entries
from papernotes.errors import (
    ConfigError,
    NotFoundError,
    RefusedError,
    RemoteError,
    UsageError,
    WriteRefusedError,
)
from papernotes.front import front_matter_of
from papernotes.lint import LintOptions, run_lint
from papernotes.metadata import MetadataClient
from papernotes.parsing import parse_text
from papernotes.templates import DEFAULT_TEMPLATE, md_inline, parse_template, render, yaml_scalar

from .arxiv_server import ArxivServer, FakeClock, Reply

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "add"
SEED_INDEX = "notes/PretrainedLangugeModel.md"
OWN_INDEX = "notes/pretrained-language-models.md"
MINILM = "MiniLM: Deep Self-Attention Distillation for Task-Agnostic Compression of Pre-Trained Transformers"

Golden = Callable[[str, str], None]
Add = Callable[..., AddResult]


# Fixtures


@pytest.fixture
def arxiv_server() -> Iterator[ArxivServer]:
    with ArxivServer() as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(arxiv_server: ArxivServer, tmp_path: Path, clock: FakeClock) -> Iterator[MetadataClient]:
    """A client of the local server with its own cache; retries wait on a fake clock, not for real."""
    with MetadataClient(
        arxiv_api=arxiv_server.arxiv_api,
        crossref_api=arxiv_server.crossref_api,
        cache_dir=tmp_path / "cache",
        timeout=0.5,
        retries=2,
        sleep=clock.sleep,
        clock=clock,
    ) as made:
        yield made


@pytest.fixture
def add(client: MetadataClient) -> Add:
    """run_add in the current repository, with the defaults of the command line."""

    def call(*inputs: str, **options: Any) -> AddResult:
        config = options.pop("config", None) or load_config(Path.cwd())
        arguments: dict[str, Any] = {
            "index": None,
            "category": None,
            "new_category": False,
            "force": False,
            "dry_run": False,
            "refresh": False,
            "offline": False,
            "title": None,
            "date": None,
            "authors": [],
            "client": client,
        }
        arguments.update(options)
        return run_add(config, list(inputs), **arguments)

    return call


@pytest.fixture
def own_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of papernotes' own notes, with its [tool.papernotes] table as papernotes.toml."""
    root = tmp_path / "own"
    (root / ".git").mkdir(parents=True)
    shutil.copytree(REPO / "notes", root / "notes")
    shutil.copytree(REPO / "assets", root / "assets")
    table = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["papernotes"]
    toml = "".join(f"{key} = {json.dumps(value)}\n" for key, value in table.items())
    (root / "papernotes.toml").write_text(toml, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file's bytes, except the write lock's folder (the tool's own, self-ignored cache)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".papernotes_cache" not in path.parts and ".git" not in path.parts
    }


def index_diff(before: dict[str, bytes], root: Path, rel: str) -> str:
    old = before[rel].decode().splitlines(keepends=True)
    new = (root / rel).read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, f"a/{rel}", f"b/{rel}"))


def only(result: AddResult) -> Any:
    assert len(result.outcomes) == 1, result.outcomes
    return result.outcomes[0]


# The seed: refused duplicates, then MiniLM in its house style


def test_a_listed_paper_is_refused_naming_its_line_before_any_request(
    seed_repo: Path, add: Add, arxiv_server: ArxivServer
) -> None:
    before = snapshot(seed_repo)

    result = add("2103.10360")

    outcome = only(result)
    assert isinstance(outcome.error, RefusedError)
    assert (outcome.error.path, outcome.error.line) == (SEED_INDEX, 6)
    assert "same arXiv id 2103.10360" in outcome.message and "--force" in outcome.message
    assert result.exit_code == 1
    assert arxiv_server.requests == []
    assert snapshot(seed_repo) == before


@pytest.mark.parametrize(
    "given",
    [
        "2103.10360v2",
        "arXiv:2103.10360",
        "https://arxiv.org/abs/2103.10360",
        "https://arxiv.org/pdf/2103.10360v2",
        "https://arxiv.org/pdf/2103.10360v2.pdf",
        "http://www.arxiv.org/abs/2103.10360v1",
        "export.arxiv.org/abs/2103.10360",
        "arxiv-vanity.com/papers/2103.10360",
    ],
)
def test_every_form_of_an_arxiv_id_names_the_same_paper(seed_repo: Path, add: Add, given: str) -> None:
    error = only(add(given)).error
    assert isinstance(error, RefusedError)
    assert error.line == 6


@pytest.mark.parametrize("given", ["10.18653/v1/P19-1139", "https://doi.org/10.18653/v1/P19-1139"])
def test_an_acl_anthology_doi_finds_the_entry_that_links_the_anthology(
    seed_repo: Path, add: Add, given: str
) -> None:
    # Line 85 links https://www.aclweb.org/anthology/P19-1139.pdf: the DOI names the same paper.
    error = only(add(given)).error
    assert isinstance(error, RefusedError)
    assert error.line == 85
    assert "same ACL Anthology id P19-1139" in str(error)


def test_a_paper_listed_without_an_id_is_found_by_its_title(
    seed_repo: Path, add: Add, arxiv_server: ArxivServer
) -> None:
    # "## [MASS: Masked Sequence ... Generation（Microsoft/2019）]" has no id; the fetched title matches it.
    error = only(add("1905.02450", category="原理")).error
    assert isinstance(error, RefusedError)
    assert error.line == 224 and "(same title)" in str(error)
    assert [r.id_list for r in arxiv_server.requests] == [["1905.02450"]]


def test_minilm_lands_in_the_seeds_style(seed_repo: Path, add: Add, golden: Golden) -> None:
    before = snapshot(seed_repo)

    dry = add("2002.10957", category="蒸馏", dry_run=True)

    assert snapshot(seed_repo) == before
    assert not (seed_repo / ".papernotes_cache").exists()  # not even the write lock's folder
    golden("add/seed/dry-run.diff", dry.diff)
    result = add("2002.10957", category="蒸馏")

    outcome = only(result)
    assert outcome.error is None and result.exit_code == 0
    note = "resources/notes/d0001/pretrainlm_2002.10957.md"
    assert (outcome.index, outcome.line, outcome.note, outcome.note_created) == (SEED_INDEX, 155, note, True)
    lines = (seed_repo / SEED_INDEX).read_text(encoding="utf-8").split("\n")
    # After the Well-Read Students entry, before the sub-category "## 应用": 蒸馏 is unsorted: append.
    assert lines[152].startswith("## [1908.08962 Well-Read Students")
    assert lines[154:158] == [
        f"## [2002.10957 {MINILM}](../resources/notes/d0001/pretrainlm_2002.10957.md)",
        "- https://arxiv.org/abs/2002.10957",
        "",
        "## 应用",
    ]
    golden("add/seed/index.diff", index_diff(before, seed_repo, SEED_INDEX))
    golden("add/seed/note.md", (seed_repo / note).read_text(encoding="utf-8"))
    assert result.diff == dry.diff
    assert sorted(p.relative_to(seed_repo).as_posix() for p in result.written) == sorted([SEED_INDEX, note])
    assert outcome.message == f'Added 2002.10957 "{MINILM}" to {SEED_INDEX}:155 (蒸馏); note {note}'


# papernotes' own notes: the same paper in the project's style


def test_minilm_lands_in_the_projects_style_and_lint_stays_clean(
    own_repo: Path, add: Add, golden: Golden
) -> None:
    before = snapshot(own_repo)

    result = add("2002.10957", category="蒸馏")

    outcome = only(result)
    assert outcome.error is None
    assert (outcome.line, outcome.note) == (98, "notes/papers/2002.10957.md")
    lines = (own_repo / OWN_INDEX).read_text(encoding="utf-8").split("\n")
    # 蒸馏 is newest first: MiniLM (2020-02) goes above DistilBERT (2019-10).
    assert lines[95:101] == [
        "## 蒸馏",
        "",
        f"### [2002.10957 {MINILM}](papers/2002.10957.md)",
        "- https://arxiv.org/abs/2002.10957",
        "",
        "### [1910.01108 DistilBERT, a distilled version of BERT: smaller, faster, cheaper and lighter]"
        "(papers/1910.01108.md)",
    ]
    note = (own_repo / "notes/papers/2002.10957.md").read_text(encoding="utf-8")
    sibling = (own_repo / "notes/papers/1910.01108.md").read_text(encoding="utf-8")
    assert list(_front(note)) == list(_front(sibling))  # id, title, date, venue, authors, urls, tags
    assert _front(note)["id"] == "2002.10957"
    golden("add/own/index.diff", index_diff(before, own_repo, OWN_INDEX))
    golden("add/own/note.md", note)
    assert run_lint(load_config(own_repo), LintOptions(use_cache=False)).findings == []


def test_a_new_category_goes_at_the_end_at_the_level_of_the_others_and_into_the_toc(
    own_repo: Path, add: Add, golden: Golden
) -> None:
    before = snapshot(own_repo)

    result = add("2002.10957", category="压缩", new_category=True)

    assert only(result).error is None
    text = (own_repo / OWN_INDEX).read_text(encoding="utf-8")
    assert "- [压缩](#压缩)\n<!-- /papernotes:toc -->" in text
    assert text.endswith(
        f"\n## 压缩\n\n### [2002.10957 {MINILM}](papers/2002.10957.md)\n- https://arxiv.org/abs/2002.10957\n"
    )
    golden("add/own/new-category.diff", index_diff(before, own_repo, OWN_INDEX))
    assert run_lint(load_config(own_repo), LintOptions(use_cache=False)).findings == []


def test_several_papers_are_fetched_in_one_request_and_each_succeeds_or_fails_alone(
    own_repo: Path, add: Add, arxiv_server: ArxivServer
) -> None:
    result = add("2002.10957", "2103.99999", category="蒸馏")

    added, unknown = result.outcomes
    assert added.error is None and added.line == 98
    assert isinstance(unknown.error, NotFoundError) and unknown.exit_code == 4
    assert result.exit_code == 4
    assert [r.id_list for r in arxiv_server.requests] == [["2002.10957", "2103.99999"]]
    assert (own_repo / "notes/papers/2002.10957.md").exists()
    assert not list((own_repo / "notes/papers").glob("2103.99999*"))


def test_force_adds_a_listed_paper_and_links_its_existing_note(own_repo: Path, add: Add) -> None:
    before = snapshot(own_repo)

    outcome = only(add("2103.10360", category="应用", force=True))

    assert outcome.error is None
    assert (outcome.note, outcome.note_created) == ("notes/papers/2103.10360.md", False)
    assert "linked to the existing note notes/papers/2103.10360.md" in outcome.message
    changed = {rel for rel, data in snapshot(own_repo).items() if before.get(rel) != data}
    assert changed == {OWN_INDEX}


def test_the_same_paper_twice_in_one_command_is_added_once(own_repo: Path, add: Add) -> None:
    result = add("2002.10957", "https://arxiv.org/abs/2002.10957v1", category="蒸馏")

    first, second = result.outcomes
    assert first.error is None
    assert isinstance(second.error, RefusedError) and "same paper as 2002.10957" in second.message


# Failures: every file stays as it was


@pytest.mark.parametrize(
    ("replies", "message"),
    [
        ([Reply.rate_exceeded()] * 3, "arXiv is rate limiting; try later"),
        ([Reply(status=503)] * 3, "arXiv unavailable (HTTP 503) after 3 attempts"),
        ([Reply(delay=5.0)] * 3, "arXiv timed out (0.5 s) after 3 attempts"),
        ([Reply.arxiv_file("truncated.atom.xml")], "arXiv answered with malformed XML"),
    ],
    ids=["429", "503", "timeout", "malformed-xml"],
)
def test_a_remote_failure_writes_nothing(
    own_repo: Path, add: Add, arxiv_server: ArxivServer, replies: list[Reply], message: str
) -> None:
    before = snapshot(own_repo)
    arxiv_server.script(*replies)

    result = add("2002.10957", category="蒸馏")

    error = only(result).error
    assert isinstance(error, RemoteError) and message in str(error)
    assert result.exit_code == 4
    assert snapshot(own_repo) == before


def test_503_then_success_adds_the_paper(
    own_repo: Path, add: Add, arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.script(Reply(status=503))

    outcome = only(add("2002.10957", category="蒸馏"))

    assert outcome.error is None
    assert len(arxiv_server.requests) == 2
    assert clock.sleeps  # it waited before trying again


def test_an_unknown_id_is_not_found_and_writes_nothing(own_repo: Path, add: Add) -> None:
    before = snapshot(own_repo)

    result = add("2103.99999", category="蒸馏")

    error = only(result).error
    assert isinstance(error, NotFoundError) and "arXiv has no paper 2103.99999" in str(error)
    assert result.exit_code == 4
    assert snapshot(own_repo) == before


@pytest.mark.parametrize(
    "given", ["2103.1036x", "2103.123", "1313.12345", "not-a-paper", "https://example.com/x"]
)
def test_a_malformed_id_is_a_usage_error_before_anything_is_sent(
    own_repo: Path, add: Add, arxiv_server: ArxivServer, given: str
) -> None:
    before = snapshot(own_repo)

    with pytest.raises(UsageError) as caught:
        add("2002.10957", given, category="蒸馏")

    assert caught.value.exit_code == 2 and repr(given) in str(caught.value)
    assert arxiv_server.requests == []
    assert snapshot(own_repo) == before


def test_a_read_only_index_refuses_the_write_and_creates_no_note(own_repo: Path, add: Add) -> None:
    before = snapshot(own_repo)
    index = own_repo / OWN_INDEX
    index.chmod(0o444)
    try:
        with pytest.raises(WriteRefusedError) as caught:
            add("2002.10957", category="蒸馏")
    finally:
        index.chmod(0o644)
    assert "read-only" in str(caught.value)
    assert snapshot(own_repo) == before


@pytest.mark.parametrize(
    ("template", "line", "message"),
    [
        (
            "---\ntitle: {{title}}\n---\n\n# {{titel}}\n",
            5,
            "unknown placeholder {{titel}} in the note template",
        ),
        ("---\ntitle: Notes on {{title}}\n---\n", 2, "in the front matter a placeholder is a whole value"),
        ("---\ntitle: {{title}}\ntags: [oops\n---\n", 4, "front matter does not parse once filled"),
    ],
    ids=["unknown-placeholder", "inside-a-string", "broken-yaml"],
)
def test_a_template_error_names_its_line_and_writes_nothing(
    own_repo: Path, add: Add, arxiv_server: ArxivServer, template: str, line: int, message: str
) -> None:
    (own_repo / "template.md").write_text(template, encoding="utf-8")
    with (own_repo / "papernotes.toml").open("a", encoding="utf-8") as toml:
        toml.write('note-template = "template.md"\n')
    before = snapshot(own_repo)

    with pytest.raises(ConfigError) as caught:
        add("2002.10957", category="蒸馏")

    assert (caught.value.path, caught.value.line) == ("template.md", line)
    assert message in str(caught.value) and caught.value.exit_code == 2
    assert arxiv_server.requests == []
    assert snapshot(own_repo) == before


def test_a_user_template_is_filled_with_values_quoted_for_where_they_stand(own_repo: Path, add: Add) -> None:
    template = (DATA / "template.md").read_text(encoding="utf-8")
    (own_repo / "template.md").write_text(template, encoding="utf-8")
    with (own_repo / "papernotes.toml").open("a", encoding="utf-8") as toml:
        toml.write('note-template = "template.md"\n')

    outcome = only(add("2002.10957", category="蒸馏"))

    assert outcome.error is None
    note = (own_repo / "notes/papers/2002.10957.md").read_text(encoding="utf-8")
    assert _front(note) == {
        "arxiv": "2002.10957",
        "version": 2,
        "title": MINILM,
        "month": "2020-02",
        "authors": ["Wenhui Wang", "Furu Wei", "Li Dong", "Hangbo Bao", "Nan Yang", "Ming Zhou"],
        "links": ["https://arxiv.org/abs/2002.10957"],
        "pdf": "http://arxiv.org/pdf/2002.10957v2",
        "layout": "note",
    }
    assert "Read on {{ site.time }}: cs.CL, cs.LG, by Wenhui Wang, Furu Wei" in note


def test_a_missing_template_file_is_a_config_error(own_repo: Path, add: Add) -> None:
    with (own_repo / "papernotes.toml").open("a", encoding="utf-8") as toml:
        toml.write('note-template = "missing.md"\n')
    with pytest.raises(ConfigError, match=r"note-template missing\.md: cannot read"):
        add("2002.10957", category="蒸馏")


# Offline and by hand


def test_offline_uses_the_cache_and_sends_nothing(
    own_repo: Path, add: Add, arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    add("2002.10957", category="蒸馏", dry_run=True)  # fills the client's cache
    sent = len(arxiv_server.requests)
    with MetadataClient(
        arxiv_api=arxiv_server.arxiv_api, cache_dir=tmp_path / "cache", offline=True
    ) as offline:
        outcome = only(add("2002.10957", category="蒸馏", client=offline))
        missing = only(add("1909.11111", category="蒸馏", client=offline))

    assert outcome.error is None
    assert isinstance(missing.error, RemoteError) and "offline and not cached" in missing.message
    assert len(arxiv_server.requests) == sent


def test_title_date_and_authors_write_what_they_are_given_without_the_network(
    own_repo: Path, add: Add, arxiv_server: ArxivServer
) -> None:
    outcome = only(
        add(
            "2002.10957",
            category="蒸馏",
            offline=True,
            title="MiniLM",
            date="2020-02-25",
            authors=["Wenhui Wang", "Furu Wei"],
            client=None,
        )
    )

    assert outcome.error is None
    front = _front((own_repo / "notes/papers/2002.10957.md").read_text(encoding="utf-8"))
    assert (front["title"], front["date"], front["authors"]) == (
        "MiniLM",
        "2020-02",
        ["Wenhui Wang", "Furu Wei"],
    )
    assert arxiv_server.requests == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"date": "2020-02"}, "--date and --author describe a paper given by hand: add --title"),
        ({"authors": ["A"]}, "--date and --author describe a paper given by hand: add --title"),
        ({"title": "T", "date": "2020-13"}, "--date '2020-13' is not a date"),
        ({"new_category": True}, "--new-category needs --category NAME"),
        ({"refresh": True, "offline": True}, "choose one"),
        ({"category": "蒸馏", "new_category": True}, "category '蒸馏' exists; drop --new-category"),
        ({"category": "no such"}, "no category 'no such'; categories: 模型, 蒸馏, 应用, 原理"),
    ],
)
def test_usage_errors(own_repo: Path, add: Add, options: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        add("2002.10957", **options)
    assert message in str(caught.value)


def test_title_goes_with_exactly_one_paper(own_repo: Path, add: Add) -> None:
    with pytest.raises(UsageError, match="--title describes one paper"):
        add("2002.10957", "1905.02450", title="T")


# Where the entry and the note go


def test_the_category_is_matched_by_width_and_case_insensitive_name(
    make_repo: Callable[..., Path], add: Add
) -> None:
    root = make_repo({"README.md": (DATA / "list-index.md").read_text(encoding="utf-8")})

    outcome = only(add("2002.10957", category="ｄｉｓｔｉｌｌａｔｉｏｎ"))

    assert outcome.error is None
    lines = (root / "README.md").read_text(encoding="utf-8").split("\n")
    assert f"- [{MINILM}](notes/2002.10957.md)" in lines  # a list entry without prefix, like its siblings


def test_a_list_index_gets_a_list_entry(make_repo: Callable[..., Path], add: Add, golden: Golden) -> None:
    root = make_repo({"README.md": (DATA / "list-index.md").read_text(encoding="utf-8")})
    before = snapshot(root)

    assert only(add("2002.10957", category="Distillation")).error is None

    golden("add/list/index.diff", index_diff(before, root, "README.md"))


def test_the_seeds_model_category_is_newest_first_with_yyyymm_prefixes(seed_repo: Path, add: Add) -> None:
    # "# 模型" holds only "## 模型", which holds the entries: that one is meant. Its entries are "##" like
    # the category itself, prefixed YYYYMM (most of them), newest first: MiniLM goes after ELECTRA (2020)
    # and before ProphetNet (202001).
    outcome = only(add("2002.10957", category="模型"))

    assert outcome.error is None and "(模型/模型)" in outcome.message
    lines = (seed_repo / SEED_INDEX).read_text(encoding="utf-8").split("\n")
    assert lines[44].startswith("##  [2020 ELECTRA")
    assert lines[49:53] == [
        f"## [202002 {MINILM}](../resources/notes/d0001/pretrainlm_2002.10957.md)",
        "- https://arxiv.org/abs/2002.10957",
        "",
        "## [202001 ProphetNet: Predicting Future N-gram for Sequence-to-Sequence Pre-training]"
        "(../resources/notes/d0001/pretrain_202001_ProphetNet_Predicting_Future_N_gram_for_Sequence_to_Sequence_Pre_training.md)",
    ]


def test_a_numbered_list_gets_the_next_number(make_repo: Callable[..., Path], add: Add) -> None:
    root = make_repo(
        {"README.md": "# Reading\n\n1. [GLM](notes/2103.10360.md)\n2) [CANINE](notes/2103.06874.md)\n"}
    )

    assert only(add("2002.10957")).error is None

    assert (
        (root / "README.md").read_text(encoding="utf-8").endswith(f"\n3. [{MINILM}](notes/2002.10957.md)\n")
    )


def test_note_path_places_the_note(own_repo: Path, add: Add) -> None:
    with (own_repo / "papernotes.toml").open("a", encoding="utf-8") as toml:
        toml.write('note-path = "papers/{yyyymm}-{slug}.md"\n')

    outcome = only(add("2002.10957", category="蒸馏", dry_run=True))

    slug = "minilm-deep-self-attention-distillation-for-task-agnostic-compression-of-pre"
    assert outcome.note == f"notes/papers/202002-{slug}.md"


def test_note_path_with_an_unknown_placeholder_is_a_config_error(own_repo: Path, add: Add) -> None:
    with (own_repo / "papernotes.toml").open("a", encoding="utf-8") as toml:
        toml.write('note-path = "papers/{arxiv}.md"\n')
    with pytest.raises(ConfigError, match=r"unknown placeholder \{arxiv\}"):
        add("2002.10957", category="蒸馏")


def test_several_indexes_need_index_or_a_category_only_one_has(own_repo: Path, add: Add) -> None:
    (own_repo / "notes" / "reading-list.md").write_text(
        "# Reading list\n\n## Later\n\n### [2103.10385 GPT Understands, Too](papers/2103.10385.md)\n",
        encoding="utf-8",
    )
    with pytest.raises(UsageError, match="several indexes"):
        add("2002.10957")

    assert only(add("2002.10957", category="蒸馏", dry_run=True)).index == OWN_INDEX
    explicit = only(add("2002.10957", index=Path("notes/reading-list.md"), dry_run=True))
    assert explicit.index == "notes/reading-list.md"


def test_old_style_ids_and_dois_make_safe_note_names(make_repo: Callable[..., Path], add: Add) -> None:
    root = make_repo({"notes/index.md": "# Papers\n\n## [2103.10360 GLM](papers/2103.10360.md)\n"})

    by_arxiv = only(add("math.GT/0309136"))
    by_doi = only(add("https://doi.org/10.0000/synthetic.0309136", force=True))

    assert by_arxiv.note == "notes/papers/math_0309136.md"
    assert _front((root / by_arxiv.note).read_text(encoding="utf-8"))["id"] == "math/0309136"
    assert by_doi.note == "notes/papers/10.0000_synthetic.0309136.md"
    assert _front((root / by_doi.note).read_text(encoding="utf-8"))["doi"] == "10.0000/synthetic.0309136"


def test_the_arxiv_doi_of_a_listed_paper_is_refused(make_repo: Callable[..., Path], add: Add) -> None:
    # math/0309136's arXiv record carries the DOI that the listed entry links.
    make_repo({"notes/index.md": "# Papers\n\n## [A paper](https://doi.org/10.0000/synthetic.0309136)\n"})
    error = only(add("math.GT/0309136")).error
    assert isinstance(error, RefusedError) and "same DOI 10.0000/synthetic.0309136" in str(error)


def test_an_entry_is_never_put_inside_a_merge_conflict(make_repo: Callable[..., Path], add: Add) -> None:
    index = (
        "# Papers\n\n## Models\n\n<<<<<<< HEAD\n### [2103.10360 GLM](papers/2103.10360.md)\n=======\n"
        "### [2103.06874 CANINE](papers/2103.06874.md)\n>>>>>>> theirs\n"
    )
    root = make_repo({"notes/index.md": index})
    before = snapshot(root)

    result = add("2002.10957")

    error = only(result).error
    assert isinstance(error, RefusedError) and (error.path, error.line) == ("notes/index.md", 5)
    assert "merge conflict" in str(error) and result.exit_code == 1
    assert snapshot(root) == before


def test_crlf_index_keeps_its_line_endings(make_repo: Callable[..., Path], add: Add) -> None:
    root = make_repo({"notes/index.md": b"# Papers\r\n\r\n## [2103.10360 GLM](papers/2103.10360.md)\r\n"})

    assert only(add("2002.10957")).error is None

    raw = (root / "notes/index.md").read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")
    assert (root / "notes/papers/2002.10957.md").read_bytes().count(b"\r\n") > 10


def test_the_default_client_reads_the_servers_from_the_environment(
    own_repo: Path, add: Add, arxiv_server: ArxivServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERNOTES_ARXIV_API", arxiv_server.arxiv_api)
    monkeypatch.setattr(metadata, "DEFAULT_CACHE_DIR", tmp_path / "env-cache")

    assert only(add("2002.10957", category="蒸馏", client=None, dry_run=True)).error is None
    assert only(add("2002.10957", category="蒸馏", client=None, dry_run=True)).error is None
    assert len(arxiv_server.requests) == 1  # the second answer came from the cache
    assert list((tmp_path / "env-cache").iterdir())

    assert only(add("2002.10957", category="蒸馏", client=None, refresh=True)).error is None
    assert len(arxiv_server.requests) == 2


# Two adds at once


def _manual(title: str) -> dict[str, Any]:
    return {"category": "蒸馏", "title": title, "date": "2020-02", "client": None}


def test_two_adds_at_once_both_land(own_repo: Path, add: Add) -> None:
    results = _at_once(
        lambda: add("2002.10957", **_manual("MiniLM")), lambda: add("1909.11111", **_manual("Other"))
    )

    assert [only(r).error for r in results] == [None, None]
    entries = _entries(own_repo)
    assert sum(e.arxiv is not None and e.arxiv.value in ("2002.10957", "1909.11111") for e in entries) == 2
    assert (own_repo / "notes/papers/2002.10957.md").exists() and (
        own_repo / "notes/papers/1909.11111.md"
    ).exists()


def test_the_same_paper_added_twice_at_once_lands_once(own_repo: Path, add: Add) -> None:
    results = _at_once(*[lambda: add("2002.10957", **_manual("MiniLM"))] * 2)

    errors = sorted(type(only(r).error).__name__ for r in results)
    assert errors == ["NoneType", "RefusedError"]
    assert sum(e.arxiv is not None and e.arxiv.value == "2002.10957" for e in _entries(own_repo)) == 1


def test_an_add_reads_the_index_again_once_it_holds_the_lock(
    own_repo: Path, add: Add, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = threading.Event()
    real_lock = adding.repo_lock

    @contextmanager
    def observed(root: Path, timeout: float = 10.0) -> Iterator[None]:
        waiting.set()
        with real_lock(root, timeout):
            yield

    monkeypatch.setattr(adding, "repo_lock", observed)
    index = own_repo / OWN_INDEX
    meanwhile = "### [1909.99999 Written meanwhile](papers/1909.10351.md)\n\n"
    pool = ThreadPoolExecutor(1)
    try:
        with repo_lock(own_repo):
            later = pool.submit(add, "2002.10957", **_manual("MiniLM"))
            assert waiting.wait(5)  # the add has read everything once and waits for the lock
            text = index.read_text(encoding="utf-8")
            index.write_text(text.replace("## 蒸馏\n\n", f"## 蒸馏\n\n{meanwhile}"), encoding="utf-8")
        assert only(later.result(timeout=60)).error is None
    finally:
        pool.shutdown()
    assert meanwhile in index.read_text(encoding="utf-8")
    assert sum(e.arxiv is not None and e.arxiv.value == "2002.10957" for e in _entries(own_repo)) == 1


def _at_once(*calls: Callable[[], AddResult]) -> list[AddResult]:
    """Run the calls in threads released together by a barrier, so their reads and writes overlap."""
    barrier = threading.Barrier(len(calls))

    def released(call: Callable[[], AddResult]) -> AddResult:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(released, call) for call in calls]
        return [future.result(timeout=60) for future in futures]


def _entries(root: Path) -> list[Any]:
    text = (root / OWN_INDEX).read_text(encoding="utf-8")
    return extract_entries(parse_text(text, path=OWN_INDEX), OWN_INDEX).entries


def _front(note: str) -> dict[str, object]:
    front = front_matter_of(note.split("\n"))
    assert front is not None and front.error is None and front.data is not None, front
    return front.data


# Properties


_TITLE_CHARS = st.characters(
    categories=["L", "N", "Zs", "P", "S"],
    include_characters="[]()`*_<>&!#~\\|$",
    exclude_characters="\u2028\u2029",
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(_TITLE_CHARS, min_size=1, max_size=60).filter(lambda t: any(c.isalnum() for c in t)))
def test_an_added_entry_reads_back_once_with_its_title(
    title: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("prop")
    (root / ".git").mkdir()
    index = "# Papers\n\n## Models\n\n### [2103.10360 GLM](papers/2103.10360.md)\n- https://arxiv.org/abs/2103.10360\n"
    (root / "index.md").write_text(index, encoding="utf-8")
    config = load_config(root)

    result = run_add(
        config, ["2002.10957"], index=None, category=None, new_category=False, force=False, dry_run=False,
        refresh=False, offline=True, title=title, date=None, authors=[],
    )  # fmt: skip

    assert only(result).error is None
    parsed = extract_entries(parse_text((root / "index.md").read_text(encoding="utf-8")), "index.md")
    found = [e for e in parsed.entries if e.arxiv is not None and e.arxiv.value == "2002.10957"]
    assert len(found) == 1
    assert found[0].raw_title == "2002.10957 " + " ".join(title.split())
    note = (root / "papers/2002.10957.md").read_text(encoding="utf-8")
    assert _front(note)["title"] == " ".join(title.split())


@given(st.text(st.characters(codec="utf-8")))
def test_yaml_scalar_reads_back_as_the_same_string(text: str) -> None:
    assert yaml.safe_load(f"key: {yaml_scalar(text)}\n") == {"key": text}


@given(st.text(_TITLE_CHARS, max_size=40))
def test_md_inline_renders_as_the_text(text: str) -> None:
    from papernotes.parsing import build_md

    tokens = build_md().parseInline(md_inline(text))[0].children or []
    rendered = "".join(t.content for t in tokens if t.type in ("text", "text_special", "softbreak"))
    assert rendered == " ".join(text.split())


def test_the_default_template_quotes_every_string_and_keeps_ids_as_strings() -> None:
    values = {"id": "2103.10360", "version": 2, "title": 'A "quoted": title', "authors": ["A: B"], "urls": []}
    note = render(parse_template(DEFAULT_TEMPLATE, "default"), values)

    front = _front(note)
    assert front["id"] == "2103.10360" and front["version"] == 2 and front["title"] == 'A "quoted": title'
    assert front["urls"] is None  # an empty block list leaves the key empty
    assert note.endswith("## Notes\n")
