"""HTTP checks of external links for ``broken-external-link`` (``lint --external``): lint's only network use.

``LinkChecker.check`` asks about every URL once, concurrently but politely: at most ``per_host`` requests at
a time to one host and ``total`` in all, ``delay`` seconds between two requests to a host, and a host that
answers with ``Retry-After`` is left alone for that long. HEAD comes first; a HEAD that does not succeed is
confirmed with a GET (streamed, the body never read), because servers answer HEAD with 403, 404, 405 or 501
where a GET works. The GET is retried with exponential backoff on 429, 5xx and dropped connections. Answers
are cached in ``.papernotes_cache/external.json``: a day when the link works, an hour when it does not.

The library does no terminal I/O: whoever runs lint passes a progress callback (and tests a transport)
through ``configure``, a context manager, because lint's options do not reach a rule.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from datetime import UTC
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args
from urllib.parse import urlsplit

import httpx

from papernotes.cache import CACHE_DIR
from papernotes.edits import write_cache_file
from papernotes.metadata import USER_AGENT

__all__ = [
    "CheckOptions",
    "ExternalRun",
    "LinkChecker",
    "LinkResult",
    "Progress",
    "configure",
    "current",
    "normalise",
    "should_check",
]

Outcome = Literal["ok", "restricted", "broken", "server-error", "unreachable", "timeout"]
Progress = Callable[[int, int], None]  # (URLs checked, URLs to check); called first with (0, total)

_CACHE_NAME = "external.json"
_CACHE_FORMAT = 1
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# The server is up and refuses *us* (a login, a bot wall, a rate limit): readers in a browser get the page.
_RESTRICTED_STATUSES = frozenset({401, 403, 429})
# Hosts that are no one's public web site: a reader's own machine, a LAN, names reserved for examples.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".invalid", ".example")
_EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")


@dataclass(frozen=True)
class CheckOptions:
    timeout: float = 10.0  # seconds, per connect and per read
    per_host: int = 2
    total: int = 16
    delay: float = 0.25  # between the starts of two requests to one host
    retries: int = 3  # GET retries on 429, 5xx and dropped connections
    backoff: float = 1.0  # first retry wait; doubled each time
    max_retry_after: float = 60.0  # a longer Retry-After is not waited for: the answer stands
    ok_ttl: float = 24 * 3600.0
    failure_ttl: float = 3600.0


@dataclass(frozen=True)
class LinkResult:
    outcome: Outcome
    reason: str  # "HTTP 404 Not Found", "connection refused", ...
    status: int | None = None  # the last HTTP status, None when no answer came
    final_url: str | None = None  # where redirects ended, when there were any
    checked_at: float = 0.0  # wall-clock time of the check

    @property
    def reported(self) -> bool:
        return self.outcome not in ("ok", "restricted")


@dataclass(frozen=True)
class ExternalRun:
    """What the caller of lint decides about one run's external checks."""

    progress: Progress | None = None
    use_cache: bool = True
    options: CheckOptions = field(default_factory=CheckOptions)
    transport: httpx.AsyncBaseTransport | None = None  # tests route requests to a local server


_RUN: ContextVar[ExternalRun | None] = ContextVar("papernotes_external_run", default=None)


@contextmanager
def configure(
    *,
    progress: Progress | None = None,
    use_cache: bool | None = None,
    options: CheckOptions | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Iterator[ExternalRun]:
    """Settings for the external checks of the lint runs inside the ``with`` block (this thread/context).

    What is not given is inherited from an enclosing ``configure`` (a test's transport survives the CLI's).
    """
    outer = current()
    run = ExternalRun(
        progress if progress is not None else outer.progress,
        use_cache if use_cache is not None else outer.use_cache,
        options or outer.options,
        transport or outer.transport,
    )
    token = _RUN.set(run)
    try:
        yield run
    finally:
        _RUN.reset(token)


def current() -> ExternalRun:
    return _RUN.get() or ExternalRun()


# --- which URLs ---------------------------------------------------------------------------------


def normalise(target: str) -> str | None:
    """The URL to request for a link target (fragment dropped), or None when it is not http(s)."""
    url = target.strip().split("#", 1)[0]
    if url.startswith("//"):
        url = "https:" + url
    scheme, sep, _ = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    return url


def should_check(url: str, ignore: Sequence[str] = ()) -> bool:
    """False for local, private and example hosts, and for URLs matching an ignore glob.

    A glob without a scheme is matched against the URL without one too: ``dl.acm.org/*``.
    """
    bare = url.split("://", 1)[-1]
    if any(fnmatchcase(url, pattern) or fnmatchcase(bare, pattern) for pattern in ignore):
        return False
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return True  # malformed: the check reports it
    return not host or not _local_host(host)  # no host: the check reports it as not a valid URL


def _local_host(host: str) -> bool:
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        pass
    return (
        "." not in host  # localhost, an intranet name
        or host.endswith(_LOCAL_SUFFIXES)
        or any(host == domain or host.endswith("." + domain) for domain in _EXAMPLE_DOMAINS)
    )


# --- the checker --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Failed:
    result: LinkResult
    retry: bool  # a refused or dropped connection: worth another try


class LinkChecker:
    """Checks URLs over HTTP with a cache. ``now`` (wall clock, for the cache), ``clock`` and ``sleep`` (for
    waits) are injectable so that tests check expiry and waits without waiting."""

    def __init__(
        self,
        options: CheckOptions | None = None,
        *,
        cache_root: Path | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        now: Callable[[], float] = time.time,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._options = options or CheckOptions()
        self._cache_root = cache_root
        self._transport = transport
        self._now = now
        self._clock = clock
        self._sleep = sleep

    def check(self, urls: Iterable[str], progress: Progress | None = None) -> dict[str, LinkResult]:
        """A result for each distinct URL, from the cache while it is fresh, else from the server."""
        wanted = list(dict.fromkeys(urls))
        cached = self._load()
        results = {url: cached[url] for url in wanted if url in cached and self._fresh(cached[url])}
        todo = [url for url in wanted if url not in results]
        if todo:
            fetched = _run_sync(self._check_all(todo, progress))
            results.update(fetched)
            self._save(cached, fetched)
        return {url: results[url] for url in wanted}

    def _fresh(self, result: LinkResult) -> bool:
        ttl = self._options.ok_ttl if result.outcome == "ok" else self._options.failure_ttl
        return 0 <= self._now() - result.checked_at < ttl

    async def _check_all(self, urls: list[str], progress: Progress | None) -> dict[str, LinkResult]:
        pacer = _Pacer(self._options, self._clock, self._sleep)
        limits = httpx.Limits(max_connections=self._options.total)
        client = httpx.AsyncClient(
            timeout=self._options.timeout,
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT},
            limits=limits,
            transport=self._transport,
        )
        results: dict[str, LinkResult] = {}

        async def one(url: str) -> tuple[str, LinkResult]:
            return url, await self._check_one(client, pacer, url)

        async with client:
            if progress is not None:
                progress(0, len(urls))
            for finished in asyncio.as_completed([one(url) for url in urls]):
                url, result = await finished
                results[url] = result
                if progress is not None:
                    progress(len(results), len(urls))
        return results

    async def _check_one(self, client: httpx.AsyncClient, pacer: _Pacer, url: str) -> LinkResult:
        if not _host(url):  # "https://": httpx's answer to it differs between transports
            return self._result("broken", "not a valid URL")
        head = await self._send(client, pacer, "HEAD", url)
        if isinstance(head, httpx.Response):
            if head.status_code < 400:
                return self._answered(head, attempts=1)
            wait = _retry_after(head, self._now) if head.status_code in _RETRY_STATUSES else None
            if wait is not None:
                if wait > self._options.max_retry_after:
                    return self._answered(head, attempts=1)  # asked to come back later than we wait
                pacer.hold_off(_host(url), wait)  # the GET waits its turn
        elif not head.retry:
            return head.result  # a timeout, a DNS failure: a GET would only wait as long again
        return await self._get(client, pacer, url)

    async def _get(self, client: httpx.AsyncClient, pacer: _Pacer, url: str) -> LinkResult:
        attempts = self._options.retries + 1
        for attempt in range(1, attempts + 1):
            answer = await self._send(client, pacer, "GET", url)
            backoff = self._options.backoff * 2 ** (attempt - 1)
            if isinstance(answer, _Failed):
                if not answer.retry or attempt == attempts:
                    return answer.result
                pacer.hold_off(_host(url), backoff)
                continue
            if answer.status_code not in _RETRY_STATUSES or attempt == attempts:
                return self._answered(answer, attempts=attempt)
            wait = _retry_after(answer, self._now)
            if wait is not None and wait > self._options.max_retry_after:
                return self._answered(answer, attempts=attempt)
            # The whole host is held off, not just this URL: it asked us to slow down.
            pacer.hold_off(_host(url), backoff if wait is None else wait)
        raise AssertionError("unreachable: the last attempt always returns")

    async def _send(
        self, client: httpx.AsyncClient, pacer: _Pacer, method: str, url: str
    ) -> httpx.Response | _Failed:
        async with pacer.turn(_host(url)):
            try:
                async with client.stream(method, url) as response:
                    return response  # closed unread: only the status matters
            except httpx.TimeoutException:
                reason = f"no answer within {self._options.timeout:g} s"
                return _Failed(self._result("timeout", reason), retry=False)
            except httpx.TooManyRedirects:
                return _Failed(self._result("broken", "too many redirects"), retry=False)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol):
                return _Failed(self._result("broken", "not a valid URL"), retry=False)
            except httpx.TransportError as exc:
                return self._connection_failure(exc, url)

    def _connection_failure(self, exc: httpx.TransportError, url: str) -> _Failed:
        # httpx wraps httpcore wraps anyio wraps the OS error: the cause chain says what happened.
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, socket.gaierror):
                reason = f"DNS lookup failed for {_host(url)}"
                return _Failed(self._result("unreachable", reason), retry=False)
            if isinstance(cause, ConnectionRefusedError):
                return _Failed(self._result("unreachable", "connection refused"), retry=True)
            if isinstance(cause, ssl.SSLCertVerificationError):
                reason = f"TLS certificate not valid ({cause.verify_message})"
                return _Failed(self._result("unreachable", reason), retry=False)
            if isinstance(cause, ssl.SSLError):
                return _Failed(self._result("unreachable", "TLS handshake failed"), retry=False)
            cause = cause.__cause__ or cause.__context__
        reason = f"connection failed ({exc or type(exc).__name__})"
        return _Failed(self._result("unreachable", reason), retry=True)

    def _answered(self, response: httpx.Response, *, attempts: int) -> LinkResult:
        status = response.status_code
        outcome: Outcome
        if status < 400:
            outcome = "ok"
        elif status in _RESTRICTED_STATUSES or status >= 600:  # 999: LinkedIn's "no bots"
            outcome = "restricted"
        else:
            outcome = "server-error" if status >= 500 else "broken"
        reason = f"HTTP {status} {httpx.codes.get_reason_phrase(status)}".rstrip()
        if attempts > 1:
            reason += f" after {attempts} attempts"
        final = str(response.url) if response.history else None
        return self._result(outcome, reason, status=status, final_url=final)

    def _result(
        self, outcome: Outcome, reason: str, *, status: int | None = None, final_url: str | None = None
    ) -> LinkResult:
        return LinkResult(outcome, reason, status, final_url, checked_at=self._now())

    # --- cache -----------------------------------------------------------------------------------

    def _load(self) -> dict[str, LinkResult]:
        if self._cache_root is None:
            return {}
        try:
            data = json.loads((self._cache_root / CACHE_DIR / _CACHE_NAME).read_text(encoding="utf-8"))
            if data["format"] != _CACHE_FORMAT:
                return {}
            return {str(url): _result_from(record) for url, record in data["results"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return {}  # missing, damaged or foreign: every URL is checked again and the file rewritten

    def _save(self, cached: dict[str, LinkResult], fetched: dict[str, LinkResult]) -> None:
        if self._cache_root is None:
            return
        # No HTTP answer at all: probably offline. Those failures say nothing about the links; keep them out.
        offline = all(result.status is None for result in fetched.values())
        merged = {url: r for url, r in cached.items() if self._fresh(r)}
        merged.update({url: r for url, r in fetched.items() if not offline or r.outcome == "broken"})
        records = {url: asdict(result) for url, result in sorted(merged.items())}
        data = json.dumps({"format": _CACHE_FORMAT, "results": records}, ensure_ascii=False, indent=1)
        write_cache_file(self._cache_root, _CACHE_NAME, data.encode())  # atomic; a failure only costs time


def _result_from(record: Any) -> LinkResult:
    outcome, status, final_url = record["outcome"], record["status"], record["final_url"]
    if outcome not in get_args(Outcome) or not isinstance(record["reason"], str):
        raise ValueError(f"not a cached result: {record!r}")
    if status is not None and not isinstance(status, int):
        raise ValueError(f"not a cached result: {record!r}")
    if final_url is not None and not isinstance(final_url, str):
        raise ValueError(f"not a cached result: {record!r}")
    return LinkResult(outcome, record["reason"], status, final_url, float(record["checked_at"]))


class _Pacer:
    """Per-host slots and turns under an overall cap: the politeness rules in one place."""

    def __init__(
        self, options: CheckOptions, clock: Callable[[], float], sleep: Callable[[float], Awaitable[None]]
    ) -> None:
        self._per_host = options.per_host
        self._delay = options.delay
        self._clock = clock
        self._sleep = sleep
        self._overall = asyncio.Semaphore(options.total)
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}

    @asynccontextmanager
    async def turn(self, host: str) -> AsyncIterator[None]:
        slot = self._slots.setdefault(host, asyncio.Semaphore(self._per_host))
        # The host's slot first: a request queued behind a busy or held-off host holds no overall slot.
        async with slot:
            now = self._clock()
            start = max(now, self._next_start.get(host, now))
            self._next_start[host] = start + self._delay  # reserved before waiting: no await in between
            if start > now:
                await self._sleep(start - now)
            async with self._overall:
                yield

    def hold_off(self, host: str, seconds: float) -> None:
        self._next_start[host] = max(self._next_start.get(host, 0.0), self._clock() + seconds)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _retry_after(response: httpx.Response, now: Callable[[], float]) -> float | None:
    """Seconds to wait by a ``Retry-After`` header (seconds or an HTTP date); None without a valid one."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000": RFC 9110 dates are always UTC
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now())


_T = TypeVar("_T")


def _run_sync(coro: Coroutine[Any, Any, _T]) -> _T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # Called from async code (a notebook): asyncio.run refuses a running loop, so run ours in a thread.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
