"""`papernotes stats`: what is counted (papers, not entries), the terminal report, JSON, the README block."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.cells import cell_len

from papernotes.config import Settings, load_config
from papernotes.stats import Stats, YearCount, compute_stats, render_stats, render_stats_block, to_json
from papernotes.tocfiles import run_toc
from papernotes.workspace import load_workspace

MakeRepo = Callable[[dict[str, str | bytes]], Path]
Golden = Callable[[str, str], None]
REPO = Path(__file__).parent.parent
ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def own_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of papernotes' own notes, with its [tool.papernotes] table as papernotes.toml."""
    root = tmp_path / "own"
    (root / ".git").mkdir(parents=True)
    shutil.copytree(REPO / "notes", root / "notes")
    shutil.copytree(REPO / "assets", root / "assets")
    table = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["papernotes"]
    toml = "".join(f"{key} = {json.dumps(value)}\n" for key, value in table.items())
    (root / "papernotes.toml").write_text(toml, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def stats_of(root: Path) -> Stats:
    return compute_stats(load_workspace(load_config(root)))


def entry(title: str, *lines: str, level: int = 2) -> str:
    return "\n".join([f"{'#' * level} {title}", *lines, ""]) + "\n"


# Whole outputs


@pytest.mark.parametrize("name", ["seed", "own"])
def test_text_and_json_reports(name: str, request: pytest.FixtureRequest, golden: Golden) -> None:
    root = request.getfixturevalue("seed_repo" if name == "seed" else "own_repo")
    stats = stats_of(root)
    golden(f"stats/{name}.txt", render_stats(stats, width=80, color=False))
    golden(f"stats/{name}.json", to_json(stats))
    golden(f"stats/{name}-block.md", "\n".join(render_stats_block(stats)) + "\n")


def test_the_seed_counts_papers_not_entries(seed_repo: Path) -> None:
    stats = stats_of(seed_repo)
    # The seed lists UniLM, 2004.02288, "Pre-training Is (Almost) All You Need" and "What the MASK?" twice.
    assert (stats.entries, stats.papers) == (46, 42)
    assert stats.with_note == 0  # its note links lead to resources/, which the fixture does not have
    assert sum(y.papers for y in stats.years) + stats.undated == stats.papers


def test_the_own_notes_have_a_note_and_a_venue_from_front_matter(own_repo: Path) -> None:
    stats = stats_of(own_repo)
    assert stats.with_note == stats.papers == 42
    # Entries name no venue: "NeurIPS 2017" in a note's front matter counts as NeurIPS.
    venues = {v.venue: v.papers for v in stats.venues}
    assert venues["NeurIPS"] == 4
    assert not any(re.search(r"\d{4}", venue) for venue in venues)


def test_the_json_contract_is_the_model(seed_repo: Path) -> None:
    stats = stats_of(seed_repo)
    assert Stats.model_validate_json(to_json(stats)) == stats
    assert "模型" in to_json(stats)  # UTF-8, not \u escapes


# What is counted


def test_duplicates_are_one_paper_counted_once_in_each_of_their_categories(make_repo: MakeRepo) -> None:
    index = (
        "# Index\n\n## A\n\n"
        + entry("[2003.10555 ELECTRA](https://arxiv.org/abs/2003.10555)", level=3)
        + entry("[1810.04805 BERT](https://arxiv.org/abs/1810.04805)", level=3)
        + "## B\n\n"
        + entry("[ELECTRA（Google/2020）](https://openreview.net/forum?id=r1xMH1BtvB)", level=3)
        + entry("[2003.10555v2 ELECTRA](https://arxiv.org/abs/2003.10555v2)", level=3)
    )
    stats = stats_of(make_repo({"README.md": index}))
    assert (stats.entries, stats.papers) == (4, 2)
    assert [(c.category, c.papers) for c in stats.categories] == [(["A"], 2), (["B"], 1)]
    assert [(y.year, y.papers) for y in stats.years] == [("2018", 1), ("2020", 1)]


def test_mirrors_and_the_base_side_of_a_conflict_are_left_out(make_repo: MakeRepo) -> None:
    topic = "# T\n\n## A\n\n" + entry("[1810.04805 BERT](https://arxiv.org/abs/1810.04805)", level=3)
    conflicted = (
        "# U\n\n## B\n\n<<<<<<< HEAD\n"
        + entry("[2001.00001 Ours](https://arxiv.org/abs/2001.00001)", level=3)
        + "||||||| base\n"
        + entry("[1901.00001 Ancestor](https://arxiv.org/abs/1901.00001)", level=3)
        + "=======\n"
        + entry("[2002.00002 Theirs](https://arxiv.org/abs/2002.00002)", level=3)
        + ">>>>>>> other\n"
    )
    mirror = "# All\n\n## A\n\n" + entry("[1810.04805 BERT](https://arxiv.org/abs/1810.04805)", level=3)
    root = make_repo(
        {
            "papernotes.toml": 'mirrors = ["README.md"]\n',
            "README.md": mirror,
            "notes/t.md": topic,
            "notes/u.md": conflicted,
        }
    )
    stats = stats_of(root)
    assert stats.indexes == ["notes/t.md", "notes/u.md"]
    assert [(y.year, y.papers) for y in stats.years] == [("2018", 1), ("2020", 2)]


def test_a_note_counts_only_when_its_link_leads_to_a_file(make_repo: MakeRepo) -> None:
    index = (
        "# Index\n\n## A\n\n"
        + entry("[1810.04805 BERT](papers/bert.md)", level=3)  # exists
        + entry("[2003.10555 ELECTRA](papers/electra)", level=3)  # exists as electra.md
        + entry("[1907.11692 RoBERTa](papers/roberta.md)", level=3)  # missing
        + entry("[1906.08237 XLNet](https://arxiv.org/abs/1906.08237)", level=3)  # a URL is no note
    )
    files: dict[str, str | bytes] = {
        "notes/index.md": index,
        "notes/papers/bert.md": "# BERT\n",
        "notes/papers/electra.md": "# ELECTRA\n",
    }
    assert stats_of(make_repo(files)).with_note == 2


def test_figures_summaries_todos_and_front_matter_dates(make_repo: MakeRepo) -> None:
    index = (
        "# Index\n\n## A\n\n"
        + entry("[Untitled idea](papers/idea.md)", "![](../assets/x.png)", "- a summary", level=3)
        + "## To read\n\n"
        + "- [ ] [1810.04805 BERT](https://arxiv.org/abs/1810.04805)\n"
        + "- [x] [1907.11692 RoBERTa](https://arxiv.org/abs/1907.11692)\n"
    )
    note = '---\ndate: 2017-06-12\nvenue: "ACL\'17"\n---\n# Idea\n'
    stats = stats_of(make_repo({"notes/index.md": index, "notes/papers/idea.md": note, "assets/x.png": b"x"}))
    assert (stats.with_figures, stats.with_summary, stats.open_todos) == (1, 1, 1)
    # YAML reads an unquoted date as a date: it still gives the year and month.
    assert [(y.year, y.papers) for y in stats.years] == [("2017", 1), ("2018", 1), ("2019", 1)]
    assert [v.venue for v in stats.venues] == ["ACL"]
    assert stats.newest[-1].date == "2017-06"


def test_newest_are_the_latest_dates_first_and_at_most_eight(make_repo: MakeRepo) -> None:
    ids = [f"20{month:02d}.00001" for month in range(1, 13)]
    index = "# I\n\n## A\n\n" + "".join(
        entry(f"[{pid} Paper {pid}](https://arxiv.org/abs/{pid})", level=3) for pid in ids
    )
    newest = stats_of(make_repo({"README.md": index})).newest
    assert [p.id for p in newest] == ids[::-1][:8]


def test_no_index_gives_zeros_and_a_one_line_report(make_repo: MakeRepo) -> None:
    stats = stats_of(make_repo({"README.md": "# Nothing listed here\n"}))
    assert (stats.papers, stats.years, stats.categories, stats.newest) == (0, [], [], [])
    assert render_stats(stats, color=False) == "0 papers (0 entries in 0 indexes)\n"


# Rendering


def synthetic(**counts: int) -> Stats:
    return Stats(
        indexes=["README.md"],
        entries=9,
        papers=9,
        with_note=0,
        with_figures=0,
        with_summary=0,
        open_todos=0,
        undated=0,
        no_venue=9,
        years=[YearCount(year=year, papers=n) for year, n in counts.items()],
        categories=[],
        venues=[],
        newest=[],
    )


def test_bars_are_to_scale_to_an_eighth_of_a_cell() -> None:
    block = render_stats_block(synthetic(y2019=1, y2020=8))
    # The longest bar is 30 cells; 1/8 of it is 3.75 cells: 3 full blocks and a three-quarter block.
    assert block[-3:] == ["y2019  ███▊" + " " * 26 + "  1", "y2020  " + "█" * 30 + "  8", "```"]


def test_a_count_never_shows_an_empty_bar() -> None:
    text = render_stats(synthetic(y2019=1, y2020=1000), width=80, color=False)
    assert "  y2019  ▏" in text


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_every_line_fits_the_width_even_with_cjk_labels(own_repo: Path, width: int) -> None:
    text = render_stats(stats_of(own_repo), width=width, color=False)
    assert max(cell_len(line) for line in text.splitlines()) <= width
    assert not [line for line in text.splitlines() if line != line.rstrip()]


def test_colour_only_adds_escape_codes(seed_repo: Path) -> None:
    stats = stats_of(seed_repo)
    plain = render_stats(stats, color=False)
    coloured = render_stats(stats, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured
    assert ANSI_RE.sub("", coloured).splitlines() == [line.rstrip() for line in plain.splitlines()]


# The README block


def _toc(root: Path, **flags: bool) -> tuple[int, list[str]]:
    options = {"write": False, "check": False, "diff": False, "add": False} | flags
    result = run_toc(root, Settings(), [root / "README.md"], depth=None, **options)
    return result.exit_code, result.lines


def test_toc_write_fills_the_stats_block_and_a_second_run_finds_it_fresh(
    seed_repo: Path, golden: Golden
) -> None:
    readme = seed_repo / "README.md"
    readme.write_text(
        "# Reading notes\n\n<!-- papernotes:stats -->\n<!-- /papernotes:stats -->\n\nMore text.\n",
        encoding="utf-8",
    )
    assert _toc(seed_repo, check=True) == (
        1,
        [
            "README.md:3: stale: <!-- papernotes:stats --> out of date: paper counts changed",
            "1 block in 1 file: 1 stale",
        ],
    )
    assert _toc(seed_repo, write=True)[0] == 0
    written = readme.read_bytes()
    golden("stats/seed-readme.md", written.decode())
    assert _toc(seed_repo, check=True) == (0, ["1 block in 1 file: 1 fresh"])
    assert _toc(seed_repo, write=True)[0] == 0
    assert readme.read_bytes() == written


def test_a_stats_block_inside_an_index_does_not_change_what_it_counts(make_repo: MakeRepo) -> None:
    block = "<!-- papernotes:stats -->\n<!-- /papernotes:stats -->\n"
    bert = entry("[1810.04805 BERT](https://arxiv.org/abs/1810.04805)", "- a summary", level=3)
    index = f"# Index\n\n{block}\n## A\n\n{bert}"
    root = make_repo({"README.md": index})
    before = stats_of(root)
    assert _toc(root, write=True)[0] == 0
    after = stats_of(root)
    assert after.model_dump(exclude={"newest"}) == before.model_dump(exclude={"newest"})
    assert [p.id for p in after.newest] == [p.id for p in before.newest] == ["1810.04805"]
    assert _toc(root, check=True)[0] == 0


def test_categories_of_several_indexes_are_shown_under_each_index(make_repo: MakeRepo) -> None:
    bert = entry("[1810.04805 BERT](https://arxiv.org/abs/1810.04805)", level=3)
    gcn = entry("[1609.02907 GCN](https://arxiv.org/abs/1609.02907)", level=3)
    gat = entry("[1710.10903 GAT](https://arxiv.org/abs/1710.10903)", level=3)
    root = make_repo(
        {"notes/nlp.md": f"# NLP\n\n## 模型\n\n{bert}", "notes/graphs.md": f"# G\n\n## GNN\n\n{gcn}{gat}"}
    )
    text = render_stats(stats_of(root), width=80, color=False)
    chart = text.split("Papers per category\n")[1].split("\n\n")[0].splitlines()
    assert chart == [
        "  notes/graphs.md",
        "    GNN   " + "█" * 50 + "  2",
        "  notes/nlp.md",
        "    模型  " + "█" * 25 + " " * 25 + "  1",
    ]
