"""The one read path: bytes on disk -> a decoded, line-normalised `TextFile`.

Everything that reads a note or an index goes through `read_text`, so every command refuses the
same unsafe inputs with the same messages, and line numbers agree with markdown-it's token maps.
"""

from __future__ import annotations

import codecs
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from papernotes.errors import UnsafeInputError

MAX_BYTES: int = 5 * 1024 * 1024
MAX_LINE: int = 100_000

# Longest first, so a UTF-32-LE BOM (FF FE 00 00) is not reported as UTF-16.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


@dataclass(frozen=True, slots=True)
class TextFile:
    """A text file as read, plus what a writer needs to give it back unchanged in style."""

    path: Path
    raw: bytes
    text: str
    bom: bool
    newline: str
    mixed: bool
    final_newline: bool
    mtime_ns: int
    size: int

    def lines(self) -> list[str]:
        """The lines of `text`; ``lines()[i]`` is line ``i + 1``, as in markdown-it's token maps.

        Only "\\n" splits: U+2028, U+0085, VT and FF are ordinary characters (`str.splitlines` would
        split there). The empty string after a final newline is not a line: "a\\n" and "a" have one.
        """
        if not self.text:
            return []
        lines = self.text.split("\n")
        if self.text.endswith("\n"):
            lines.pop()
        return lines


def decode(data: bytes, path: Path | str, *, mtime_ns: int = 0) -> TextFile:
    """Decode `data` (the whole content of `path`) or raise `UnsafeInputError` saying why not."""
    if len(data) > MAX_BYTES:
        raise UnsafeInputError("larger than 5 MiB: skipped", path=path)
    for wide_bom, name in _WIDE_BOMS:
        if data.startswith(wide_bom):
            raise UnsafeInputError(f"{name} text is not supported; convert to UTF-8", path=path)
    nul = data.find(b"\x00")
    if nul != -1:
        # markdown-it would silently turn NUL into U+FFFD; a NUL almost always means a binary file.
        raise UnsafeInputError(f"binary file (NUL byte at offset {nul})", path=path, line=_line_at(data, nul))
    bom = data.startswith(codecs.BOM_UTF8)
    skip = len(codecs.BOM_UTF8) if bom else 0
    try:
        # Not "utf-8-sig": its error offsets do not count the BOM.
        decoded = str(memoryview(data)[skip:], "utf-8")
    except UnicodeDecodeError as err:
        raise _not_utf8(data, skip + err.start, path) from None
    crlf = data.count(b"\r\n")
    cr = data.count(b"\r") - crlf
    lf = data.count(b"\n") - crlf
    # The same normalisation markdown-it applies before parsing, so line numbers agree.
    text = decoded.replace("\r\n", "\n").replace("\r", "\n") if cr or crlf else decoded
    if len(text) > MAX_LINE:
        _check_line_lengths(text, path)
    return TextFile(
        path=Path(path),
        raw=data,
        text=text,
        bom=bom,
        newline=_dominant(data, lf=lf, crlf=crlf, cr=cr),
        mixed=sum(1 for count in (lf, crlf, cr) if count) > 1,
        final_newline=data.endswith((b"\n", b"\r")),
        mtime_ns=mtime_ns,
        size=len(data),
    )


def read_text(path: Path) -> TextFile:
    """Read and decode `path`; any OS failure becomes an `UnsafeInputError` naming the reason."""
    try:
        # O_NONBLOCK: opening a named pipe must not hang until some writer comes along.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            st = os.fstat(fd)
            _check_readable(st, path)
        except BaseException:
            os.close(fd)
            raise
        try:
            data = _read_all(fd, st.st_size)
        finally:
            os.close(fd)
    except OSError as err:
        raise UnsafeInputError(f"cannot read: {err.strerror or err}", path=path) from None
    return decode(data, path, mtime_ns=st.st_mtime_ns)


def _read_all(fd: int, size: int) -> bytes:
    """At most ``MAX_BYTES + 1`` bytes, in one read when the file is as long as ``fstat`` said (a buffered
    read of the cap would allocate 5 MiB for every file)."""
    chunks = [os.read(fd, size + 1)]
    total = len(chunks[0])
    # Read on after a short read, or when the file grew since fstat; stop at its end or past the cap.
    while chunks[-1] and total <= MAX_BYTES and total != size:
        chunks.append(os.read(fd, min(1 << 20, MAX_BYTES + 1 - total)))
        total += len(chunks[-1])
    return b"".join(chunks) if len(chunks) > 1 else chunks[0]


def _check_readable(st: os.stat_result, path: Path) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise UnsafeInputError("cannot read: is a directory", path=path)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeInputError("cannot read: not a regular file", path=path)
    # Checked before reading: a stray multi-GB file must not be pulled into memory.
    if st.st_size > MAX_BYTES:
        raise UnsafeInputError("larger than 5 MiB: skipped", path=path)


def _line_at(data: bytes, offset: int) -> int:
    """1-based line of byte `offset`, counting \\r\\n, lone \\r and \\n as one break each."""
    head = data[:offset]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def _not_utf8(data: bytes, offset: int, path: Path | str) -> UnsafeInputError:
    line_start = max(data.rfind(b"\n", 0, offset), data.rfind(b"\r", 0, offset)) + 1
    if line_start == 0 and data.startswith(codecs.BOM_UTF8):
        line_start = len(codecs.BOM_UTF8)
    # Everything before the first bad byte decoded fine, so this counts characters, not bytes.
    column = len(data[line_start:offset].decode("utf-8")) + 1
    return UnsafeInputError(
        f"not UTF-8: byte 0x{data[offset]:02x} at column {column} (offset {offset})",
        path=path,
        line=_line_at(data, offset),
    )


def _check_line_lengths(text: str, path: Path | str) -> None:
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE:
            raise UnsafeInputError(f"line longer than {MAX_LINE} characters: skipped", path=path, line=number)


def _dominant(data: bytes, *, lf: int, crlf: int, cr: int) -> str:
    """The most frequent ending; a tie goes to the one used first (none at all: "\\n")."""
    counts = {"\n": lf, "\r\n": crlf, "\r": cr}
    best = max(counts.values())
    if best == 0:
        return "\n"
    tied = [ending for ending, count in counts.items() if count == best]
    if len(tied) == 1:
        return tied[0]
    first_break = min(i for i in (data.find(b"\n"), data.find(b"\r")) if i != -1)
    first = "\r\n" if data[first_break : first_break + 2] == b"\r\n" else chr(data[first_break])
    # The first ending used may not be among the tied ones; then fall back to the fixed order.
    return first if first in tied else tied[0]
