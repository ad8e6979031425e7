"""Audio files a script names (recordings, a music bed): read as mono float32, with one-line errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from avatar.errors import AvatarError


def read_mono(path: str | Path, what: str = "audio file") -> tuple[np.ndarray, int]:
    """(samples, sample rate): the file's channels averaged. Raises AvatarError naming the file when
    it is missing, unreadable or empty."""
    import soundfile

    path = Path(path)
    if not path.is_file():
        raise AvatarError(path, f"{what} not found")
    try:
        samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises its own error types
        raise AvatarError(path, f"not an audio file soundfile can read ({exc.__class__.__name__})") from None
    if len(samples) == 0:
        raise AvatarError(path, f"the {what} is empty")
    return samples.mean(axis=1), int(rate)
