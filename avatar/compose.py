"""Slide + presenter frames -> full video frames, in YUV 4:2:0.

The slide is converted to YUV once; each frame only the presenter square is converted and pasted
into a reused buffer (the rest of the slide never changes within a slide).
"""
from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np

from avatar.encode import paste_rgb_into_yuv420, yuv420_from_rgb


def compose(slide_rgb: np.ndarray, presenter_frames: Iterable[np.ndarray],
            box: tuple[int, int, int, int]) -> Iterator[np.ndarray]:
    """Yield I420 frames: the slide with each presenter frame in `box` (x, y, w, h).

    The same buffer is yielded every time: consume (encode) each frame before asking for the next.
    """
    x, y, w, h = box
    buffer = yuv420_from_rgb(slide_rgb)
    for frame in presenter_frames:
        if frame.shape[:2] != (h, w):
            raise ValueError(f"presenter frame {frame.shape[1]}x{frame.shape[0]} does not fit the {w}x{h} box")
        paste_rgb_into_yuv420(buffer, frame, x, y)
        yield buffer
