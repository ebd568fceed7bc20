"""Paper metadata from arXiv and Crossref: the only module that touches the network for it.

``MetadataClient.fetch`` asks arXiv for all arXiv ids in one batched request and Crossref for
each DOI, keeps arXiv's rate limit, retries what is worth retrying and caches every answer on
disk. The parsers are pure functions, tested on sample answers; ``tests/data/arxiv/README.md``
explains the API quirks handled here (ghost entries, error entries, per-element namespaces, the
plain-text 429).
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import logging
import os
import re
import ssl
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import quote

import httpx
import platformdirs
from pydantic import BaseModel, ConfigDict, ValidationError

from papernotes import __version__
from papernotes.errors import ConfigError, NotFoundError, RemoteError, UsageError
from papernotes.ids import PaperId, parse_id

__all__ = [
    "ARXIV_API",
    "CROSSREF_API",
    "DEFAULT_CACHE_DIR",
    "USER_AGENT",
    "MetadataClient",
    "PaperMeta",
    "arxiv_api_from_env",
    "crossref_api_from_env",
    "parse_arxiv_feed",
    "parse_crossref_work",
]

ARXIV_API = "https://export.arxiv.org/api/query"
CROSSREF_API = "https://api.crossref.org"
DEFAULT_CACHE_DIR = platformdirs.user_cache_path("papernotes") / "metadata"
USER_AGENT = f"papernotes/{__version__} (+https://github.com/papernotes)"

# Matched by namespace URI: the 2025 responses declare their prefixes per element.
_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_RETRY_STATUSES = frozenset({500, 502, 503, 504})  # and 429, which has its own message
# Far above any real `add`, far below the URL lengths servers start refusing.
_ARXIV_BATCH = 100
_CACHE_FORMAT = 1  # bump when PaperMeta changes shape: older cache files then read as misses
_log = logging.getLogger(__name__)


class PaperMeta(BaseModel):
    """What a note is written from, whichever service it came from."""

    model_config = ConfigDict(extra="forbid")

    id: PaperId  # normalised, without version
    version: int | None  # the arXiv version the answer describes
    title: str
    abstract: str
    authors: list[str]
    published: date | None
    updated: date | None
    primary_category: str | None
    categories: list[str]
    doi: str | None
    journal_ref: str | None
    comment: str | None
    abs_url: str | None
    pdf_url: str | None
    source: Literal["arxiv", "crossref", "manual"]


_Answer = PaperMeta | RemoteError


def arxiv_api_from_env(default: str = ARXIV_API) -> str:
    """``PAPERNOTES_ARXIV_API`` when set (tests point it at a local server), else *default*."""
    return _url_from_env("PAPERNOTES_ARXIV_API", default)


def crossref_api_from_env(default: str = CROSSREF_API) -> str:
    """``PAPERNOTES_CROSSREF_API`` when set, else *default*."""
    return _url_from_env("PAPERNOTES_CROSSREF_API", default)


def _url_from_env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"{name} must be an http(s) URL, got {value!r}; unset it for {default}")
    return value


# --- arXiv Atom feeds ---------------------------------------------------------------------------


def parse_arxiv_feed(xml_bytes: bytes) -> list[PaperMeta]:
    """The papers of an arXiv API answer, in feed order; ghost entries (no ``<id>``) are skipped.

    Raises RemoteError for malformed XML and for arXiv's error entry, which must never become a
    paper titled "Error".
    """
    try:
        root = ET.fromstring(xml_bytes)
    except ET.ParseError as exc:
        raise RemoteError(f"arXiv answered with malformed XML ({exc}); try again later") from None
    if root.tag != f"{_ATOM}feed":
        raise RemoteError(f"arXiv answered with XML that is not an Atom feed (<{root.tag}>)")
    papers = (_parse_entry(entry) for entry in root.findall(f"{_ATOM}entry"))
    return [paper for paper in papers if paper is not None]


def _parse_entry(entry: ET.Element) -> PaperMeta | None:
    raw_id = _text(entry, f"{_ATOM}id")
    title = _text(entry, f"{_ATOM}title")
    authors = [_text(author, f"{_ATOM}name") for author in entry.findall(f"{_ATOM}author")]
    if "arxiv.org/api/errors" in raw_id or (title == "Error" and "arXiv api core" in authors):
        message = _text(entry, f"{_ATOM}summary") or raw_id
        raise RemoteError(f"arXiv rejected the request: {message}")
    if not raw_id:
        return None  # arXiv's answer for an unknown id inside a batch
    paper_id = parse_id(raw_id)
    if paper_id is None or paper_id.scheme != "arxiv":
        raise RemoteError(f"arXiv answered with an entry id papernotes cannot read: {raw_id}")
    primary = entry.find(f"{_ARXIV}primary_category")
    doi_link = _link(entry, rel="related", title="doi")
    return PaperMeta(
        id=PaperId(scheme="arxiv", value=paper_id.value, version=None),
        version=paper_id.version,
        title=title,
        abstract=_text(entry, f"{_ATOM}summary"),
        authors=[name for name in authors if name],
        published=_date(_text(entry, f"{_ATOM}published")),
        updated=_date(_text(entry, f"{_ATOM}updated")),
        primary_category=(primary.get("term") or None) if primary is not None else None,
        categories=[term for c in entry.findall(f"{_ATOM}category") if (term := c.get("term"))],
        doi=_text(entry, f"{_ARXIV}doi") or _strip_doi_resolver(doi_link),
        journal_ref=_text(entry, f"{_ARXIV}journal_ref") or None,
        comment=_text(entry, f"{_ARXIV}comment") or None,
        abs_url=_link(entry, rel="alternate"),
        pdf_url=_link(entry, rel="related", title="pdf"),
        source="arxiv",
    )


def _text(parent: ET.Element, tag: str) -> str:
    element = parent.find(tag)
    return _collapse("".join(element.itertext())) if element is not None else ""


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _link(entry: ET.Element, *, rel: str, title: str | None = None) -> str | None:
    for link in entry.findall(f"{_ATOM}link"):
        if link.get("rel") == rel and link.get("title") == title and link.get("href"):
            return link.get("href")
    return None


def _strip_doi_resolver(url: str | None) -> str | None:
    return re.sub(r"^https?://(dx\.)?doi\.org/", "", url) if url else None


def _date(timestamp: str) -> date | None:
    try:
        return datetime.fromisoformat(timestamp).date()
    except ValueError:
        return None


# --- Crossref works -----------------------------------------------------------------------------


def parse_crossref_work(json_obj: Mapping[str, Any]) -> PaperMeta:
    """A Crossref work (the ``message`` of ``GET /works/{doi}``) as a PaperMeta."""
    raw_doi = json_obj.get("DOI")
    paper_id = parse_id(raw_doi) if isinstance(raw_doi, str) else None
    if paper_id is None or paper_id.scheme != "doi":
        raise RemoteError(f"Crossref answered with a work without a usable DOI ({raw_doi!r})")
    issued = _crossref_date(json_obj.get("issued"))
    url = json_obj.get("URL")
    return PaperMeta(
        id=paper_id,
        version=None,
        title=_collapse(_first(json_obj.get("title"))),
        abstract=_strip_jats(json_obj.get("abstract")),
        authors=_crossref_authors(json_obj.get("author")),
        published=issued,
        updated=None,  # Crossref's dates describe the record, not the paper
        primary_category=None,
        categories=[],
        doi=raw_doi,
        journal_ref=_journal_ref(json_obj, issued),
        comment=None,
        abs_url=url if isinstance(url, str) else None,
        pdf_url=_crossref_pdf(json_obj.get("link")),
        source="crossref",
    )


def _first(value: object) -> str:
    # Crossref gives most text fields as lists of strings; tolerate a bare string too.
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


def _crossref_authors(value: object) -> list[str]:
    authors = []
    for person in value if isinstance(value, list) else []:
        if not isinstance(person, dict):
            continue
        parts = [person.get("given"), person.get("family")]
        name = " ".join(part for part in parts if isinstance(part, str) and part)
        name = name or _first(person.get("name"))  # organisations have only "name"
        if name:
            authors.append(_collapse(name))
    return authors


def _crossref_date(value: object) -> date | None:
    # {"date-parts": [[2004, 1, 5]]}; month and day are often missing, the year sometimes null.
    rows = value.get("date-parts") if isinstance(value, dict) else None
    parts = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], list) else []
    year, month, day = [*parts, None, None, None][:3]
    try:
        return date(int(year), int(month or 1), int(day or 1))
    except (TypeError, ValueError):
        return None


def _journal_ref(work: Mapping[str, Any], issued: date | None) -> str | None:
    container = _collapse(_first(work.get("container-title")))
    if not container:
        return None
    # The shape arXiv uses for journal_ref: "Synthetic J. Topol. 1 (2004) 1-12".
    parts = [container, _first(work.get("volume"))]
    parts += [f"({issued.year})" if issued else "", _first(work.get("page"))]
    return " ".join(part for part in parts if part)


def _crossref_pdf(value: object) -> str | None:
    for link in value if isinstance(value, list) else []:
        if isinstance(link, dict) and link.get("content-type") == "application/pdf":
            url = link.get("URL")
            if isinstance(url, str):
                return url
    return None


_JATS_HEADING = re.compile(r"^\s*<jats:title>\s*abstract\s*</jats:title>", re.IGNORECASE)
_JATS_BLOCK = re.compile(r"</?(jats:)?(p|sec|title|list|list-item)\b[^>]*>")
_TAG = re.compile(r"<[^>]+>")


def _strip_jats(value: object) -> str:
    if not isinstance(value, str):
        return ""
    text = _JATS_HEADING.sub("", value)
    # Block tags separate words; inline ones (<jats:italic>) may sit inside a word.
    text = _TAG.sub("", _JATS_BLOCK.sub(" ", text))
    return _collapse(html.unescape(text))


# --- the client ---------------------------------------------------------------------------------


class MetadataClient:
    """Fetches paper metadata politely: batched, rate-limited, retried, cached.

    ``sleep`` and ``clock`` are injectable so tests can check the waits without waiting.
    """

    def __init__(
        self,
        *,
        arxiv_api: str = ARXIV_API,
        crossref_api: str = CROSSREF_API,
        cache_dir: Path | None = DEFAULT_CACHE_DIR,
        refresh: bool = False,
        offline: bool = False,
        timeout: float = 20.0,
        min_interval: float = 3.0,
        retries: int = 4,
        backoff: float = 3.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        user_agent: str = USER_AGENT,
        mailto: str | None = None,
    ) -> None:
        if refresh and offline:
            raise UsageError("refresh needs the network and offline forbids it; choose one")
        self._arxiv_api = arxiv_api
        self._crossref_api = crossref_api.rstrip("/")
        self._cache_dir = cache_dir
        self._refresh = refresh
        self._offline = offline
        self._timeout = timeout
        self._min_interval = min_interval
        self._attempts = retries + 1
        self._backoff = backoff
        self._sleep = sleep
        self._clock = clock
        self._mailto = mailto
        # Per service: Crossref does not share arXiv's rate limit.
        self._last_request: dict[str, float] = {}
        self._user_agent = user_agent
        self._http: httpx.Client | None = None  # built on first use: offline runs never need it

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def fetch(self, ids: Sequence[PaperId]) -> dict[str, PaperMeta | RemoteError]:
        """Metadata for each id, keyed by ``PaperId.key`` in the order given.

        Each paper succeeds or fails on its own: a failure is returned, never raised, as a
        RemoteError (NotFoundError when the service has no such paper). A key given twice is
        fetched once, as first given.
        """
        wanted: dict[str, PaperId] = {}
        for paper_id in ids:
            wanted.setdefault(paper_id.key, paper_id)
        results: dict[str, _Answer] = {}
        arxiv_ids: list[PaperId] = []
        for key, paper_id in wanted.items():
            cached = None if self._refresh else self._read_cache(paper_id)
            if cached is not None:
                results[key] = cached
            elif self._offline:
                results[key] = RemoteError(f"offline and not cached: {_cache_key(paper_id)}")
            elif paper_id.scheme == "arxiv":
                arxiv_ids.append(paper_id)
            elif paper_id.scheme == "doi":
                results[key] = self._remember(paper_id, self._fetch_crossref(paper_id))
            else:
                results[key] = RemoteError(
                    f"papernotes cannot fetch metadata for {paper_id.scheme} ids ({paper_id.key}); "
                    "fill in the note by hand"
                )
        for start in range(0, len(arxiv_ids), _ARXIV_BATCH):
            batch = arxiv_ids[start : start + _ARXIV_BATCH]
            answers = self._fetch_arxiv(batch)
            for paper_id in batch:
                results[paper_id.key] = self._remember(paper_id, answers[paper_id.key])
        return {key: results[key] for key in wanted}

    def _fetch_arxiv(self, batch: Sequence[PaperId]) -> dict[str, _Answer]:
        # Unversioned ids are requested unversioned, so arXiv answers with the latest version.
        params = {"id_list": ",".join(map(str, batch)), "max_results": str(len(batch))}
        try:
            response = self._get("arXiv", self._arxiv_api, params)
            status = response.status_code
            papers: list[PaperMeta] = []
            is_xml = "xml" in response.headers.get("content-type", "")
            # A malformed id comes back as an error entry, with HTTP 200 or 400 (arxiv-search#257).
            if status == 200 or (status == 400 and is_xml):
                papers = parse_arxiv_feed(response.content)
            if status != 200:
                raise RemoteError(f"arXiv refused the request (HTTP {status})")
        except RemoteError as err:
            return {paper_id.key: err for paper_id in batch}
        # Matched by id, never by position: arXiv does not promise to keep the request's order.
        by_value = {paper.id.value: paper for paper in papers}
        return {
            paper_id.key: by_value.get(paper_id.value)
            or NotFoundError(f"arXiv has no paper {paper_id.value}; check the id")
            for paper_id in batch
        }

    def _fetch_crossref(self, paper_id: PaperId) -> _Answer:
        url = f"{self._crossref_api}/works/{quote(paper_id.value, safe='/')}"
        params = {"mailto": self._mailto} if self._mailto else {}
        try:
            response = self._get("Crossref", url, params)
            if response.status_code == 404:
                return NotFoundError(f"Crossref has no work with DOI {paper_id.value}")
            if response.status_code != 200:
                raise RemoteError(f"Crossref refused the request (HTTP {response.status_code})")
            try:
                body = response.json()
            except ValueError:
                raise RemoteError("Crossref answered with malformed JSON; try later") from None
            work = body.get("message") if isinstance(body, dict) else None
            if not isinstance(work, dict):
                raise RemoteError("Crossref answered without a work record; try again later")
            return parse_crossref_work(work)
        except RemoteError as err:
            return err

    def _get(self, service: str, url: str, params: Mapping[str, str]) -> httpx.Response:
        """One GET, rate-limited, retried with exponential backoff; any other answer is returned."""
        failure = ""
        for attempt in range(self._attempts):
            if attempt:
                self._sleep(self._backoff * 2 ** (attempt - 1))
            self._wait_turn(service)
            try:
                response = self._client().get(url, params=params)
            except httpx.TimeoutException:
                failure = f"{service} timed out ({self._timeout:g} s) after {self._attempts} attempts"
                continue
            except httpx.TransportError as exc:
                failure = f"could not reach {service} ({exc}) after {self._attempts} attempts"
                continue
            finally:
                self._last_request[service] = self._clock()
            if response.status_code == 429:
                # The body is plain text ("Rate exceeded."), never XML: do not parse it.
                failure = f"{service} is rate limiting; try later"
            elif response.status_code in _RETRY_STATUSES:
                failure = (
                    f"{service} unavailable (HTTP {response.status_code}) after {self._attempts} attempts"
                )
            else:
                return response
        raise RemoteError(failure)

    def _client(self) -> httpx.Client:
        if self._http is None:
            headers = {"User-Agent": self._user_agent}
            self._http = httpx.Client(
                timeout=self._timeout, headers=headers, follow_redirects=True, verify=_ssl_context()
            )
        return self._http

    def _wait_turn(self, service: str) -> None:
        last = self._last_request.get(service)
        if last is not None:
            wait = last + self._min_interval - self._clock()
            if wait > 0:
                self._sleep(wait)

    def _remember(self, paper_id: PaperId, answer: _Answer) -> _Answer:
        if isinstance(answer, PaperMeta):
            self._write_cache(paper_id, answer)
        return answer

    # --- cache ----------------------------------------------------------------------------------

    def _cache_path(self, paper_id: PaperId) -> Path | None:
        if self._cache_dir is None:
            return None
        # Escaped so "math/0309136" and DOIs make one flat, portable name; hashed when too long.
        name = quote(_cache_key(paper_id), safe="")
        if len(name) > 120:
            name = f"{paper_id.scheme}-{hashlib.sha256(name.encode()).hexdigest()}"
        return self._cache_dir / f"{name}.json"

    def _read_cache(self, paper_id: PaperId) -> PaperMeta | None:
        path = self._cache_path(paper_id)
        if path is None:
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if (
                isinstance(data, dict)
                and data.get("format") == _CACHE_FORMAT
                and data.get("key") == _cache_key(paper_id)
            ):
                return PaperMeta.model_validate(data.get("meta"))
        except (OSError, ValueError, ValidationError):
            pass  # missing or damaged: a cache miss, the answer is fetched again and rewritten
        return None

    def _write_cache(self, paper_id: PaperId, meta: PaperMeta) -> None:
        path = self._cache_path(paper_id)
        if path is None:
            return
        key = _cache_key(paper_id)
        record = {"format": _CACHE_FORMAT, "key": key, "meta": meta.model_dump(mode="json")}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Temp file + replace: a reader, or a crash, never sees half a file.
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(record, handle, ensure_ascii=False, indent=2)
                Path(temp).replace(path)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            # The answer is still good; only the next run pays for the missing cache.
            _log.warning("could not write metadata cache %s: %s", path, exc)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # What httpx builds by default (CA bundle, SSL_CERT_FILE), but built once: loading the bundle
    # takes tens of milliseconds per client.
    return httpx.create_ssl_context()


def _cache_key(paper_id: PaperId) -> str:
    # A version the user asked for is a different answer from "the latest version".
    return f"{paper_id.scheme}:{paper_id}"  # str() carries the version the user gave
