"""The mouth-interior layer: dark cavity, tongue, the photo's own teeth (or synthesised ones), and the seam
of closed lips, tinted from the photo.

The warp itself is smooth everywhere (so any mix of jaw, lips and head motion blends cleanly); an
opening mouth would show stretched lip skin between the lips. The renderer paints this layer over
that gap in every frame, inside the inner-lip contour, with anti-aliased edges and a contact shadow
so no seam or box shows.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


def sample_colours(image: np.ndarray, lip_polygon: np.ndarray, cheek_points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median lip colour inside the lip polygon and median skin colour around the cheek points (RGB float)."""
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(lip_polygon).astype(np.int32)], 255)
    lips = image[mask > 0]
    radius = max(3, int(0.02 * image.shape[0]))
    skin = []
    for x, y in np.round(cheek_points).astype(int):
        patch = image[max(0, y - radius):y + radius, max(0, x - radius):x + radius]
        skin.append(patch.reshape(-1, 3))
    skin = np.concatenate(skin) if skin else image.reshape(-1, 3)
    lip_colour = np.median(lips, axis=0) if len(lips) else np.array([150.0, 80.0, 80.0])
    return lip_colour.astype(np.float64), np.median(skin, axis=0).astype(np.float64)


@dataclass
class PhotoTeeth:
    """The photo's teeth (avatar.face.lips.teeth_layer) and where they go in this frame: `upper`
    and `lower` are 2x3 affine maps from crop pixels of the photo to frame pixels (the skull's and
    the jaw's motion)."""

    layer: np.ndarray  # (h, w, 5) RGB, upper alpha, lower alpha
    origin: np.ndarray  # (2,) x0, y0 of the layer in the crop
    upper: np.ndarray
    lower: np.ndarray


def _place(teeth: PhotoTeeth, which: np.ndarray, box: tuple[int, int, int, int], channel: int) -> tuple[np.ndarray, np.ndarray]:
    """The layer's RGB and one alpha channel, moved by `which`, over the frame box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    m = np.vstack([which, [0, 0, 1]]) @ np.array([[1, 0, teeth.origin[0]], [0, 1, teeth.origin[1]], [0, 0, 1]])
    m = (np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]]) @ m)[:2]
    planes = np.dstack([teeth.layer[..., :3], teeth.layer[..., channel]])
    moved = cv2.warpAffine(planes, m, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderValue=0)
    return moved[..., :3], moved[..., 3]


# widths of the upper teeth from the middle outwards (central incisor, lateral, canine, premolars),
# in mouth half-widths, before the arch's foreshortening
TOOTH_WIDTHS = (0.21, 0.16, 0.15, 0.13, 0.12)
TOOTH_LENGTHS = (1.0, 0.9, 0.96, 0.85, 0.8)  # relative crown length seen below the lip


def _tooth_rows(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel: a soft interproximal shade (1 inside a tooth, a little darker between two) and the
    crown length of the tooth it belongs to, for synthesised teeth of natural, unequal widths."""
    edges = np.cumsum(TOOTH_WIDTHS)
    # the arch turns away from the camera: teeth further out look narrower
    arch = np.sin(np.clip(np.abs(u), 0, 1.2) * 1.2) / 1.2 * 1.15
    k = np.searchsorted(edges, arch).clip(0, len(edges) - 1)
    distance = np.min(np.abs(arch[..., None] - np.concatenate([[0.0], edges])[None, None]), axis=-1)
    shade = 1 - 0.08 * np.exp(-(distance / 0.025) ** 2)
    return shade, np.asarray(TOOTH_LENGTHS)[k]


def paint_interior(frame: np.ndarray, upper: np.ndarray, lower: np.ndarray, lip_colour: np.ndarray,
                   skin_colour: np.ndarray, mouth_half_width: float, teeth: PhotoTeeth | None = None) -> None:
    """Paint the mouth interior into `frame` (in place) between the inner-lip contours.

    `upper` and `lower` are (n, 2) contours from corner to corner in frame pixels. Layers from the
    back: dark cavity, tongue, lower teeth, upper teeth, then a contact shadow under both lips.
    With `teeth`, the teeth are the photo's own, moved with the skull (upper) and the jaw (lower);
    otherwise they are synthesised with unequal widths and soft shading. Sizes are in pixels of
    the mouth, not shares of the opening: teeth keep their height however wide the mouth opens.
    """
    h, w = frame.shape[:2]
    polygon = np.concatenate([upper, lower[::-1]])
    x0, y0 = np.floor(polygon.min(axis=0)).astype(int) - 1
    x1, y1 = np.ceil(polygon.max(axis=0)).astype(int) + 2
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        return
    scale = 4  # supersampled mask for anti-aliased lip edges
    mask = np.zeros(((y1 - y0) * scale, (x1 - x0) * scale), np.uint8)
    pts = np.round((polygon - [x0, y0]) * scale + (scale - 1) / 2).astype(np.int32)
    cv2.fillPoly(mask, [pts], 255, lineType=cv2.LINE_AA)
    alpha = cv2.resize(mask, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    if not alpha.any():
        return

    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    up_order, lo_order = np.argsort(upper[:, 0]), np.argsort(lower[:, 0])
    top = np.interp(xs, upper[up_order, 0], upper[up_order, 1])
    bottom = np.interp(xs, lower[lo_order, 0], lower[lo_order, 1])
    from_top = ys - top  # px below the upper lip
    from_bottom = bottom - ys  # px above the lower lip
    centre = (polygon[:, 0].min() + polygon[:, 0].max()) / 2
    u = np.clip((xs - centre) / max(mouth_half_width, 1.0), -1.2, 1.2)
    m = mouth_half_width

    cavity = lip_colour * 0.16 + np.array([14.0, 4.0, 6.0])
    tongue = lip_colour * 0.6 + np.array([12.0, 0.0, 0.0])
    layer = np.broadcast_to(cavity.astype(np.float32), alpha.shape + (3,)).copy()
    # the cavity is lighter just behind the lips and deepest in the middle of the opening
    depth = np.clip(np.minimum(from_top, from_bottom) / (0.25 * m), 0, 1)
    layer *= (1.25 - 0.35 * depth)[..., None]
    tongue_amount = np.clip((0.30 * m - from_bottom) / (0.12 * m), 0, 1) * np.clip(1 - np.abs(u) / 0.75, 0, 1)
    tongue_amount *= np.clip((from_top - 0.34 * m) / (0.05 * m), 0, 1)  # behind the upper teeth
    layer += (tongue - layer) * (0.75 * tongue_amount)[..., None]

    box = (x0, y0, x1, y1)
    if teeth is not None:
        for which, channel in ((teeth.lower, 4), (teeth.upper, 3)):
            rgb, a = _place(teeth, which, box, channel)
            layer += (rgb - layer) * a[..., None]
    else:
        enamel = (0.82 * np.array([236.0, 230.0, 218.0]) + 0.18 * skin_colour) * 0.9
        shade, length = _tooth_rows(u)
        span = np.clip((0.78 - np.abs(u)) / 0.2, 0, 1)  # the back teeth fade into the dark
        crown = 0.3 * m * length
        upper_teeth = np.clip((crown - from_top) / (0.06 * m), 0, 1) * span
        # lighter at the middle of the crown, a little darker under the lip and at the biting edge
        along = np.clip(from_top / np.maximum(crown, 1e-3), 0, 1)
        tone = (0.84 + 0.22 * np.sin(np.pi * np.clip(along * 0.9 + 0.1, 0, 1))) * (1 - 0.35 * np.abs(u) ** 2) * shade
        layer += (enamel * tone[..., None] - layer) * upper_teeth[..., None]
        lower_teeth = np.clip((0.09 * m - from_bottom) / (0.04 * m), 0, 1) * span * 0.55
        lower_teeth *= np.clip((from_top - 0.38 * m) / (0.05 * m), 0, 1)
        layer += (enamel * 0.8 * shade[..., None] - layer) * lower_teeth[..., None]
    # contact shadow under both lips, darker towards the corners
    edge = np.exp(-np.clip(np.minimum(from_top, from_bottom), 0, None) / 1.2)
    layer *= ((1 - 0.55 * edge) * (1 - 0.5 * np.clip(np.abs(u), 0, 1) ** 4))[..., None]

    region = frame[y0:y1, x0:x1].astype(np.float32)
    region += (layer - region) * alpha[..., None]
    frame[y0:y1, x0:x1] = np.clip(region + 0.5, 0, 255).astype(np.uint8)


SEAM_DARKEST = 0.15  # how much the middle of a painted seam darkens the lips at full strength


def paint_seam(frame: np.ndarray, upper: np.ndarray, lower: np.ndarray, mouth_half_width: float,
               strength: float) -> None:
    """Darken a soft line where closed lips meet (in place): a photo whose lips were apart has no
    seam of its own there. `strength` 0..1 scales how dark the line's middle gets (at most
    SEAM_DARKEST); the line fades out over the outer quarter towards each corner, as the shadow
    between real lips does."""
    if strength <= 0:
        return
    h, w = frame.shape[:2]
    seam = (upper + lower) / 2
    for _ in range(2):  # Chaikin corner cutting: a smooth line through the contour's points
        q = 0.75 * seam[:-1] + 0.25 * seam[1:]
        r = 0.25 * seam[:-1] + 0.75 * seam[1:]
        seam = np.concatenate([seam[:1], np.stack([q, r], 1).reshape(-1, 2), seam[-1:]])
    x0, y0 = np.floor(seam.min(axis=0)).astype(int) - 4
    x1, y1 = np.ceil(seam.max(axis=0)).astype(int) + 5
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        return
    scale = 4
    line = np.zeros(((y1 - y0) * scale, (x1 - x0) * scale), np.uint8)
    pts = np.round((seam - [x0, y0]) * scale + (scale - 1) / 2).astype(np.int32)
    cv2.polylines(line, [pts], False, 255, thickness=max(1, int(round(0.015 * mouth_half_width * scale))),
                  lineType=cv2.LINE_AA)
    dark = cv2.resize(line, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    dark = cv2.GaussianBlur(dark, (0, 0), max(0.7, 0.02 * mouth_half_width))
    dark /= max(float(dark.max()), 1e-6)
    centre, half = (seam[0, 0] + seam[-1, 0]) / 2, max(abs(seam[-1, 0] - seam[0, 0]) / 2, 1.0)
    across = np.abs(np.arange(x0, x1) - centre) / half
    dark *= np.clip((1 - across) / 0.25, 0, 1)[None]
    region = frame[y0:y1, x0:x1].astype(np.float32)
    region *= (1 - SEAM_DARKEST * strength * dark)[..., None]
    frame[y0:y1, x0:x1] = np.clip(region + 0.5, 0, 255).astype(np.uint8)
