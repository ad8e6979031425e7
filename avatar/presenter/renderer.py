"""Rig + MotionTrack -> presenter frames: the warp (avatar.presenter.warp: ONNX on CUDA, ONNX maps +
OpenCV sampling on the CPU), then the mouth interior and the closed lips' seam painted on top."""
from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import numpy as np

from avatar.face.mouth import PhotoTeeth, paint_interior, paint_seam
from avatar.face.rig import BASIS_NAMES, JAW_KEYS, Rig
from avatar.motion.track import MotionTrack
from avatar.presenter.warp import warp_for

BATCH = 8
MIN_GAP_PX = 0.35  # below this the lips count as closed and no interior is painted
SEAM_UNTIL_PX = 1.5  # the painted seam of closed lips fades out as they part this far
HEAD_BASIS = np.array([BASIS_NAMES.index(n) for n in ("yaw", "pitch", "roll", "tx", "ty")])
JAW_BASIS = np.arange(len(JAW_KEYS))
LOWER_MIDDLE = np.arange(11 + 3, 11 + 8)  # the middle of the inner lower lip in the lip contours


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """2x3 rotation + uniform scale + translation taking points `src` onto `dst` (least squares)."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    a, b = src - mu_s, dst - mu_d
    dot = float((a * b).sum())
    cross = float((a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]).sum())
    norm = max(float((a * a).sum()), 1e-9)
    c, s = dot / norm, cross / norm
    rot = np.array([[c, -s], [s, c]])
    return np.hstack([rot, (mu_d - rot @ mu_s)[:, None]])


def jaw_weights(jaw_open: np.ndarray) -> np.ndarray:
    """Hat-function weights of the jaw key maps for each jaw_open value (piecewise-linear between keys)."""
    keys = np.array((0.0,) + JAW_KEYS)
    value = np.clip(jaw_open, 0.0, keys[-1])
    weights = np.zeros((len(value), len(JAW_KEYS)), np.float32)
    segment = np.clip(np.searchsorted(keys, value, side="right") - 1, 0, len(keys) - 2)
    t = (value - keys[segment]) / (keys[segment + 1] - keys[segment])
    rows = np.arange(len(value))
    upper = segment  # index into JAW_KEYS of the key above (keys[segment + 1])
    weights[rows, upper] = t
    has_lower = segment > 0
    weights[rows[has_lower], segment[has_lower] - 1] = 1 - t[has_lower]
    return weights


def coefficients(values: np.ndarray) -> np.ndarray:
    """(T, len(PARAMETERS)) motion values -> (T, K) weights of the rig's basis maps."""
    values = np.asarray(values, np.float32)
    return np.concatenate([jaw_weights(values[:, 0]), values[:, 1:]], axis=1).astype(np.float32)


class PresenterRenderer:
    """Holds one rig's tensors and its warp; renders frames in small batches.

    Given `alpha` ((size, size) float 0..1: where the portrait shows, see
    avatar.face.rig.portrait_alpha) the frames are RGBA, the alpha warped with the face."""

    def __init__(self, rig: Rig, batch: int = BATCH, threads: int = 0, alpha: np.ndarray | None = None):
        self.rig = rig
        self.batch = batch
        self.warp = warp_for(rig, threads, alpha)
        self.provider = self.warp.provider
        self._still = rig.still_frame
        if alpha is not None:
            self._still = np.dstack([self._still, np.clip(alpha * 255 + 0.5, 0, 255).astype(np.uint8)])
        self._mouth_half_width = float(np.linalg.norm(rig.lips_rest[10] - rig.lips_rest[0]) / 2)
        self._teeth = rig.teeth if rig.teeth.size else None
        self._seam = float(rig.seam_shade[0])

    def render(self, values: np.ndarray) -> np.ndarray:
        """(N, len(PARAMETERS)) -> (N, size, size, 3) uint8 RGB frames (RGBA with an alpha)."""
        coeffs = coefficients(values)
        moving = self.warp(coeffs)
        x0, y0, x1, y1 = (int(v) for v in self.rig.region)
        frames = np.repeat(self._still[None], len(coeffs), axis=0)
        frames[:, y0:y1, x0:x1] = moving
        lips = self.rig.lips_rest[None] + np.einsum("nk,kpc->npc", coeffs, self.rig.lips_basis)
        for frame, contour, c in zip(frames[..., :3], lips, coeffs):  # RGB (a view of RGBA frames)
            upper, lower = contour[:11], contour[11:]
            gap = float((lower[1:-1, 1] - upper[1:-1, 1]).max())
            if gap > MIN_GAP_PX:
                paint_interior(frame, upper, lower, self.rig.lip_colour, self.rig.skin_colour,
                               self._mouth_half_width, self._photo_teeth(c))
            if self._seam > 0 and gap < SEAM_UNTIL_PX:
                paint_seam(frame, upper, lower, self._mouth_half_width,
                           self._seam * (1 - max(gap, 0.0) / SEAM_UNTIL_PX))
        return frames

    def _photo_teeth(self, c: np.ndarray) -> PhotoTeeth | None:
        """Where the photo's teeth go for one frame's coefficients: the upper row with the skull
        (the lips' motion under the head parameters alone), the lower row with the jaw too."""
        if self._teeth is None:
            return None
        rest, basis = self.rig.lips_rest, self.rig.lips_basis
        head = rest + np.einsum("k,kpc->pc", c[HEAD_BASIS], basis[HEAD_BASIS])
        skull = similarity(rest.astype(np.float64), head.astype(np.float64))
        drop = np.einsum("k,kpc->pc", c[JAW_BASIS], basis[JAW_BASIS][:, LOWER_MIDDLE]).mean(axis=0)
        shift = self.rig.jaw_rest_shift + drop
        jaw = skull.copy()
        jaw[:, 2] += skull[:, :2] @ shift
        return PhotoTeeth(self._teeth, self.rig.teeth_origin, skull, jaw)

    def frames(self, track: MotionTrack, prefetch: int = 2) -> Iterator[np.ndarray]:
        """Frames of a track, in order. Batches are rendered `prefetch` ahead on a worker thread, so
        rendering overlaps with whatever consumes the frames (onnxruntime and the encoder both
        release the GIL)."""
        batches = (track.values[start:start + self.batch] for start in range(0, len(track), self.batch))
        if prefetch <= 0:
            for values in batches:
                yield from self.render(values)
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="presenter") as pool:
            pending: deque = deque()
            for values in batches:
                pending.append(pool.submit(self.render, values))
                if len(pending) > prefetch:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
