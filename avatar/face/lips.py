"""The photo's mouth as it really is: where the lips part, what shows between them, and a closed source.

The face mesh is trained mostly on closed and slightly open mouths: on a smile that shows the teeth
it often puts the inner lower-lip contour on the teeth instead of on the lower lip, and whatever
the mesh calls lip is then moved as lip (teeth end up inside a "closed" mouth, smeared). This module
looks at the pixels: inside the outer lip contour, column by column in the upright mouth frame, it
finds the run that is not lip (teeth: brighter and less saturated than the lips; the cavity and
corner shadows: much darker), and

- `refine_inner_lips` moves the mesh's inner-lip contours (and the lip rings between inner and
  outer contours) onto that run's edges, so the lips the rig moves are the lips in the photo;
- `teeth_layer` keeps what the photo shows between the lips (RGB plus an upper-teeth and a
  lower-teeth alpha), which the renderer paints back into open-mouth frames.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from avatar.face import landmarks as lm

SCALE = 2.0  # analysis resolution: patch pixels per crop pixel
MIN_OPENING_PX = 1.5  # crop pixels: a thinner dark line between the lips is their seam
MIN_TEETH_AREA = 0.2  # photo teeth are used when they cover this much (in squared mouth half-widths)


@dataclass
class MouthFrame:
    """An upright, upsampled patch around the mouth and the maps between it and the crop."""

    to_patch: np.ndarray  # 2x3 affine crop -> patch
    to_crop: np.ndarray  # 2x3 affine patch -> crop
    shape: tuple[int, int]  # patch height, width

    def points(self, xy: np.ndarray) -> np.ndarray:
        return xy @ self.to_patch[:, :2].T + self.to_patch[:, 2]

    def back(self, xy: np.ndarray) -> np.ndarray:
        return xy @ self.to_crop[:, :2].T + self.to_crop[:, 2]


@dataclass
class Opening:
    """What the photo shows between the lips, per column of the upright mouth patch."""

    frame: MouthFrame
    top: np.ndarray  # (W,) first opening row per column (nan where closed)
    bottom: np.ndarray  # (W,) last opening row per column (nan where closed)
    teeth: np.ndarray  # (H, W) bool: teeth pixels
    dark: np.ndarray  # (H, W) bool: cavity and shadow pixels
    lip_lab: np.ndarray  # (3,) median LAB of the lips

    @property
    def columns(self) -> np.ndarray:
        return np.isfinite(self.top)


def mouth_frame(mesh: np.ndarray) -> MouthFrame:
    corners = mesh[list(lm.MOUTH_CORNERS), :2]
    eye = mesh[lm.LEFT_EYE_CORNERS[0], :2] - mesh[lm.RIGHT_EYE_CORNERS[0], :2]
    roll = float(np.arctan2(eye[1], eye[0]))
    centre = corners.mean(axis=0)
    half = float(np.linalg.norm(corners[1] - corners[0]) / 2)
    w, h = int(np.ceil(2.8 * half * SCALE)), int(np.ceil(2.2 * half * SCALE))
    c, s = np.cos(roll), np.sin(roll)
    rot = np.array([[c, s], [-s, c]]) * SCALE  # crop -> upright, scaled
    shift = np.array([w / 2, h * 0.45]) - rot @ centre
    to_patch = np.hstack([rot, shift[:, None]])
    return MouthFrame(to_patch, cv2.invertAffineTransform(to_patch), (h, w))


def _curve(points: np.ndarray, xs: np.ndarray) -> np.ndarray:
    order = np.argsort(points[:, 0])
    return np.interp(xs, points[order, 0], points[order, 1], left=np.nan, right=np.nan)


def _extend(nonlip: np.ndarray, x: int, start: float, limit: float, step: int) -> float:
    """From row `start` go `step` (+1 down, -1 up) while the pixels are not lip (one-row holes
    allowed), never past `limit`; returns the last row reached."""
    row, last, holes = int(round(start)), float(start), 0
    h = nonlip.shape[0]
    while 0 <= row + step < h and (row + step - limit) * step <= 0:
        row += step
        if nonlip[row, x]:
            last, holes = float(row), 0
        else:
            holes += 1
            if holes > 1:
                break
    return last


def find_opening(crop: np.ndarray, mesh: np.ndarray) -> Opening:
    """Teeth and shadow between the lips of `crop` (RGB uint8), guided by the mesh (crop pixels).

    The mesh's opening (between its inner-lip contours) is the seed. It is grown, column by column,
    over pixels that are clearly teeth next to that lip (brighter and much less saturated than the
    lip's own outer band) and that continue the opening without a lip pixel between, so a highlight
    on a glossy lip is never taken for a tooth. A mesh that sees the lips closed is believed."""
    frame = mouth_frame(mesh)
    h, w = frame.shape
    patch = cv2.warpAffine(crop, frame.to_patch, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    lab = cv2.cvtColor(patch, cv2.COLOR_RGB2LAB).astype(np.float32)
    light = lab[..., 0] * (100 / 255)
    chroma = np.hypot(lab[..., 1] - 128, lab[..., 2] - 128)

    p = {name: frame.points(mesh[list(idx), :2]) for name, idx in (
        ("outer_upper", lm.LIPS_OUTER_UPPER), ("outer_lower", lm.LIPS_OUTER_LOWER),
        ("inner_upper", lm.LIPS_INNER_UPPER), ("inner_lower", lm.LIPS_INNER_LOWER))}
    xs = np.arange(w, dtype=np.float64)
    ou, ol = _curve(p["outer_upper"], xs), _curve(p["outer_lower"], xs)
    iu, il = _curve(p["inner_upper"], xs), _curve(p["inner_lower"], xs)
    ys = np.arange(h, dtype=np.float64)[:, None]
    inside = (ys > ou[None]) & (ys < ol[None])  # nan compares False: outside the corners
    upper_band = (ys > ou) & (ys < ou + 0.3 * (iu - ou)) & inside
    lower_band = (ys < ol) & (ys > ol - 0.3 * (ol - il)) & inside
    lip_band = upper_band | lower_band
    if lip_band.sum() < 10:
        lip_band = inside
    lip_lab = np.median(lab[lip_band], axis=0)
    top, bottom = np.full(w, np.nan), np.full(w, np.nan)
    seed = (ys >= iu[None]) & (ys <= il[None])
    valid = np.isfinite(iu) & np.isfinite(il) & (il > iu)
    centre = slice(int(w * 0.4), int(w * 0.6))
    if not valid[centre].any() or float(np.nanmax((il - iu)[centre])) / SCALE < MIN_OPENING_PX:
        # the mesh sees the lips closed: a closed-mouth photo is left as it is
        return Opening(frame, top, bottom, np.zeros((h, w), bool), np.zeros((h, w), bool), lip_lab)

    def teeth_next_to(band: np.ndarray) -> np.ndarray:
        if band.sum() < 10:
            return np.zeros((h, w), bool)
        ref_l, ref_c = float(np.median(light[band])), float(np.median(chroma[band]))
        if ref_c > 8:
            return (light > ref_l + 8) & (chroma < 0.7 * ref_c)
        return light > ref_l + 15  # black-and-white or washed out: brightness alone

    below, above = teeth_next_to(lower_band), teeth_next_to(upper_band)
    for x in np.flatnonzero(valid):
        top[x] = _extend(above, x, iu[x], iu[x] - 0.5 * (iu[x] - ou[x]), -1)
        bottom[x] = _extend(below, x, il[x], il[x] + 0.8 * (ol[x] - il[x]), +1)
    for edge, mesh_edge in ((top, iu), (bottom, il)):
        # a grown edge is noisy column by column: smooth the growth along the mouth
        grown = np.where(valid, edge - mesh_edge, 0).astype(np.float32)
        grown = cv2.GaussianBlur(grown[None], (1, 9), 0)[0]
        edge[valid] = mesh_edge[valid] + grown[valid]
    span = (ys >= top[None] - 0.5) & (ys <= bottom[None] + 0.5)
    # everything between the lips that is not deep shadow is teeth, shadowed ones included
    dark = span & (light < 0.5 * float(np.median(light[lip_band])))
    teeth = span & ~dark
    return Opening(frame, top, bottom, teeth, dark, lip_lab)


def refine_inner_lips(mesh: np.ndarray, opening: Opening) -> np.ndarray:
    """The mesh with its inner-lip contours on the photo's real lip edges and the lip rings between
    inner and outer contours re-spaced to match (crop pixels, z kept)."""
    if not opening.columns.any():
        return mesh
    frame = opening.frame
    out = mesh.copy()
    pts = frame.points(mesh[:, :2].astype(np.float64))
    xs = np.arange(len(opening.top), dtype=np.float64)
    valid = opening.columns

    def edge_at(edge: np.ndarray, x: float) -> float:
        i = int(round(x))
        if 0 <= i < len(edge) and valid[i]:
            return float(edge[i])
        return float("nan")

    ou = _curve(pts[list(lm.LIPS_OUTER_UPPER)], xs)
    ol = _curve(pts[list(lm.LIPS_OUTER_LOWER)], xs)
    iu_old = _curve(pts[list(lm.LIPS_INNER_UPPER)], xs)
    il_old = _curve(pts[list(lm.LIPS_INNER_LOWER)], xs)
    new = pts.copy()
    for upper, lower in zip(lm.LIPS_INNER_UPPER[1:-1], lm.LIPS_INNER_LOWER[1:-1]):
        t, b = edge_at(opening.top, pts[upper, 0]), edge_at(opening.bottom, pts[lower, 0])
        if np.isfinite(t):
            new[upper, 1] = t - 0.5
        if np.isfinite(b):
            new[lower, 1] = b + 0.5
        if new[lower, 1] <= new[upper, 1]:
            mid = (new[lower, 1] + new[upper, 1]) / 2
            new[upper, 1], new[lower, 1] = mid - 0.01, mid + 0.01
    for contour in (lm.LIPS_INNER_UPPER, lm.LIPS_INNER_LOWER):
        # column edges are noisy: smooth the correction along the contour, corners fixed
        idx = list(contour)
        offset = new[idx, 1] - pts[idx, 1]
        offset[1:-1] = np.convolve(np.pad(offset, 1, mode="edge"), [0.25, 0.5, 0.25], "valid")[1:-1]
        offset[[0, -1]] = 0.0
        new[idx, 1] = pts[idx, 1] + offset
    for upper, lower in zip(lm.LIPS_INNER_UPPER[1:-1], lm.LIPS_INNER_LOWER[1:-1]):
        if new[lower, 1] <= new[upper, 1]:
            mid = (new[lower, 1] + new[upper, 1]) / 2
            new[upper, 1], new[lower, 1] = mid - 0.01, mid + 0.01
    iu_new = _curve(new[list(lm.LIPS_INNER_UPPER)], xs)
    il_new = _curve(new[list(lm.LIPS_INNER_LOWER)], xs)
    for ring, outer, inner_old, inner_new in ((lm.LIPS_MID_UPPER, ou, iu_old, iu_new),
                                              (lm.LIPS_MID_LOWER, ol, il_old, il_new)):
        for idx in ring:
            i = int(np.clip(round(pts[idx, 0]), 0, len(xs) - 1))
            span_old = inner_old[i] - outer[i]
            if not np.isfinite(span_old) or abs(span_old) < 1e-3 or not np.isfinite(inner_new[i]):
                continue
            share = float(np.clip((pts[idx, 1] - outer[i]) / span_old, 0.05, 0.95))
            new[idx, 1] = outer[i] + share * (inner_new[i] - outer[i])
    out[:, :2] = frame.back(new)
    return out


def teeth_layer(crop: np.ndarray, opening: Opening, mesh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The photo's teeth as a layer in crop pixels: (patch (h, w, 5) float32: RGB, upper-teeth alpha,
    lower-teeth alpha; origin (x0, y0) of the patch in the crop). Empty (0, 0, 5) when the photo
    shows no teeth.

    `mesh` is the mesh as detected (before `refine_inner_lips`): on a toothy smile its inner lower
    contour runs along the edge of the upper teeth, so teeth inside its opening are upper teeth
    (fixed to the skull) and teeth the opening grew over below it are lower teeth (on the jaw)."""
    empty = np.zeros((0, 0, 5), np.float32), np.zeros(2, np.float32)
    frame = opening.frame
    h, w = frame.shape
    half_width = w / 2.8  # patch pixels (see mouth_frame)
    if opening.teeth.sum() < MIN_TEETH_AREA * half_width ** 2:
        return empty  # a sliver of teeth is better drawn than stretched
    patch = cv2.warpAffine(crop, frame.to_patch, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    light = cv2.cvtColor(patch, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32) * (100 / 255)
    if float(np.percentile(light[opening.teeth], 75)) < opening.lip_lab[0] * (100 / 255) + 10:
        return empty  # what lies between the lips is no brighter than they are: no teeth to show
    xs = np.arange(w, dtype=np.float64)
    il = _curve(frame.points(mesh[list(lm.LIPS_INNER_LOWER), :2]), xs)
    ys = np.arange(h, dtype=np.float64)[:, None]
    on_jaw = ys > il[None] + SCALE  # nan compares False: no column outside the mesh's corners
    teeth = opening.teeth.astype(np.float32)
    upper = cv2.GaussianBlur(teeth * ~on_jaw, (3, 3), 0)
    lower = cv2.GaussianBlur(cv2.erode(teeth * on_jaw, np.ones((3, 3), np.uint8)), (7, 7), 0)
    layer = np.concatenate([patch.astype(np.float32), upper[..., None], lower[..., None]], axis=2)
    rows, cols = np.nonzero((upper + lower) > 0.01)
    corners = np.array([[cols.min(), rows.min()], [cols.max(), rows.min()], [cols.min(), rows.max()],
                        [cols.max(), rows.max()]], np.float64)
    box = frame.back(corners)
    x0, y0 = np.maximum(np.floor(box.min(axis=0)).astype(int) - 2, 0)
    x1, y1 = np.minimum(np.ceil(box.max(axis=0)).astype(int) + 3, [crop.shape[1], crop.shape[0]])
    to_box = frame.to_crop.copy()
    to_box[:, 2] -= [x0, y0]
    out = cv2.warpAffine(layer, to_box, (int(x1 - x0), int(y1 - y0)), flags=cv2.INTER_LINEAR, borderValue=0)
    return out.astype(np.float32), np.array([x0, y0], np.float32)
