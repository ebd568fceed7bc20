"""papernotes.metadata on the sample answers in tests/data, through a local server."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from papernotes import metadata
from papernotes.errors import ConfigError, NotFoundError, RemoteError, UsageError
from papernotes.ids import PaperId, parse_id
from papernotes.metadata import (
    ARXIV_API,
    MetadataClient,
    PaperMeta,
    arxiv_api_from_env,
    crossref_api_from_env,
    parse_arxiv_feed,
    parse_crossref_work,
)

from .arxiv_server import ArxivServer, FakeClock, Reply

ARXIV_DATA = Path(__file__).parent / "data" / "arxiv"
GLM_V1_TITLE = "All NLP Tasks Are Generation Tasks: A General Pretraining Framework"
GLM_V2_TITLE = "GLM: General Language Model Pretraining with Autoregressive Blank Infilling"
OLD_STYLE_TITLE = "SYNTHETIC RECORD: an old-style identifier whose title has $\\LaTeX$ and a hard line break"
SYNTHETIC_DOI = "10.0000/synthetic.0309136"

MakeClient = Callable[..., MetadataClient]


def pid(text: str) -> PaperId:
    paper_id = parse_id(text)
    assert paper_id is not None, text
    return paper_id


def feed(name: str) -> bytes:
    return (ARXIV_DATA / name).read_bytes()


def paper(answer: PaperMeta | RemoteError) -> PaperMeta:
    assert isinstance(answer, PaperMeta), answer
    return answer


@pytest.fixture
def arxiv_server() -> Iterator[ArxivServer]:
    with ArxivServer() as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def make_client(arxiv_server: ArxivServer, cache_dir: Path, clock: FakeClock) -> Iterator[MakeClient]:
    """Clients aimed at the local server, with a fake clock so no test really waits."""
    clients: list[MetadataClient] = []

    def make(**options: Any) -> MetadataClient:
        settings: dict[str, Any] = {
            "arxiv_api": arxiv_server.arxiv_api,
            "crossref_api": arxiv_server.crossref_api,
            "cache_dir": cache_dir,
            "timeout": 2.0,
            "sleep": clock.sleep,
            "clock": clock,
        }
        clients.append(MetadataClient(**(settings | options)))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


# --- parsing arXiv feeds ------------------------------------------------------------------------


def test_glm_sample_parses_with_whitespace_collapsed() -> None:
    [glm] = parse_arxiv_feed(feed("2103.10360v1.atom.xml"))

    assert glm.id == pid("2103.10360")
    assert glm.id.version is None
    assert glm.version == 1
    assert glm.title == GLM_V1_TITLE
    assert glm.abstract.startswith("(Paraphrased placeholder, not the authors' abstract.) Existing")
    assert "\n" not in glm.abstract
    assert "  " not in glm.abstract
    assert glm.authors[0] == "Zhengxiao Du"
    assert len(glm.authors) == 7
    assert glm.published == glm.updated == date(2021, 3, 18)
    assert glm.primary_category == "cs.CL"
    assert glm.categories == ["cs.CL", "cs.AI", "cs.LG"]
    assert glm.abs_url == "http://arxiv.org/abs/2103.10360v1"
    assert glm.pdf_url == "http://arxiv.org/pdf/2103.10360v1"
    assert glm.comment == "Illustrative comment text (not copied from arXiv)"
    assert (glm.doi, glm.journal_ref) == (None, None)
    assert glm.source == "arxiv"


def test_old_style_record_keeps_doi_journal_ref_and_text() -> None:
    [record] = parse_arxiv_feed(feed("published_with_doi_journal_ref.atom.xml"))

    assert record.id.value == "math/0309136"
    assert record.version == 2
    assert record.title == OLD_STYLE_TITLE
    assert "<markup-looking>" in record.abstract
    assert "an ampersand (&)" in record.abstract
    assert record.abstract.endswith("non-ASCII: Ü, ß, 漢字.")
    assert record.authors == ["A. Example", "B. Example-Sample"]  # no affiliation in the name
    assert record.doi == SYNTHETIC_DOI
    assert record.journal_ref == "Synthetic J. Topol. 1 (2004) 1-12"
    assert record.categories == ["math.GT", "57M25"]
    assert (record.published, record.updated) == (date(2003, 9, 8), date(2004, 1, 5))


def test_doi_falls_back_to_the_doi_link() -> None:
    xml = re.sub(rb"<arxiv:doi .*?</arxiv:doi>", b"", feed("published_with_doi_journal_ref.atom.xml"))
    assert b"arxiv:doi" not in xml

    [record] = parse_arxiv_feed(xml)

    assert record.doi == SYNTHETIC_DOI


def test_namespaces_are_matched_by_uri_not_prefix() -> None:
    [glm] = parse_arxiv_feed(feed("renamed_prefixes.atom.xml"))

    assert glm.id.value == "2103.10360"
    assert glm.doi == "10.0000/synthetic.prefixes"
    assert glm.primary_category == "cs.CL"


def test_ghost_entries_are_skipped() -> None:
    papers = parse_arxiv_feed(feed("mixed_ids_ghost_entry.atom.xml"))

    assert [p.id.value for p in papers] == ["2103.10360"]


@pytest.mark.parametrize(
    "xml",
    [
        pytest.param(feed("malformed_id_error_entry.atom.xml"), id="errors-id"),
        pytest.param(
            feed("malformed_id_error_entry.atom.xml").replace(
                b"http://arxiv.org/api/errors#", b"http://arxiv.org/abs/"
            ),
            id="title-Error-by-arXiv-api-core",
        ),
    ],
)
def test_error_entry_raises_instead_of_becoming_a_paper(xml: bytes) -> None:
    with pytest.raises(RemoteError, match=r"incorrect id format for 2103\.1036x"):
        parse_arxiv_feed(xml)


@pytest.mark.parametrize("name", ["truncated.atom.xml", "rate_exceeded_429.body.txt"])
def test_malformed_xml_raises(name: str) -> None:
    with pytest.raises(RemoteError, match="arXiv answered with malformed XML"):
        parse_arxiv_feed(feed(name))


# --- fetching from arXiv ------------------------------------------------------------------------


def test_fetch_one_versioned_paper(make_client: MakeClient, arxiv_server: ArxivServer) -> None:
    answers = make_client().fetch([pid("arXiv:2103.10360v1")])

    assert list(answers) == ["arxiv:2103.10360"]
    glm = paper(answers["arxiv:2103.10360"])
    assert (glm.title, glm.version) == (GLM_V1_TITLE, 1)
    [request] = arxiv_server.requests
    assert request.params == {"id_list": "2103.10360v1", "max_results": "1"}
    assert request.headers["User-Agent"].startswith("papernotes/")


def test_unversioned_id_is_requested_unversioned_and_gets_the_latest(
    make_client: MakeClient, arxiv_server: ArxivServer
) -> None:
    glm = paper(make_client().fetch([pid("2103.10360")])["arxiv:2103.10360"])

    assert arxiv_server.requests[0].id_list == ["2103.10360"]
    assert (glm.title, glm.version) == (GLM_V2_TITLE, 2)


def test_batch_is_one_request_and_matched_by_id(make_client: MakeClient, arxiv_server: ArxivServer) -> None:
    # The server answers math/0309136 first: results must follow the ids, not the feed order.
    answers = make_client().fetch([pid("2103.10360v1"), pid("math.GT/0309136")])

    [request] = arxiv_server.requests
    assert request.id_list == ["2103.10360v1", "math/0309136"]
    assert request.params["max_results"] == "2"
    assert list(answers) == ["arxiv:2103.10360", "arxiv:math/0309136"]
    assert paper(answers["arxiv:2103.10360"]).title == GLM_V1_TITLE
    assert paper(answers["arxiv:math/0309136"]).version == 2


def test_large_batches_are_split(
    make_client: MakeClient, arxiv_server: ArxivServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metadata, "_ARXIV_BATCH", 1)

    answers = make_client().fetch([pid("2103.10360v1"), pid("math/0309136")])

    assert [r.id_list for r in arxiv_server.requests] == [["2103.10360v1"], ["math/0309136"]]
    assert all(isinstance(answer, PaperMeta) for answer in answers.values())


def test_ghost_entry_is_not_found_and_the_other_paper_is_kept(make_client: MakeClient) -> None:
    answers = make_client().fetch([pid("2103.99999"), pid("2103.10360v1")])

    assert isinstance(answers["arxiv:2103.99999"], NotFoundError)
    assert paper(answers["arxiv:2103.10360"]).title == GLM_V1_TITLE


def test_unknown_id_is_not_found_whatever_total_results_says(make_client: MakeClient) -> None:
    answer = make_client().fetch([pid("2103.99999")])["arxiv:2103.99999"]

    assert isinstance(answer, NotFoundError)
    assert "arXiv has no paper 2103.99999" in str(answer)


@pytest.mark.parametrize("status", [200, 400])
def test_error_entry_fails_its_request_with_arxivs_message(
    make_client: MakeClient, arxiv_server: ArxivServer, cache_dir: Path, status: int
) -> None:
    arxiv_server.script(Reply.arxiv_file("malformed_id_error_entry.atom.xml", status=status))

    answer = make_client().fetch([pid("2103.10360")])["arxiv:2103.10360"]

    assert isinstance(answer, RemoteError)
    assert not isinstance(answer, NotFoundError)
    assert "incorrect id format for 2103.1036x" in str(answer)
    assert not cache_dir.exists()


def test_503_is_retried_with_exponential_backoff(
    make_client: MakeClient, arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.script(Reply(status=503), Reply(status=503))

    answer = make_client().fetch([pid("2103.10360v1")])["arxiv:2103.10360"]

    assert paper(answer).title == GLM_V1_TITLE
    assert len(arxiv_server.requests) == 3
    assert clock.sleeps == [3.0, 6.0]


def test_persistent_503_gives_up_after_the_retries(
    make_client: MakeClient, arxiv_server: ArxivServer
) -> None:
    arxiv_server.script(Reply(status=503), Reply(status=503))

    answer = make_client(retries=1).fetch([pid("2103.10360v1")])["arxiv:2103.10360"]

    assert str(answer) == "arXiv unavailable (HTTP 503) after 2 attempts"
    assert len(arxiv_server.requests) == 2


def test_persistent_429_is_reported_as_rate_limiting(
    make_client: MakeClient, arxiv_server: ArxivServer, clock: FakeClock, cache_dir: Path
) -> None:
    arxiv_server.script(*[Reply.rate_exceeded()] * 3)

    answer = make_client(retries=2).fetch([pid("2103.10360v1")])["arxiv:2103.10360"]

    assert isinstance(answer, RemoteError)
    assert str(answer) == "arXiv is rate limiting; try later"
    assert len(arxiv_server.requests) == 3
    assert clock.sleeps == [3.0, 6.0]
    assert not cache_dir.exists()


def test_a_slow_answer_times_out(make_client: MakeClient, arxiv_server: ArxivServer) -> None:
    arxiv_server.script(*[Reply(body=feed("2103.10360v1.atom.xml"), delay=5.0)] * 2)

    answer = make_client(timeout=0.1, retries=1).fetch([pid("2103.10360v1")])["arxiv:2103.10360"]

    assert str(answer) == "arXiv timed out (0.1 s) after 2 attempts"
    assert len(arxiv_server.requests) == 2


def test_an_unreachable_server_is_reported(make_client: MakeClient) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    client = make_client(arxiv_api=f"http://127.0.0.1:{port}/api/query", retries=1)
    answer = client.fetch([pid("2103.10360v1")])["arxiv:2103.10360"]

    assert isinstance(answer, RemoteError)
    assert str(answer).startswith("could not reach arXiv")
    assert str(answer).endswith("after 2 attempts")


def test_malformed_xml_answer_is_a_remote_error(make_client: MakeClient, arxiv_server: ArxivServer) -> None:
    arxiv_server.script(Reply.arxiv_file("truncated.atom.xml"))

    answer = make_client().fetch([pid("2103.10360v1")])["arxiv:2103.10360"]

    assert isinstance(answer, RemoteError)
    assert "malformed XML" in str(answer)
    assert len(arxiv_server.requests) == 1  # a garbled answer is not retried


def test_requests_are_spaced_by_min_interval(
    make_client: MakeClient, arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    client = make_client(min_interval=3.0)

    client.fetch([pid("2103.10360v1")])
    client.fetch([pid("math/0309136")])  # right after the first: must wait its turn
    assert clock.sleeps == [3.0]

    clock.now += 10.0
    client.fetch([pid("2103.10360")])  # long after: no wait
    assert clock.sleeps == [3.0]
    assert len(arxiv_server.requests) == 3


# --- cache --------------------------------------------------------------------------------------


def test_answers_are_cached_and_a_cache_hit_neither_asks_nor_waits(
    make_client: MakeClient, arxiv_server: ArxivServer, clock: FakeClock, cache_dir: Path
) -> None:
    first = make_client().fetch([pid("2103.10360v1")])

    assert [p.name for p in cache_dir.iterdir()] == ["arxiv%3A2103.10360v1.json"]
    again = make_client().fetch([pid("2103.10360v1")])
    assert again == first
    assert len(arxiv_server.requests) == 1
    assert clock.sleeps == []


def test_a_version_and_the_latest_are_cached_apart(make_client: MakeClient) -> None:
    client = make_client()

    latest = paper(client.fetch([pid("2103.10360")])["arxiv:2103.10360"])
    first = paper(client.fetch([pid("2103.10360v1")])["arxiv:2103.10360"])

    assert (latest.version, first.version) == (2, 1)


def test_cache_file_names_are_flat_for_old_style_ids_and_dois(
    make_client: MakeClient, cache_dir: Path
) -> None:
    make_client().fetch([pid("math.GT/0309136"), pid(SYNTHETIC_DOI)])

    assert sorted(p.name for p in cache_dir.iterdir()) == [
        "arxiv%3Amath%2F0309136.json",
        "doi%3A10.0000%2Fsynthetic.0309136.json",
    ]


def test_refresh_bypasses_the_cache(make_client: MakeClient, arxiv_server: ArxivServer) -> None:
    make_client().fetch([pid("2103.10360v1")])

    answer = make_client(refresh=True).fetch([pid("2103.10360v1")])["arxiv:2103.10360"]

    assert paper(answer).version == 1
    assert len(arxiv_server.requests) == 2


def test_offline_serves_the_cache_and_fails_clearly_without_it(
    make_client: MakeClient, arxiv_server: ArxivServer
) -> None:
    make_client().fetch([pid("2103.10360v1")])
    offline = make_client(offline=True)

    answers = offline.fetch([pid("2103.10360v1"), pid("math/0309136")])

    assert paper(answers["arxiv:2103.10360"]).version == 1
    assert str(answers["arxiv:math/0309136"]) == "offline and not cached: arxiv:math/0309136"
    assert len(arxiv_server.requests) == 1


def test_a_corrupt_cache_file_is_fetched_again(
    make_client: MakeClient, arxiv_server: ArxivServer, cache_dir: Path
) -> None:
    make_client().fetch([pid("2103.10360v1")])
    [cached] = cache_dir.iterdir()
    cached.write_text('{"format": 1, "key": "arxiv:2103.10360v1", "meta": {"tit', encoding="utf-8")

    answer = make_client().fetch([pid("2103.10360v1")])["arxiv:2103.10360"]

    assert paper(answer).title == GLM_V1_TITLE
    assert len(arxiv_server.requests) == 2
    assert json.loads(cached.read_text(encoding="utf-8"))["meta"]["title"] == GLM_V1_TITLE


def test_a_cache_file_holding_another_paper_is_not_trusted(
    make_client: MakeClient, arxiv_server: ArxivServer, cache_dir: Path
) -> None:
    make_client().fetch([pid("2103.10360v1")])
    [cached] = cache_dir.iterdir()
    cached.rename(cache_dir / "arxiv%3Amath%2F0309136.json")

    answer = make_client().fetch([pid("math/0309136")])["arxiv:math/0309136"]

    assert paper(answer).id.value == "math/0309136"
    assert len(arxiv_server.requests) == 2


def test_refresh_and_offline_together_are_a_usage_error() -> None:
    with pytest.raises(UsageError):
        MetadataClient(refresh=True, offline=True)


# --- Crossref -----------------------------------------------------------------------------------


def test_doi_is_fetched_from_crossref(make_client: MakeClient, arxiv_server: ArxivServer) -> None:
    answers = make_client(mailto="notes@example.org").fetch([pid(f"https://doi.org/{SYNTHETIC_DOI}")])

    work = paper(answers[f"doi:{SYNTHETIC_DOI}"])
    assert work.source == "crossref"
    assert work.title == OLD_STYLE_TITLE
    assert work.authors == ["A. Example", "B. Example-Sample", "The Synthetic Consortium"]
    assert work.published == date(2004, 1, 1)  # Crossref gave year and month only
    assert work.journal_ref == "Synthetic Journal of Topology 1 (2004) 1-12"
    assert work.abstract == (
        "Synthetic abstract for parser tests, with inline markup inside words (H2O), an entity (&)"
        " and non-ASCII: "
        "Ü, ß, 漢字. A second paragraph."
    )
    assert work.abs_url == f"https://doi.org/{SYNTHETIC_DOI}"
    assert work.pdf_url == "https://example.org/synthetic.0309136.pdf"
    [request] = arxiv_server.requests
    assert request.path == f"/crossref/works/{SYNTHETIC_DOI}"
    assert request.params == {"mailto": "notes@example.org"}


def test_unknown_doi_is_not_found(make_client: MakeClient) -> None:
    answer = make_client().fetch([pid("10.0000/no-such-work")])["doi:10.0000/no-such-work"]

    assert isinstance(answer, NotFoundError)
    assert "Crossref has no work with DOI 10.0000/no-such-work" in str(answer)


def test_arxiv_ids_and_dois_come_back_in_the_order_asked(make_client: MakeClient) -> None:
    answers = make_client().fetch([pid(SYNTHETIC_DOI), pid("2103.10360v1")])

    assert list(answers) == [f"doi:{SYNTHETIC_DOI}", "arxiv:2103.10360"]
    assert all(isinstance(answer, PaperMeta) for answer in answers.values())


@pytest.mark.parametrize(
    ("issued", "expected"),
    [
        ({"date-parts": [[2019, 6, 30]]}, date(2019, 6, 30)),
        ({"date-parts": [[2019]]}, date(2019, 1, 1)),
        ({"date-parts": [[None]]}, None),
        (None, None),
    ],
)
def test_crossref_issued_date(issued: object, expected: date | None) -> None:
    work = parse_crossref_work({"DOI": "10.0000/x", "title": ["T"], "issued": issued})

    assert work.published == expected


def test_crossref_work_without_doi_is_a_remote_error() -> None:
    with pytest.raises(RemoteError, match="without a usable DOI"):
        parse_crossref_work({"title": ["T"]})


# --- configuration ------------------------------------------------------------------------------


def test_env_vars_override_the_service_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERNOTES_ARXIV_API", "http://127.0.0.1:9/api/query")
    monkeypatch.setenv("PAPERNOTES_CROSSREF_API", "http://127.0.0.1:9/crossref")

    assert arxiv_api_from_env(ARXIV_API) == "http://127.0.0.1:9/api/query"
    assert crossref_api_from_env() == "http://127.0.0.1:9/crossref"


def test_unset_env_vars_keep_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAPERNOTES_ARXIV_API", raising=False)
    monkeypatch.setenv("PAPERNOTES_CROSSREF_API", "")

    assert arxiv_api_from_env() == ARXIV_API
    assert crossref_api_from_env("https://example.org") == "https://example.org"


def test_an_env_var_that_is_not_a_url_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERNOTES_ARXIV_API", "export.arxiv.org")

    with pytest.raises(ConfigError, match="PAPERNOTES_ARXIV_API must be an http"):
        arxiv_api_from_env()
