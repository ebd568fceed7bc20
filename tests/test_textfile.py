"""The read path: what `decode` and `read_text` accept, refuse, and how they number lines."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from papernotes.errors import UnsafeInputError
from papernotes.textfile import MAX_BYTES, MAX_LINE, decode, read_text


def test_plain_utf8_file() -> None:
    tf = decode("# Notes\n\n- 論文\n".encode(), "notes.md")
    assert tf.text == "# Notes\n\n- 論文\n"
    assert tf.lines() == ["# Notes", "", "- 論文"]
    assert (tf.bom, tf.newline, tf.mixed, tf.final_newline) == (False, "\n", False, True)
    assert tf.path == Path("notes.md")


def test_bom_is_removed_from_text_and_remembered() -> None:
    tf = decode(b"\xef\xbb\xbf# Notes\n", "notes.md")
    assert tf.text == "# Notes\n"
    assert tf.bom
    assert tf.raw == b"\xef\xbb\xbf# Notes\n"


def test_crlf_is_normalised_and_remembered() -> None:
    tf = decode(b"a\r\nb\r\n", "notes.md")
    assert tf.text == "a\nb\n"
    assert (tf.newline, tf.mixed) == ("\r\n", False)


def test_mixed_endings_keep_the_most_frequent_one() -> None:
    tf = decode(b"a\nb\r\nc\r\nd\re", "notes.md")
    assert tf.text == "a\nb\nc\nd\ne"
    assert tf.lines() == ["a", "b", "c", "d", "e"]
    assert (tf.newline, tf.mixed, tf.final_newline) == ("\r\n", True, False)


def test_a_tie_between_endings_goes_to_the_first_used() -> None:
    assert decode(b"a\r\nb\nc", "notes.md").newline == "\r\n"
    assert decode(b"a\nb\r\nc", "notes.md").newline == "\n"


def test_no_final_newline() -> None:
    tf = decode(b"a\nb", "notes.md")
    assert not tf.final_newline
    assert tf.lines() == ["a", "b"]


def test_empty_file_has_no_lines() -> None:
    tf = decode(b"", "notes.md")
    assert tf.lines() == []
    assert tf.newline == "\n"


def test_cr_only_files_are_readable() -> None:
    tf = decode(b"# A\r\rtext\r", "notes.md")
    assert tf.lines() == ["# A", "", "text"]
    assert tf.newline == "\r"


def test_line_numbers_agree_with_markdown_it() -> None:
    # U+2028, U+0085, VT and FF are line breaks for str.splitlines(), but not for markdown-it.
    raw = "# Title\u2028more\n\npara\x0cgraph\u0085x\x0by\r\n\r\n- item\rnext\n".encode()
    tf = decode(raw, "notes.md")
    opened = [
        (token.type, tf.lines()[token.map[0]])
        for token in MarkdownIt().parse(raw.decode())
        if token.map and token.nesting == 1
    ]
    assert opened == [
        ("heading_open", "# Title\u2028more"),
        ("paragraph_open", "para\x0cgraph\u0085x\x0by"),
        ("bullet_list_open", "- item"),
        ("list_item_open", "- item"),
        ("paragraph_open", "- item"),
    ]
    assert tf.text.splitlines() != tf.lines()


def test_nul_byte_means_binary() -> None:
    with pytest.raises(UnsafeInputError) as caught:
        decode(b"# A\r\nok\nPNG\x00\x01", "figure.md")
    assert str(caught.value) == "figure.md:3: binary file (NUL byte at offset 11)"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("# A\n".encode("utf-16"), "UTF-16"),
        ("# A\n".encode("utf-16-be"), None),  # no BOM: the NUL bytes give it away
        ("# A\n".encode("utf-32"), "UTF-32"),
    ],
)
def test_utf16_and_utf32_are_refused(data: bytes, encoding: str | None) -> None:
    with pytest.raises(UnsafeInputError) as caught:
        decode(data, "notes.md")
    if encoding:
        assert caught.value.message == f"{encoding} text is not supported; convert to UTF-8"
    else:
        assert caught.value.message.startswith("binary file")


def test_invalid_utf8_names_line_column_offset_and_byte() -> None:
    with pytest.raises(UnsafeInputError) as caught:
        decode(b"# A\r\n\nabcdef\xff rest\n", "notes.md")
    assert str(caught.value) == "notes.md:3: not UTF-8: byte 0xff at column 7 (offset 12)"
    assert caught.value.line == 3


def test_invalid_utf8_offset_counts_the_bom() -> None:
    with pytest.raises(UnsafeInputError) as caught:
        decode(b"\xef\xbb\xbfab\xff\n", "notes.md")
    assert str(caught.value) == "notes.md:1: not UTF-8: byte 0xff at column 3 (offset 5)"


def test_invalid_utf8_column_counts_characters() -> None:
    # A Latin-1 "é" after a UTF-8 "論" (3 bytes): column 2, offset 3.
    with pytest.raises(UnsafeInputError) as caught:
        decode("論".encode() + b"\xe9t\xe9\n", "notes.md")
    assert caught.value.message == "not UTF-8: byte 0xe9 at column 2 (offset 3)"


def test_too_large_is_skipped() -> None:
    with pytest.raises(UnsafeInputError, match=r"larger than 5 MiB: skipped"):
        decode(b"a" * (MAX_BYTES + 1), "big.md")


def test_too_long_line_is_skipped() -> None:
    with pytest.raises(UnsafeInputError) as caught:
        decode(b"short\n" + b"x" * (MAX_LINE + 1) + b"\n", "long.md")
    assert str(caught.value) == f"long.md:2: line longer than {MAX_LINE} characters: skipped"


def test_read_text_records_what_a_writer_needs(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_bytes(b"a\r\nb")
    tf = read_text(path)
    assert (tf.raw, tf.size, tf.mtime_ns) == (b"a\r\nb", 4, path.stat().st_mtime_ns)


def test_read_text_refuses_a_huge_file_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "big.md"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: costs no disk space
    with pytest.raises(UnsafeInputError, match=r"larger than 5 MiB: skipped"):
        read_text(path)


def _loop(tmp_path: Path) -> Path:
    (tmp_path / "a.md").symlink_to(tmp_path / "b.md")
    (tmp_path / "b.md").symlink_to(tmp_path / "a.md")
    return tmp_path / "a.md"


def _fifo(tmp_path: Path) -> Path:
    os.mkfifo(tmp_path / "pipe.md")  # reading it must not hang
    return tmp_path / "pipe.md"


def _broken(tmp_path: Path) -> Path:
    (tmp_path / "link.md").symlink_to(tmp_path / "gone.md")
    return tmp_path / "link.md"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda tmp: tmp, "is a directory"),
        (_fifo, "not a regular file"),
        (lambda tmp: tmp / "missing.md", "No such file or directory"),
        (_broken, "No such file or directory"),
        (_loop, "Too many levels of symbolic links"),
    ],
    ids=["directory", "fifo", "missing", "broken-symlink", "symlink-loop"],
)
def test_read_text_turns_os_errors_into_messages(
    make: Callable[[Path], Path], reason: str, tmp_path: Path
) -> None:
    path = make(tmp_path)
    with pytest.raises(UnsafeInputError) as caught:
        read_text(path)
    assert str(caught.value) == f"{path}: cannot read: {reason}"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_read_text_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "secret.md"
    path.write_text("x")
    path.chmod(0)
    with pytest.raises(UnsafeInputError, match="Permission denied"):
        read_text(path)
