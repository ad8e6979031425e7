"""Glasses: found from the mesh and the edges around the eyes, and kept rigid while the lids move.

A blink moves the eyelid control points down and a brow raise moves the brows and the lid skin up;
on a glasses wearer those points lie on or next to the frames, so the frames bent with them. Here
the rig's crop is aligned so the eye centres are `EYE_DIST` px apart, and glasses count as found
when a long horizontal edge crosses the nose bridge between the inner eye corners and both eyes
have a long edge below them (the lower rims). The frames' pixels (`rim_mask`) are the strong edges
near the eyes connected to that bridge, bars filled between their edges, minus the eye openings.
`keep_rims_still` then rebuilds the blinks so the lids meet inside the rims (`glasses_blink`) and
takes the brow raise off the frames, so every frame pixel samples the same source pixel as at
rest and no pixel samples across a rim (which would drag a copy of it along).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from avatar.face import landmarks as lm

EYE_DIST = 128.0  # px between the eye centres in the aligned frame
ALIGNED = (384, 256)  # width, height of the aligned frame
EYE_LINE_Y = 100.0
BLUR = 5  # px (aligned), Gaussian blur before the gradients
BAR = 15  # px (aligned): frame bars up to this thick are filled between their edges
BRIDGE_MIN = 0.45  # median bridge edge strength, in units of the eyes' own edge strength (95th percentile)
RIMS_MIN = 0.3  # median edge strength of the weaker eye's lower rim (a safeguard; the bridge decides)
EDGE = 0.5  # frame edges: gradient magnitude in the same units
FEATHER = 1.5  # crop px, the mask's soft edge
HELD = ("blink_left", "blink_right", "brow_raise")  # the motions that must not move the frames
FOLLOW = 0.8  # the upper lid's skin below a rim is stretched at most 1 / (1 - FOLLOW) times in a blink
BROW_FOLLOW = 0.5  # in a brow raise a pixel moves at most this share of its distance to the frames
BLINK_REACH = 1.25  # blinks move pixels within this many eye heights of the eye opening (with glasses)


@dataclass
class GlassesInfo:
    bridge: float  # edge strength across the nose bridge (see BRIDGE_MIN)
    rims: float  # the weaker eye's lower-rim edge strength (see RIMS_MIN)
    mask: np.ndarray  # (size, size) float32 0..1, the frames' pixels in crop pixels (rim_mask)


def _eye_centres(mesh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = mesh[:, :2]
    right = (m[lm.RIGHT_EYE_CORNERS[0]] + m[lm.RIGHT_EYE_CORNERS[1]]) / 2
    left = (m[lm.LEFT_EYE_CORNERS[0]] + m[lm.LEFT_EYE_CORNERS[1]]) / 2
    return right, left


def _alignment(mesh: np.ndarray) -> np.ndarray:
    """2x3 similarity, crop pixels -> aligned frame: eye line level, eye centres EYE_DIST apart."""
    right, left = _eye_centres(mesh)
    v = left - right
    scale = EYE_DIST / max(float(np.linalg.norm(v)), 1e-6)
    angle = float(np.arctan2(v[1], v[0]))
    c, s = np.cos(angle) * scale, np.sin(angle) * scale
    affine = np.array([[c, s, 0.0], [-s, c, 0.0]])
    affine[:, 2] = np.array([ALIGNED[0] / 2 - EYE_DIST / 2, EYE_LINE_Y]) - affine[:, :2] @ right
    return affine


@dataclass
class _Aligned:
    affine: np.ndarray
    points: np.ndarray  # (468, 2) mesh in the aligned frame
    gx: np.ndarray  # gradients in units of the eyes' edge strength
    gy: np.ndarray


def _aligned(crop_rgb: np.ndarray, mesh: np.ndarray) -> _Aligned:
    affine = _alignment(mesh)
    scale = float(np.hypot(*affine[0, :2]))
    flags = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    image = cv2.warpAffine(crop_rgb, affine, ALIGNED, flags=flags, borderMode=cv2.BORDER_REPLICATE)
    grey = cv2.GaussianBlur(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32), (BLUR, BLUR), 0)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3) / 8
    points = mesh[:, :2] @ affine[:, :2].T + affine[:, 2]
    # the eyes' own edges (lids, iris) are strong in every photo: they calibrate "strong"
    right, left = points[lm.RIGHT_EYE_CORNERS[0]], points[lm.LEFT_EYE_CORNERS[0]]
    y = int(EYE_LINE_Y)
    band = np.hypot(gx, gy)[y - 15:y + 16, max(int(right[0]), 0):int(left[0]) + 1]
    ref = max(float(np.percentile(band, 95)) if band.size else 1.0, 1.0)
    return _Aligned(affine, points, gx / ref, gy / ref)


def _seam(strength: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The strongest left-to-right path through `strength` (rows, cols) moving at most one row per
    column: the values along it and its rows. A long edge gives a path strong all the way."""
    rows, cols = strength.shape
    total = strength[:, 0].astype(np.float64)
    back = np.zeros((rows, cols), np.int64)
    idx = np.arange(rows)
    for c in range(1, cols):
        options = np.stack([np.r_[-np.inf, total[:-1]], total, np.r_[total[1:], -np.inf]])
        step = options.argmax(axis=0)
        total = options[step, idx] + strength[:, c]
        back[:, c] = idx + step - 1
    path = [int(total.argmax())]
    for c in range(cols - 1, 0, -1):
        path.append(int(back[path[-1], c]))
    path = np.array(path[::-1])
    return strength[path, np.arange(cols)], path


def _bridge_box(p: np.ndarray) -> tuple[int, int, int, int]:
    x0, x1 = int(p[lm.RIGHT_EYE_CORNERS[1], 0]) + 3, int(p[lm.LEFT_EYE_CORNERS[1], 0]) - 3
    y0, y1 = int(p[168, 1]) - 6, int(p[6, 1]) + 18
    return x0, y0, max(x1, x0 + 4), max(y1, y0 + 4)


def _scores(a: _Aligned) -> tuple[float, float, np.ndarray]:
    """Bridge strength, the weaker lower-rim strength, and the bridge path (x, y) in the aligned frame."""
    h, w = a.gy.shape
    gy = np.abs(a.gy)
    x0, y0, x1, y1 = _bridge_box(a.points)
    x0, x1, y0, y1 = max(x0, 0), min(x1, w), max(y0, 0), min(y1, h)
    values, rows = _seam(gy[y0:y1, x0:x1])
    bridge = float(np.median(values))
    path = np.stack([np.arange(x0, x1), rows + y0], 1)
    rims = []
    for corners, lower in ((lm.RIGHT_EYE_CORNERS, 145), (lm.LEFT_EYE_CORNERS, 374)):
        xs = sorted(a.points[list(corners), 0])
        bx0, bx1 = max(int(xs[0]) - 4, 0), min(int(xs[1]) + 4, w)
        by = a.points[lower, 1]
        by0, by1 = max(int(by + 13), 0), min(int(by + 55), h)
        if bx1 - bx0 < 4 or by1 - by0 < 4:
            rims.append(0.0)
            continue
        rims.append(float(np.median(_seam(gy[by0:by1, bx0:bx1])[0])))
    return bridge, min(rims), path


def _polygon(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 255)
    return mask


def _eye_opening(p: np.ndarray, upper: tuple, lower: tuple) -> np.ndarray:
    """The eye's outline: lower lid corner to corner, then the upper lid back."""
    return np.concatenate([p[list(lower)], p[list(upper)][::-1]])


def _frames(a: _Aligned, path: np.ndarray) -> np.ndarray:
    """uint8 mask (aligned frame) of the frames: strong edges near the eyes connected to the bridge
    path, the bars between their edges filled, the (dilated) eye openings left out."""
    h, w = a.gy.shape
    p = a.points
    edges = (np.hypot(a.gx, a.gy) > EDGE).astype(np.uint8)
    edges = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    near = np.zeros((h, w), np.uint8)
    for centre in _eye_centres(p):
        cv2.ellipse(near, (int(centre[0]), int(centre[1])), (int(0.62 * EYE_DIST), int(0.45 * EYE_DIST)),
                    0, 0, 360, 255, -1)
    x0, y0, x1, y1 = _bridge_box(p)
    cv2.rectangle(near, (x0 - 4, y0 - 4), (x1 + 4, y1 + 4), 255, -1)
    keep_out = np.zeros((h, w), np.uint8)
    for upper, lower in ((lm.RIGHT_EYE_UPPER, lm.RIGHT_EYE_LOWER), (lm.LEFT_EYE_UPPER, lm.LEFT_EYE_LOWER)):
        keep_out |= _polygon(_eye_opening(p, upper, lower), (h, w))
    keep_out = cv2.dilate(keep_out, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9)))
    candidate = edges & (near > 0) & (keep_out == 0)
    _, labels = cv2.connectedComponents(candidate, connectivity=8)
    # components on the bridge path (or within a pixel or two of it) are the frames
    touch = np.zeros((h, w), np.uint8)
    xy = np.clip(path, 0, [w - 1, h - 1]).astype(np.int32)
    touch[xy[:, 1], xy[:, 0]] = 1
    touch = cv2.dilate(touch, np.ones((5, 5), np.uint8))
    ids = np.unique(labels[(touch > 0) & (candidate > 0)])
    ids = ids[ids > 0]
    frames = np.zeros((h, w), np.uint8)
    for i in ids:
        part = labels == i
        if part.sum() >= 20:  # a frame, not a speck of texture next to the path
            frames[part] = 255
    # a thick frame's two edges enclose the frame itself: fill between them
    frames = cv2.morphologyEx(frames, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (BAR, BAR)))
    frames[keep_out > 0] = 0
    return frames


def rim_mask(crop_rgb: np.ndarray, mesh: np.ndarray, feather: float | None = None) -> np.ndarray:
    """(size, size) float32 in 0..1: the glasses' frames near the eyes (rims, bridge, lens edges) in
    crop pixels, feathered by `feather` crop pixels; the dilated eye openings are 0."""
    a = _aligned(crop_rgb, mesh)
    _, _, path = _scores(a)
    return _to_crop(_frames(a, path), a.affine, crop_rgb.shape[:2], FEATHER if feather is None else feather)


def _to_crop(frames: np.ndarray, affine: np.ndarray, shape: tuple[int, int], feather: float) -> np.ndarray:
    h, w = shape
    mask = cv2.warpAffine(frames.astype(np.float32) / 255, affine, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    if feather > 0:
        mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
        mask = cv2.GaussianBlur(mask, (0, 0), feather)
        mask = np.clip(mask * 1.5, 0, 1)  # the frame itself stays at 1, the blur fades outwards
    return mask.astype(np.float32)


def glasses_scores(crop_rgb: np.ndarray, mesh: np.ndarray) -> tuple[float, float]:
    """(bridge, rims) edge strengths; glasses where bridge >= BRIDGE_MIN and rims >= RIMS_MIN."""
    bridge, rims, _ = _scores(_aligned(crop_rgb, mesh))
    return bridge, rims


def detect_glasses(crop_rgb: np.ndarray, mesh: np.ndarray) -> GlassesInfo | None:
    """Glasses on the face in `crop_rgb` (RGB uint8) with its mesh (468, 2+) in the crop's pixels,
    with their frames' mask; None when there are none (or no frame pixels were found)."""
    a = _aligned(crop_rgb, mesh)
    bridge, rims, path = _scores(a)
    if bridge < BRIDGE_MIN or rims < RIMS_MIN:
        return None
    mask = _to_crop(_frames(a, path), a.affine, crop_rgb.shape[:2], FEATHER)
    if mask.max() < 0.5:
        return None
    return GlassesInfo(bridge=bridge, rims=rims, mask=mask)


def _eye(eye: str) -> tuple[tuple, tuple, tuple, tuple]:
    side = eye.upper()
    corners = getattr(lm, f"{side}_EYE_CORNERS")
    return (getattr(lm, f"{side}_EYE_UPPER"), getattr(lm, f"{side}_EYE_LOWER"), getattr(lm, f"{side}_EYE_CREASE"),
            corners)


def _curve(points: np.ndarray, origin: np.ndarray, e_u: np.ndarray, e_v: np.ndarray):
    """A lid line as v(u) in the eye's frame, sorted by u."""
    rel = points - origin
    u, v = rel @ e_u, rel @ e_v
    order = np.argsort(u)
    return u[order], v[order]


def _first_hit(mask: np.ndarray, origin: np.ndarray, e_u: np.ndarray, e_v: np.ndarray, u: np.ndarray,
               v_from: np.ndarray, reach: float, step: float) -> np.ndarray:
    """For each column u, the v where the line from v_from in steps of `step` (negative: upwards)
    first reaches a frame pixel (mask >= 0.5), or v_from + reach * sign(step) when it reaches none."""
    k = np.arange(0, int(reach / abs(step)) + 1) * step
    v = v_from[:, None] + k[None]
    xy = origin + u[:, None, None] * e_u + v[..., None] * e_v
    hit = cv2.remap(mask, xy[..., 0].astype(np.float32), xy[..., 1].astype(np.float32), cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_CONSTANT, borderValue=0) >= 0.5
    first = np.where(hit.any(axis=1), hit.argmax(axis=1), len(k) - 1)
    return v[np.arange(len(u)), first]


def glasses_blink(mesh: np.ndarray, mask: np.ndarray, eye: str) -> np.ndarray:
    """The map change (size, size, 2), in pixels, of closing one eye ("left" or "right") behind
    glasses without moving the frames.

    The photo only holds the lid skin between the rim above and the eye, often none (the upper lid
    hides behind the frame), and a pixel cannot sample across the rim. So the lids meet: the upper
    lid (the crease line, as in deform._eyelid) comes down as far as that skin band allows, stretched
    at most 1 / (1 - FOLLOW) times, and the lower lid rises the rest of the way with the skin below it.
    No output pixel samples beyond the frames, so the rims stay exactly where they are."""
    upper, lower, crease, corners = _eye(eye)
    p = mesh[:, :2].astype(np.float64)
    a, b = p[corners[0]], p[corners[1]]
    if a[0] > b[0]:
        a, b = b, a
    origin = (a + b) / 2
    e_u = (b - a) / max(float(np.linalg.norm(b - a)), 1e-6)
    e_v = np.array([-e_u[1], e_u[0]])  # down in the image
    ends = p[list(corners)]
    uu, vu = _curve(np.concatenate([p[list(upper)], ends]), origin, e_u, e_v)
    ul, vl = _curve(p[list(lower)], origin, e_u, e_v)
    uc, vc = _curve(np.concatenate([p[list(crease)], ends]), origin, e_u, e_v)
    u0, u1 = float(ul[0]), float(ul[-1])
    height = max(float(np.max(np.interp(uu, ul, vl) - vu)), 2.0)
    reach = BLINK_REACH * height
    # per column of the eye: the lid lines, and the nearest frame pixels above and below the eye
    u = np.linspace(u0, u1, 64)
    v_up, v_low = np.interp(u, uu, vu), np.interp(u, ul, vl)
    v_crease = np.minimum(np.interp(u, uc, vc), v_up)
    rim_above = _first_hit(mask, origin, e_u, e_v, u, v_up, reach, -0.5)
    rim_below = _first_hit(mask, origin, e_u, e_v, u, v_low, reach, 0.5)
    rim_above, rim_below = np.minimum(rim_above, v_up), np.maximum(rim_below, v_low)
    top = np.maximum(v_crease, rim_above + 0.5)  # the lid closes from here down to the lower lid
    # the lids meet less towards the corners, so the change fades out there instead of ending on an edge
    taper = np.clip(np.minimum(u - u0, u1 - u) / (0.08 * (u1 - u0)), 0.0, 1.0)
    span = np.maximum(v_low - top, 0.0) * taper * taper * (3 - 2 * taper)
    stretch = FOLLOW / (1 - FOLLOW)
    meet = top + np.minimum(span, stretch * np.maximum(top - rim_above - 0.5, 0.0))
    floor = np.maximum(np.minimum(v_low + np.maximum(span, 1.0), rim_below - 0.5), v_low)
    # smooth along the eye (rims found in one column and not the next would tear the lid), keeping
    # every line inside its limits: the band above stays below the rim, the rise above the rim below
    smooth = lambda arr: cv2.GaussianBlur(arr[None].astype(np.float64), (0, 0), 3.0, borderType=cv2.BORDER_REPLICATE)[0]
    top = np.minimum(np.maximum(smooth(top), rim_above + 0.5), np.maximum(v_low, rim_above + 0.5))
    above = np.minimum(np.maximum(smooth(rim_above + 0.5), rim_above + 0.5), top)
    meet = np.clip(smooth(meet), top, v_low)
    floor = np.clip(smooth(floor), v_low, np.maximum(rim_below - 0.5, v_low))
    # every output pixel in the eye's columns, in (u, v)
    size = mask.shape[0]
    ys, xs = np.mgrid[0:size, 0:size]
    rel = np.stack([xs, ys], -1) - origin
    pu, pv = rel @ e_u, rel @ e_v
    inside = (pu > u0) & (pu < u1)
    top_p, meet_p, low_p, floor_p, above_p = (np.interp(pu, u, arr) for arr in (top, meet, v_low, floor, above))
    src = pv.copy()
    band = inside & (pv >= above_p) & (pv < meet_p) & (meet_p > above_p + 1e-6)
    src[band] = (above_p + (pv - above_p) * (top_p - above_p) / np.maximum(meet_p - above_p, 1e-6))[band]
    rise = inside & (pv >= meet_p) & (pv <= floor_p) & (floor_p > meet_p + 1e-6)
    src[rise] = (low_p + (pv - meet_p) * (floor_p - low_p) / np.maximum(floor_p - meet_p, 1e-6))[rise]
    return ((src - pv)[..., None] * e_v).astype(np.float64)


def keep_rims_still(basis: np.ndarray, names: tuple[str, ...], mask: np.ndarray, mesh: np.ndarray) -> np.ndarray:
    """The basis (K, size, size, 2) of map changes in pixels, with the frames kept still: blinks
    become `glasses_blink` (the lids meet inside the rims), and the brow raise (and anything else
    HELD) is taken off the frames, times (1 - mask), so each frame pixel keeps sampling its rest
    source pixel, and no pixel moves more than BROW_FOLLOW times its distance to the frames, so no pixel
    samples across a rim (which would drag a copy of it along)."""
    basis = basis.copy()
    hard = (mask >= 0.5).astype(np.uint8)
    free = np.maximum(cv2.distanceTransform(1 - hard, cv2.DIST_L2, 5) - 1.0, 0.0) * BROW_FOLLOW
    for k, name in enumerate(names):
        if name in ("blink_left", "blink_right"):
            basis[k] = glasses_blink(mesh, mask, name.split("_")[1])
        elif name in HELD:
            change = basis[k] * (1.0 - mask)[..., None]
            length = np.hypot(change[..., 0], change[..., 1])
            basis[k] = change * np.minimum(1.0, free / np.maximum(length, 1e-6))[..., None]
    return basis
