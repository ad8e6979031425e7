"""Slide + presenter frames -> full video frames, in YUV 4:2:0.

The slide is converted to YUV once; each frame only the presenter square is converted and pasted
into a reused buffer (the rest of the slide never changes within a slide).
"""
from __future__ import annotations

import itertools
from typing import Iterable, Iterator

import numpy as np

from avatar.encode import paste_rgb_into_yuv420, yuv420_from_rgb


def compose(slide: np.ndarray | Iterable[tuple[np.ndarray, bool]], presenter_frames: Iterable[np.ndarray],
            box: tuple[int, int, int, int]) -> Iterator[np.ndarray]:
    """Yield I420 frames: the slide with each presenter frame in `box` (x, y, w, h).

    `slide` is one RGB image for every frame, or per frame ``(rgb, changed)``: the slide is
    converted to YUV again only on frames where it changed (a bullet fading in).
    The same buffer is yielded every time: consume (encode) each frame before asking for the next.
    """
    x, y, w, h = box
    backgrounds = itertools.repeat((slide, False)) if isinstance(slide, np.ndarray) else iter(slide)
    buffer = None
    for frame, (rgb, changed) in zip(presenter_frames, backgrounds):
        if frame.shape[:2] != (h, w):
            raise ValueError(f"presenter frame {frame.shape[1]}x{frame.shape[0]} does not fit the {w}x{h} box")
        if buffer is None or changed:
            buffer = yuv420_from_rgb(rgb)
        paste_rgb_into_yuv420(buffer, frame, x, y)
        yield buffer
