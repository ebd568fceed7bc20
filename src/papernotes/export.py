"""Entries -> JSON / JSONL / CSV / BibTeX text. Pure: returns strings.

The JSON object of an entry is the public contract of ``list`` and ``export`` (documented in the README).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from papernotes.model import Entry

__all__ = ["entry_json", "to_bibtex", "to_csv", "to_json", "to_jsonl"]

CSV_COLUMNS = (
    "id",
    "version",
    "doi",
    "date",
    "title",
    "venue",
    "category",
    "note",
    "urls",
    "todo",
    "file",
    "line",
    "in_conflict",
)


def entry_json(entry: Entry) -> dict[str, Any]:
    arxiv = entry.arxiv
    doi = entry.doi
    return {
        "id": arxiv.value if arxiv else None,
        "version": arxiv.version if arxiv else None,
        "doi": doi.value if doi else None,
        "ids": [i.key for i in entry.ids],
        "date": entry.date,
        "title": entry.title,
        "translation": entry.translation,
        "venue": entry.venue,
        "category": list(entry.category),
        "note": entry.note,
        "urls": list(entry.urls),
        "bullets": [{"text": b.text, "depth": b.depth} for b in entry.bullets],
        "figures": [f.src for f in entry.figures],
        "todo": entry.todo,
        "file": entry.span.file,
        "line": entry.span.line,
        "in_conflict": entry.in_conflict,
        "conflict_side": entry.conflict,
    }


def to_json(entries: Iterable[Entry]) -> str:
    return json.dumps([entry_json(e) for e in entries], ensure_ascii=False, indent=2) + "\n"


def to_jsonl(entries: Iterable[Entry]) -> str:
    return "".join(json.dumps(entry_json(e), ensure_ascii=False) + "\n" for e in entries)


def to_csv(entries: Iterable[Entry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        row = entry_json(entry)
        writer.writerow(
            [
                row["id"] or "",
                row["version"] or "",
                row["doi"] or "",
                row["date"] or "",
                row["title"],
                row["venue"] or "",
                " / ".join(row["category"]),
                row["note"] or "",
                " ".join(row["urls"]),
                row["todo"] or "",
                row["file"],
                row["line"],
                "true" if row["in_conflict"] else "false",
            ]
        )
    return out.getvalue()


# -- BibTeX ------------------------------------------------------------------------------------------

_BIB_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_STOPWORDS = {"a", "an", "the", "on", "of", "for", "to", "in", "and", "is", "are", "with", "via"}


def bib_escape(text: str) -> str:
    return "".join(_BIB_SPECIAL.get(ch, ch) for ch in text)


def _key_base(entry: Entry) -> str:
    ascii_title = unicodedata.normalize("NFKD", entry.title).encode("ascii", "ignore").decode()
    words = [w.lower() for w in re.findall(r"[A-Za-z0-9]+", ascii_title)]
    word = next((w for w in words if w not in _STOPWORDS), "paper")
    year = (entry.date or "")[:4] or "nd"
    return f"{word}{year}"


def to_bibtex(entries: Sequence[Entry]) -> str:
    used: dict[str, int] = {}
    chunks: list[str] = []
    for entry in entries:
        base = _key_base(entry)
        count = used.get(base, 0)
        used[base] = count + 1
        key = base if count == 0 else f"{base}{_suffix(count)}"
        fields: list[tuple[str, str]] = [("title", "{" + bib_escape(entry.title) + "}")]
        if entry.date:
            fields.append(("year", entry.date[:4]))
            if len(entry.date) >= 7:
                fields.append(("month", _MONTHS[int(entry.date[5:7]) - 1]))
        arxiv = entry.arxiv
        if arxiv is not None:
            fields += [
                ("eprint", "{" + arxiv.value + "}"),
                ("archivePrefix", "{arXiv}"),
            ]
            if "/" in arxiv.value:
                fields.append(("primaryClass", "{" + arxiv.value.split("/", 1)[0] + "}"))
            fields.append(("url", "{https://arxiv.org/abs/" + arxiv.value + "}"))
        elif entry.urls:
            fields.append(("url", "{" + _url_escape(entry.urls[0]) + "}"))
        doi = entry.doi
        if doi is not None:
            fields.append(("doi", "{" + bib_escape(doi.value) + "}"))
        if entry.venue:
            fields.append(("note", "{" + bib_escape(entry.venue) + "}"))
        kind = "article" if arxiv is not None or doi is not None else "misc"
        body = ",\n".join(f"  {name} = {value}" for name, value in fields)
        chunks.append(f"@{kind}{{{key},\n{body}\n}}\n")
    return "\n".join(chunks)


def _suffix(count: int) -> str:
    letters = ""
    while True:
        count, rem = divmod(count, 26)
        letters = chr(ord("a") + rem) + letters
        if count == 0:
            return letters
        count -= 1


def _url_escape(url: str) -> str:
    # Inside braces only unbalanced braces and % break BibTeX; percent-encode those.
    return url.replace("%", r"\%").replace("{", "%7B").replace("}", "%7D")
