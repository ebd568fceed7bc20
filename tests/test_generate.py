"""benchmarks/generate.py: a deterministic, well-formed synthetic repository, defective only where it says."""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from benchmarks.generate import DEFECT_KINDS, DEFECT_RULES, PNG, generate, main

from papernotes.slug import Slugger

NOTES = 60
_LINK_RE = re.compile(r"\]\((?:<([^>]+)>|([^)\s]+))\)")
_IMG_RE = re.compile(r'<img src="([^"]+)"')
_HEADING_RE = re.compile(r"^(#{1,6}) (.+)$")


def _tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _defects(root: Path) -> list[dict[str, object]]:
    loaded: list[dict[str, object]] = json.loads((root / ".defects.json").read_text(encoding="utf-8"))
    return loaded


def _is_index(root: Path, path: Path) -> bool:
    rel = path.relative_to(root).as_posix()
    return rel == "README.md" or (rel.startswith("notes/") and rel.count("/") == 1)


def _notes(root: Path) -> list[Path]:
    return [p for p in sorted(root.rglob("*.md")) if not _is_index(root, p)]


def _links(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), 1):
        for match in _LINK_RE.finditer(line):
            yield number, match.group(1) or match.group(2)
        for match in _IMG_RE.finditer(line):
            yield number, match.group(1)


def _anchors(text: str) -> set[str]:
    """GitHub anchors of a note's plain-text headings, skipping front matter and fenced code."""
    slugger, anchors, fenced = Slugger(), set(), False
    lines = text.splitlines()
    start = lines.index("---", 1) + 1 if lines and lines[0] == "---" else 0
    for line in lines[start:]:
        if line.startswith("```"):
            fenced = not fenced
        match = None if fenced else _HEADING_RE.match(line)
        if match:
            anchors.add(slugger.slug(match.group(2)))
    return anchors


# Seeds 1, 2 and 3 pick the three note layouts (checked below); 7 has both index styles.
SEEDS = (1, 2, 3, 7)


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    roots = {}
    for seed in SEEDS:
        roots[seed] = tmp_path_factory.mktemp(f"seed{seed}") / "repo"
        generate(roots[seed], NOTES, seed=seed)
    return roots


@pytest.fixture
def repo(repos: dict[int, Path]) -> Path:
    return repos[7]


def test_same_seed_same_bytes(repo: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", NOTES, seed=7)
    assert _tree_hash(tmp_path / "again") == _tree_hash(repo)


def test_seed_changes_output(repos: dict[int, Path]) -> None:
    assert len({_tree_hash(root) for root in repos.values()}) == len(SEEDS)


def test_seeds_cover_every_layout(repos: dict[int, Path]) -> None:
    assert (repos[1] / "notes/papers").is_dir()
    assert (repos[2] / "papers").is_dir()
    assert (repos[3] / "resources/notes/d0001").is_dir()


def test_counts(repo: Path) -> None:
    assert len(_notes(repo)) == NOTES
    images = list(repo.rglob("*.png"))
    assert 1.5 * NOTES < len(images) < 3.5 * NOTES
    assert all(p.read_bytes() == PNG for p in images)


def test_png_is_valid() -> None:
    assert PNG.startswith(b"\x89PNG\r\n\x1a\n")
    offset = 8
    while offset < len(PNG):
        (length,) = struct.unpack(">I", PNG[offset : offset + 4])
        kind, data = PNG[offset + 4 : offset + 8], PNG[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", PNG[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + data) == crc
        if kind == b"IDAT":
            assert zlib.decompress(data) == b"\0" * 5  # filter byte + one RGBA pixel
        offset += 12 + length
    assert kind == b"IEND"


def test_defects_point_at_existing_lines(repo: Path) -> None:
    defects = _defects(repo)
    assert {d["kind"] for d in defects} == set(DEFECT_KINDS)
    assert all(d["rule"] == DEFECT_RULES[str(d["kind"])] for d in defects)
    for defect in defects:
        path = repo / str(defect["file"])
        assert path.is_file(), defect
        line = int(str(defect["line"]))
        if path.suffix == ".md":
            assert 1 <= line <= len(path.read_text(encoding="utf-8").splitlines()), defect
        else:
            assert line == 1, defect


def test_note_sizes(repo: Path) -> None:
    planted = {str(d["file"]) for d in _defects(repo)}
    for note in _notes(repo):
        if note.relative_to(repo).as_posix() not in planted:
            assert 3 * 1024 <= note.stat().st_size <= 8 * 1024, note


@pytest.mark.parametrize("seed", SEEDS)
def test_links_resolve(repos: dict[int, Path], seed: int) -> None:
    """Every relative link off a defect line reaches a file, and its #fragment a heading of that note."""
    root = repos[seed]
    defects = _defects(root)
    planted = {(str(d["file"]), int(str(d["line"]))) for d in defects}
    # A stale TOC's whole block points at old text; a title broken over two lines leaves "...](x.md)" on the
    # second, which is no link (the heading ended the first).
    stale = {str(d["file"]) for d in defects if d["kind"] == "stale-toc"}
    not_links = {(str(d["file"]), int(str(d["line"])) + 1) for d in defects if d["kind"] == "broken-title"}
    reached: set[str] = set()
    anchors: dict[Path, set[str]] = {}
    for path in sorted(root.rglob("*.md")):
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        for line, target in _links(text):
            if "://" in target or target.startswith("/") or (rel, line) in not_links:
                continue
            file_part, _, fragment = unquote(target).partition("#")
            # normpath, not resolve(): the tree has no symbolic links, and skipping it saves system calls.
            resolved = Path(os.path.normpath(path.parent / file_part)) if file_part else path
            if _is_index(root, path) and resolved.is_file():
                reached.add(resolved.relative_to(root).as_posix())
            if (rel, line) in planted or (rel in stale and not file_part):
                continue
            assert resolved.is_file(), f"{rel}:{line}: {target}"
            if fragment and not _is_index(root, resolved):
                if resolved not in anchors:
                    anchors[resolved] = _anchors(resolved.read_text(encoding="utf-8"))
                assert fragment in anchors[resolved], f"{rel}:{line}: #{fragment} not in {resolved}"
    # Every note but the planted orphans is linked from an index; the orphans from nowhere.
    orphans = {str(d["file"]) for d in defects if d["kind"] == "orphan-note"}
    notes = {p.relative_to(root).as_posix() for p in _notes(root)}
    assert notes - reached == orphans


def test_runs_as_a_script(tmp_path: Path) -> None:
    script = Path(__file__).parents[1] / "benchmarks" / "generate.py"
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "out"), "--notes", "3", "--seed", "1"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "3 notes" in done.stderr
    assert (tmp_path / "out" / ".defects.json").is_file()


def test_cli_refuses_a_non_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main([str(out), "--notes", "3", "--seed", "1"]) == 0
    capsys.readouterr()
    assert main([str(out), "--notes", "3", "--seed", "1"]) == 1
    assert "--force" in capsys.readouterr().err
    assert main([str(out), "--notes", "4", "--seed", "1", "--force"]) == 0
    assert len(_notes(out)) == 4
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    assert main([str(foreign), "--notes", "3", "--force"]) == 1
    assert (foreign / "keep.txt").read_text() == "mine"
