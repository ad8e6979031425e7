"""Atomic writes: the destination is either the old file or the complete new one, never a part."""
import os

import pytest

from avatar.files import atomic_path, write_bytes_atomic, write_text_atomic


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if "partial" in p.name)


def test_a_writer_that_raises_leaves_no_partial_file_and_the_old_file_intact(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_path(target) as tmp:
            tmp.write_text("half of the new")
            raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_nothing_appears_at_a_new_destination_when_writing_fails(tmp_path):
    target = tmp_path / "new.txt"
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_text("part")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_the_temporary_file_is_hidden_beside_the_destination_and_keeps_its_extension(tmp_path):
    target = tmp_path / "take.wav"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".take.wav.") and tmp.suffix == ".wav"
        assert "partial" in tmp.name and tmp.exists() and not target.exists()
        tmp.write_bytes(b"RIFF")
    assert target.read_bytes() == b"RIFF" and leftovers(tmp_path) == []


def test_text_and_bytes_helpers_replace_the_file_with_the_usual_mode(tmp_path):
    target = tmp_path / "a.srt"
    assert write_text_atomic(target, "1\nä\n") == target
    assert target.read_bytes() == "1\nä\n".encode("utf-8")
    write_bytes_atomic(target, b"\x00\x01", durable=True)
    assert target.read_bytes() == b"\x00\x01"
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
    assert leftovers(tmp_path) == []
