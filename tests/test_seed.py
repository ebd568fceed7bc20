"""The seed index (a real, messy topic index) read into records: golden entries and the facts issues name."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from papernotes.entries import extract_entries
from papernotes.export import to_json
from papernotes.parsing import parse_text
from papernotes.titles import normalise_title

from .conftest import SEED


def _seed_entries():  # type: ignore[no-untyped-def]
    parsed = parse_text(SEED.read_text(encoding="utf-8"))
    return parsed, extract_entries(parsed, "notes/PretrainedLangugeModel.md")


def test_seed_entries_golden(golden: Callable[[str, str], None]) -> None:
    _, found = _seed_entries()
    golden("seed_entries.json", to_json(found.entries))


def test_seed_has_46_heading_entries_including_both_conflict_sides() -> None:
    _, found = _seed_entries()
    assert len(found.entries) == 46
    assert all(e.kind == "heading" for e in found.entries)
    sides = [(e.span.line, e.conflict) for e in found.entries if e.in_conflict]
    assert sides == [(200, "ours"), (202, "theirs"), (204, "theirs")]


def test_seed_title_and_categories() -> None:
    _, found = _seed_entries()
    assert found.title == "预训练语言模型"
    assert [(s.line, s.path) for s in found.sections] == [
        (4, ["模型"]),
        (5, ["模型", "模型"]),
        (133, ["蒸馏"]),
        (155, ["蒸馏", "应用"]),
        (197, ["原理"]),
    ]


def test_seed_four_papers_appear_twice() -> None:
    _, found = _seed_entries()
    groups: dict[str, list[int]] = defaultdict(list)
    for entry in found.entries:
        groups[normalise_title(entry.title)].append(entry.span.line)
    twice = sorted(lines for lines in groups.values() if len(lines) > 1)
    assert twice == [[93, 235], [165, 182], [173, 202], [200, 204]]


def test_seed_canine_title_recovered_across_two_lines() -> None:
    _, found = _seed_entries()
    canine = next(e for e in found.entries if e.span.line == 19)
    assert canine.title == (
        "CANINE: Pre-training an Efficient Tokenization-Free Encoder for Language Representation"
    )
    assert canine.note == "../resources/notes/d0001/pretrainlm_2103.06874.md"
    assert [m.kind for m in canine.malformations] == ["broken-title"]
    assert canine.figures[0].src == "../source/images/56021820215618470302.png"


def test_seed_deebert_id_recovered_from_url_when_prefix_is_a_date() -> None:
    _, found = _seed_entries()
    deebert = next(e for e in found.entries if e.title.startswith("DeeBERT"))
    assert deebert.prefix == "202004"
    assert deebert.arxiv is not None and deebert.arxiv.value == "2004.12993"
    assert (deebert.date, deebert.date_source) == ("2020-04", "prefix")


def test_seed_roberta_date_prefix_contradicts_its_id() -> None:
    _, found = _seed_entries()
    roberta = next(e for e in found.entries if e.title.startswith("RoBERTa"))
    assert roberta.date == "2019-06"
    assert roberta.arxiv is not None and roberta.arxiv.value == "1907.11692"


def test_seed_venue_suffix_and_translation() -> None:
    _, found = _seed_entries()
    by_line = {e.span.line: e for e in found.entries}
    assert by_line[85].suffix == "THU/ACL2019"
    assert by_line[166].title == "GPT Understands, Too"
    assert by_line[166].translation == "GPT 也能理解"
    assert by_line[108].venue == "ACL"


def test_seed_conflict_region_names_entries_on_each_side() -> None:
    parsed, _found = _seed_entries()
    (region,) = parsed.conflicts
    assert (region.start, region.middle, region.end) == (199, 201, 205)
    assert region.ours == ["What the MASK? Making Sense of Language-Specific BERT Models"]
    assert len(region.theirs) == 2


def test_seed_empty_todo_and_text_lines_are_kept() -> None:
    parsed, found = _seed_entries()
    assert parsed.empty_todos == [168]
    albert = next(e for e in found.entries if e.title.startswith("ALBERT"))
    assert albert.urls == ["https://arxiv.org/abs/1909.11942?context=cs"]
    assert any("提出如下改进" in t.text for t in albert.text)


def test_seed_json_contract_fields() -> None:
    _, found = _seed_entries()
    row = json.loads(to_json(found.entries[:1]))[0]
    for key in (
        "id",
        "version",
        "doi",
        "date",
        "title",
        "venue",
        "category",
        "note",
        "urls",
        "bullets",
        "figures",
        "todo",
        "file",
        "line",
        "in_conflict",
    ):
        assert key in row
    assert row["id"] == "2103.10360" and row["line"] == 6 and row["file"].endswith(".md")


def test_seed_fixture_is_the_untouched_seed() -> None:
    shared = Path(__file__).parents[2] / "shared" / "seed" / "PretrainedLangugeModel.md"
    if shared.exists():
        assert shared.read_bytes() == SEED.read_bytes()
