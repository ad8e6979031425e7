"""Atomic file writes: write to a temporary file in the destination's folder, then ``os.replace``.

A reader (or a crash) never sees a half-written file at the destination: the data goes to a
hidden temporary file beside it (same folder, so the rename is atomic on one file system) that is
renamed onto the destination only when writing succeeded, and deleted when it failed.

This lives in ``speech`` because ``speech`` is the lowest layer (it must not import ``avatar``);
``avatar.files`` re-exports it, and avatar code imports it from there.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["atomic_path", "commit_partial", "discard_partial", "partial_path", "unwritable", "write_bytes_atomic",
           "write_text_atomic"]

PARTIAL_EXTRA = len(".") + len(".") + 8 + len(".partial")  # what partial_path adds to a name, besides its suffix


def partial_path(path: str | os.PathLike) -> Path:
    """Create (empty) and return a new hidden temporary file beside ``path``.

    Its name keeps ``path``'s extension (``.out.wav.k3j2.partial.wav``) so that writers which pick a
    format from the file name write the right one. Finish it with :func:`commit_partial` or
    :func:`discard_partial`.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".partial{path.suffix}", dir=folder)
    os.close(fd)
    return Path(tmp)


def unwritable(path: str | os.PathLike) -> str | None:
    """Why a file cannot be written at ``path`` (atomically, through :func:`partial_path`), or None.

    Checks the folder exists, the name (with the temporary name's extra characters) is not too long
    for the file system, and a file can be created there."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        return "is a folder, not a file name"
    if not folder.is_dir():
        return f"folder {folder} does not exist"
    try:
        name_max = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        name_max = 255
    if len(os.fsencode(path.name)) + PARTIAL_EXTRA + len(os.fsencode(path.suffix)) > name_max:
        return f"the file name is too long ({len(path.name)} characters; at most about {name_max - PARTIAL_EXTRA - len(path.suffix)} here)"
    try:
        fd, probe = tempfile.mkstemp(prefix=".avatar-write-test.", dir=folder)
    except OSError as exc:
        return f"cannot write in folder {folder}: {exc.strerror or exc}"
    os.close(fd)
    os.unlink(probe)
    return None


def commit_partial(tmp: str | os.PathLike, path: str | os.PathLike, *, durable: bool = False) -> Path:
    """Move a finished temporary file onto ``path`` (atomically), with the usual file mode.

    ``durable`` flushes the data to the disk first (for caches that must survive a power cut)."""
    if durable:
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600
    os.replace(tmp, path)
    return Path(path)


def discard_partial(tmp: str | os.PathLike) -> None:
    """Delete a temporary file (missing is fine)."""
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


@contextmanager
def atomic_path(path: str | os.PathLike, *, durable: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write to; on a clean exit it replaces ``path``, on an
    exception it is deleted (and ``path`` is left as it was)."""
    tmp = partial_path(path)
    try:
        yield tmp
    except BaseException:
        discard_partial(tmp)
        raise
    try:
        commit_partial(tmp, path, durable=durable)
    except BaseException:
        discard_partial(tmp)
        raise


def write_bytes_atomic(path: str | os.PathLike, data: bytes, *, durable: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path, durable=durable) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomic(path: str | os.PathLike, text: str, *, durable: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8, ``\\n`` line ends on every platform)."""
    with atomic_path(path, durable=durable) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    return Path(path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
