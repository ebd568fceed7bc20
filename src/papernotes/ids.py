"""Paper identifiers (arXiv, DOI, OpenReview, ACL Anthology): parsed, validated and normalised.

Pure: no I/O. Duplicate detection compares ``PaperId.key``, which leaves the version out, so
``2103.10360v1`` and ``https://arxiv.org/pdf/2103.10360v2.pdf`` are one paper.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict

Scheme = Literal["arxiv", "doi", "openreview", "acl"]


class PaperId(BaseModel):
    """One paper identifier in normalised form; ``version`` is kept apart from ``value``."""

    model_config = ConfigDict(frozen=True)

    scheme: Scheme
    value: str
    version: int | None = None

    def __str__(self) -> str:
        # With the version, so that parse_id(str(pid)) == pid.
        return self.value if self.version is None else f"{self.value}v{self.version}"

    @property
    def key(self) -> str:
        """What duplicate detection compares: scheme and value, no version."""
        return f"{self.scheme}:{self.value}"

    @property
    def url(self) -> str:
        """The canonical landing page of the paper."""
        if self.scheme == "arxiv":
            return f"https://arxiv.org/abs/{self}"
        if self.scheme == "doi":
            return f"https://doi.org/{self.value}"
        if self.scheme == "openreview":
            return f"https://openreview.net/forum?id={self.value}"
        return f"https://aclanthology.org/{self}/"


# Archives that had old-style ids (before 0704); https://arxiv.org/help/arxiv_identifier.
# Longest first, so that an alternation never stops at "math" in "math-ph".
OLD_ARXIV_ARCHIVES: tuple[str, ...] = tuple(
    sorted(
        {
            "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an",
            "chao-dyn", "chem-ph", "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an",
            "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math", "math-ph", "mtrl-th", "nlin",
            "nucl-ex", "nucl-th", "patt-sol", "physics", "plasm-ph", "q-alg", "q-bio", "quant-ph",
            "solv-int", "supr-con",
        },
        key=lambda name: (-len(name), name),
    )
)  # fmt: skip
_ARCHIVES = "|".join(re.escape(name) for name in OLD_ARXIV_ARCHIVES)
_FLAGS = re.IGNORECASE | re.ASCII

# Shapes only (no anchors, no date checks): validity is decided by the functions below.
ARXIV_NEW_RE = re.compile(r"(?P<yymm>[0-9]{4})\.(?P<number>[0-9]{4,5})", _FLAGS)
ARXIV_OLD_RE = re.compile(
    rf"(?P<archive>{_ARCHIVES})(?:\.(?P<subject>[A-Za-z]+(?:-[A-Za-z]+)*))?"
    r"/(?P<old_yymm>[0-9]{4})(?P<old_number>[0-9]{3})",
    _FLAGS,
)
DOI_RE = re.compile(r"10\.[0-9]{4,9}/\S+", _FLAGS)
ACL_ID_RE = re.compile(r"[A-Z][0-9]{2}-[0-9]{4}|[0-9]{4}\.[a-z0-9]+(?:-[a-z0-9]+)*\.[0-9]+", _FLAGS)

# Versions are capped at six digits so that int() never sees a pathological string.
_VERSION = r"(?:v(?P<version>[1-9][0-9]{0,5}))?"
_ARXIV_CORE = rf"(?:{ARXIV_NEW_RE.pattern}|{ARXIV_OLD_RE.pattern}){_VERSION}"
_ARXIV_STRICT_RE = re.compile(rf"(?:arxiv\s*:\s*)?{_ARXIV_CORE}", _FLAGS)
_DOI_STRICT_RE = re.compile(rf"(?:doi\s*:\s*)?(?P<doi>{DOI_RE.pattern})", _FLAGS)
_ACL_STRICT_RE = re.compile(rf"(?P<acl>{ACL_ID_RE.pattern}){_VERSION}", _FLAGS)

# A URL split by hand: urllib.parse.urlsplit raises on some inputs ("http://[::1").
_URL_RE = re.compile(
    r"(?:(?P<scheme>https?)://)?(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::[0-9]{1,5})?"
    r"(?P<path>/[^?#\s]*)?(?:\?(?P<query>[^#\s]*))?(?:#\S*)?",
    _FLAGS,
)
_OPENREVIEW_ID_RE = re.compile(r"(?:^|&)id=(?P<id>[A-Za-z0-9_-]+)(?:&|$)", re.ASCII)
_DOI_PATH_RE = re.compile(r"/(?P<doi>10\..+?)/?", _FLAGS)
# Publishers that put the DOI in the path (ACM, Wiley, Taylor & Francis, SAGE, Springer, ...).
_PUBLISHER_DOI_PATH_RE = re.compile(
    r"/(?:doi/(?:(?:abs|full|pdf|epdf|pdfdirect|fullHtml|book)/)?|article/|chapter/|content/pdf/)"
    r"(?P<doi>10\.[0-9]{4,9}/.+?)(?:\.pdf)?/?",
    _FLAGS,
)
_ACL_PATH_RE = re.compile(r"/(?:anthology/)?(?:[A-Z]/[A-Z][0-9]{2}/)?(?P<id>[^/]+?)(?:\.pdf)?/?", _FLAGS)


def _arxiv_path(prefixes: str, pdf: bool = False) -> re.Pattern[str]:
    suffix = r"(?:\.pdf)?" if pdf else ""
    return re.compile(rf"/(?:{prefixes})/(?P<id>.+?){suffix}/?", _FLAGS)


_ARXIV_ORG_PATH = _arxiv_path("abs|pdf|html|ps|format", pdf=True)
_ARXIV_PATHS: dict[str, re.Pattern[str]] = {
    "arxiv.org": _ARXIV_ORG_PATH,
    "export.arxiv.org": _ARXIV_ORG_PATH,
    "browse.arxiv.org": _ARXIV_ORG_PATH,
    "arxiv-vanity.com": _arxiv_path("papers"),
    "alphaxiv.org": _arxiv_path("abs|overview|pdf", pdf=True),
    "ar5iv.org": _arxiv_path("html|abs|papers"),
    "ar5iv.labs.arxiv.org": _arxiv_path("html|abs|papers"),
    "huggingface.co": _arxiv_path("papers"),
}
_DOI_HOSTS = frozenset({"doi.org", "dx.doi.org"})
_ACL_HOSTS = frozenset({"aclanthology.org", "aclweb.org", "anthology.aclweb.org"})
_OPENREVIEW_PATHS = frozenset({"/forum", "/pdf", "/attachment"})
KNOWN_PAPER_HOSTS: frozenset[str] = frozenset({*_ARXIV_PATHS, *_DOI_HOSTS, *_ACL_HOSTS, "openreview.net"})

# find_ids: one scan, leftmost candidate first. URLs are taken whole (a URL that names no paper
# yields nothing, even if digits in it look like an arXiv id); brackets end a URL so that
# Markdown's "[text](url)" and "[[arXiv](url)]" split cleanly.
_URL_CHARS = r"[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]"
_HOSTS = "|".join(re.escape(host) for host in sorted(KNOWN_PAPER_HOSTS, key=len, reverse=True))
_FIND_RE = re.compile(
    rf"(?P<url>https?://{_URL_CHARS}+)"
    rf"|(?P<hosturl>(?<![A-Za-z0-9.@/-])(?:www\.)?(?:{_HOSTS})/{_URL_CHARS}*)"
    rf"|(?P<doi>(?<![A-Za-z0-9./-])(?:doi\s*:\s*)?10\.[0-9]{{4,9}}/{_URL_CHARS}+)"
    rf"|(?:(?<![0-9]){ARXIV_NEW_RE.pattern}(?![0-9])"
    rf"|(?<![A-Za-z-]){ARXIV_OLD_RE.pattern}(?![0-9]))"
    r"(?:v(?P<version>[1-9][0-9]{0,5})(?![0-9]))?",
    _FLAGS,
)
_TRAILING_PUNCT = ".,;:!?'\"*"
_CLOSERS = {")": "(", "}": "{"}

_ARXIV_LIKE_RE = re.compile(
    r"(?:arxiv\s*:\s*)?(?P<core>(?P<left>[0-9]{3,6})\.(?P<right>[0-9]{3,6})(?:v(?P<version>[0-9]{1,12}))?)",
    _FLAGS,
)
_OLD_LIKE_RE = re.compile(
    rf"(?:arxiv\s*:\s*)?(?P<core>(?:{_ARCHIVES})(?:\.[A-Za-z]+(?:-[A-Za-z]+)*)?"
    r"/(?P<digits>[0-9]{1,12})(?:v(?P<version>[0-9]{1,12}))?)",
    _FLAGS,
)


def _new_style(yymm: str, number: str, version: str | None) -> PaperId | None:
    stamp, month = int(yymm), int(yymm[2:])
    # New-style ids began in April 2007 and grew a fifth digit in January 2015.
    if not 1 <= month <= 12 or stamp < 704:
        return None
    if len(number) != (4 if stamp < 1501 else 5):
        return None
    return PaperId(scheme="arxiv", value=f"{yymm}.{number}", version=_int(version))


def _old_style(archive: str, yymm: str, number: str, version: str | None) -> PaperId | None:
    if not _old_stamp_ok(yymm):
        return None
    # The subject class is dropped, as the arXiv API does: math.GT/0309136 -> math/0309136.
    value = f"{archive.lower()}/{yymm}{number}"
    return PaperId(scheme="arxiv", value=value, version=_int(version))


def _old_stamp_ok(yymm: str) -> bool:
    year, month = int(yymm[:2]), int(yymm[2:])
    # Old-style ids ran from hep-th/9108001 to March 2007.
    return 1 <= month <= 12 and ((year >= 91 and int(yymm) >= 9108) or int(yymm) <= 703)


def _int(digits: str | None) -> int | None:
    return None if digits is None else int(digits)


def _arxiv_from_match(m: re.Match[str]) -> PaperId | None:
    if m["yymm"] is not None:
        return _new_style(m["yymm"], m["number"], m["version"])
    return _old_style(m["archive"], m["old_yymm"], m["old_number"], m["version"])


def parse_arxiv_id(text: str) -> PaperId | None:
    """An arXiv id written bare or as ``arXiv:ID`` (no URL), with optional ``vN``; else None."""
    m = _ARXIV_STRICT_RE.fullmatch(text.strip())
    return None if m is None else _arxiv_from_match(m)


def _doi_id(doi: str) -> PaperId:
    doi = doi.lower()
    # arXiv's own DOIs (10.48550/arXiv.ID) name the arXiv paper: compare them as arXiv ids.
    if doi.startswith("10.48550/arxiv."):
        pid = parse_arxiv_id(doi.removeprefix("10.48550/arxiv."))
        if pid is not None:
            return pid
    return PaperId(scheme="doi", value=doi)


def _parse_doi(text: str) -> PaperId | None:
    m = _DOI_STRICT_RE.fullmatch(text)
    return None if m is None else _doi_id(m["doi"])


def _parse_acl(text: str) -> PaperId | None:
    m = _ACL_STRICT_RE.fullmatch(text)
    if m is None:
        return None
    acl = m["acl"]
    # Old ids are upper-case (P19-1139), new ones lower-case (2020.acl-main.1).
    value = acl.upper() if acl[0].isalpha() else acl.lower()
    return PaperId(scheme="acl", value=value, version=_int(m["version"]))


def _from_arxiv_path(pattern: re.Pattern[str], path: str) -> PaperId | None:
    m = pattern.fullmatch(path)
    return None if m is None else parse_arxiv_id(m["id"])


def _from_doi_path(pattern: re.Pattern[str], path: str) -> PaperId | None:
    m = pattern.fullmatch(path)
    return None if m is None else _parse_doi(unquote(m["doi"]))


def _from_acl_path(path: str) -> PaperId | None:
    m = _ACL_PATH_RE.fullmatch(path)
    return None if m is None else _parse_acl(m["id"])


def _from_openreview(path: str, query: str) -> PaperId | None:
    if path.rstrip("/") not in _OPENREVIEW_PATHS:
        return None
    m = _OPENREVIEW_ID_RE.search(query)
    return None if m is None else PaperId(scheme="openreview", value=m["id"])


_Handler = Callable[[str, str], PaperId | None]


def _handler(host: str) -> _Handler | None:
    if host in _ARXIV_PATHS:
        pattern = _ARXIV_PATHS[host]
        return lambda path, _query: _from_arxiv_path(pattern, path)
    if host in _DOI_HOSTS:
        return lambda path, _query: _from_doi_path(_DOI_PATH_RE, path)
    if host in _ACL_HOSTS:
        return lambda path, _query: _from_acl_path(path)
    if host == "openreview.net":
        return _from_openreview
    return None


_HANDLERS: dict[str, _Handler] = {
    host: handler for host in KNOWN_PAPER_HOSTS if (handler := _handler(host)) is not None
}


def id_from_url(url: str) -> PaperId | None:
    """The paper a URL identifies (arXiv and its mirrors, doi.org, OpenReview, ACL Anthology,
    publisher ``/doi/`` paths), or None. A URL without ``http(s)://`` counts only on those hosts."""
    m = _URL_RE.fullmatch(url.strip())
    if m is None:
        return None
    host = m["host"].lower().removeprefix("www.")
    path, query = m["path"] or "", m["query"] or ""
    handler = _HANDLERS.get(host)
    if handler is not None:
        return handler(path, query)
    if m["scheme"] is None:
        return None
    return _from_doi_path(_PUBLISHER_DOI_PATH_RE, path)


def parse_id(text: str) -> PaperId | None:
    """The identifier that the whole (stripped) text is, or None. See the module tests for forms."""
    stripped = text.strip()
    if not stripped:
        return None
    return parse_arxiv_id(stripped) or _parse_doi(stripped) or _parse_acl(stripped) or id_from_url(stripped)


def _trim_candidate(candidate: str) -> str:
    # A URL in prose or Markdown ends before trailing punctuation and unbalanced closers:
    # "(see https://arxiv.org/abs/2103.10360)." -> "https://arxiv.org/abs/2103.10360".
    surplus = {c: candidate.count(c) - candidate.count(o) for c, o in _CLOSERS.items()}
    end = len(candidate)
    while end:
        last = candidate[end - 1]
        if last in _TRAILING_PUNCT:
            end -= 1
        elif last in surplus and surplus[last] > 0:
            surplus[last] -= 1
            end -= 1
        else:
            break
    return candidate[:end]


def find_ids(text: str) -> list[PaperId]:
    """Every identifier in free text: URLs, ``doi:``/bare DOIs, ``arXiv:`` mentions and bare arXiv
    ids bounded by non-digits. Deduplicated by key (first wins), in order of appearance."""
    found: dict[str, PaperId] = {}
    for m in _FIND_RE.finditer(text):
        pid: PaperId | None
        if m["url"] is not None or m["hosturl"] is not None:
            pid = id_from_url(_trim_candidate(m.group()))
        elif m["doi"] is not None:
            pid = _parse_doi(_trim_candidate(m["doi"]))
        else:
            pid = _arxiv_from_match(m)
        if pid is not None and pid.key not in found:
            found[pid.key] = pid
    return list(found.values())


def arxiv_date(pid: PaperId) -> tuple[int, int] | None:
    """(year, month) implied by an arXiv id; None for other schemes."""
    if pid.scheme != "arxiv":
        return None
    new = ARXIV_NEW_RE.fullmatch(pid.value)
    if new is not None:  # new-style ids started in 2007, so YY is always 20YY
        return 2000 + int(new["yymm"][:2]), int(new["yymm"][2:])
    old = ARXIV_OLD_RE.fullmatch(pid.value)
    if old is not None:  # old-style ids ran from 1991 to 2007
        year = int(old["old_yymm"][:2])
        return (1900 + year if year >= 91 else 2000 + year), int(old["old_yymm"][2:])
    return None  # a PaperId built by hand with a value no parser would produce


def is_malformed_arxiv_like(text: str) -> str | None:
    """A one-line reason when ``text`` looks like an arXiv id but is not a valid one; else None."""
    stripped = text.strip()
    new = _ARXIV_LIKE_RE.fullmatch(stripped)
    if new is not None:
        left, right = new["left"], new["right"]
        # "100.000" or "123456.123456" are just numbers: an arXiv-like token has a 4/5-digit side.
        if len(left) not in (4, 5) and len(right) not in (4, 5):
            return None
        return _new_style_problem(new["core"], left, right, new["version"])
    old = _OLD_LIKE_RE.fullmatch(stripped)
    if old is not None:
        return _old_style_problem(old["core"], old["digits"], old["version"])
    return None


def _new_style_problem(core: str, left: str, right: str, version: str | None) -> str | None:
    if len(left) != 4:
        return f"arXiv id {core} has {len(left)} digits before the dot; new-style ids start YYMM"
    if not 1 <= int(left[2:]) <= 12:
        return f"month {left[2:]} in arXiv id {core}"
    if int(left) < 704:
        return f"arXiv id {core} is older than new-style ids, which start at 0704"
    if int(left) < 1501 and len(right) != 4:
        return f"arXiv id {core} has {len(right)} digits after the dot; ids before 1501 have 4"
    if int(left) >= 1501 and len(right) != 5:
        return f"arXiv id {core} has {len(right)} digits after the dot; ids since 1501 have 5"
    return _version_problem(core, version)


def _old_style_problem(core: str, digits: str, version: str | None) -> str | None:
    if len(digits) != 7:
        return f"old-style arXiv id {core} has {len(digits)} digits after the slash; YYMMNNN has 7"
    if not 1 <= int(digits[2:4]) <= 12:
        return f"month {digits[2:4]} in arXiv id {core}"
    if not _old_stamp_ok(digits[:4]):
        return f"arXiv id {core} is outside the old-style range 9108 to 0703"
    return _version_problem(core, version)


def _version_problem(core: str, version: str | None) -> str | None:
    if version is not None and (version.startswith("0") or len(version) > 6):
        return f"arXiv id {core} has an invalid version v{version}"
    return None
