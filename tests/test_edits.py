"""The write path: surgical line edits, and atomic all-or-nothing writes that refuse to do harm."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from papernotes import splice
from papernotes.edits import (
    Transaction,
    clean_stale_temps,
    plan_write,
    repo_lock,
    write_cache_file,
    write_file,
)
from papernotes.errors import UnsafeInputError, WriteRefusedError
from papernotes.splice import EditIntegrityError, LineEdit, apply_edits
from papernotes.textfile import TextFile, decode, read_text


def _tf(data: bytes) -> TextFile:
    return decode(data, "notes.md")


def _temps(root: Path) -> list[Path]:
    return sorted(root.rglob("*.papernotes-*.tmp"))


# apply_edits

SPLICES = [
    # (before, edits, after)
    (b"a\nb\nc\n", [LineEdit(1, 0, ("new",))], b"new\na\nb\nc\n"),
    (b"a\nb\nc\n", [LineEdit(2, 1, ("new",))], b"a\nnew\nb\nc\n"),
    (b"a\nb\nc\n", [LineEdit(4, 3, ("new",))], b"a\nb\nc\nnew\n"),
    (b"a\nb\nc\n", [LineEdit(2, 2, ("B", "B2"))], b"a\nB\nB2\nc\n"),
    (b"a\nb\nc\n", [LineEdit(1, 1, ())], b"b\nc\n"),
    (b"a\nb\nc\n", [LineEdit(2, 2, ())], b"a\nc\n"),
    (b"a\nb\nc\n", [LineEdit(3, 3, ())], b"a\nb\n"),
    (b"a\nb\nc\n", [LineEdit(3, 3, ()), LineEdit(1, 1, ("A",))], b"A\nb\n"),
    (b"a\r\nb\r\n", [LineEdit(2, 1, ("new",))], b"a\r\nnew\r\nb\r\n"),
    (b"\xef\xbb\xbfa\nb\n", [LineEdit(1, 1, ("A",))], b"\xef\xbb\xbfA\nb\n"),
    # Mixed files stay mixed: a replaced line keeps its ending, an inserted one gets the dominant.
    (b"a\nb\r\nc\n", [LineEdit(2, 2, ("B",))], b"a\nB\r\nc\n"),
    (b"a\nb\r\nc\n", [LineEdit(3, 2, ("new",))], b"a\nb\r\nnew\nc\n"),
    # Without a final newline, the file still ends without one.
    (b"a\nb", [LineEdit(2, 2, ("B",))], b"a\nB"),
    (b"a\nb", [LineEdit(3, 2, ("new",))], b"a\nb\nnew"),
    (b"a\nb", [LineEdit(2, 2, ())], b"a"),
    (b"a\r\nb", [LineEdit(2, 2, ("B", "C"))], b"a\r\nB\r\nC"),
    (b"a", [LineEdit(1, 1, ())], b""),
    (b"", [LineEdit(1, 0, ("new",))], b"new\n"),
]


@pytest.mark.parametrize(("before", "changes", "after"), SPLICES)
def test_apply_edits(before: bytes, changes: list[LineEdit], after: bytes) -> None:
    assert apply_edits(_tf(before), changes) == after


def test_insertions_at_the_same_place_go_in_the_order_given() -> None:
    changes = [LineEdit(2, 1, ("x",)), LineEdit(2, 2, ("B",)), LineEdit(2, 1, ("y",))]
    assert apply_edits(_tf(b"a\nb\n"), changes) == b"a\nx\ny\nB\n"


def test_no_edits_return_the_raw_bytes() -> None:
    tf = _tf(b"a\r\nb\nc")
    assert apply_edits(tf, []) is tf.raw


@pytest.mark.parametrize(
    "changes",
    [
        [LineEdit(1, 2, ()), LineEdit(2, 3, ())],
        [LineEdit(0, 0, ())],
        [LineEdit(2, 4, ())],
        [LineEdit(3, 1, ())],
        [LineEdit(1, 1, ("two\nlines",))],
        [LineEdit(1, 1, ("cr\r",))],
    ],
    ids=["overlap", "line-0", "past-end", "end-before-start", "lf", "cr"],
)
def test_bad_edits_are_refused(changes: list[LineEdit]) -> None:
    with pytest.raises(ValueError):
        apply_edits(_tf(b"a\nb\nc\n"), changes)


def test_a_splice_that_breaks_the_file_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulate a bug: the replacement smuggles in an extra line.
    monkeypatch.setattr(splice, "_replacement", lambda *_: [b"x\n", b"y\n"])
    with pytest.raises(EditIntegrityError):
        apply_edits(_tf(b"a\nb\nc\n"), [LineEdit(2, 2, ("B",))])


# plan_write: new text becomes the smallest line edits


def test_new_text_only_touches_the_changed_lines() -> None:
    tf = _tf(b"\xef\xbb\xbf# T\r\n\r\nkeep\nold\r\nend")
    plan = plan_write(tf.path, "# T\n\nkeep\nnew\ninserted\nend", original=tf)
    assert plan is not None
    assert plan.new == b"\xef\xbb\xbf# T\r\n\r\nkeep\nnew\r\ninserted\r\nend"


def test_new_text_decides_the_final_newline() -> None:
    tf = _tf(b"a\r\nb")
    added = plan_write(tf.path, "a\nb\n", original=tf)
    assert added is not None
    assert added.new == b"a\r\nb\r\n"
    ended = _tf(b"a\r\nb\r\n")
    removed = plan_write(ended.path, "a\nb", original=ended)
    assert removed is not None
    assert removed.new == b"a\r\nb"


def test_same_text_plans_nothing() -> None:
    tf = _tf(b"a\r\nb\nc")
    assert plan_write(tf.path, tf.text, original=tf) is None
    assert plan_write(tf.path, tf.raw, original=tf) is None


# Transaction: refusals


@pytest.fixture
def note(tmp_path: Path) -> Path:
    path = tmp_path / "note.md"
    path.write_bytes(b"# Note\r\n\r\nold\r\n")
    return path


def test_write_file_writes_and_reports_it(note: Path, tmp_path: Path) -> None:
    assert write_file(read_text(note), "# Note\n\nnew\n", root=tmp_path)
    assert note.read_bytes() == b"# Note\r\n\r\nnew\r\n"
    assert _temps(tmp_path) == []


def test_writing_the_same_text_twice_writes_once(note: Path, tmp_path: Path) -> None:
    assert write_file(read_text(note), "# Note\n\nnew\n", root=tmp_path)
    os.utime(note, ns=(1_000_000_000, 1_000_000_000))
    assert not write_file(read_text(note), "# Note\n\nnew\n", root=tmp_path)
    assert note.stat().st_mtime_ns == 1_000_000_000


def test_permissions_are_kept(note: Path, tmp_path: Path) -> None:
    note.chmod(0o640)
    write_file(read_text(note), "changed\n", root=tmp_path)
    assert stat.S_IMODE(note.stat().st_mode) == 0o640


def test_read_only_file_is_refused_even_for_root(note: Path, tmp_path: Path) -> None:
    note.chmod(0o444)
    with pytest.raises(WriteRefusedError) as caught:
        write_file(read_text(note), "changed\n", root=tmp_path)
    assert str(caught.value) == f"{note}: is read-only; not writing it"
    assert note.read_bytes() == b"# Note\r\n\r\nold\r\n"


def test_read_only_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "a.md").write_text("a\n")
    tf = read_text(folder / "a.md")
    folder.chmod(0o555)
    with pytest.raises(WriteRefusedError, match=r"folder .*papers is not writable"):
        write_file(tf, "b\n", root=tmp_path)
    folder.chmod(0o755)
    assert (folder / "a.md").read_text() == "a\n"


def test_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("theirs\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "link.md").symlink_to(outside)
    with pytest.raises(WriteRefusedError) as caught:
        write_file(read_text(repo / "link.md"), "mine\n", root=repo)
    assert str(caught.value) == f"{repo / 'link.md'}: symlink leads outside the repository"
    assert outside.read_text() == "theirs\n"


def test_symlink_inside_the_repository_is_written_through(note: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.md"
    link.symlink_to("note.md")
    assert write_file(read_text(link), "through\n", root=tmp_path)
    assert link.is_symlink()
    assert note.read_bytes() == b"through\r\n"


@pytest.mark.parametrize(
    "meanwhile",
    [
        lambda path: path.write_bytes(b"# Note\r\n\r\nedited by hand\r\n"),
        lambda path: path.write_bytes(b"# Note\r\n\r\nOLD\r\n"),  # same size
        lambda path: os.utime(path, ns=(1, 1)),  # same bytes, touched
        lambda path: path.unlink(),
    ],
    ids=["edited", "same-size", "touched", "deleted"],
)
def test_a_file_changed_since_it_was_read_is_refused(
    meanwhile: Callable[[Path], object], note: Path, tmp_path: Path
) -> None:
    tf = read_text(note)
    meanwhile(note)
    with pytest.raises(WriteRefusedError, match="changed since it was read"):
        write_file(tf, "mine\n", root=tmp_path)


def test_cr_only_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old-mac.md"
    path.write_bytes(b"# A\r\rtext\r")
    with pytest.raises(UnsafeInputError, match="uses CR-only line endings; convert the file first"):
        write_file(read_text(path), "# B\n", root=tmp_path)
    assert path.read_bytes() == b"# A\r\rtext\r"


@pytest.mark.parametrize("raw", [b"a\rb\n", b"a\nb\rc\n"], ids=["cr-only", "one-lone-cr"])
def test_lone_cr_is_refused_before_splicing(raw: bytes) -> None:
    # "x\r" followed by a new empty "\n" line would silently become one CRLF line.
    with pytest.raises(UnsafeInputError, match="CR-only line endings"):
        apply_edits(_tf(raw), [LineEdit(2, 1, ("",))])


def test_create_refuses_to_clobber(note: Path, tmp_path: Path) -> None:
    with pytest.raises(WriteRefusedError, match="already exists; not overwriting it"):
        Transaction(tmp_path).create(note, b"mine\n")


def test_create_refuses_a_file_that_appeared_before_commit(tmp_path: Path) -> None:
    transaction = Transaction(tmp_path)
    transaction.create(tmp_path / "new.md", b"mine\n")
    (tmp_path / "new.md").write_text("theirs\n")
    with pytest.raises(WriteRefusedError, match="already exists"):
        transaction.commit()
    assert (tmp_path / "new.md").read_text() == "theirs\n"


def test_create_makes_missing_folders(tmp_path: Path) -> None:
    transaction = Transaction(tmp_path)
    transaction.create(tmp_path / "papers" / "2024" / "new.md", "# New\n")
    assert transaction.commit() == [tmp_path / "papers" / "2024" / "new.md"]
    assert (tmp_path / "papers" / "2024" / "new.md").read_bytes() == b"# New\n"


def test_reparse_sees_every_new_text_and_can_veto(note: Path, tmp_path: Path) -> None:
    transaction = Transaction(tmp_path)
    transaction.replace(read_text(note), "# Note\n\nnew\n")
    transaction.create(tmp_path / "new.md", "# New\n")
    seen: list[str] = []

    def reparse(text: str) -> None:
        seen.append(text)
        if text.startswith("# New"):
            raise ValueError("does not parse")

    with pytest.raises(ValueError, match="does not parse"):
        transaction.commit(reparse=reparse)
    assert seen == ["# Note\n\nnew\n", "# New\n"]
    assert note.read_bytes() == b"# Note\r\n\r\nold\r\n"
    assert not (tmp_path / "new.md").exists()


# Transaction: failures halfway


def test_a_file_saved_while_writing_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_bytes(b"a\n")
    (tmp_path / "b.md").write_bytes(b"b\n")
    transaction = Transaction(tmp_path)
    transaction.replace(read_text(tmp_path / "a.md"), "A\n")
    transaction.replace(read_text(tmp_path / "b.md"), "B\n")

    def editor_saves_b(text: str) -> None:  # runs after the first checks, before any write
        (tmp_path / "b.md").write_bytes(b"saved by the editor\n")

    with pytest.raises(WriteRefusedError, match="changed while papernotes was writing"):
        transaction.commit(reparse=editor_saves_b)
    assert (tmp_path / "a.md").read_bytes() == b"a\n"
    assert (tmp_path / "b.md").read_bytes() == b"saved by the editor\n"
    assert _temps(tmp_path) == []


@pytest.mark.parametrize("call", ["write", "fsync"])
def test_disk_full_leaves_the_original_and_no_temp(
    call: str, note: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = os.write

    def half_then_full(fd: int, data: bytes) -> int:
        if len(data) > 100:
            return real_write(fd, data[:100])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    tf = read_text(note)
    with monkeypatch.context() as patch:
        patch.setattr(os, call, half_then_full if call == "write" else full)
        with pytest.raises(WriteRefusedError) as caught:
            write_file(tf, "a much longer new text\n" * 10, root=tmp_path)
    assert caught.value.message == f"could not write: {os.strerror(errno.ENOSPC)}; no file was changed"
    assert note.read_bytes() == b"# Note\r\n\r\nold\r\n"
    assert _temps(tmp_path) == []


def _fail_replaces(monkeypatch: pytest.MonkeyPatch, failing: Callable[[int], bool]) -> None:
    real_replace = os.replace
    calls = 0

    def replace(src: str | Path, dst: str | Path) -> None:
        nonlocal calls
        calls += 1
        if failing(calls):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def test_a_failed_second_replace_rolls_the_first_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.md").write_bytes(b"a\n")
    (tmp_path / "b.md").write_bytes(b"b\n")
    transaction = Transaction(tmp_path)
    transaction.replace(read_text(tmp_path / "a.md"), "A\n")
    transaction.replace(read_text(tmp_path / "b.md"), "B\n")
    transaction.create(tmp_path / "new" / "c.md", "C\n")
    _fail_replaces(monkeypatch, lambda call: call == 2)
    with pytest.raises(WriteRefusedError) as caught:
        transaction.commit()
    assert caught.value.message == f"could not write: {os.strerror(errno.EIO)}; no file was changed"
    assert caught.value.path == str(tmp_path / "b.md")
    assert (tmp_path / "a.md").read_bytes() == b"a\n"
    assert (tmp_path / "b.md").read_bytes() == b"b\n"
    assert not (tmp_path / "new").exists()
    assert _temps(tmp_path) == []


def test_ctrl_c_between_replaces_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.md").write_bytes(b"a\n")
    (tmp_path / "b.md").write_bytes(b"b\n")
    transaction = Transaction(tmp_path)
    transaction.replace(read_text(tmp_path / "a.md"), "A\n")
    transaction.replace(read_text(tmp_path / "b.md"), "B\n")
    real_replace = os.replace

    def interrupt_the_second(src: str | Path, dst: str | Path) -> None:
        if Path(dst).name == "b.md":
            monkeypatch.setattr(os, "replace", real_replace)  # the rollback may replace again
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", interrupt_the_second)
    with pytest.raises(KeyboardInterrupt):
        transaction.commit()
    assert (tmp_path / "a.md").read_bytes() == b"a\n"
    assert (tmp_path / "b.md").read_bytes() == b"b\n"
    assert _temps(tmp_path) == []


def test_a_failed_rollback_names_the_files_left_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.md").write_bytes(b"a\n")
    (tmp_path / "b.md").write_bytes(b"b\n")
    transaction = Transaction(tmp_path)
    transaction.replace(read_text(tmp_path / "a.md"), "A\n")
    transaction.replace(read_text(tmp_path / "b.md"), "B\n")
    _fail_replaces(monkeypatch, lambda call: call >= 2)
    with pytest.raises(WriteRefusedError) as caught:
        transaction.commit()
    assert caught.value.message.endswith(f"; could not restore {tmp_path / 'a.md'}")
    assert (tmp_path / "a.md").read_bytes() == b"A\n"
    assert _temps(tmp_path) == []


def test_a_failed_create_removes_the_files_already_created(
    note: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    transaction = Transaction(tmp_path)
    transaction.create(tmp_path / "papers" / "new.md", "# New\n")
    transaction.replace(read_text(note), "changed\n")
    _fail_replaces(monkeypatch, lambda call: True)
    with pytest.raises(WriteRefusedError, match="no file was changed"):
        transaction.commit()
    assert not (tmp_path / "papers").exists()
    assert note.read_bytes() == b"# Note\r\n\r\nold\r\n"


# Transaction: diff, temps, lock


def test_diff_shows_everything_staged_relative_to_the_root(note: Path, tmp_path: Path) -> None:
    transaction = Transaction(tmp_path)
    transaction.replace(read_text(note), "# Note\n\nnew")
    transaction.create(tmp_path / "papers" / "b.md", "# B\n")
    assert transaction.diff() == (
        "--- a/note.md\n"
        "+++ b/note.md\n"
        "@@ -1,3 +1,3 @@\n"
        " # Note\n"
        " \n"
        "-old\n"
        "+new\n"
        "\\ No newline at end of file\n"
        "--- /dev/null\n"
        "+++ b/papers/b.md\n"
        "@@ -0,0 +1 @@\n"
        "+# B\n"
    )
    assert note.read_bytes() == b"# Note\r\n\r\nold\r\n"


def test_nothing_staged_commits_nothing(note: Path, tmp_path: Path) -> None:
    transaction = Transaction(tmp_path)
    transaction.replace(read_text(note), read_text(note).text)
    assert transaction.diff() == ""
    assert transaction.commit() == []


def test_write_cache_file_replaces_atomically_and_tolerates_a_read_only_repo(tmp_path: Path) -> None:
    assert write_cache_file(tmp_path, "lint.marshal", b"one")
    assert write_cache_file(tmp_path, "lint.marshal", b"two")
    assert (tmp_path / ".papernotes_cache" / "lint.marshal").read_bytes() == b"two"
    with pytest.MonkeyPatch.context() as patch:  # a read-only filesystem
        patch.setattr(os, "open", _raise(errno.EROFS))
        assert not write_cache_file(tmp_path, "lint.marshal", b"three")
    assert (tmp_path / ".papernotes_cache" / "lint.marshal").read_bytes() == b"two"
    assert _temps(tmp_path) == []


def _raise(code: int) -> Callable[..., NoReturn]:
    def fail(*args: object, **kwargs: object) -> NoReturn:
        raise OSError(code, os.strerror(code))

    return fail


def test_clean_stale_temps_knows_the_names_the_writer_uses(
    note: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace
    temps: list[Path] = []

    def replace(src: str | Path, dst: str | Path) -> None:
        temps.append(Path(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    write_file(read_text(note), "changed\n", root=tmp_path)
    temps[0].write_text("as if papernotes was killed before the replace")
    assert clean_stale_temps(tmp_path) == 1
    assert not temps[0].exists()


def test_clean_stale_temps_removes_only_our_leftovers(tmp_path: Path) -> None:
    (tmp_path / "papers").mkdir()
    leftover = tmp_path / "papers" / ".note.md.papernotes-0123456789ab.tmp"
    leftover.write_text("half")
    lookalike = tmp_path / "papers" / ".note.md.papernotes-mine.tmp"
    lookalike.write_text("user's")
    assert clean_stale_temps(tmp_path) == 1
    assert not leftover.exists()
    assert lookalike.exists()


def test_repo_lock_marks_its_folder_as_an_ignored_cache(tmp_path: Path) -> None:
    with repo_lock(tmp_path):
        cache = tmp_path / ".papernotes_cache"
        assert (cache / ".gitignore").read_text() == "*\n"
        assert (
            (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55\n")
        )


def test_a_second_writer_times_out_with_a_clear_message(tmp_path: Path) -> None:
    second = repo_lock(tmp_path, timeout=0.05)
    with repo_lock(tmp_path), pytest.raises(WriteRefusedError) as caught, second:
        pass
    assert caught.value.message == "another papernotes command is writing in this repository; try again"
    with repo_lock(tmp_path, timeout=0.05):  # released: free again
        pass


# Properties

_LINE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"), max_size=8)
_LINES = st.lists(_LINE, max_size=3).map(tuple)


@st.composite
def _edits(draw: st.DrawFn, count: int) -> list[LineEdit]:
    """Random non-overlapping edits of a file with `count` lines."""
    out = []
    position = 1
    while position <= count + 1 and draw(st.booleans()):
        start = draw(st.integers(position, count + 1))
        end = draw(st.integers(start - 1, count))
        out.append(LineEdit(start, end, draw(_LINES)))
        position = max(end + 1, start + 1)
    return out


def _inverse(changes: list[LineEdit], old_lines: list[str]) -> list[LineEdit]:
    inverse = []
    shift = 0
    for edit in sorted(changes, key=lambda edit: edit.start):
        start = edit.start + shift
        old = tuple(old_lines[edit.start - 1 : edit.end])
        inverse.append(LineEdit(start, start + len(edit.lines) - 1, old))
        shift += len(edit.lines) - (edit.end - edit.start + 1)
    return inverse


@given(
    lines=st.lists(_LINE, max_size=8),
    newline=st.sampled_from(["\n", "\r\n"]),
    final_newline=st.booleans(),
    bom=st.booleans(),
    data=st.data(),
)
def test_edits_change_only_their_lines_and_can_be_undone(
    lines: list[str], newline: str, final_newline: bool, bom: bool, data: st.DataObject
) -> None:
    text = newline.join(lines) + (newline if final_newline and lines else "")
    raw = ("\ufeff" if bom else "").encode() + text.encode()
    tf = _tf(raw)
    assume(tf.lines() == lines)  # "" and [""] are the same file
    changes = data.draw(_edits(len(lines)))

    new_raw = apply_edits(tf, changes)

    expected = list(lines)
    for edit in sorted(changes, key=lambda edit: edit.start, reverse=True):
        expected[edit.start - 1 : edit.end] = edit.lines
    # An empty file gets ended lines; an empty last line needs its ending to exist at all.
    ends = final_newline or not lines or expected[-1:] == [""]
    ending = tf.newline  # differs from `newline` only when the file has no line ending yet
    body = ending.join(expected) + (ending if ends and expected else "")
    assert new_raw == raw[: 3 if bom else 0] + body.encode()
    # Undoing restores the bytes unless the result lost what "no final newline" or the line
    # ending style could be told by (no lines, an empty last line, no line ending at all).
    assume(tf.final_newline or not lines or expected[-1:] not in ([], [""]))
    assume(b"\n" in new_raw or b"\n" not in raw)
    assert apply_edits(_tf(new_raw), _inverse(changes, lines)) == raw


# Lone CRs are refused before splicing (see test_lone_cr_is_refused_before_splicing).
_ENDING = st.sampled_from([b"\n", b"\r\n"])


@given(
    raw_lines=st.lists(st.tuples(_LINE, _ENDING), max_size=8),
    final_newline=st.booleans(),
    data=st.data(),
)
def test_mixed_files_keep_every_untouched_line_byte_for_byte(
    raw_lines: list[tuple[str, bytes]], final_newline: bool, data: st.DataObject
) -> None:
    chunks = [line.encode() + ending for line, ending in raw_lines]
    if chunks and not final_newline:
        chunks[-1] = raw_lines[-1][0].encode()
    tf = _tf(b"".join(chunks))
    assume(len(tf.lines()) == len(chunks))
    changes = data.draw(_edits(len(chunks)))

    new_chunks = _tf(apply_edits(tf, changes)).raw.splitlines(keepends=True)

    touched = {i for edit in changes for i in range(edit.start - 1, edit.end)}
    for index, chunk in enumerate(chunks):
        if index in touched:
            continue
        # Lines move by what the edits before them added or removed.
        shift = sum(len(e.lines) - (e.end - e.start + 1) for e in changes if e.end <= index)
        moved = new_chunks[index + shift]
        is_last = index == len(chunks) - 1 or index + shift == len(new_chunks) - 1
        if is_last and not final_newline:
            assert moved.rstrip(b"\r\n") == chunk.rstrip(b"\r\n")
        else:
            assert moved == chunk
