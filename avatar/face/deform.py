"""How each motion parameter moves the rig's control points (the face mesh plus a halo and anchors).

Every function returns displacements in crop pixels for all control points, linear in its amount,
so the renderer can combine parameters as a weighted sum of sampling maps. Geometry is measured
once from the portrait's mesh (`FaceGeometry`); the amounts are in the units the motion track uses.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from avatar.face import landmarks as lm

HALO_SCALE = 1.3  # halo ring around the face oval: carries hair and ears along with the head
HALO_FOLLOW = 0.6  # share of the head's motion the halo follows
STILL_SCALE = 1.8  # a ring of anchors that never move: beyond it (shoulders, background) all is still
BORDER_ANCHORS = 12  # per side; anchors on the crop border never move


@dataclass
class FaceGeometry:
    points: np.ndarray  # (M, 2) control points in the upright face frame: mesh (468), halo, border anchors
    image_points: np.ndarray  # (M, 2) the same points in crop pixels
    centre: np.ndarray  # (2,) the face centre both frames turn about
    rotation: np.ndarray  # (2, 2) upright frame -> image frame
    depth: np.ndarray  # (M,) mesh z for mesh points (pixels, negative = nearer), 0 elsewhere
    size: int
    mouth_center: np.ndarray  # (2,)
    mouth_half_width: float
    chin_y: float
    hinge_y: float
    face_center: np.ndarray
    face_width: float
    face_height: float
    upper_lip: np.ndarray  # bool (M,)
    lower_lip: np.ndarray  # bool (M,)
    seam_x: np.ndarray  # lip seam polyline, sorted by x
    seam_y: np.ndarray
    is_mesh: np.ndarray  # bool (M,)
    halo_of: np.ndarray  # (M,) index of the face-oval point a halo point follows, -1 otherwise
    halo_weight: np.ndarray  # (M,) 0 at the crop's edge rising to 1 inside, scales the halo's follow


def build_geometry(mesh: np.ndarray, size: int, anchors: np.ndarray | None = None) -> FaceGeometry:
    """Measure the face once. Deformations work in an upright face frame (the eye line level), so
    a head tilted in the photo still opens its jaw along its own axis; `to_image` maps back.

    `anchors`: the halo and border points (crop pixels) of another geometry of the same face, to
    measure a pose of the mesh (the closed-mouth rest) with the same control points around it."""
    mesh = np.asarray(mesh, dtype=np.float64)
    image_xy = mesh[:, :2]
    oval_image = image_xy[list(lm.FACE_OVAL)]
    centre = oval_image.mean(axis=0)
    eye_line = image_xy[lm.LEFT_EYE_CORNERS[0]] - image_xy[lm.RIGHT_EYE_CORNERS[0]]
    roll = float(np.arctan2(eye_line[1], eye_line[0]))
    c, s = np.cos(roll), np.sin(roll)
    to_image = np.array([[c, -s], [s, c]])  # upright frame -> image frame (about `centre`)

    halo = np.clip(centre + (oval_image - centre) * HALO_SCALE, 2.0, size - 3.0)
    still = np.clip(centre + (oval_image[::2] - centre) * STILL_SCALE, 0.0, size - 1.0)
    t = np.linspace(0.0, size - 1.0, BORDER_ANCHORS, endpoint=False)
    edge = float(size - 1)
    border = np.concatenate([
        np.stack([t, np.zeros_like(t)], 1), np.stack([np.full_like(t, edge), t], 1),
        np.stack([edge - t, np.full_like(t, edge)], 1), np.stack([np.zeros_like(t), edge - t], 1),
    ])
    image_points = np.concatenate([image_xy, halo, still, border] if anchors is None else [image_xy, anchors])
    points = (image_points - centre) @ to_image + centre  # row vectors: p_up = R^T (p - c) + c
    xy = points[:len(image_xy)]
    n_mesh, n_halo = len(xy), len(halo)
    is_mesh = np.zeros(len(points), bool)
    is_mesh[:n_mesh] = True
    halo_of = np.full(len(points), -1)
    halo_of[n_mesh:n_mesh + n_halo] = list(lm.FACE_OVAL)
    # motion fades to nothing at the crop's edge: halo points near it follow the face less
    edge_distance = np.minimum(image_points, size - 1 - image_points).min(axis=1)
    halo_weight = np.clip(edge_distance / (0.12 * size), 0.0, 1.0)
    depth = np.zeros(len(points))
    depth[:n_mesh] = mesh[:, 2]
    oval = xy[list(lm.FACE_OVAL)]
    face_center = oval.mean(axis=0)

    upper_inner = xy[list(lm.LIPS_INNER_UPPER)]
    lower_inner = xy[list(lm.LIPS_INNER_LOWER)]
    seam = (upper_inner + lower_inner) / 2
    order = np.argsort(seam[:, 0])
    seam_x, seam_y = seam[order, 0], seam[order, 1]
    corners = xy[list(lm.MOUTH_CORNERS)]
    mouth_center = (xy[lm.UPPER_LIP_CENTER_INNER] + xy[lm.LOWER_LIP_CENTER_INNER]) / 2
    half_width = float(np.linalg.norm(corners[1] - corners[0]) / 2)
    chin_y = float(xy[lm.CHIN, 1])
    hinge_y = float(mouth_center[1] - 3.0 * (chin_y - mouth_center[1]))  # the jaw turns near the ears

    outer = np.concatenate([xy[list(lm.LIPS_OUTER_UPPER)], xy[list(lm.LIPS_OUTER_LOWER)][::-1]])
    outer = face_center_scale(outer, mouth_center, 1.08).astype(np.float32)
    in_lips = np.array([cv2.pointPolygonTest(outer, (float(x), float(y)), False) >= 0 for x, y in xy])
    seam_at = np.interp(xy[:, 0], seam_x, seam_y)
    upper_lip = np.zeros(len(points), bool)
    lower_lip = np.zeros(len(points), bool)
    upper_lip[:n_mesh] = in_lips & (xy[:, 1] < seam_at)
    lower_lip[:n_mesh] = in_lips & (xy[:, 1] > seam_at)
    for i in lm.LIPS_INNER_UPPER[1:-1]:
        upper_lip[i], lower_lip[i] = True, False
    for i in lm.LIPS_INNER_LOWER[1:-1]:
        upper_lip[i], lower_lip[i] = False, True
    for i in lm.INNER_CORNERS + lm.MOUTH_CORNERS:
        upper_lip[i] = lower_lip[i] = False

    return FaceGeometry(
        points=points, image_points=image_points, centre=centre, rotation=to_image, depth=depth, size=size, mouth_center=mouth_center, mouth_half_width=half_width,
        chin_y=chin_y, hinge_y=hinge_y, face_center=face_center,
        face_width=float(np.ptp(oval[:, 0])), face_height=float(np.ptp(oval[:, 1])),
        upper_lip=upper_lip, lower_lip=lower_lip, seam_x=seam_x, seam_y=seam_y, is_mesh=is_mesh,
        halo_of=halo_of, halo_weight=halo_weight,
    )


def to_image(g: FaceGeometry, upright_points: np.ndarray) -> np.ndarray:
    """Control-point positions in the upright frame -> crop pixels."""
    return (upright_points - g.centre) @ g.rotation.T + g.centre


def face_center_scale(pts: np.ndarray, center: np.ndarray, scale: float) -> np.ndarray:
    return center + (pts - center) * scale


def _mouth_coords(g: FaceGeometry) -> tuple[np.ndarray, np.ndarray]:
    """u: horizontal offset from the mouth centre in half-widths; v: depth below the seam (px)."""
    x, y = g.points[:, 0], g.points[:, 1]
    u = (x - g.mouth_center[0]) / g.mouth_half_width
    v = y - np.interp(x, g.seam_x, g.seam_y)
    return u, v


def lip_gap_per_px(g: FaceGeometry) -> float:
    """How much the inner-lip gap at the centre opens per pixel of jaw drop (see `jaw`)."""
    lip_rot = np.clip((g.mouth_center[1] - g.hinge_y) / (g.chin_y - g.hinge_y), 0, 1)
    return float(lip_rot + 0.12)


def jaw(g: FaceGeometry, drop_px: float) -> np.ndarray:
    """Jaw rotation: the chin drops `drop_px`, the lower lip and lower face follow, the upper lip lifts a little."""
    u, v = _mouth_coords(g)
    y = g.points[:, 1]
    rot = np.clip((y - g.hinge_y) / (g.chin_y - g.hinge_y), 0, 1)
    below = ((v > 0) | g.lower_lip) & g.is_mesh & ~g.upper_lip
    lateral = np.clip(np.abs(u) - 1.0, 0, None)
    fade = np.where(lateral > 0, np.clip(v / (0.35 * g.mouth_half_width * lateral + 1e-6), 0, 1), 1.0)
    # near the lips the drop tapers towards the corners; further down the whole jaw moves
    near = np.exp(-(np.clip(v, 0, None) / (0.6 * g.mouth_half_width)) ** 2)
    profile = 0.35 + 0.65 * np.clip(1 - u ** 2, 0, 1)
    weight = np.where(below, rot * (near * profile + (1 - near)) * fade, 0.0)
    lift = np.where(g.upper_lip, -0.12 * np.clip(1 - u ** 2, 0, 1) ** 0.5, 0.0)
    corner = np.zeros(len(u))
    corner[list(lm.INNER_CORNERS + lm.MOUTH_CORNERS)] = 0.3 * rot[list(lm.INNER_CORNERS + lm.MOUTH_CORNERS)]
    dy = drop_px * (weight + lift + corner)
    return _follow(g, np.stack([np.zeros_like(dy), dy], 1), 0.5)


def _near_mouth(g: FaceGeometry, reach: float = 1.6) -> np.ndarray:
    u, v = _mouth_coords(g)
    dist = np.hypot(u, v / g.mouth_half_width)
    return np.exp(-(dist / reach) ** 4) * g.is_mesh


def lip_wide(g: FaceGeometry, amount: float) -> np.ndarray:
    """Corners pull outwards (amount 1 = 12% of the mouth width each side); the lips thin slightly."""
    u, v = _mouth_coords(g)
    w = _near_mouth(g)
    dx = amount * 0.12 * g.mouth_half_width * np.clip(u, -1.2, 1.2) * w
    dy = -amount * 0.06 * v * w * (g.upper_lip | g.lower_lip)
    return np.stack([dx, dy], 1)


def lip_round(g: FaceGeometry, amount: float) -> np.ndarray:
    """Corners draw inwards and the lips push out into a rounded shape."""
    u, v = _mouth_coords(g)
    w = _near_mouth(g)
    dx = -amount * 0.28 * g.mouth_half_width * np.clip(u, -1.2, 1.2) * w
    bulge = np.clip(1 - u ** 2, 0, 1)
    outer = 0.10 * g.mouth_half_width * bulge
    dy = amount * np.where(g.upper_lip & (v < -2), -outer, np.where(g.lower_lip & (v > 2), outer, 0.0)) * w
    return np.stack([dx, dy], 1)


def lip_press(g: FaceGeometry, amount: float) -> np.ndarray:
    """Lips press together and roll in: outer contours move towards the seam, the mouth narrows a touch."""
    u, v = _mouth_coords(g)
    w = _near_mouth(g, reach=1.3)
    lips = g.upper_lip | g.lower_lip
    dy = -amount * 0.3 * v * w * lips
    dx = -amount * 0.04 * g.mouth_half_width * np.clip(u, -1.2, 1.2) * w
    return np.stack([dx, dy], 1)


def lower_lip_tuck(g: FaceGeometry, amount: float) -> np.ndarray:
    """The lower lip rises under the upper teeth (f, v): only the lower lip moves, up by a fixed share of the mouth."""
    u, v = _mouth_coords(g)
    profile = np.clip(1 - u ** 2, 0, 1) ** 0.5
    dy = -amount * 0.10 * g.mouth_half_width * profile * g.lower_lip
    return np.stack([np.zeros_like(dy), dy], 1)


def teeth_show(g: FaceGeometry, amount: float) -> np.ndarray:
    """The upper lip lifts to bare the upper teeth."""
    u, v = _mouth_coords(g)
    profile = np.clip(1 - u ** 2, 0, 1) ** 0.5
    dy = -amount * 0.10 * g.mouth_half_width * profile * g.upper_lip
    return np.stack([np.zeros_like(dy), dy], 1)


def _eyelid(g: FaceGeometry, rings: tuple[tuple, ...], lower: tuple, amount: float) -> np.ndarray:
    """Close the eye: the lid line and the crease above it come down onto the lower lid, the ring
    above the crease follows 85% of the way, so lid skin and a lash line (not a stretched iris)
    cover the eye. (The mesh often puts the lid line inside the iris, so the crease must close too.)"""
    d = np.zeros_like(g.points)
    lower_pts = g.points[list(lower)]
    order = np.argsort(lower_pts[:, 0])
    for ring, (share, margin) in zip(rings, ((1.0, 0.03), (1.0, 0.06), (0.85, 0.0))):
        for idx in ring:
            x, y = g.points[idx]
            target = np.interp(x, lower_pts[order, 0], lower_pts[order, 1]) - margin
            d[idx, 1] = amount * share * max(target - y, 0.0)
    return d


def blink_right(g: FaceGeometry, amount: float) -> np.ndarray:
    return _eyelid(g, (lm.RIGHT_EYE_UPPER, lm.RIGHT_EYE_CREASE, lm.RIGHT_EYE_LID_SKIN), lm.RIGHT_EYE_LOWER, amount)


def blink_left(g: FaceGeometry, amount: float) -> np.ndarray:
    return _eyelid(g, (lm.LEFT_EYE_UPPER, lm.LEFT_EYE_CREASE, lm.LEFT_EYE_LID_SKIN), lm.LEFT_EYE_LOWER, amount)


def brow_raise(g: FaceGeometry, amount: float) -> np.ndarray:
    """Brows lift by 2.5% of the face height, the forehead and upper lids follow part of the way."""
    d = np.zeros_like(g.points)
    lift = 0.025 * g.face_height * amount
    brow_y = g.points[list(lm.RIGHT_BROW + lm.LEFT_BROW), 1].mean()
    for idx in lm.RIGHT_BROW + lm.LEFT_BROW:
        d[idx, 1] = -lift
    for idx in lm.RIGHT_EYE_CREASE + lm.LEFT_EYE_CREASE:
        d[idx, 1] = -0.3 * lift
    forehead = g.is_mesh & (g.points[:, 1] < brow_y - 0.02 * g.face_height)
    rel = np.clip((brow_y - g.points[:, 1]) / (brow_y - g.points[lm.FOREHEAD, 1] + 1e-6), 0, 1)
    d[forehead, 1] = -lift * (1 - 0.8 * rel[forehead])
    return d


def _follow(g: FaceGeometry, mesh_d: np.ndarray, share: float) -> np.ndarray:
    """Keep the mesh points' displacement; halo points follow their face-oval point by `share`."""
    d = np.where(g.is_mesh[:, None], mesh_d, 0.0)
    halo = g.halo_of >= 0
    d[halo] = share * g.halo_weight[halo, None] * d[g.halo_of[halo]]
    return d


def _head(g: FaceGeometry, mesh_d: np.ndarray) -> np.ndarray:
    return _follow(g, mesh_d, HALO_FOLLOW)


def yaw(g: FaceGeometry, degrees: float) -> np.ndarray:
    """Turn about the vertical axis; points nearer the camera move more (pseudo-3D from mesh depth)."""
    theta = np.radians(degrees)
    z = g.depth - g.depth[list(lm.FACE_OVAL)].mean()
    x = g.points[:, 0] - g.face_center[0]
    dx = x * (np.cos(theta) - 1) - z * np.sin(theta)
    return _head(g, np.stack([dx, np.zeros_like(dx)], 1))


def pitch(g: FaceGeometry, degrees: float) -> np.ndarray:
    """Nod: positive tilts the face down (nose moves down)."""
    theta = np.radians(degrees)
    z = g.depth - g.depth[list(lm.FACE_OVAL)].mean()
    y = g.points[:, 1] - g.face_center[1]
    dy = y * (np.cos(theta) - 1) - z * np.sin(theta)
    return _head(g, np.stack([np.zeros_like(dy), dy], 1))


def roll(g: FaceGeometry, degrees: float) -> np.ndarray:
    """Tilt in the image plane about the chin."""
    theta = np.radians(degrees)
    pivot = np.array([g.face_center[0], g.chin_y])
    rel = g.points - pivot
    c, s = np.cos(theta), np.sin(theta)
    rotated = np.stack([c * rel[:, 0] - s * rel[:, 1], s * rel[:, 0] + c * rel[:, 1]], 1)
    return _head(g, rotated - rel)


def tx(g: FaceGeometry, face_widths: float) -> np.ndarray:
    return _head(g, np.tile([face_widths * g.face_width, 0.0], (len(g.points), 1)))


def ty(g: FaceGeometry, face_widths: float) -> np.ndarray:
    return _head(g, np.tile([0.0, face_widths * g.face_width], (len(g.points), 1)))
