"""Line edits spliced into a file's bytes as read. Pure: nothing here touches the file system.

Users' notes are precious: an edit replaces whole lines, and every byte outside the edited lines is kept,
endings included. New lines take the endings of the lines they replace, and the BOM and the final newline
(or its absence) survive. Each splice is checked afterwards, so a bug here fails loudly instead of damaging
a file. Writing the result is ``edits``' business.
"""

from __future__ import annotations

import codecs
import difflib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from papernotes.errors import UnsafeInputError
from papernotes.textfile import TextFile

__all__ = ["EditIntegrityError", "LineEdit", "apply_edits", "refuse_lone_cr", "splice_text"]


class EditIntegrityError(RuntimeError):
    """A splice changed bytes it must not touch: a bug in papernotes, never the user's fault."""


@dataclass(frozen=True, slots=True)
class LineEdit:
    """Replace lines `start`..`end` (1-based, inclusive) by `lines`; `end` = `start` - 1 inserts."""

    start: int
    end: int
    lines: tuple[str, ...] = ()


def apply_edits(tf: TextFile, edits: Sequence[LineEdit]) -> bytes:
    """Return `tf.raw` with `edits` spliced in; every byte outside the edited lines is kept.

    Replacement lines take the endings of the lines they replace, inserted lines the dominant
    ending. The BOM and the final-newline state are kept, except that a file cannot end in an
    empty line without a newline. Overlapping edits raise ValueError; insertions at the same
    place go in the order given.
    """
    bom = codecs.BOM_UTF8 if tf.bom else b""
    raw_lines = tf.raw[len(bom) :].splitlines(keepends=True)  # bytes split only at \r\n, \r, \n
    ordered = _checked(edits, len(raw_lines))
    if not ordered:
        return tf.raw
    refuse_lone_cr(tf)
    newline = tf.newline.encode()
    unterminated = bool(raw_lines) and not tf.final_newline
    if unterminated:
        # Splice as if the last line had an ending, then take the ending off the result's last
        # line: "no final newline" survives edits on, after, and deleting the last line.
        raw_lines[-1] += newline
    out = [bom]
    done = 0
    for edit in ordered:
        out += raw_lines[done : edit.start - 1]
        out += _replacement(edit, raw_lines, newline)
        done = edit.end
    out += raw_lines[done:]
    # One line holds at most one ending. An empty last line keeps it: without, it would vanish.
    if unterminated and len(out) > 1 and out[-1].rstrip(b"\r\n"):
        out[-1] = out[-1].rstrip(b"\r\n")
    result = b"".join(out)
    _verify(tf, raw_lines, ordered, result)
    return result


def splice_text(original: TextFile, text: str) -> bytes:
    """Return `original.raw` changed to read `text` by the smallest line edits, so untouched lines keep
    their bytes; the text's final newline (or none) wins. Line breaks in `text` may be of any style."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    new = text.split("\n")
    if text.endswith("\n"):
        new.pop()
    matcher = difflib.SequenceMatcher(None, original.lines(), new, autojunk=False)
    edits = [
        LineEdit(i1 + 1, i2, tuple(new[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]
    data = apply_edits(original, edits)
    ending = _ending(data)
    if new and text.endswith("\n") and not ending:
        return data + original.newline.encode()
    if new and not text.endswith("\n") and ending:
        return data[: -len(ending)]
    return data


def refuse_lone_cr(tf: TextFile) -> None:
    """Raise UnsafeInputError for a file with CR-only line endings: papernotes never edits those."""
    # Git, diff and most editors mishandle CR line endings, and a splice could merge a line ending
    # in a lone CR with a following empty "\n" line into one CRLF line.
    if tf.raw.count(b"\r") != tf.raw.count(b"\r\n"):
        where = "" if tf.newline == "\r" else " on some lines"
        raise UnsafeInputError(f"uses CR-only line endings{where}; convert the file first", path=tf.path)


def _checked(edits: Sequence[LineEdit], count: int) -> list[LineEdit]:
    # A stable sort: insertions at the same place go in the order given.
    ordered = sorted(edits, key=lambda edit: (edit.start, edit.end))
    for edit in ordered:
        if not (1 <= edit.start <= count + 1 and edit.start - 1 <= edit.end <= count):
            raise ValueError(f"{edit} is outside lines 1..{count}")
        if any("\n" in line or "\r" in line for line in edit.lines):
            raise ValueError(f"{edit} has a line break inside a line")
    ordered = [edit for edit in ordered if edit.lines or edit.end >= edit.start]
    for before, after in itertools.pairwise(ordered):
        if after.start <= before.end:
            raise ValueError(f"overlapping edits: {before} and {after}")
    return ordered


def _replacement(edit: LineEdit, raw_lines: list[bytes], newline: bytes) -> list[bytes]:
    first = edit.start - 1  # 0-based
    out = []
    for offset, line in enumerate(edit.lines):
        # The n-th new line takes the ending of the n-th replaced line (extra ones: of the last).
        index = min(first + offset, edit.end - 1)
        out.append(line.encode() + (_ending(raw_lines[index]) if index >= first else newline))
    return out


def _ending(line: bytes) -> bytes:
    if line.endswith(b"\r\n"):
        return b"\r\n"
    return line[-1:] if line.endswith((b"\n", b"\r")) else b""


def _verify(tf: TextFile, raw_lines: list[bytes], ordered: list[LineEdit], result: bytes) -> None:
    """Guard against our own bugs: bytes around the edits and the line count must come out right."""
    bom = len(codecs.BOM_UTF8) if tf.bom else 0
    # Slicing clamps, so the ending apply_edits added to an unterminated last line never counts.
    head = tf.raw[: bom + sum(map(len, raw_lines[: ordered[0].start - 1]))]
    tail = tf.raw[bom + sum(map(len, raw_lines[: ordered[-1].end])) :]
    if not tail and raw_lines and not tf.final_newline:
        head = head[: len(head) - len(_ending(head))]  # head's last line may now be the last
    expected = len(raw_lines) + sum(len(e.lines) - (e.end - e.start + 1) for e in ordered)
    if not (
        result.startswith(head)
        and result.endswith(tail)
        and len(result) >= len(head) + len(tail)
        and len(result[bom:].splitlines()) == expected
    ):
        raise EditIntegrityError(f"{tf.path}: splicing {ordered} went wrong; nothing was written")
