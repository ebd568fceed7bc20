"""papernotes update: newer versions, new titles and publications found on arXiv (the local test server),
reported, and written to the notes' front matter line by line."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from papernotes.config import load_config
from papernotes.errors import RefusedError, RemoteError, UsageError
from papernotes.front import front_matter_of
from papernotes.metadata import MetadataClient
from papernotes.queries import all_entries
from papernotes.updating import UpdateResult, render_report, run_update
from papernotes.workspace import load_workspace

from .arxiv_server import ArxivServer, FakeClock, Reply
from .conftest import SEED

Golden = Callable[[str, str], None]
Update = Callable[..., UpdateResult]

DEEBERT_NOTE = "resources/notes/d0001/pretrainlm_202004_DeeBert.md"
GLM_NOTE = (
    "resources/notes/d0001/"
    + "pretrainlm_2103_All_NLP_Tasks_Are_Generation_Tasks__A_General_Pretraining_Framework.md"
)
DOI = "10.0000/synthetic.2004.12993"
VENUE = "Synthetic Proceedings of ACL 2020, 1-10"

# The note `add` would have written for DeeBERT v1 (and a comment of the user's), before it was published.
DEEBERT_V1 = """\
---
id: "2004.12993"
version: 1
title: "DeeBERT: Dynamic Early Exiting for Accelerating BERT Inference"
authors: ["Ji Xin", "Raphael Tang", "Jaejun Lee", "Yaoliang Yu", "Jimmy Lin"]
date: "2020-04"
categories: ["cs.CL"]
doi: null
urls:
  - "https://arxiv.org/abs/2004.12993"
tags: ["early-exit"]  # mine
status: "read"
---

# DeeBERT: Dynamic Early Exiting for Accelerating BERT Inference

## Notes

Internal classifiers after each layer; exit when confident.
"""
GLM_V1 = """\
---
arxiv_id: '2103.10360'
arxiv_version: 1
title: 'All NLP Tasks Are Generation Tasks: A General Pretraining Framework'
links: ['https://arxiv.org/abs/2103.10360']
---

# All NLP Tasks Are Generation Tasks
"""


@pytest.fixture
def arxiv_server() -> Iterator[ArxivServer]:
    with ArxivServer() as server:
        yield server


@pytest.fixture
def client(arxiv_server: ArxivServer, tmp_path: Path) -> Iterator[MetadataClient]:
    clock = FakeClock()
    with MetadataClient(
        arxiv_api=arxiv_server.arxiv_api,
        cache_dir=tmp_path / "cache",
        timeout=0.5,
        retries=1,
        sleep=clock.sleep,
        clock=clock,
    ) as made:
        yield made


@pytest.fixture
def seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, str]], Path]:
    """The seed index as notes/PretrainedLangugeModel.md, plus the given notes."""

    def build(notes: dict[str, str]) -> Path:
        root = tmp_path / "repo"
        (root / "notes").mkdir(parents=True)
        (root / ".git").mkdir()
        shutil.copyfile(SEED, root / "notes/PretrainedLangugeModel.md")
        (root / "notes/PretrainedLangugeModel.md").chmod(0o644)
        for rel, text in notes.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(text.encode())
        monkeypatch.chdir(root)
        return root

    return build


@pytest.fixture
def update(client: MetadataClient) -> Update:
    def call(*ids: str, **options: Any) -> UpdateResult:
        arguments: dict[str, Any] = {"since": None, "write": False, "client": client}
        arguments.update(options)
        return run_update(load_config(Path.cwd()), list(ids), **arguments)

    return call


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".papernotes_cache" not in p.parts
    }


# Acceptance


def test_a_published_v2_is_reported_and_written_line_by_line(
    seed: Callable[[dict[str, str]], Path], update: Update, arxiv_server: ArxivServer, golden: Golden
) -> None:
    root = seed({DEEBERT_NOTE: DEEBERT_V1})
    golden("update/deebert-before.md", (root / DEEBERT_NOTE).read_text(encoding="utf-8"))

    report = update("2004.12993")
    assert [(c.field, c.old, c.new, c.key) for c in report.changes] == [
        ("version", "1", "2", "version"),
        ("doi", None, DOI, "doi"),
        ("venue", None, VENUE, "venue"),
        ("urls", None, f"https://doi.org/{DOI}", "urls"),
    ]
    assert (root / DEEBERT_NOTE).read_text(encoding="utf-8") == DEEBERT_V1  # a report writes nothing
    assert report.exit_code == 1
    golden("update/deebert-report.txt", render_report(report))

    written = update("2004.12993", write=True)
    assert written.written == [root / DEEBERT_NOTE]
    assert written.exit_code == 0
    golden("update/deebert-written.txt", render_report(written))
    after = (root / DEEBERT_NOTE).read_text(encoding="utf-8")
    golden("update/deebert-after.md", after)
    changed = [line for line in after.splitlines() if line not in DEEBERT_V1.splitlines()]
    assert changed == [
        "version: 2",
        f'doi: "{DOI}"',
        f'  - "https://doi.org/{DOI}"',
        f'venue: "{VENUE}"',
    ]
    assert [line for line in DEEBERT_V1.splitlines() if line not in after.splitlines()] == [
        "version: 1",
        "doi: null",
    ]
    assert [r.id_list for r in arxiv_server.requests] == [["2004.12993"]]  # then from the cache

    again = update("2004.12993", write=True)
    assert again.changes == [] and again.exit_code == 0
    assert render_report(again) == "1 paper checked: up to date.\n"


def test_a_new_title_is_reported_with_the_edits_that_would_apply_it(
    seed: Callable[[dict[str, str]], Path], update: Update, arxiv_server: ArxivServer, golden: Golden
) -> None:
    root = seed({DEEBERT_NOTE: DEEBERT_V1, GLM_NOTE: GLM_V1})
    before = _snapshot(root)
    result = update("2103.10360", "2004.12993", write=True)
    assert [r.id_list for r in arxiv_server.requests] == [["2004.12993", "2103.10360"]]
    golden("update/title-report.txt", render_report(result))
    title = next(c for c in result.changes if c.field == "title")
    assert not title.written and title.key is None
    assert title.hints == (
        'set title: "GLM: General Language Model Pretraining with Autoregressive Blank Infilling" in '
        f"{GLM_NOTE} (line 4)",
        f"papernotes mv {GLM_NOTE} resources/notes/d0001/"
        "pretrainlm_2103_GLM__General_Language_Model_Pretraining_with_Autoregressive_Blank_Infilling.md",
        "retitle the entry on line 6 of notes/PretrainedLangugeModel.md",
    )
    assert result.exit_code == 1  # the title is left to the user
    assert (root / GLM_NOTE).read_text(encoding="utf-8") == GLM_V1.replace(
        "arxiv_version: 1", "arxiv_version: 2"
    )
    assert _snapshot(root).keys() == before.keys()  # nothing renamed


# Front matter shapes: only the lines that change, in the note's own style


SHAPES = [
    pytest.param(
        "---\nid: '2004.12993'\nversion: '1'\ndoi: ''\nvenue: ~\nurls: ['https://arxiv.org/abs/2004.12993']\n---\n",
        "---\nid: '2004.12993'\nversion: '2'\ndoi: '10.0000/synthetic.2004.12993'\nvenue: "
        "'Synthetic Proceedings of ACL 2020, 1-10'\nurls: ['https://arxiv.org/abs/2004.12993', "
        "'https://doi.org/10.0000/synthetic.2004.12993']\n---\n",
        id="single-quoted",
    ),
    pytest.param(
        "---\nid: 2004.12993v1\ndoi:   # fill in\nlinks: []\n---\n",
        "---\nid: 2004.12993v1\ndoi: 10.0000/synthetic.2004.12993   # fill in\n"
        "links: [https://doi.org/10.0000/synthetic.2004.12993]\n"
        "venue: Synthetic Proceedings of ACL 2020, 1-10\n---\n",
        id="plain-style-version-in-id",
    ),
    pytest.param(
        '---\nid: "2004.12993"\nversion: v1\nurls: [\n  "https://arxiv.org/abs/2004.12993"\n]\n---\n',
        '---\nid: "2004.12993"\nversion: v2\nurls: [\n  "https://arxiv.org/abs/2004.12993",\n'
        '  "https://doi.org/10.0000/synthetic.2004.12993"\n]\ndoi: "10.0000/synthetic.2004.12993"\n'
        'venue: "Synthetic Proceedings of ACL 2020, 1-10"\n---\n',
        id="multi-line-flow-list",
    ),
    pytest.param(
        '---\r\nid: "2004.12993"\r\nversion: 1\r\nurls:\r\n- https://arxiv.org/abs/2004.12993\r\n\r\n'
        "# my keys\r\njournal_ref: null\r\n---\r\n",
        '---\r\nid: "2004.12993"\r\nversion: 2\r\nurls:\r\n- https://arxiv.org/abs/2004.12993\r\n'
        "- https://doi.org/10.0000/synthetic.2004.12993\r\n\r\n"
        '# my keys\r\njournal_ref: "Synthetic Proceedings of ACL 2020, 1-10"\r\n'
        'doi: "10.0000/synthetic.2004.12993"\r\n---\r\n',
        id="crlf-zero-indented-list-journal-ref",
    ),
    pytest.param(
        '---\ntitle: "DeeBERT [early exit]"\nid: "2004.12993"\nversion: 1\nnote: "see [1]"\n---\n',
        '---\ntitle: "DeeBERT [early exit]"\nid: "2004.12993"\nversion: 2\nnote: "see [1]"\n'
        'doi: "10.0000/synthetic.2004.12993"\nvenue: "Synthetic Proceedings of ACL 2020, 1-10"\n'
        'urls:\n  - "https://doi.org/10.0000/synthetic.2004.12993"\n---\n',
        id="brackets-in-quoted-values",
    ),
    pytest.param(
        '---\nid: "2004.12993"\nurls: null\ntags:\n  - a\n---\n',
        '---\nid: "2004.12993"\nurls:\n  - "https://doi.org/10.0000/synthetic.2004.12993"\ntags:\n  - a\n'
        'doi: "10.0000/synthetic.2004.12993"\nvenue: "Synthetic Proceedings of ACL 2020, 1-10"\n---\n',
        id="null-list-and-no-version",
    ),
]


@pytest.mark.parametrize(("before", "after"), SHAPES)
def test_front_matter_is_edited_in_its_own_style(
    seed: Callable[[dict[str, str]], Path], update: Update, before: str, after: str
) -> None:
    newline = "\r\n" if "\r\n" in before else "\n"
    root = seed({DEEBERT_NOTE: before + newline + "# DeeBERT" + newline})
    result = update("2004.12993", write=True)
    assert result.warnings == []
    assert (root / DEEBERT_NOTE).read_bytes().decode() == after + newline + "# DeeBERT" + newline


def test_a_value_papernotes_cannot_edit_safely_is_left_alone(
    seed: Callable[[dict[str, str]], Path], update: Update
) -> None:
    text = '---\nid: "2004.12993"\nversion: >-\n  1\ndoi: null\n---\n\n# DeeBERT\n'
    root = seed({DEEBERT_NOTE: text})
    result = update("2004.12993", write=True)
    assert result.warnings == [
        f"{DEEBERT_NOTE}: the value of `version` spans several lines; not written, edit it by hand"
    ]
    assert (root / DEEBERT_NOTE).read_text(encoding="utf-8") == text
    assert result.written == [] and result.exit_code == 1


# Papers without notes, selection, refusals, failures


def test_a_paper_listed_only_in_an_index_is_reported_not_written(
    seed: Callable[[dict[str, str]], Path], update: Update, golden: Golden
) -> None:
    root = seed({})
    before = _snapshot(root)
    result = update("2004.12993", write=True)
    assert [(c.field, c.old, c.key) for c in result.changes] == [
        ("version", "1", None),  # the seed's entry links https://arxiv.org/pdf/2004.12993v1.pdf
        ("doi", None, None),
        ("venue", None, None),
    ]
    assert _snapshot(root) == before
    assert result.exit_code == 1
    golden("update/index-only-report.txt", render_report(result))


def test_since_selects_papers_dated_on_or_after(
    seed: Callable[[dict[str, str]], Path], update: Update, arxiv_server: ArxivServer
) -> None:
    seed({DEEBERT_NOTE: DEEBERT_V1, GLM_NOTE: GLM_V1})
    result = update("2004.12993", "2103.10360", since="2021-03-15")  # GLM's entry says 2021-03: kept
    assert result.checked == ["2103.10360"]
    assert [r.id_list for r in arxiv_server.requests] == [["2103.10360"]]
    assert update("2004.12993", since="2021").checked == []
    with pytest.raises(UsageError, match="not a date"):
        update(since="2021-13")


def test_every_paper_of_the_collection_is_asked_in_one_request(
    seed: Callable[[dict[str, str]], Path], update: Update, arxiv_server: ArxivServer
) -> None:
    seed({})
    with pytest.raises(RemoteError):  # the test server has no fixture for the whole seed: a 404
        update()
    (request,) = arxiv_server.requests
    entries = all_entries(load_workspace(load_config(Path.cwd())))
    assert request.id_list == sorted({entry.arxiv.value for entry in entries if entry.arxiv is not None})
    assert "2004.12993" in request.id_list  # the seed links v1: the latest version is asked for


def test_ids_must_be_arxiv_ids_of_the_collection(
    seed: Callable[[dict[str, str]], Path], update: Update
) -> None:
    seed({})
    with pytest.raises(RefusedError, match=r"not in the collection: 1810\.04805"):
        update("1810.04805")
    with pytest.raises(UsageError, match="not an arXiv id"):
        update("10.18653/v1/P19-1139")
    with pytest.raises(UsageError, match="not an arXiv id"):
        update("2103.1036x")


def test_a_paper_unknown_to_arxiv_is_reported(seed: Callable[[dict[str, str]], Path], update: Update) -> None:
    seed({"resources/notes/ghost.md": '---\nid: "2103.99999"\nversion: 1\n---\n\n# Ghost\n'})
    result = update("2103.99999")
    assert result.missing == ["2103.99999: arXiv has no paper 2103.99999; check the id"]
    assert result.exit_code == 1
    assert render_report(result) == (
        "2103.99999: arXiv has no paper 2103.99999; check the id\n\n1 paper checked.\n"
    )


@pytest.mark.parametrize("reply", [Reply.rate_exceeded(), Reply(status=503)])
def test_network_failures_exit_4_and_write_nothing(
    seed: Callable[[dict[str, str]], Path], update: Update, arxiv_server: ArxivServer, reply: Reply
) -> None:
    root = seed({DEEBERT_NOTE: DEEBERT_V1})
    before = _snapshot(root)
    arxiv_server.script(reply, reply)  # the first try and the one retry
    with pytest.raises(RemoteError) as caught:
        update("2004.12993", write=True)
    assert caught.value.exit_code == 4
    assert _snapshot(root) == before


def test_an_up_to_date_note_reports_nothing(seed: Callable[[dict[str, str]], Path], update: Update) -> None:
    note = (
        '---\nid: "2004.12993"\nversion: 2\ndoi: "10.0000/synthetic.2004.12993"\nvenue: "ACL 2020"\n'
        'urls: ["http://dx.doi.org/10.0000/SYNTHETIC.2004.12993"]\n---\n'
    )
    seed({DEEBERT_NOTE: note})
    result = update("2004.12993")
    assert result.changes == [] and result.exit_code == 0


def test_the_collection_is_read_again_under_the_lock(
    seed: Callable[[dict[str, str]], Path], update: Update, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A note edited between the fetch and the write is compared as it is then, not as it was."""
    root = seed({DEEBERT_NOTE: DEEBERT_V1})
    from papernotes import updating

    real_fetch = updating._fetch

    def fetch_then_edit(*args: Any) -> Any:
        answers = real_fetch(*args)
        (root / DEEBERT_NOTE).write_text(DEEBERT_V1.replace("doi: null", f'doi: "{DOI}"'), encoding="utf-8")
        return answers

    monkeypatch.setattr(updating, "_fetch", fetch_then_edit)
    result = update("2004.12993", write=True)
    assert [c.field for c in result.changes] == ["version", "venue", "urls"]
    front = front_matter_of((root / DEEBERT_NOTE).read_text(encoding="utf-8").split("\n"))
    assert front is not None and front.data is not None
    assert (front.data["version"], front.data["doi"]) == (2, DOI)


NOTES = "resources/notes/d0001/"


@pytest.mark.parametrize(
    ("name", "old", "new", "renamed"),
    [
        (
            "pretrainlm_2020_ELECTRA__Pre-training_Text_Encoders_as_Discriminators_Rather_Than_Generators.md",
            "ELECTRA: Pre-training Text Encoders as Discriminators Rather Than Generators",
            "ELECTRA: Efficiently Learning an Encoder",
            "pretrainlm_2020_ELECTRA__Efficiently_Learning_an_Encoder.md",
        ),
        (
            "pretrain_202001_ProphetNet_Predicting_Future_N_gram_for_Sequence_to_Sequence_Pre_training.md",
            "ProphetNet: Predicting Future N-gram for Sequence-to-Sequence Pre-training",
            "ProphetNet: Future N-grams",
            "pretrain_202001_ProphetNet_Future_N_grams.md",
        ),
        (
            "pretrainlm_201909_nezha__neural_contextualized_representation_for_chinese_language_understanding.md",
            "NEZHA: NEURAL CONTEXTUALIZED REPRESENTATION FOR CHINESE LANGUAGE UNDERSTANDING",
            "NEZHA: Neural Representations",
            "pretrainlm_201909_nezha__neural_representations.md",
        ),
        ("1810.04805-bert.md", "BERT", "BERT: Pre-training of Deep Bidirectional Transformers", None),
        (
            "2103.10360-all-nlp-tasks-are-generation-tasks.md",
            "All NLP Tasks Are Generation Tasks",
            "GLM: General Language Model",
            "2103.10360-glm-general-language-model.md",
        ),
        (
            "pretrainlm_2103.10360.md",
            "All NLP Tasks Are Generation Tasks",
            "GLM: General Language Model",
            None,
        ),
    ],
)
def test_a_note_named_after_its_title_gets_a_mv_suggestion(
    name: str, old: str, new: str, renamed: str | None
) -> None:
    from papernotes.updating import _renamed

    assert _renamed(NOTES + name, old, new) == (NOTES + renamed if renamed else None)


def test_an_unreadable_file_is_named_and_exits_3(
    seed: Callable[[dict[str, str]], Path], update: Update
) -> None:
    root = seed({DEEBERT_NOTE: DEEBERT_V1})
    (root / "notes/broken.md").write_bytes(b"# Broken\n\n## M\n\n- [1810.04805 BERT](x.md) \xe9\n")
    result = update("2004.12993")
    assert result.skipped == ["notes/broken.md:5: not UTF-8: byte 0xe9 at column 27 (offset 42)"]
    assert result.exit_code == 3
    assert "skipped notes/broken.md:5: not UTF-8" in render_report(result)
    assert render_report(update(since="2030")) == (
        "skipped notes/broken.md:5: not UTF-8: byte 0xe9 at column 27 (offset 42): "
        "its papers were not checked\n\nNo arXiv papers to check.\n"
    )
