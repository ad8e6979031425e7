"""The slow zoom of image slides (the Ken Burns move without the pan): the picture grows inside its
frame over the slide, eased at both ends, while the frame, the text and the presenter stay put.

The layouts mark the picture they draw (`class="slide-picture"`, with `data-frame="x y w h r"`:
its box and corner radius in pixels); :func:`picture_frame` finds it in a slide's SVG, and
:func:`zoomed` scales that box's pixels in each background frame.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

_MARK = re.compile(r'class="slide-picture" data-frame="(\d+) (\d+) (\d+) (\d+) ([\d.]+)"')
_INSET = 1  # px kept from the still picture inside the frame's edge: the rule drawn over it


@dataclass(frozen=True)
class Frame:
    """Where a slide's picture is, in pixels: its box and the corner radius of its clip."""

    x: int
    y: int
    w: int
    h: int
    radius: float


def picture_frame(svg: str) -> Frame | None:
    """The box of the picture a slide's SVG draws, or None when it has none."""
    match = _MARK.search(svg)
    if not match:
        return None
    x, y, w, h = (int(v) for v in match.groups()[:4])
    return Frame(x, y, w, h, float(match.group(5)))


def scale_at(k: int, n_frames: int, amount: float) -> float:
    """The picture's scale at frame k of n: 1 at the start, 1 + amount at the end, eased (smoothstep)."""
    if n_frames <= 1:
        return 1.0
    t = min(max(k / (n_frames - 1), 0.0), 1.0)
    return 1.0 + amount * t * t * (3 - 2 * t)


def _inner_mask(frame: Frame) -> np.ndarray:
    """Inside the frame's rounded corners and inset, as 0/1 uint8, (h, w)."""
    h, w, inset = frame.h, frame.w, _INSET
    mask = np.zeros((h, w), np.uint8)
    r = max(0, int(round(frame.radius)) - inset)
    inner = (inset, inset, w - inset - 1, h - inset - 1)
    if inner[2] <= inner[0] or inner[3] <= inner[1]:
        return mask
    cv2.rectangle(mask, (inner[0] + r, inner[1]), (inner[2] - r, inner[3]), 1, -1)
    cv2.rectangle(mask, (inner[0], inner[1] + r), (inner[2], inner[3] - r), 1, -1)
    for cx, cy in ((inner[0] + r, inner[1] + r), (inner[2] - r, inner[1] + r), (inner[0] + r, inner[3] - r),
                   (inner[2] - r, inner[3] - r)):
        cv2.circle(mask, (cx, cy), r, 1, -1)
    return mask


def zoom_picture(picture: np.ndarray, frame: Frame, scale: float, mask: np.ndarray | None = None,
                 out: np.ndarray | None = None) -> np.ndarray:
    """`picture` (an RGB slide image) with the pixels in `frame` scaled by `scale` about its centre.
    Written into `out` when given, which must already hold `picture` outside the frame (only the
    frame's pixels are written); a new image otherwise."""
    if scale <= 1.0 + 1e-6:
        return picture
    region = picture[frame.y:frame.y + frame.h, frame.x:frame.x + frame.w]
    h, w = region.shape[:2]
    # the source box that fills the frame once scaled: centred, 1/scale of the frame
    m = np.array([[scale, 0, (1 - scale) * (w - 1) / 2], [0, scale, (1 - scale) * (h - 1) / 2]], np.float32)
    grown = cv2.warpAffine(region, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    mask = _inner_mask(frame) if mask is None else mask
    out = picture.copy() if out is None else out
    target = out[frame.y:frame.y + h, frame.x:frame.x + w]
    np.copyto(target, grown, where=mask[..., None].astype(bool))
    return out


def zoomed(backgrounds: Iterable[tuple[np.ndarray, bool]], frame: Frame, n_frames: int,
           amount: float) -> Iterator[tuple[np.ndarray, bool]]:
    """The slide's background frames, (picture, changed since the last frame), with its picture
    slowly growing by `amount` over `n_frames` (so every frame after the first has changed).
    Zoomed frames share one buffer: consume each before asking for the next."""
    mask = _inner_mask(frame)
    buffer: np.ndarray | None = None
    for k, (picture, changed) in enumerate(backgrounds):
        scale = scale_at(k, n_frames, amount)
        inside = frame.x + frame.w <= picture.shape[1] and frame.y + frame.h <= picture.shape[0]
        if scale > 1.0 + 1e-6 and inside:
            if buffer is None or changed or buffer.shape != picture.shape:
                buffer = picture.copy()  # the slide outside the frame, copied only when it changes
            yield zoom_picture(picture, frame, scale, mask, out=buffer), True
        else:
            buffer = None
            yield picture, changed
