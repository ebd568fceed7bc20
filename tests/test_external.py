"""broken-external-link and papernotes.external, against a local web server: nothing leaves 127.0.0.1.

``WebServer`` answers every host by path (``ROUTES``); ``WebServer.transport()`` is an httpx transport that
sends requests for ``*.test`` hosts to it, keeping their ``Host`` header, sends ``refused.test`` to a port
where nothing listens, and fails every other host (``nxdomain.test``, the whole internet) as a DNS lookup
failure. ``fake_web()`` installs it for the lint runs in its block: the rule's fixture
(``tests/data/rules/broken-external-link/``) is run through it by ``tests/test_rules.py``.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

import httpx
import pytest

from papernotes import external
from papernotes.cli import main
from papernotes.config import Settings, load_config
from papernotes.external import CheckOptions, LinkChecker, LinkResult, normalise, should_check
from papernotes.lint import LintOptions, LintResult, run_lint

MakeRepo = Callable[[dict[str, str | bytes]], Path]

# Fast enough for tests, slow enough that a slow reply (1 s) times out.
FAST = CheckOptions(timeout=0.5, delay=0.0, backoff=0.01, retries=3)


# The server


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    hold: float = 0.0  # seconds before answering: a slow server, or one that lets concurrency show


Route = Callable[[str, int], Reply]  # (method, requests to this host and path so far, this one included)

ROUTES: dict[str, Route] = {
    "ok": lambda method, n: Reply(),
    "missing": lambda method, n: Reply(404),
    "gone": lambda method, n: Reply(410),
    "no-head": lambda method, n: Reply(405 if method == "HEAD" else 200),
    "moved": lambda method, n: Reply(301, (("Location", "/ok/after-redirect"),)),
    "moved-away": lambda method, n: Reply(301, (("Location", "/missing/after-redirect"),)),
    "flaky": lambda method, n: Reply(503 if n == 1 else 200),
    "busy": lambda method, n: Reply(429, (("Retry-After", "1"),)) if n == 1 else Reply(),
    "down": lambda method, n: Reply(503),
    "login": lambda method, n: Reply(401),
    "forbidden": lambda method, n: Reply(403),
    "slow": lambda method, n: Reply(hold=2.0),
    "hold": lambda method, n: Reply(hold=0.3),
}


@dataclass(frozen=True)
class Seen:
    method: str
    host: str
    path: str
    at: float  # time.monotonic() when it arrived


class WebServer:
    """A threaded HTTP server on 127.0.0.1 answering by the first segment of the path; a context manager.

    It records every request, and the most requests it held at once, per host and in all.
    """

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes = {**ROUTES, **(routes or {})}
        self.requests: list[Seen] = []
        self.peak_per_host: Counter[str] = Counter()
        self.peak_total = 0
        self._in_flight: Counter[str] = Counter()
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        # Bound and never listening: a connection to it is refused, and no other process can take the port.
        self._closed = socket.socket()
        self._closed.bind(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,), daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stopping.set()  # wakes handlers holding a slow reply
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
        self._closed.close()

    def transport(self) -> httpx.AsyncBaseTransport:
        return _Routed(self.port, self._closed.getsockname()[1])

    def paths(self, method: str | None = None) -> list[str]:
        return [r.path for r in self.requests if method is None or r.method == method]

    def begin(self, method: str, host: str, path: str) -> Reply:
        with self._lock:
            self.requests.append(Seen(method, host, path, time.monotonic()))
            self._counts[host, path] += 1
            self._in_flight[host] += 1
            self.peak_per_host[host] = max(self.peak_per_host[host], self._in_flight[host])
            self.peak_total = max(self.peak_total, sum(self._in_flight.values()))
            route = self.routes.get(path.strip("/").split("/", 1)[0])
            count = self._counts[host, path]
        return route(method, count) if route is not None else Reply(404)

    def end(self, host: str) -> None:
        # Called before the reply is sent: the client cannot start the next request of a slot before this,
        # so the peaks never count one request too many.
        with self._lock:
            self._in_flight[host] -= 1


class _HTTPServer(ThreadingHTTPServer):
    owner: WebServer


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_GET(self) -> None:
        self._serve("GET")

    def _serve(self, method: str) -> None:
        owner = self.server.owner
        host = self.headers.get("Host", "").split(":")[0]
        reply = owner.begin(method, host, urlsplit(self.path).path)
        held_until_shutdown = bool(reply.hold) and owner.stopping.wait(reply.hold)
        owner.end(host)
        if held_until_shutdown:
            return
        body = b"" if method == "HEAD" else f"{reply.status}\n".encode()
        try:
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and hung up: what a slow reply tests

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Routed(httpx.AsyncBaseTransport):
    """``*.test`` to the local server (``Host`` kept), ``refused.test`` to a closed port, the rest: no DNS."""

    def __init__(self, port: int, closed_port: int) -> None:
        self._port = port
        self._closed_port = closed_port
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host == "refused.test":
            port = self._closed_port
        elif host.endswith(".test") and host != "nxdomain.test":
            port = self._port
        else:
            raise _dns_failure(request)
        url = request.url.copy_with(scheme="http", host="127.0.0.1", port=port)
        routed = httpx.Request(
            request.method, url, headers=request.headers, stream=request.stream, extensions=request.extensions
        )
        return await self._inner.handle_async_request(routed)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _dns_failure(request: httpx.Request) -> httpx.ConnectError:
    """What httpx raises when a host name does not resolve: a ConnectError caused by a socket.gaierror."""
    error = httpx.ConnectError("[Errno -2] Name or service not known", request=request)
    error.__cause__ = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return error


@contextmanager
def fake_web(
    routes: dict[str, Route] | None = None,
    *,
    use_cache: bool = True,
    progress: external.Progress | None = None,
) -> Iterator[WebServer]:
    """A local server standing in for the web, used by the lint runs in the block (with FAST options)."""
    with (
        WebServer(routes) as server,
        external.configure(
            options=FAST, transport=server.transport(), use_cache=use_cache, progress=progress
        ),
    ):
        yield server


class FakeClock:
    """A monotonic clock that moves only when slept on; its sleep is what LinkChecker awaits."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def _checker(
    server: WebServer,
    root: Path | None = None,
    *,
    options: CheckOptions = FAST,
    clock: FakeClock | None = None,
    now: Callable[[], float] = time.time,
) -> LinkChecker:
    if clock is None:
        return LinkChecker(options, cache_root=root, transport=server.transport(), now=now)
    transport = server.transport()
    return LinkChecker(options, cache_root=root, transport=transport, now=now, clock=clock, sleep=clock.sleep)


def _lint(root: Path, *, with_external: bool = True) -> LintResult:
    options = LintOptions(select=["broken-external-link"], external=with_external, use_cache=False)
    return run_lint(load_config(root), options)


# Which URLs are requested


@pytest.mark.parametrize(
    ("target", "url"),
    [
        ("https://arxiv.org/abs/2103.10360", "https://arxiv.org/abs/2103.10360"),
        ("https://arxiv.org/abs/2103.10360#S3", "https://arxiv.org/abs/2103.10360"),
        ("  HTTP://Example.org/x  ", "HTTP://Example.org/x"),
        ("//cdn.jsdelivr.net/x.png", "https://cdn.jsdelivr.net/x.png"),
        ("mailto:someone@example.com", None),
        ("ftp://ftp.example.org/pub", None),
        ("notes/glm.md", None),
    ],
)
def test_normalise_keeps_http_urls_without_their_fragment(target: str, url: str | None) -> None:
    assert normalise(target) == url


@pytest.mark.parametrize(
    ("url", "checked"),
    [
        ("https://arxiv.org/abs/2103.10360", True),
        ("http://localhost:8888/tree", False),
        ("http://docs.localhost/", False),
        ("http://127.0.0.1:8000/", False),
        ("http://[::1]:8000/", False),
        ("http://192.168.1.10/admin", False),
        ("http://10.0.0.2/", False),
        ("http://169.254.169.254/latest", False),
        ("http://intranet/wiki", False),
        ("http://printer.local/", False),
        ("https://example.com/your-paper", False),
        ("https://www.example.org/", False),
        ("https://paper.example/", False),
        ("https://8.8.8.8/", True),
        ("https://examples.com/", True),
    ],
)
def test_local_private_and_example_hosts_are_not_checked(url: str, checked: bool) -> None:
    assert should_check(url) is checked


def test_ignore_globs_match_the_url_with_or_without_its_scheme() -> None:
    ignore = ["https://dl.acm.org/*", "*.medium.com/*", "ieeexplore.ieee.org/document/*"]
    assert not should_check("https://dl.acm.org/doi/10.1145/3292500", ignore)
    assert not should_check("https://towardsdatascience.medium.com/a-post", ignore)
    assert not should_check("https://ieeexplore.ieee.org/document/8954209", ignore)
    assert should_check("http://dl.acm.org/doi/10.1145/3292500", ignore)  # the glob names https
    assert should_check("https://arxiv.org/abs/2103.10360", ignore)


# Answers


@pytest.mark.parametrize(
    ("path", "outcome", "reason"),
    [
        ("/ok", "ok", "HTTP 200 OK"),
        ("/missing", "broken", "HTTP 404 Not Found"),
        ("/gone", "broken", "HTTP 410 Gone"),
        ("/no-head", "ok", "HTTP 200 OK"),
        ("/moved", "ok", "HTTP 200 OK"),
        ("/flaky", "ok", "HTTP 200 OK"),
        ("/down", "server-error", "HTTP 503 Service Unavailable after 4 attempts"),
        ("/login", "restricted", "HTTP 401 Unauthorized"),
        ("/forbidden", "restricted", "HTTP 403 Forbidden"),
        ("/slow", "timeout", "no answer within 0.5 s"),
    ],
)
def test_answers_become_outcomes(path: str, outcome: str, reason: str) -> None:
    with WebServer() as web:
        (result,) = _checker(web).check([f"http://papers.test{path}"]).values()
    assert (result.outcome, result.reason) == (outcome, reason)


def test_head_refused_is_retried_as_get_and_a_working_head_is_enough() -> None:
    with WebServer() as web:
        _checker(web).check(["http://papers.test/no-head", "http://papers.test/ok"])
    assert sorted((r.method, r.path) for r in web.requests) == [
        ("GET", "/no-head"),
        ("HEAD", "/no-head"),
        ("HEAD", "/ok"),
    ]


def test_a_redirect_is_followed_and_named_when_it_ends_badly() -> None:
    with WebServer() as web:
        results = _checker(web).check(["http://papers.test/moved", "http://papers.test/moved-away"])
    assert results["http://papers.test/moved"].final_url == "http://papers.test/ok/after-redirect"
    away = results["http://papers.test/moved-away"]
    assert (away.status, away.final_url) == (404, "http://papers.test/missing/after-redirect")


def test_a_timeout_is_not_retried() -> None:
    with WebServer() as web:
        _checker(web).check(["http://papers.test/slow"])
    assert web.paths() == ["/slow"]


def test_5xx_is_retried_with_exponential_backoff() -> None:
    clock = FakeClock()
    with WebServer() as web:
        options = CheckOptions(delay=0.0, backoff=1.0, retries=3)
        (result,) = _checker(web, options=options, clock=clock).check(["http://papers.test/down"]).values()
    assert result.reason == "HTTP 503 Service Unavailable after 4 attempts"
    assert [r.method for r in web.requests] == ["HEAD", "GET", "GET", "GET", "GET"]
    assert clock.sleeps == [1.0, 2.0, 4.0]


@pytest.mark.parametrize("header", ["7", email.utils.formatdate(1_000_007.0, usegmt=True)])
def test_retry_after_is_honoured_in_seconds_or_as_a_date(header: str) -> None:
    clock = FakeClock()
    routes: dict[str, Route] = {
        "busy": lambda method, n: Reply(429, (("Retry-After", header),)) if n == 1 else Reply()
    }
    with WebServer(routes) as web:
        checker = _checker(web, clock=clock, now=lambda: 1_000_000.0)
        (result,) = checker.check(["http://papers.test/busy"]).values()
    assert result.outcome == "ok"
    assert clock.sleeps == [7.0]
    assert [r.method for r in web.requests] == ["HEAD", "GET"]


def test_a_retry_after_longer_than_the_longest_wait_is_not_waited_for() -> None:
    clock = FakeClock()
    routes: dict[str, Route] = {"down": lambda method, n: Reply(503, (("Retry-After", "3600"),))}
    with WebServer(routes) as web:
        (result,) = _checker(web, clock=clock).check(["http://papers.test/down"]).values()
    assert (result.outcome, result.reason) == ("server-error", "HTTP 503 Service Unavailable")
    assert clock.sleeps == []
    assert len(web.requests) == 1


def test_connection_failures() -> None:
    with WebServer() as web:
        results = _checker(web).check(["http://refused.test/", "https://nxdomain.test/x"])
    assert results["http://refused.test/"].reason == "connection refused"
    assert results["https://nxdomain.test/x"].reason == "DNS lookup failed for nxdomain.test"
    assert {r.outcome for r in results.values()} == {"unreachable"}
    assert web.requests == []


def test_a_dns_failure_is_not_retried_and_a_dropped_connection_is() -> None:
    calls: Counter[str] = Counter()

    def handler(request: httpx.Request) -> httpx.Response:
        calls[request.url.host] += 1
        if request.url.host == "nowhere.test":
            raise _dns_failure(request)
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)

    checker = LinkChecker(FAST, transport=httpx.MockTransport(handler))
    results = checker.check(["https://nowhere.test/", "https://dropping.test/"])
    assert results["https://nowhere.test/"].reason == "DNS lookup failed for nowhere.test"
    assert results["https://dropping.test/"].reason == (
        "connection failed (Server disconnected without sending a response.)"
    )
    assert calls == {"nowhere.test": 1, "dropping.test": 5}  # HEAD, then GET and its 3 retries


def test_an_invalid_certificate_is_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        cause = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED]")
        cause.verify_message = "certificate has expired"
        error = httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]", request=request)
        error.__cause__ = cause
        raise error

    checker = LinkChecker(FAST, transport=httpx.MockTransport(handler))
    (result,) = checker.check(["https://expired.test/"]).values()
    assert result.reason == "TLS certificate not valid (certificate has expired)"


@pytest.mark.parametrize("url", ["https://", "http://[::1", "https://\N{GRINNING FACE}.test/"])
def test_an_invalid_url_is_reported_without_a_request(url: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"requested {request.url}")

    (result,) = LinkChecker(FAST, transport=httpx.MockTransport(handler)).check([url]).values()
    assert (result.outcome, result.reason) == ("broken", "not a valid URL")


# Politeness


def test_requests_per_host_and_in_all_are_limited() -> None:
    urls = [f"http://{host}.test/hold/{i}" for host in ("a", "b", "c") for i in range(4)]
    with WebServer() as web:
        results = _checker(web, options=CheckOptions(per_host=2, total=5, delay=0.0)).check(urls)
    assert {r.outcome for r in results.values()} == {"ok"}
    assert web.peak_per_host == {"a.test": 2, "b.test": 2, "c.test": 2}
    assert web.peak_total == 5


def test_requests_to_one_host_are_spaced_by_the_delay() -> None:
    # Measured on the checker's own clock: the server's arrival times jitter on a loaded machine.
    clock = FakeClock()
    urls = [f"http://papers.test/ok/{i}" for i in range(4)]
    with WebServer() as web:
        _checker(web, options=CheckOptions(per_host=4, delay=0.2), clock=clock).check(urls)
    assert clock.sleeps == [0.2, 0.2, 0.2]  # every start after the first waits for the host's delay
    assert len(web.requests) == 4


def test_a_retry_after_holds_off_the_whole_host() -> None:
    clock = FakeClock()
    routes: dict[str, Route] = {
        "busy": lambda method, n: Reply(429, (("Retry-After", "5"),)) if n == 1 else Reply(hold=0.05)
    }
    urls = ["http://papers.test/busy", "http://papers.test/ok", "http://other.test/ok"]
    with WebServer(routes) as web:
        _checker(web, options=CheckOptions(per_host=1, delay=0.0), clock=clock).check(urls)
    assert clock.sleeps == [5.0]  # papers.test was held off once, other.test not at all
    assert [(r.host, r.path) for r in web.requests if r.method == "GET"] == [("papers.test", "/busy")]


# The cache


def test_a_second_check_is_answered_from_the_cache(tmp_path: Path) -> None:
    urls = ["http://papers.test/ok", "http://papers.test/missing"]
    with WebServer() as web:
        first = _checker(web, tmp_path).check(urls)
        requests = len(web.requests)
        second = _checker(web, tmp_path).check(urls)
    assert requests == 3  # HEAD /ok, HEAD and GET /missing
    assert len(web.requests) == requests
    assert second == first
    saved = json.loads((tmp_path / ".papernotes_cache" / "external.json").read_text(encoding="utf-8"))
    assert sorted(saved["results"]) == sorted(urls)


@pytest.mark.parametrize(
    ("path", "fresh_for"),
    [("/ok", CheckOptions().ok_ttl), ("/missing", CheckOptions().failure_ttl)],
)
def test_cached_results_expire(tmp_path: Path, path: str, fresh_for: float) -> None:
    now = [1_000_000.0]
    url = f"http://papers.test{path}"
    with WebServer() as web:
        _checker(web, tmp_path, now=lambda: now[0]).check([url])
        asked = len(web.requests)
        now[0] += fresh_for - 60
        _checker(web, tmp_path, now=lambda: now[0]).check([url])
        assert len(web.requests) == asked
        now[0] += 120
        result = _checker(web, tmp_path, now=lambda: now[0]).check([url])[url]
        assert len(web.requests) == 2 * asked
    assert result.checked_at == now[0]


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b'{"format": 1, "results": {"http://papers.test/ok": {"outcome": "fine"}}}',
        b'{"format": 99, "results": {}}',
        b"[]",
    ],
)
def test_a_corrupt_cache_is_ignored_and_rewritten(tmp_path: Path, content: bytes) -> None:
    cache = tmp_path / ".papernotes_cache" / "external.json"
    cache.parent.mkdir()
    cache.write_bytes(content)
    with WebServer() as web:
        (result,) = _checker(web, tmp_path).check(["http://papers.test/ok"]).values()
    assert result.outcome == "ok"
    assert json.loads(cache.read_text(encoding="utf-8"))["results"]["http://papers.test/ok"]["status"] == 200


def test_failures_of_a_run_without_any_answer_are_not_cached(tmp_path: Path) -> None:
    """Offline, every link fails: an hour of cached failures would outlive the outage."""
    with WebServer() as web:
        _checker(web, tmp_path).check(["https://nxdomain.test/", "http://refused.test/"])
    saved = json.loads((tmp_path / ".papernotes_cache" / "external.json").read_text(encoding="utf-8"))
    assert saved["results"] == {}


# Progress and callers


def test_progress_is_reported_per_url_and_not_for_cached_ones(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    urls = ["http://papers.test/ok", "http://papers.test/missing", "http://papers.test/gone"]
    with WebServer() as web:
        _checker(web, tmp_path).check(urls, progress=lambda done, total: calls.append((done, total)))
        _checker(web, tmp_path).check(urls, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_the_check_works_from_inside_a_running_event_loop() -> None:
    async def from_async_code(checker: LinkChecker) -> dict[str, LinkResult]:
        return checker.check(["http://papers.test/ok"])

    with WebServer() as web:
        results = asyncio.run(from_async_code(_checker(web)))
    assert results["http://papers.test/ok"].outcome == "ok"


# The rule, through lint


def _notes(make_repo: MakeRepo) -> Path:
    return make_repo(
        {
            "README.md": "# Papers\n\n"
            "- [GLM](http://papers.test/ok) and [gone](http://papers.test/missing)\n"
            "- [again](http://papers.test/missing#a) [and again](http://papers.test/missing#b)\n"
            "- <http://papers.test/missing>\n",
        }
    )


def test_without_external_nothing_is_requested(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _notes(make_repo)
    with fake_web() as web:
        assert _lint(root, with_external=False).findings == []
        with pytest.raises(SystemExit):
            main(["lint", "--no-cache", "--select", "broken-external-link"])
        assert web.requests == []
        assert "PN028" not in capsys.readouterr().out
        with pytest.raises(SystemExit) as exited:
            main(["lint", "--no-cache", "--external", "-f", "concise", "--select", "broken-external-link"])
        assert web.requests != []
    assert exited.value.code == 1
    assert "README.md:3:43: PN028 http://papers.test/missing: HTTP 404 Not Found" in capsys.readouterr().out


def test_a_url_is_reported_once_per_line(make_repo: MakeRepo) -> None:
    root = _notes(make_repo)
    with fake_web():
        findings = _lint(root).findings
    assert [(f.line, f.column, f.message) for f in findings] == [
        (3, 43, "http://papers.test/missing: HTTP 404 Not Found"),
        (4, 11, "http://papers.test/missing#a: HTTP 404 Not Found"),
        (5, 4, "http://papers.test/missing: HTTP 404 Not Found"),
    ]


def test_a_second_lint_is_answered_from_the_cache(make_repo: MakeRepo) -> None:
    root = _notes(make_repo)
    with fake_web() as web:
        first = _lint(root).findings
        requests = list(web.requests)
        second = _lint(root).findings
    assert requests and web.requests == requests
    assert [f.message for f in second] == [f.message for f in first]


def test_use_cache_false_neither_reads_nor_writes_the_cache(make_repo: MakeRepo) -> None:
    root = _notes(make_repo)
    with fake_web(use_cache=False) as web:
        _lint(root)
        _lint(root)
    assert len(web.paths("HEAD")) == 4  # /ok and /missing, twice
    assert not (root / ".papernotes_cache" / "external.json").exists()


def test_progress_reaches_the_callback_given_to_configure(make_repo: MakeRepo) -> None:
    root = _notes(make_repo)
    calls: list[tuple[int, int]] = []
    with fake_web(progress=lambda done, total: calls.append((done, total))):
        _lint(root)
    assert calls == [(0, 2), (1, 2), (2, 2)]


def test_external_findings_are_not_replayed_from_the_run_cache(make_repo: MakeRepo) -> None:
    root = make_repo({"README.md": "# Papers\n\n- [back](http://papers.test/back)\n"})
    routes: dict[str, Route] = {"back": lambda method, n: Reply(404 if n <= 2 else 200)}
    options = LintOptions(external=True, select=["broken-external-link"])  # lint's caches on
    with fake_web(routes, use_cache=False):
        assert len(run_lint(load_config(root), options).findings) == 1
        assert run_lint(load_config(root), options).findings == []


@pytest.mark.skipif(
    "external_ignore" not in Settings.model_fields,
    reason="no external-ignore setting in config.py yet",
)
def test_urls_matching_external_ignore_are_not_requested(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "papernotes.toml": 'external-ignore = ["papers.test/missing/*"]\n',
            "README.md": "# Papers\n\n- [a](https://papers.test/missing/a)\n- [b](https://papers.test/gone/b)\n",
        }
    )
    with fake_web() as web:
        findings = _lint(root).findings
    assert [f.line for f in findings] == [4]
    assert web.paths() == ["/gone/b", "/gone/b"]  # HEAD, then GET


def test_every_kind_of_link_is_checked(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "README.md": "# Papers\n\n"
            "- [link](http://papers.test/gone/1)\n"
            "- <http://papers.test/gone/2>\n"
            "- bare http://papers.test/gone/3.\n"
            '<a href="http://papers.test/gone/4">html</a>\n\n'
            "![image](http://papers.test/gone/5.png)\n\n"
            '<img src="http://papers.test/gone/6.png">\n',
        }
    )
    with fake_web():
        findings = _lint(root).findings
    assert [(f.line, f.message) for f in findings] == [
        (3, "http://papers.test/gone/1: HTTP 410 Gone"),
        (4, "http://papers.test/gone/2: HTTP 410 Gone"),
        (5, "http://papers.test/gone/3: HTTP 410 Gone"),
        (6, "http://papers.test/gone/4: HTTP 410 Gone"),
        (8, "http://papers.test/gone/5.png: HTTP 410 Gone"),
        (10, "http://papers.test/gone/6.png: HTTP 410 Gone"),
    ]
