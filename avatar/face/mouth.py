"""The mouth-interior layer: dark cavity, upper teeth, tongue hint, lower teeth, tinted from the photo.

The warp itself is smooth everywhere (so any mix of jaw, lips and head motion blends cleanly); an
opening mouth would show stretched lip skin between the lips. The renderer paints this layer over
that gap in every frame, inside the inner-lip contour, with anti-aliased edges and a contact shadow
so no seam or box shows.
"""
from __future__ import annotations

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


def paint_interior(frame: np.ndarray, upper: np.ndarray, lower: np.ndarray, lip_colour: np.ndarray,
                   skin_colour: np.ndarray, mouth_half_width: float) -> None:
    """Paint the mouth interior into `frame` (in place) between the inner-lip contours.

    `upper` and `lower` are (n, 2) contours from corner to corner in frame pixels. Sizes are in
    pixels of the mouth, not shares of the opening: teeth keep their height however wide the
    mouth opens, and a small opening shows only the edges of the upper teeth.
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
    teeth = (0.82 * np.array([236.0, 230.0, 218.0]) + 0.18 * skin_colour) * 0.92
    tongue = lip_colour * 0.6 + np.array([12.0, 0.0, 0.0])
    layer = np.broadcast_to(cavity.astype(np.float32), alpha.shape + (3,)).copy()

    teeth_span = np.clip((0.72 - np.abs(u)) / 0.15, 0, 1)  # no teeth deep in the corners
    tooth_pitch = 0.2
    gaps = 1 - 0.25 * np.exp(-((np.mod(u + tooth_pitch / 2, tooth_pitch) - tooth_pitch / 2) / 0.016) ** 2)
    shade = (1 - 0.4 * np.abs(u) ** 2) * gaps
    upper_teeth = np.clip((0.30 * m - from_top) / (0.05 * m), 0, 1) * teeth_span
    layer += (teeth * shade[..., None] - layer) * upper_teeth[..., None]
    tongue_amount = np.clip((0.30 * m - from_bottom) / (0.12 * m), 0, 1) * np.clip(1 - np.abs(u) / 0.75, 0, 1)
    tongue_amount *= np.clip((from_top - 0.34 * m) / (0.05 * m), 0, 1)  # behind the upper teeth
    layer += (tongue - layer) * (0.75 * tongue_amount)[..., None]
    lower_teeth = np.clip((0.09 * m - from_bottom) / (0.03 * m), 0, 1) * teeth_span * 0.6
    lower_teeth *= np.clip((from_top - 0.38 * m) / (0.05 * m), 0, 1)
    layer += (teeth * 0.85 * shade[..., None] - layer) * lower_teeth[..., None]
    # contact shadow under both lips, darker towards the corners
    edge = np.exp(-np.clip(np.minimum(from_top, from_bottom), 0, None) / 1.2)
    layer *= ((1 - 0.55 * edge) * (1 - 0.5 * np.clip(np.abs(u), 0, 1) ** 4))[..., None]

    region = frame[y0:y1, x0:x1].astype(np.float32)
    region += (layer - region) * alpha[..., None]
    frame[y0:y1, x0:x1] = np.clip(region + 0.5, 0, 255).astype(np.uint8)
