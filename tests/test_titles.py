"""Entry titles: prefix, title, translation and suffix as people write them; the duplicate key."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, example, given
from hypothesis import strategies as st

from papernotes.ids import parse_id
from papernotes.titles import (
    KNOWN_VENUES,
    Prefix,
    TitleParts,
    canonical_venue,
    normalise_title,
    split_title,
)

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "titles.yaml").read_text(encoding="utf-8")
)


def _expected(case: dict[str, Any]) -> TitleParts:
    fields = {key: value for key, value in case.items() if key != "text"}
    prefix = dict(fields.pop("prefix", {}))
    if "arxiv" in prefix:
        prefix["arxiv"] = parse_id(prefix["arxiv"])
    return TitleParts(prefix=Prefix(**prefix), **fields)


@pytest.mark.parametrize("case", CASES, ids=[repr(case["text"])[:60] for case in CASES])
def test_split_title(case: dict[str, Any]) -> None:
    assert split_title(case["text"]) == _expected(case)


@pytest.mark.parametrize(
    "same",
    [
        (
            "1905.03197 Unified Language Model Pre-training for Language Understanding",
            "[Unified Language Model Pre-training for Language Understanding（Microsoft/2019）]",
        ),
        (
            "1910.01108 DistilBERT,adistilledversionofBERT:smaller, faster,cheaperandlighter",
            "DistilBERT, a distilled version of BERT: smaller, faster, cheaper and lighter",
        ),
        (
            "2103.10385 GPT Understands, Too GPT 也能理解",
            "202103 GPT understands, too.",
            "ＧＰＴ　Ｕｎｄｅｒｓｔａｎｄｓ，Ｔｏｏ",
        ),
        (
            "201906 ERNIE: Enhanced Language Representation with Informative Entities（THU/ACL2019）",
            "2019 ACL ERNIE - Enhanced Language Representation With Informative Entities",
            "【ERNIE: Enhanced Language Representation with Informative Entities",
        ),
        ("Straße und Maß", "STRASSE UND MASS"),
        (
            "基于预训练语言模型的主动学习",
            "基于预训练语言模型的主动学习（清华/2020）",
            "基于 预训练：语言模型的主动学习。",
        ),
    ],
)
def test_normalise_title_gives_one_key_to_one_title_however_written(same: tuple[str, ...]) -> None:
    assert len({normalise_title(text) for text in same}) == 1


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            "2018 ACL Deep contextualized word representations: ELMO",
            "deepcontextualizedwordrepresentationselmo",
        ),
        ("GPT-2 (Org/2019)", "gpt2"),
        ("预训练语言模型的持续域微调", "预训练语言模型的持续域微调"),
        ("「注意力」就是一切！", "注意力就是一切"),
        ("Café: Naïve Bayes", "cafénaïvebayes"),
        ("🤗", "🤗"),
        ("202004", ""),
        ("", ""),
    ],
)
def test_normalise_title(text: str, key: str) -> None:
    assert normalise_title(text) == key


def test_normalise_title_keeps_different_papers_apart() -> None:
    titles = [
        "201904 ERNIE: Enhanced Representation through Knowledge Integration",
        "201906 ERNIE: Enhanced Language Representation with Informative Entities（THU/ACL2019）",
        "201907 ERNIE 2.0: A Continual Pre-Training Framework for Language Understanding",
        "2D Positional Encoding",
        "3D Positional Encoding",
    ]
    assert len({normalise_title(title) for title in titles}) == len(titles)


def test_known_venues_match_case_insensitively() -> None:
    assert {"ACL", "NeurIPS", "NIPS", "KDD", "INTERSPEECH", "Nature"} <= KNOWN_VENUES
    assert canonical_venue("neurips") == "NeurIPS"
    assert canonical_venue("emnlp-ijcnlp") == "EMNLP-IJCNLP"
    assert canonical_venue("GPT") is None
    assert len({venue.casefold() for venue in KNOWN_VENUES}) == len(KNOWN_VENUES)


# -- properties -----------------------------------------------------------------------------------

_ANY_TEXT = st.text(st.characters(exclude_categories=()))  # surrogates and controls included
_TITLE_BITS = st.sampled_from([*"[]【】（）()/ ", "2019", "202004", "ACL", "Org", "中文", "\x00", "\u202e"])


@given(_ANY_TEXT | st.lists(_TITLE_BITS).map("".join))
@example("[" * 1000)
@example("2103.10360")
def test_split_title_never_raises_and_returns_clean_text(text: str) -> None:
    parts = split_title(text)
    for field in (parts.title, parts.translation, parts.prefix.raw):
        if field is not None:
            assert field == " ".join(field.split())
            assert not any(unicodedata.category(char) == "Cc" for char in field)
    assert all("\n" not in problem for problem in parts.problems)
    assert (normalise_title(text) == "") == (parts.title == "")


_WORDS = st.sampled_from(
    ["Attention", "Is", "All", "You", "Need", "Deep", "learning", "for", "BERT", "GPT", "3D",
     "Pre-training:", "(Almost)", "of", "2.0", "Models?", "Naïve"]
)  # fmt: skip
_PREFIXES = {
    "2103.10360": "arxiv",
    "202004": "yyyymm",
    "2018": "yyyy",
    "1901": "yymm",
    "2018 ACL": "year_venue",
    "2017ACL": "year_venue",
    "KDD2017": "venue_year",
    "202013": "invalid",
}


@given(
    st.lists(_WORDS, min_size=1, max_size=8).map(" ".join),
    st.sampled_from([None, *_PREFIXES]),
    st.sampled_from([None, "所有任务都是生成任务", "基于 BERT 的模型"]),
    st.sampled_from([None, "（THU/ACL2019）", " (Facebook/2019)"]),
)
def test_the_parts_of_a_composed_title_come_back(
    title: str, prefix: str | None, translation: str | None, suffix: str | None
) -> None:
    words = title.split()
    # The acronym rule cannot tell "BERT for BERT 中文" from "GPT Understands, Too GPT 也能理解".
    assume(words[-1] not in words[:-1])
    text = f"{prefix} {title}" if prefix else title
    if translation and sum(any(c.isalpha() for c in word) for word in words) > 1:
        text = f"{text} {translation}"
    else:  # one English word before CJK text is a CJK title, tested in titles.yaml
        translation = None
    parts = split_title(text + (suffix or ""))
    assert parts.prefix.raw == prefix
    assert parts.prefix.kind == (_PREFIXES[prefix] if prefix else None)
    # A separator before the translation ("Title: 中文") is not part of either.
    assert (parts.title, parts.translation) == (title.rstrip(":") if translation else title, translation)
    assert parts.suffix == (suffix.strip(" （）()") if suffix else None)
    assert normalise_title(text) == normalise_title(title)
