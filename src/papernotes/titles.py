"""Entry titles as people write them, split into parts (pure).

``2018 ACL Deep contextualized word representations: ELMO`` is a prefix (date, venue, or arXiv id),
then the title, then maybe a machine translation (``... Framework 一个通用的预训练框架``) and an
``（Org/VenueYear）`` suffix. ``normalise_title`` turns the title into the key that duplicate
detection compares when an entry carries no identifier.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from papernotes.ids import PaperId, arxiv_date, is_malformed_arxiv_like, parse_arxiv_id

PrefixKind = Literal["arxiv", "yyyymm", "yyyy", "yymm", "year_venue", "venue_year", "invalid"]

KNOWN_VENUES: frozenset[str] = frozenset(
    {
        # NLP
        "ACL", "EMNLP", "NAACL", "EACL", "COLING", "AACL", "TACL", "CL", "CoNLL", "LREC",
        "SemEval", "IJCNLP", "ACL-IJCNLP", "EMNLP-IJCNLP", "NAACL-HLT", "NLPCC", "CCL", "INLG",
        "SIGDIAL", "COLM", "TASLP",
        # machine learning
        "NeurIPS", "NIPS", "ICLR", "ICML", "AISTATS", "UAI", "COLT", "JMLR", "TMLR",
        # data mining, IR, web
        "KDD", "SIGKDD", "WWW", "WSDM", "CIKM", "SIGIR", "ICDM", "ICDE", "SDM", "RecSys",
        "SIGMOD", "VLDB", "PAKDD", "ECIR", "TKDE", "TOIS",
        # AI, vision, speech, robotics
        "AAAI", "IJCAI", "ECAI", "CVPR", "ICCV", "ECCV", "WACV", "BMVC", "TPAMI", "IJCV",
        "TNNLS", "ICASSP", "INTERSPEECH", "ICRA", "IROS", "CoRL",
        # journals and preprints
        "Nature", "Science", "Cell", "PNAS", "arXiv",
    }
)  # fmt: skip
_VENUES = {venue.casefold(): venue for venue in KNOWN_VENUES}
# Venues that are also words or common acronyms at the start of a title ("2020 Science Question
# Answering", "2021 CL for ...") count only where the form leaves no doubt: glued to a year, or
# in a suffix. "2018 GPT ..." is the same trap, which is why GPT is no venue at all.
_WORDLIKE_VENUES = frozenset({"nature", "science", "cell", "cl"})


def canonical_venue(name: str) -> str | None:
    """The KNOWN_VENUES spelling of ``name`` (case-insensitive), or None."""
    return _VENUES.get(name.casefold())


class Prefix(BaseModel):
    """What precedes the title: an arXiv id, a date, a venue. All None when there is none."""

    model_config = ConfigDict(frozen=True)

    raw: str | None = None
    kind: PrefixKind | None = None
    arxiv: PaperId | None = None
    year: int | None = None
    month: int | None = None
    venue: str | None = None
    problem: str | None = None


class TitleParts(BaseModel):
    """An entry title split into parts. ``problems`` are about the brackets around it (one line
    each); a bad prefix is reported in ``prefix.problem``, an empty title is ``title == ""``."""

    model_config = ConfigDict(frozen=True)

    prefix: Prefix = Field(default_factory=Prefix)
    title: str
    translation: str | None = None
    suffix: str | None = None
    org: str | None = None
    suffix_venue: str | None = None
    suffix_year: int | None = None
    problems: list[str] = Field(default_factory=list)


_MIN_YEAR, _MAX_YEAR = 1990, 2039
_MAX_ROUNDS = 3  # bounds on loops that could otherwise go quadratic on hostile text
_MAX_SUFFIX = 120  # "（Org/VenueYear）" is short; longer brackets are part of the title
# Controls (NUL, tabs, C1), invisible separators and bidi overrides (which can make a title
# display as another: "Trojan Source") become spaces before whitespace is collapsed.
_INVISIBLE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_PAIRS = {"[": "]", "【": "】", "［": "］"}
_TOKEN_RE = re.compile(r"(\S+)(?: |$)")
_DATE_RE = re.compile(r"(?P<digits>[0-9]{6}|[0-9]{4})(?P<venue>[A-Za-z][A-Za-z-]*)?")
_VENUE_YEAR_RE = re.compile(r"(?P<venue>[A-Za-z][A-Za-z-]*?)[-']?(?P<year>[0-9]{4}|[0-9]{2})")
_YEAR_RE = re.compile(r"[0-9]{4}")
_BRACKET_SUFFIX_RE = re.compile(r"[(（]\s*(?P<content>[^()（）]*?)\s*[)）]$")
_SUFFIX_CONTENT_RE = re.compile(
    r"(?:(?P<org>.+)/\s*)?(?:(?P<venue>[A-Za-z](?:[A-Za-z-]*[A-Za-z])?)\s*[-']?\s*)?"
    r"(?P<year>[0-9]{4})?"
)
_CJK_RE = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)
_WORD_RE = re.compile(r"\S+")
_ACRONYM_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")
_EDGE_PUNCT = ",.:;!?()（）、，：；"
_SEPARATORS = " -–—|/:：,，;；"


def split_title(text: str) -> TitleParts:
    """Split an entry title into prefix, title, translation and suffix. Never raises."""
    problems: list[str] = []
    body = _strip_wrapping(_collapse(text), problems)
    prefix, body = _split_prefix(body)
    if prefix.raw is not None:
        body = _strip_wrapping(body, problems)
    suffix, body = _split_suffix(body)
    title, translation = _split_translation(body)
    if suffix is None and translation is not None:
        suffix, title = _split_suffix(title)
    if suffix is None:
        return TitleParts(prefix=prefix, title=title, translation=translation, problems=problems)
    return TitleParts(
        prefix=prefix,
        title=title,
        translation=translation,
        suffix=suffix.text,
        org=suffix.org,
        suffix_venue=suffix.venue,
        suffix_year=suffix.year,
        problems=problems,
    )


def normalise_title(text: str) -> str:
    """The duplicate-detection key of an entry title: prefix, suffix and translation removed,
    NFKC, casefolded, only letters, digits and marks of every script kept. "" only when the
    text holds no title at all."""
    title = split_title(text).title
    folded = unicodedata.normalize("NFKC", title).casefold()
    key = "".join(char for char in folded if unicodedata.category(char)[0] in "LNM")
    # A title of symbols only (an emoji) still needs a key that is not shared with every other.
    return key or "".join(folded.split())


def _collapse(text: str) -> str:
    return " ".join(_INVISIBLE_RE.sub(" ", text).split())


def _strip_wrapping(body: str, problems: list[str]) -> str:
    """Strip brackets around the whole text; an unmatched leading or trailing one is stripped too
    and reported. A bracket group that only starts the title ("[CLS] tokens ...") stays."""
    # A few rounds cover "[[Title]]" and "【[Title]"; a bound keeps "[[[[...": linear.
    for _ in range(_MAX_ROUNDS):
        if not body:
            break
        first, last = body[0], body[-1]
        if first in _PAIRS:
            close = _match_forward(body, first, _PAIRS[first])
            if close == len(body) - 1:
                body = body[1:-1].strip()
                continue
            if close is None:
                problems.append(f"unbalanced {first}")
                body = body[1:].strip()
                continue
        opener = next((o for o, c in _PAIRS.items() if c == last), None)
        if opener is not None and _match_backward(body, opener, last) is None:
            problems.append(f"unbalanced {last}")
            body = body[:-1].strip()
            continue
        break
    return body


def _match_forward(body: str, opener: str, closer: str) -> int | None:
    depth = 0
    for index, char in enumerate(body):
        if char == opener:
            depth += 1
        elif char == closer:
            depth -= 1
            if depth == 0:
                return index
    return None


def _match_backward(body: str, opener: str, closer: str) -> int | None:
    depth = 0
    for index in range(len(body) - 1, -1, -1):
        if body[index] == closer:
            depth += 1
        elif body[index] == opener:
            depth -= 1
            if depth == 0:
                return index
    return None


def _split_prefix(body: str) -> tuple[Prefix, str]:
    m = _TOKEN_RE.match(body)
    if m is None:
        return Prefix(), body
    token, rest = m.group(1), body[m.end() :]
    if not token.isascii():
        # Full-width digits ("２０１９") are typed by CJK input methods; they are the same prefix.
        folded = unicodedata.normalize("NFKC", token)
        if folded.isascii() and folded != token:
            prefix, folded_rest = _split_prefix(folded + body[m.end(1) :])
            if prefix.kind is not None:
                return prefix, folded_rest
    pid = parse_arxiv_id(token)
    if pid is not None:
        year, month = arxiv_date(pid) or (None, None)
        return Prefix(raw=token, kind="arxiv", arxiv=pid, year=year, month=month), rest
    reason = is_malformed_arxiv_like(token)
    if reason is not None:
        return Prefix(raw=token, kind="invalid", problem=reason), rest
    return _date_prefix(token, rest) or _venue_year_prefix(token, rest) or (Prefix(), body)


def _date_prefix(token: str, rest: str) -> tuple[Prefix, str] | None:
    date = _DATE_RE.fullmatch(token)
    parsed = None if date is None else _parse_date(date["digits"])
    if date is None or parsed is None:
        return None
    if date["venue"] is not None:  # glued: 2017ACL
        venue = canonical_venue(date["venue"])
        if venue is None:  # "1080p Video", "2048Game": a word, not a prefix
            return None
    else:  # separate: 2018 ACL
        venue, rest, token = _take_venue(rest, token)
    if isinstance(parsed, str):
        return Prefix(raw=token, kind="invalid", venue=venue, problem=parsed), rest
    kind, year, month = parsed
    if venue is not None:
        kind = "year_venue"
    return Prefix(raw=token, kind=kind, year=year, month=month, venue=venue), rest


def _parse_date(digits: str) -> tuple[PrefixKind, int, int | None] | str | None:
    """(kind, year, month) for a date prefix, a problem for a date with a bad month, or None
    for a number that is no date ("1024 Tokens")."""
    number = int(digits)
    if len(digits) == 4:
        if _MIN_YEAR <= number <= _MAX_YEAR:
            return "yyyy", number, None
        yy, month = divmod(number, 100)
        if 1 <= month <= 12 and 2000 + yy <= _MAX_YEAR:
            return "yymm", 2000 + yy, month
        return None
    year, month = divmod(number, 100)
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    if not 1 <= month <= 12:
        return f"month {digits[4:]} in date prefix {digits}"
    return "yyyymm", year, month


def _take_venue(rest: str, raw: str) -> tuple[str | None, str, str]:
    m = _TOKEN_RE.match(rest)
    if m is None or m.group(1).casefold() in _WORDLIKE_VENUES:
        return None, rest, raw
    venue = canonical_venue(m.group(1))
    if venue is None:
        return None, rest, raw
    return venue, rest[m.end() :], f"{raw} {m.group(1)}"


def _venue_year_prefix(token: str, rest: str) -> tuple[Prefix, str] | None:
    glued = _VENUE_YEAR_RE.fullmatch(token)
    if glued is not None:  # KDD2017, ACL'19, NeurIPS-2019
        venue, year = canonical_venue(glued["venue"]), _year(glued["year"])
        if venue is not None and year is not None:
            return Prefix(raw=token, kind="venue_year", year=year, venue=venue), rest
    venue = canonical_venue(token)
    following = _TOKEN_RE.match(rest)
    if venue is None or token.casefold() in _WORDLIKE_VENUES or following is None:
        return None
    year_text = following.group(1)
    year = _year(year_text) if _YEAR_RE.fullmatch(year_text) else None
    if year is None:
        return None
    raw = f"{token} {year_text}"  # KDD 2017
    return Prefix(raw=raw, kind="venue_year", year=year, venue=venue), rest[following.end() :]


def _year(digits: str) -> int | None:
    year = int(digits)
    if len(digits) == 2:
        year += 1900 if year >= 90 else 2000
    return year if _MIN_YEAR <= year <= _MAX_YEAR else None


class _Suffix(NamedTuple):
    text: str
    org: str | None
    venue: str | None
    year: int | None


def _split_suffix(body: str) -> tuple[_Suffix | None, str]:
    """A trailing "（Org/VenueYear）" or a bare "Org/Year" after the title."""
    m = _BRACKET_SUFFIX_RE.search(body)
    if m is not None and m.start() > 0:
        suffix = _parse_suffix(m["content"], need_org=False)
        if suffix is not None:
            return suffix, body[: m.start()].rstrip()
    words = body.rsplit(" ", 1)
    if len(words) == 2 and "/" in words[1]:
        suffix = _parse_suffix(words[1], need_org=True)
        if suffix is not None:
            return suffix, words[0].rstrip()
    return None, body


def _parse_suffix(content: str, *, need_org: bool) -> _Suffix | None:
    if len(content) > _MAX_SUFFIX:
        return None
    m = _SUFFIX_CONTENT_RE.fullmatch(unicodedata.normalize("NFKC", content).strip())
    if m is None or (m["venue"] is None and m["year"] is None):
        return None
    org = m["org"].strip() if m["org"] is not None else None
    if (need_org or org is not None) and not org:
        return None
    year = None
    if m["year"] is not None:
        year = int(m["year"])
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            return None
    venue = canonical_venue(m["venue"]) if m["venue"] is not None else None
    if m["venue"] is not None and venue is None:
        # An unknown word counts as a venue only in the full "Org/VenueYear" form.
        if org is None or year is None:
            return None
        venue = m["venue"]
    return _Suffix(content, org, venue, year)


def _split_translation(body: str) -> tuple[str, str | None]:
    """Split "English title 中文翻译" at the first CJK letter. A title that is CJK from the start,
    or has a single word before its CJK part ("BERT 论文笔记"), is all title."""
    first_cjk = _CJK_RE.search(body)
    if first_cjk is None:
        return body, None
    words = list(_WORD_RE.finditer(body, 0, first_cjk.start()))
    cut = first_cjk.start()
    # "GPT Understands, Too GPT 也能理解": an acronym just before the CJK text that the English
    # title already used is the translation repeating it.
    for _ in range(_MAX_ROUNDS):
        if len(words) < 2 or not _repeats_acronym(words[-1].group(), body[: words[-2].end()]):
            break
        cut = words.pop().start()
    english, translation = body[:cut].rstrip(_SEPARATORS), body[cut:]
    closer = _PAIRS.get(english[-1:]) or {"(": ")", "（": "）"}.get(english[-1:])
    if closer is not None and translation.endswith(closer):  # "Title（中文）"
        english, translation = english[:-1].rstrip(_SEPARATORS), translation[:-1]
    translation = translation.strip(_SEPARATORS)
    if sum(1 for word in english.split() if any(c.isalpha() for c in word)) < 2 or not translation:
        return body, None
    return english, translation


def _repeats_acronym(word: str, english: str) -> bool:
    word = word.strip(_EDGE_PUNCT)
    if not _ACRONYM_RE.fullmatch(word):
        return False
    uppers = sum(1 for char in word if char.isupper())
    if uppers < 2 and not (uppers and any(char.isdigit() for char in word)):
        return False
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])", english) is not None
