"""A local stand-in for the arXiv API and Crossref, so tests never reach the internet.

Use the ``arxiv_server`` fixture (register it with ``pytest_plugins = ["tests.arxiv_server"]``
in ``tests/conftest.py``, or wrap ``ArxivServer()`` in a fixture of your own) and point the client
at it, or the CLI through ``PAPERNOTES_ARXIV_API`` / ``PAPERNOTES_CROSSREF_API``::

    def test_retry(arxiv_server: ArxivServer) -> None:
        arxiv_server.script(Reply(status=503))  # the next request fails; later ones get fixtures
        client = MetadataClient(arxiv_api=arxiv_server.arxiv_api, cache_dir=None)

Unscripted requests are answered from ``tests/data``: arXiv queries by their exact ``id_list``
(``ARXIV_FEEDS``), Crossref works by DOI (``CROSSREF_WORKS``). A query without a fixture gets
HTTP 404 naming it, so a test that asks for the wrong ids fails loudly. Every request is recorded
in ``requests``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

DATA = Path(__file__).parent / "data"

# id_list exactly as the client sends it -> file in tests/data/arxiv. An unversioned id gets
# the latest version, as on the real service.
ARXIV_FEEDS = {
    "2103.10360": "2103.10360v2.atom.xml",
    "2103.10360v1": "2103.10360v1.atom.xml",
    "2103.99999": "unknown_id_2103.99999.atom.xml",
    "math/0309136": "published_with_doi_journal_ref.atom.xml",
    "2103.99999,2103.10360v1": "mixed_ids_ghost_entry.atom.xml",
    "2103.10360v1,math/0309136": "batch_reversed_order.atom.xml",
    "2002.10957": "2002.10957v2.atom.xml",
    "1905.02450": "1905.02450v5.atom.xml",
    "2002.10957,2103.99999": "batch_minilm_and_unknown.atom.xml",
    "2004.12993": "2004.12993v2.atom.xml",
    "2004.12993,2103.10360": "batch_deebert_glm.atom.xml",
}
# Lower-cased DOI -> file in tests/data/crossref.
CROSSREF_WORKS = {"10.0000/synthetic.0309136": "10.0000_synthetic.0309136.json"}

ATOM = "application/atom+xml; charset=UTF-8"


@dataclass(frozen=True)
class Reply:
    """One scripted answer. ``delay`` holds the answer back, to outlast a client's timeout."""

    status: int = 200
    body: bytes = b""
    content_type: str = ATOM
    delay: float = 0.0

    @classmethod
    def arxiv_file(cls, name: str, *, status: int = 200) -> Reply:
        return cls(status=status, body=(DATA / "arxiv" / name).read_bytes())

    @classmethod
    def rate_exceeded(cls) -> Reply:
        """arXiv's 429: a plain-text body and no Retry-After header."""
        body = (DATA / "arxiv" / "rate_exceeded_429.body.txt").read_bytes()
        return cls(status=429, body=body, content_type="text/plain")


@dataclass(frozen=True)
class Request:
    path: str
    params: dict[str, str]
    headers: dict[str, str]

    @property
    def id_list(self) -> list[str]:
        return self.params["id_list"].split(",")


class ArxivServer:
    """An HTTP server on 127.0.0.1 in a background thread; a context manager."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.arxiv_feeds = dict(ARXIV_FEEDS)
        self.crossref_works = dict(CROSSREF_WORKS)
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,), daemon=True)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self.arxiv_api = f"{self.url}/api/query"
        self.crossref_api = f"{self.url}/crossref"

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, in order, then go back to the fixtures."""
        with self._lock:
            self._script.extend(replies)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stopping.set()  # wakes handlers still holding a delayed reply
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def answer(self, path: str, query: str, headers: dict[str, str]) -> Reply:
        params = dict(parse_qsl(query))
        with self._lock:
            self.requests.append(Request(path, params, headers))
            if self._script:
                return self._script.popleft()
        if path == "/api/query":
            id_list = params.get("id_list", "")
            if id_list in self.arxiv_feeds:
                return Reply.arxiv_file(self.arxiv_feeds[id_list])
            return _missing(f"test server: no arXiv fixture for id_list={id_list}")
        if path.startswith("/crossref/works/"):
            doi = unquote(path.removeprefix("/crossref/works/")).lower()
            if doi in self.crossref_works:
                body = (DATA / "crossref" / self.crossref_works[doi]).read_bytes()
                return Reply(body=body, content_type="application/json")
            return _missing("Resource not found.")  # Crossref's own 404 body
        return _missing(f"test server: nothing at {path}")


def _missing(message: str) -> Reply:
    return Reply(status=404, body=message.encode(), content_type="text/plain")


class _HTTPServer(ThreadingHTTPServer):
    owner: ArxivServer  # how a handler finds the recorder and the script


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def do_GET(self) -> None:
        owner = self.server.owner
        url = urlsplit(self.path)
        reply = owner.answer(url.path, url.query, dict(self.headers))
        if reply.delay and owner.stopping.wait(reply.delay):
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and hung up: exactly what a delayed reply tests

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output clean; the requests are recorded on the server instead


@pytest.fixture
def arxiv_server() -> Iterator[ArxivServer]:
    with ArxivServer() as server:
        yield server


class FakeClock:
    """A clock that moves only when slept on: ``MetadataClient(clock=fake, sleep=fake.sleep)``."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
