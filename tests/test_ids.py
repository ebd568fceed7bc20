"""Paper identifiers: what each written form parses to, what free text yields, what is malformed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from papernotes.ids import (
    PaperId,
    arxiv_date,
    find_ids,
    id_from_url,
    is_malformed_arxiv_like,
    parse_arxiv_id,
    parse_id,
)

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[tuple[str, ...]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t")) for line in lines if line and not line.startswith("#")]


def _expected(scheme: str, value: str, version: str) -> PaperId | None:
    if scheme == "-":
        return None
    return PaperId.model_validate(
        {"scheme": scheme, "value": value, "version": None if version == "-" else int(version)}
    )


@pytest.mark.parametrize(("text", "scheme", "value", "version"), _rows("ids.tsv"))
def test_parse_id(text: str, scheme: str, value: str, version: str) -> None:
    assert parse_id(text) == _expected(scheme, value, version)


@pytest.mark.parametrize(("text", "scheme", "value", "version"), _rows("ids.tsv"))
def test_id_from_url_takes_exactly_the_url_rows(text: str, scheme: str, value: str, version: str) -> None:
    is_url = "://" in text or text.startswith("arxiv.org/")
    expected = _expected(scheme, value, version) if is_url else None
    assert id_from_url(text) == expected


def test_key_leaves_the_version_out_and_str_keeps_it() -> None:
    v1, v2 = parse_id("2103.10360v1"), parse_id("https://arxiv.org/pdf/2103.10360v2.pdf")
    assert v1 is not None and v2 is not None
    assert (v1.key, v2.key) == ("arxiv:2103.10360", "arxiv:2103.10360")
    assert (str(v1), str(v2)) == ("2103.10360v1", "2103.10360v2")
    assert v1 != v2


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("2103.10360v2", "https://arxiv.org/abs/2103.10360v2"),
        ("math.GT/0309136", "https://arxiv.org/abs/math/0309136"),
        ("doi:10.18653/v1/P19-1139", "https://doi.org/10.18653/v1/p19-1139"),
        ("https://openreview.net/pdf?id=r1xMH1BtvB", "https://openreview.net/forum?id=r1xMH1BtvB"),
        ("P19-1139", "https://aclanthology.org/P19-1139/"),
    ],
)
def test_url_is_the_canonical_landing_page(text: str, url: str) -> None:
    pid = parse_id(text)
    assert pid is not None and pid.url == url
    assert parse_id(pid.url) == pid


def test_paper_id_is_frozen_and_hashable() -> None:
    pid = PaperId(scheme="arxiv", value="2103.10360")
    with pytest.raises(ValueError):
        pid.value = "1905.03197"
    assert len({pid, PaperId(scheme="arxiv", value="2103.10360")}) == 1


def test_parse_arxiv_id_refuses_urls_and_dois() -> None:
    assert parse_arxiv_id("arXiv:2103.10360") == PaperId(scheme="arxiv", value="2103.10360")
    assert parse_arxiv_id("https://arxiv.org/abs/2103.10360") is None
    assert parse_arxiv_id("10.48550/arXiv.2103.10360") is None


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        # the seed's URL lines
        ("- https://arxiv.org/pdf/2004.12993v1.pdf", ["arxiv:2004.12993"]),
        ("https://arxiv.org/abs/1909.11942?context=cs", ["arxiv:1909.11942"]),
        ("- http://www.arxiv-vanity.com/papers/2002.12327/", ["arxiv:2002.12327"]),
        ("- https://openreview.net/pdf?id=r1xMH1BtvB", ["openreview:r1xMH1BtvB"]),
        ("https://www.aclweb.org/anthology/P19-1139.pdf", ["acl:P19-1139"]),
        ("- https://blog.csdn.net/ljp1919/article/details/100125630", []),
        # Markdown around URLs: brackets and trailing punctuation are not part of them
        (
            "- Title [[arXiv](https://arxiv.org/abs/1707.01495)] [[code](https://github.com/x/y)]",
            ["arxiv:1707.01495"],
        ),
        ("<https://arxiv.org/abs/2103.10360>.", ["arxiv:2103.10360"]),
        ("(see https://arxiv.org/abs/2103.10360), and", ["arxiv:2103.10360"]),
        ("[https://arxiv.org/abs/1](https://arxiv.org/abs/2103.10360)", ["arxiv:2103.10360"]),
        ("论文https://arxiv.org/abs/2103.10360。代码", ["arxiv:2103.10360"]),
        ("https://doi.org/10.1016/S0140-6736(20)30183-5.", ["doi:10.1016/s0140-6736(20)30183-5"]),
        # mentions and bare ids
        ("arXiv:2103.10360v2 and arXiv: hep-th/9901001", ["arxiv:2103.10360", "arxiv:hep-th/9901001"]),
        ("#2103.04350Syntax-BERT:Improving", ["arxiv:2103.04350"]),
        ("pretrainlm_2103.10360.md", ["arxiv:2103.10360"]),
        ("这篇2103.10360论文", ["arxiv:2103.10360"]),
        ("math.GT/0309136 is old-style", ["arxiv:math/0309136"]),
        ("doi:10.18653/v1/P19-1139.", ["doi:10.18653/v1/p19-1139"]),
        ("see 10.1145/3292500.3330701;", ["doi:10.1145/3292500.3330701"]),
        # order of appearance, first occurrence wins, versions and forms collapse by key
        (
            "1905.03197 then https://arxiv.org/abs/2103.10360v2 then 1905.03197v1 and "
            "https://doi.org/10.48550/arXiv.2103.10360",
            ["arxiv:1905.03197", "arxiv:2103.10360"],
        ),
        # numbers that are not ids
        ("12103.10360 2103.103601 2103.1036 2113.10360 1412.12345", []),
        ("version 3.10.12, 192.168.1.1, 1024.5", []),
        ("https://github.com/owner/repo/blob/main/notes/2103.10360.md", []),
        ("../resources/images/d0001/21222320212123000322.png", []),
        ("", []),
    ],
)
def test_find_ids(text: str, keys: list[str]) -> None:
    assert [pid.key for pid in find_ids(text)] == keys


def test_find_ids_keeps_the_first_version_seen() -> None:
    assert find_ids("2103.10360v2 2103.10360v1") == [PaperId(scheme="arxiv", value="2103.10360", version=2)]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2103.10360", (2021, 3)),
        ("0704.0001", (2007, 4)),
        ("1412.9999", (2014, 12)),
        ("hep-th/9901001", (1999, 1)),
        ("hep-th/9108001", (1991, 8)),
        ("math.GT/0309136", (2003, 9)),
        ("10.18653/v1/P19-1139", None),
        ("https://openreview.net/forum?id=r1xMH1BtvB", None),
        ("P19-1139", None),
    ],
)
def test_arxiv_date(text: str, date: tuple[int, int] | None) -> None:
    pid = parse_id(text)
    assert pid is not None
    assert arxiv_date(pid) == date


def test_arxiv_date_of_a_hand_built_id_that_no_parser_produces() -> None:
    assert arxiv_date(PaperId(scheme="arxiv", value="not-an-id")) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2113.10360", "month 13 in arXiv id 2113.10360"),
        ("2100.10360", "month 00 in arXiv id 2100.10360"),
        ("2103.1036", "arXiv id 2103.1036 has 4 digits after the dot; ids since 1501 have 5"),
        ("arXiv:2103.1036v2", "arXiv id 2103.1036v2 has 4 digits after the dot; ids since 1501 have 5"),
        ("2103.103600", "arXiv id 2103.103600 has 6 digits after the dot; ids since 1501 have 5"),
        ("1412.12345", "arXiv id 1412.12345 has 5 digits after the dot; ids before 1501 have 4"),
        ("21030.10360", "arXiv id 21030.10360 has 5 digits before the dot; new-style ids start YYMM"),
        ("210.10360", "arXiv id 210.10360 has 3 digits before the dot; new-style ids start YYMM"),
        ("0612.1234", "arXiv id 0612.1234 is older than new-style ids, which start at 0704"),
        ("2103.10360v0", "arXiv id 2103.10360v0 has an invalid version v0"),
        ("2103.10360v1234567", "arXiv id 2103.10360v1234567 has an invalid version v1234567"),
        ("hep-th/990100", "old-style arXiv id hep-th/990100 has 6 digits after the slash; YYMMNNN has 7"),
        ("hep-th/9913001", "month 13 in arXiv id hep-th/9913001"),
        ("hep-th/0801001", "arXiv id hep-th/0801001 is outside the old-style range 9108 to 0703"),
        # valid ids and things that do not look like arXiv ids at all
        ("2103.10360", None),
        ("arXiv:2103.10360v2", None),
        ("hep-th/9901001", None),
        ("100.000", None),
        ("3.14159", None),
        ("123456.123456", None),
        ("2103.10360 extra", None),
        ("", None),
    ],
)
def test_is_malformed_arxiv_like(text: str, reason: str | None) -> None:
    assert is_malformed_arxiv_like(text) == reason


@st.composite
def _new_style_ids(draw: st.DrawFn) -> str:
    yymm = draw(st.integers(704, 9912).filter(lambda n: 1 <= n % 100 <= 12))
    number = draw(st.integers(1, 99999 if yymm >= 1501 else 9999))
    version = draw(st.none() | st.integers(1, 99))
    width = 5 if yymm >= 1501 else 4
    return f"{yymm:04d}.{number:0{width}d}" + ("" if version is None else f"v{version}")


@given(_new_style_ids())
def test_every_valid_new_style_id_parses_dates_and_is_found(text: str) -> None:
    pid = parse_id(text)
    assert pid is not None and pid.scheme == "arxiv" and str(pid) == text
    assert is_malformed_arxiv_like(text) is None
    assert arxiv_date(pid) == (2000 + int(text[:2]), int(text[2:4]))
    assert id_from_url(f"https://arxiv.org/pdf/{text}.pdf") == pid
    assert find_ids(f"见[论文](https://arxiv.org/abs/{text})与{text}。") == [pid]


@given(st.text())
def test_nothing_raises_and_whatever_is_found_round_trips(text: str) -> None:
    assert isinstance(is_malformed_arxiv_like(text), str | None)
    assert id_from_url(text) is None or parse_id(text) is not None
    for pid in [parse_id(text), *find_ids(text)]:
        if pid is not None:
            assert parse_id(str(pid)) == pid


_ID_ALPHABET = st.sampled_from(list("0123456789./:-_?#=&()vV[]<> \t\nabsdfhiloprtxAPX中"))


@given(st.text(_ID_ALPHABET, max_size=60))
def test_id_shaped_noise_never_raises(text: str) -> None:
    for pid in [parse_id(text), id_from_url(text), *find_ids(text)]:
        if pid is not None:
            assert parse_id(str(pid)) == pid
    if (reason := is_malformed_arxiv_like(text)) is not None:
        assert parse_id(text) is None and "\n" not in reason
