"""The per-slide segment cache: each slide's video, encoded on its own, kept by a hash of
everything its frames are made from, so a render after an edit encodes only the slides that
changed and copies the others' packets into the new video.

A slide's frames depend only on the slide (its SVG images, the reveal and crossfade schedule, the
burned captions, its audio, the portrait and the presenter's placement, the seed, the encoder
settings), never on where it falls in the video: the head's sway eases to rest at each slide's
ends (avatar.motion.gestures), so a slide after an edited one keeps its frames.

Segments live in ``$AVATAR_CACHE_DIR/segments`` (the user cache dir otherwise), written to a
temporary file and renamed, and are pruned oldest first past :data:`CACHE_BYTES`.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

CACHE_BYTES = 4 << 30  # the segment cache's size limit
SEGMENT_FORMAT = 3  # bump when how a segment is encoded changes (encode.add_h264_stream's options)


def segments_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(os.environ.get("AVATAR_CACHE_DIR") or user_cache_dir("talking-avatar")) / "segments"


def segment_key(parts: dict[str, Any]) -> str:
    """A stable hash of a slide's inputs (JSON-able values; bytes are hashed)."""
    def plain(value: Any) -> Any:
        if isinstance(value, (bytes, bytearray, memoryview)):
            return hashlib.sha256(bytes(value)).hexdigest()
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, float):
            return round(value, 6)
        return value if isinstance(value, (str, int, bool, type(None))) else str(value)

    return hashlib.sha256(json.dumps(plain(parts), sort_keys=True).encode("utf-8")).hexdigest()[:40]


def cached_segment(key: str, n_frames: int) -> Path:
    """Where a slide's segment is (or will be) kept."""
    return segments_dir() / f"{key}-{n_frames}.mp4"


def touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass


def prune(limit: int = CACHE_BYTES) -> None:
    """Delete the least recently used segments until the cache is under `limit` bytes."""
    folder = segments_dir()
    try:
        entries = sorted(((p.stat().st_mtime, p.stat().st_size, p) for p in folder.glob("*.mp4")), key=lambda e: e[0])
    except OSError:
        return
    total = sum(size for _, size, _ in entries)
    for _, size, path in entries:
        if total <= limit:
            break
        try:
            path.unlink()
            total -= size
        except OSError:
            pass
