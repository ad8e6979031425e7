"""Slide + presenter frames -> full video frames, in YUV 4:2:0.

The slide is converted to YUV once; each frame only the presenter square is converted and pasted
into a reused buffer (the rest of the slide never changes within a slide).
"""
from __future__ import annotations

import itertools
from typing import Iterable, Iterator

import numpy as np

from avatar.encode import paste_rgb_into_yuv420, yuv420_from_rgb


def compose(slide: np.ndarray | Iterable[tuple[np.ndarray, bool]], presenter_frames: Iterable[np.ndarray | None],
            box: tuple[int, int, int, int] | None, *, mask: np.ndarray | None = None,
            overlay: np.ndarray | None = None) -> Iterator[np.ndarray]:
    """Yield I420 frames: the slide with each presenter frame in `box` (x, y, w, h).

    `slide` is one RGB image for every frame, or per frame ``(rgb, changed)``: the slide is
    converted to YUV again only on frames where it changed (a bullet fading in). `mask` (h, w)
    float 0..1 shows the presenter only where it is 1 (a circle), the slide elsewhere; `overlay`
    (h, w, 4) RGBA is drawn over the presenter (a lower third). With no `box` (a voice-over slide)
    the frames are the slide alone, one per item of `presenter_frames`.
    The same buffer is yielded every time: consume (encode) each frame before asking for the next.
    """
    backgrounds = itertools.repeat((slide, False)) if isinstance(slide, np.ndarray) else iter(slide)
    buffer = None
    alpha = overlay[..., 3:].astype(np.float32) / 255 if overlay is not None else None
    keep = mask[..., None].astype(np.float32) if mask is not None else None
    for frame, (rgb, changed) in zip(presenter_frames, backgrounds):
        if buffer is None or changed:
            buffer = yuv420_from_rgb(rgb)
        if box is None:
            yield buffer
            continue
        x, y, w, h = box
        if frame.shape[:2] != (h, w):
            raise ValueError(f"presenter frame {frame.shape[1]}x{frame.shape[0]} does not fit the {w}x{h} box")
        if keep is not None or alpha is not None:
            patch = frame.astype(np.float32)
            if keep is not None:
                patch = rgb[y:y + h, x:x + w] + (patch - rgb[y:y + h, x:x + w]) * keep
            if alpha is not None:
                patch += (overlay[..., :3] - patch) * alpha
            frame = np.clip(patch + 0.5, 0, 255).astype(np.uint8)
        paste_rgb_into_yuv420(buffer, frame, x, y)
        yield buffer


def circle_mask(side: int, feather: float = 1.5) -> np.ndarray:
    """(side, side) float32: 1 inside the inscribed circle, 0 outside, anti-aliased over `feather` px."""
    centre = (side - 1) / 2
    yy, xx = np.mgrid[0:side, 0:side]
    distance = np.hypot(xx - centre, yy - centre)
    return np.clip((side / 2 - distance) / feather + 0.5, 0, 1).astype(np.float32)
