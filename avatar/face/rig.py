"""The Rig: everything the renderer needs from one portrait, built once and cached by photo hash.

Portrait -> largest face (detector) -> 468-point mesh -> square crop around head and shoulders ->
the rest-pose sampling map (lips closed) and one map change per motion parameter (see
avatar.face.deform for how each moves the face), plus the inner-lip contour and its changes, from
which the renderer paints the mouth interior into each frame (avatar.face.mouth).
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from avatar.errors import AvatarError
from avatar.face import deform, glasses
from avatar.face import landmarks as lm
from avatar.face.detect import detect_faces
from avatar.face.mesh import mesh_with_presence
from avatar.face.lips import find_opening, refine_inner_lips, teeth_layer
from avatar.face.mouth import sample_colours
from avatar.motion.track import PARAMETERS
from avatar.parameters import BY_NAME, REGISTRY

log = logging.getLogger(__name__)

RIG_VERSION = 14  # 14: a cached rig repeats what building it warned about (13: transparent portraits on grey)
MIN_FACE_PX = 64  # smaller faces are refused
SHARP_FACE_PX = 96  # smaller faces render, upscaled, with a warning that they will look soft
UPPER_LIP_SHARE = 0.4  # closing a photo's parted lips, the upper lip covers this share of the gap
PAD = 2  # source pre-padding in pixels, matching the warp graph
# jaw_open values with their own map. Blending two maps of different openings moves the lip edge
# only approximately; blending between nearby keys keeps the lips their own thickness.
JAW_KEYS = (0.1, 0.25, 0.45, 0.7, 1.0)
# inner-lip gap at jaw_open=1, in outer-eye-corner distances: the jaw's range scales with the head,
# not with the mouth (a small mouth opens as far as a wide one). Stressed open vowels in real speech
# open 0.10-0.16 of that distance (see README, "Presenter evaluation"); jaw_open 0.9 reaches ~0.2.
FULL_GAP = 0.22
MAX_GAP = 1.1  # ... but never more than this many mouth half-widths
SEAM_GAP = 0.02  # px between closed lips: the triangles across it are slivers that never claim a pixel
BASIS_NAMES = tuple(f"jaw_{k}" for k in range(len(JAW_KEYS))) + PARAMETERS[1:]


@dataclass
class Rig:
    size: int
    source: np.ndarray  # (1, 3, size+4, size+4) float32 RGB, pre-padded
    base: np.ndarray  # (size, size, 2) float32 normalised sampling map at rest
    basis: np.ndarray  # (K, size, size, 2) float32 change of the map per unit of each basis parameter
    mesh: np.ndarray  # (468, 3) rest-pose mesh in crop pixels
    crop: tuple[float, float, float]  # x0, y0, side of the crop in photo pixels
    photo_hash: str
    lips_rest: np.ndarray  # (22, 2) inner-lip contour at rest: upper (11, corner to corner), then lower (11)
    lips_basis: np.ndarray  # (K, 22, 2) its change per unit of each basis parameter
    lip_colour: np.ndarray  # (3,) RGB, tints the mouth interior
    skin_colour: np.ndarray  # (3,)
    region: np.ndarray  # (4,) x0, y0, x1, y1: the part of the crop that ever moves; base/basis cover only it
    teeth: np.ndarray  # (h, w, 5) the photo's teeth: RGB, upper alpha, lower alpha (0x0 when it shows none)
    teeth_origin: np.ndarray  # (2,) where the teeth layer sits in the crop
    jaw_rest_shift: np.ndarray  # (2,) how far the jaw moved from the photo to the closed rest pose (px)
    seam_shade: np.ndarray  # (1,) 0..1: how dark a seam the closed lips need (the photo's lips were apart)

    @property
    def still_frame(self) -> np.ndarray:
        """The crop as it is outside the moving region, (size, size, 3) uint8."""
        return np.ascontiguousarray(self.source[0, :, PAD:-PAD, PAD:-PAD].transpose(1, 2, 0)).astype(np.uint8)

    @property
    def basis_names(self) -> tuple[str, ...]:
        return BASIS_NAMES


def with_picture(rig: Rig, crop: np.ndarray) -> Rig:
    """The same rig sampling another picture of its crop ((size, size, 3) uint8 RGB), e.g. one
    whose edge colours were cleaned of the old background (avatar.face.matte.foreground_colours)."""
    if crop.shape != (rig.size, rig.size, 3):
        raise ValueError(f"picture {crop.shape} does not fit the {rig.size} px rig")
    padded = cv2.copyMakeBorder(crop, PAD, PAD, PAD, PAD, cv2.BORDER_REPLICATE)
    return replace(rig, source=np.ascontiguousarray(padded.transpose(2, 0, 1)[None].astype(np.float32)))


ARRAY_FIELDS = ("source", "base", "basis", "mesh", "lips_rest", "lips_basis", "lip_colour", "skin_colour", "region",
                "teeth", "teeth_origin", "jaw_rest_shift", "seam_shade")


def photo_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


# transparent parts of a portrait are flattened onto this grey for the rig (the compositor then
# shows the slide there, through portrait_alpha)
TRANSPARENT_FILL = 128
BACKGROUNDS = ("keep", "remove")  # presenter_background: an opaque portrait's background kept, or cut away


MAX_PORTRAIT_SIDE = 4096  # larger photos are scaled down first: the rig works on a crop of the face


def _decode(path: Path) -> np.ndarray:
    """The portrait's pixels as 8-bit BGR or BGRA, upright (EXIF orientation applied), at most
    MAX_PORTRAIT_SIDE px on the long side. Bad files raise AvatarError saying what is wrong."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if path.is_dir():
        raise AvatarError(path, "is a folder, not a portrait photo")
    if not path.is_file():
        raise AvatarError(path, "portrait not found")
    raw = path.read_bytes()
    if not raw:
        raise AvatarError(path, "empty file, not a portrait photo")
    orientation = 1
    try:
        with Image.open(io.BytesIO(raw)) as header:  # reads the header only: size and EXIF, no pixels
            width = header.size[0]  # 0 below: PIL could not read the header
            orientation = header.getexif().get(0x0112, 1)
    except UnidentifiedImageError:
        raise AvatarError(path, "not an image (use a JPEG or PNG photo)") from None
    except Image.DecompressionBombError:
        raise AvatarError(path, f"the image is too large (over {2 * Image.MAX_IMAGE_PIXELS // 1_000_000} megapixels)") from None
    except Exception:  # a header PIL cannot parse: let OpenCV try
        width = 0
    image = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise AvatarError(path, "the image is damaged or cut short" if width
                          else "not an image OpenCV can read (use JPEG or PNG)")
    if _cut_short_jpeg(raw):
        raise AvatarError(path, "the image is damaged or cut short")
    if image.dtype != np.uint8:
        image = (image / (256 if image.dtype == np.uint16 else image.max() or 1)).astype(np.uint8)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    image = _upright(image, orientation)
    longest = max(image.shape[:2])
    if longest > MAX_PORTRAIT_SIDE:
        scale = MAX_PORTRAIT_SIDE / longest
        image = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)),
                           interpolation=cv2.INTER_AREA)
    return image


def _cut_short_jpeg(raw: bytes) -> bool:
    """A JPEG without its end marker (OpenCV decodes what is there and greys out the rest)."""
    return raw[:2] == b"\xff\xd8" and raw.rstrip(b"\x00")[-2:] != b"\xff\xd9"


def _upright(image: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation (1-8) the way a photo viewer shows the photo."""
    steps = {2: (None, 1), 3: (cv2.ROTATE_180, None), 4: (None, 0), 5: (cv2.ROTATE_90_CLOCKWISE, 1),
             6: (cv2.ROTATE_90_CLOCKWISE, None), 7: (cv2.ROTATE_90_COUNTERCLOCKWISE, 1),
             8: (cv2.ROTATE_90_COUNTERCLOCKWISE, None)}
    rotate, flip = steps.get(orientation, (None, None))
    if rotate is not None:
        image = cv2.rotate(image, rotate)
    if flip is not None:
        image = cv2.flip(image, flip)
    return image


def load_portrait(path: Path) -> np.ndarray:
    """The portrait as RGB; a transparent background is flattened onto mid grey."""
    image = _decode(path)
    if image.shape[2] == 4:
        alpha = image[..., 3:].astype(np.float32) / 255
        image = (image[..., :3] * alpha + TRANSPARENT_FILL * (1 - alpha) + 0.5).astype(np.uint8)
    return cv2.cvtColor(image[..., :3], cv2.COLOR_BGR2RGB)


def portrait_alpha(path: Path, rig: "Rig", side: int, background: str = "keep") -> np.ndarray | None:
    """Where the portrait shows over the rig's crop, (side, side) float32 0..1: its own transparency
    when it has some there; else, with `background="remove"`, the person as the selfie segmenter
    finds them in the crop (avatar.face.matte); else None (opaque everywhere)."""
    if background not in BACKGROUNDS:
        raise AvatarError("presenter_background", f"unknown value {background!r}; choose {' or '.join(BACKGROUNDS)}")
    image = _decode(path)
    if image.shape[2] == 4:
        x0, y0, crop_side = rig.crop
        scale = side / crop_side
        affine = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]])
        alpha = cv2.warpAffine(image[..., 3], affine, (side, side), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE).astype(np.float32) / 255
        if alpha.min() <= 0.995:
            return alpha
    if background == "keep":
        return None
    from avatar.face.matte import person_matte

    still = rig.still_frame
    if still.shape[0] != side:
        still = cv2.resize(still, (side, side), interpolation=cv2.INTER_AREA if side < still.shape[0] else cv2.INTER_LINEAR)
    # the face itself always shows, even where the segmenter doubts a painting or a statue
    oval = rig.mesh[list(lm.FACE_OVAL), :2] * (side / rig.size)
    oval = oval.mean(axis=0) + (oval - oval.mean(axis=0)) * 0.95
    face = np.zeros((side, side), np.float32)
    cv2.fillPoly(face, [np.round(oval * 16).astype(np.int32)], 1.0, lineType=cv2.LINE_AA, shift=4)
    return np.maximum(person_matte(still), cv2.GaussianBlur(face, (0, 0), max(1.0, side / 300)))


LANDMARK_BACKENDS = ("mediapipe", "face-alignment")


def find_face(image: np.ndarray, path: Path, warn: Callable[[str], None], landmarks: str = "mediapipe") -> np.ndarray:
    """The largest face's mesh (468, 3) in photo pixels, or an AvatarError saying why there is none.

    `landmarks="face-alignment"` refines the mesh with the optional face-alignment package's 68 points.
    """
    if landmarks not in LANDMARK_BACKENDS:
        raise AvatarError("--landmarks", f"unknown landmark backend {landmarks!r}; choose {' or '.join(LANDMARK_BACKENDS)}")
    if landmarks == "face-alignment":
        from avatar.face.alignment import check_available

        check_available()
    found = [(box, mesh_with_presence(image, box)) for box in detect_faces(image)[:4]]
    found = [(box, m) for box, m in found if m.presence >= 0.5]
    meshes = [m for _, m in found]
    if not meshes:
        raise AvatarError(path, "no face found in the portrait (use a front-facing photo of one person)")
    if len(meshes) > 1:
        warn(f"{path}: {len(meshes)} faces found; using the largest")
    mesh = meshes[0]  # detections come largest first
    if landmarks == "face-alignment":
        from avatar.face.alignment import face_alignment_mesh

        mesh.points = face_alignment_mesh(image, mesh.points, found[0][0])
    points = mesh.points
    oval = points[list(lm.FACE_OVAL), :2]
    width = float(np.ptp(oval[:, 0]))
    if width < MIN_FACE_PX:
        raise AvatarError(path, f"the face is too small ({width:.0f} px wide; at least {MIN_FACE_PX} px needed)")
    if width < SHARP_FACE_PX:
        warn(f"{path}: the face is only {width:.0f} px wide; it is upscaled and will look soft "
             f"(use a photo with a face at least {SHARP_FACE_PX} px wide)")
    nose = points[lm.NOSE_TIP, 0]
    right, left = points[lm.RIGHT_CHEEK, 0], points[lm.LEFT_CHEEK, 0]
    balance = min(nose - right, left - nose) / max(nose - right, left - nose, 1e-6)
    if balance < 0.3:
        raise AvatarError(path, "the face is turned too far to the side (profile view); use a front-facing photo")
    return points


def crop_square(points: np.ndarray, shape: tuple[int, ...]) -> tuple[float, float, float]:
    """A head-and-shoulders square: 2.4 face widths, face in the upper middle, kept inside the photo if it fits."""
    oval = points[list(lm.FACE_OVAL), :2]
    face_w = float(np.ptp(oval[:, 0]))
    cx = float(oval[:, 0].mean())
    cy = float(oval[:, 1].mean())
    side = 2.4 * face_w
    h, w = shape[:2]
    side = min(side, max(min(h, w), 1.6 * face_w))
    x0 = cx - side / 2
    y0 = cy - 0.42 * side
    x0 = min(max(x0, 0.0), w - side) if side <= w else (w - side) / 2
    y0 = min(max(y0, 0.0), h - side) if side <= h else (h - side) / 2
    return x0, y0, side


def sampling_map(out_points: np.ndarray, src_points: np.ndarray, size: int) -> np.ndarray:
    """(size, size, 2) source pixel positions for every output pixel: piecewise-linear over a triangulation.

    Triangles are rasterised into an index image (fast), then each pixel's barycentric coordinates
    in its triangle carry the source positions over.
    """
    from scipy.spatial import Delaunay  # here: 0.5 s to import, and a cached rig needs none of it

    tri = Delaunay(out_points)
    owner = np.full((size, size), -1.0, np.float32)
    corners = np.round(out_points * 16).astype(np.int32)
    a, b, c = (out_points[tri.simplices[:, i]] for i in range(3))
    area = np.abs((b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0])
    # slivers first: where a sliver (the closed lip seam) and a proper triangle share pixels, the
    # proper triangle wins, so a closed mouth never samples the folded-away interior band
    for i in np.argsort(area):
        cv2.fillConvexPoly(owner, corners[tri.simplices[i]], float(i), lineType=cv2.LINE_8, shift=4)
    ys, xs = np.mgrid[0:size, 0:size]
    query = np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float64)
    simplex = owner.ravel().astype(np.int64)
    missing = simplex < 0
    if missing.any():
        simplex[missing] = tri.find_simplex(np.clip(query[missing], 0.01, size - 1.01))
    # barycentric coordinates (Delaunay.transform is very slow in scipy; this is the same thing)
    edges = np.stack([b - a, c - a], axis=2)  # (T, 2, 2): columns are the edge vectors
    det = edges[:, 0, 0] * edges[:, 1, 1] - edges[:, 0, 1] * edges[:, 1, 0]
    det = np.where(np.abs(det) < 1e-12, 1e-12, det)
    inverse = np.stack([np.stack([edges[:, 1, 1], -edges[:, 0, 1]], 1),
                        np.stack([-edges[:, 1, 0], edges[:, 0, 0]], 1)], 1) / det[:, None, None]
    weights = np.einsum("nij,nj->ni", inverse[simplex], query - a[simplex])  # weights of b and c
    src = src_points[tri.simplices[simplex]]
    mapped = src[:, 0] + weights[:, :1] * (src[:, 1] - src[:, 0]) + weights[:, 1:] * (src[:, 2] - src[:, 0])
    return mapped.reshape(size, size, 2)


def _fill_parted_lips(crop: np.ndarray, mesh: np.ndarray) -> np.ndarray:
    """A photo with parted lips shows teeth between them; closing the mouth at rest would squeeze
    those into the seam. Fill the opening (slightly dilated, for the mesh's error) and the dark
    corner shadows of a smile inside the outer lip contour from the surrounding lip colour, so the
    closed seam is lip on lip and the painted interior owns the gap (the teeth are kept aside,
    avatar.face.lips.teeth_layer)."""
    upper, lower = mesh[list(lm.LIPS_INNER_UPPER), :2], mesh[list(lm.LIPS_INNER_LOWER), :2]
    gap = float(np.max(lower[:, 1] - upper[:, 1]))
    if gap < 1.0:
        return crop
    mask = np.zeros(crop.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(np.concatenate([upper, lower[::-1]])).astype(np.int32)], 255)
    outer = np.zeros_like(mask)
    cv2.fillPoly(outer, [np.round(np.concatenate([mesh[list(lm.LIPS_OUTER_UPPER), :2],
                                                   mesh[list(lm.LIPS_OUTER_LOWER), :2][::-1]])).astype(np.int32)], 255)
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)
    lips = (outer > 0) & (mask == 0)
    if lips.any():
        mask[(outer > 0) & (grey < 0.5 * float(np.median(grey[lips])))] = 255
    grow = max(1, int(round(0.15 * gap)))
    mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1)))
    return cv2.inpaint(crop, mask, max(3, 2 * grow), cv2.INPAINT_TELEA)


def _lower_upper_lip(g: deform.FaceGeometry, share: float) -> np.ndarray:
    """Displacements that bring the upper lip down over `share` of the gap between the lips (a
    smile's raised upper lip relaxing): the inner contour moves the full amount, the lip above it
    and the skin up to the nose follow less and less, so the lip keeps its texture and the skin
    between nose and lip takes up the stretch."""
    d = np.zeros_like(g.points)
    upper, lower = list(lm.LIPS_INNER_UPPER), list(lm.LIPS_INNER_LOWER)
    order = np.argsort(g.points[upper, 0])
    ux, uy = g.points[upper, 0][order], g.points[upper, 1][order]
    gap = np.clip(g.points[lower, 1][order] - uy, 0, None)
    x, y = g.points[:, 0], g.points[:, 1]
    gap_at = np.interp(x, ux, gap, left=0.0, right=0.0)
    edge_at = np.interp(x, ux, uy)
    nose_y = float(g.points[lm.NOSE_BOTTOM, 1])
    weight = np.clip((y - nose_y) / np.maximum(edge_at - nose_y, 1e-6), 0, 1) ** 1.5
    above = g.is_mesh & (y <= edge_at + 0.5) & ~g.lower_lip
    d[:, 1] = np.where(above, share * gap_at * weight, 0.0)
    d[upper[1:-1], 1] = share * gap_at[upper[1:-1]]
    return d


def _unfold_lips(points: np.ndarray, lower_lip: np.ndarray | None = None) -> np.ndarray:
    """Keep each inner-lower-lip point a hair below its upper partner (crossed lips fold the map).

    With `lower_lip` (a mask of the lower lip's points), close the mouth instead: the inner lower
    contour goes exactly there and the whole lower lip moves with it, so it keeps its thickness."""
    points = points.copy()
    upper = list(lm.LIPS_INNER_UPPER[1:-1])
    lower = list(lm.LIPS_INNER_LOWER[1:-1])
    floor = points[upper, 1] + SEAM_GAP
    if lower_lip is None:
        points[lower, 1] = np.maximum(points[lower, 1], floor)
        return points
    shift = floor - points[lower, 1]
    order = np.argsort(points[lower, 0])
    moved = np.flatnonzero(lower_lip)
    points[moved, 1] += np.interp(points[moved, 0], points[lower, 0][order], shift[order])
    points[lower, 1] = floor
    return points


def _moving_region(rest_map: np.ndarray, basis: np.ndarray, size: int) -> tuple[int, int, int, int]:
    """The bounding box (even-aligned) of the pixels any parameter moves or the rest pose changes;
    the warp runs only there, the rest of the crop is copied as it is."""
    ys, xs = np.mgrid[0:size, 0:size]
    identity = np.stack([xs, ys], -1)
    moving = (np.abs(basis).max(axis=(0, 3)) > 1e-4) | (np.abs(rest_map - identity).max(axis=2) > 1e-3)
    rows, cols = np.flatnonzero(moving.any(axis=1)), np.flatnonzero(moving.any(axis=0))
    if not len(rows):
        return 0, 0, 2, 2
    x0, y0 = max(cols[0] - 2, 0) // 2 * 2, max(rows[0] - 2, 0) // 2 * 2
    x1, y1 = min(-(-(cols[-1] + 3) // 2) * 2, size), min(-(-(rows[-1] + 3) // 2) * 2, size)
    return int(x0), int(y0), int(x1), int(y1)


def _normalise(pixel_map: np.ndarray, size: int) -> np.ndarray:
    return ((2 * (pixel_map + PAD) + 1) / (size + 2 * PAD) - 1).astype(np.float32)


def _displacement(g: deform.FaceGeometry, state: dict[str, float], jaw_full_px: float) -> np.ndarray:
    d = np.zeros_like(g.points)
    for name, value in state.items():
        if value == 0:
            continue
        d += BY_NAME[name].deform(g, value * jaw_full_px if name == "jaw_open" else value)
    return d


def build_rig_from_image(image: np.ndarray, path: Path, size: int, warn: Callable[[str], None],
                         landmarks: str = "mediapipe") -> Rig:
    points = find_face(image, path, warn, landmarks)
    x0, y0, side = crop_square(points, image.shape)
    scale = size / side
    affine = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]])
    crop = cv2.warpAffine(image, affine, (size, size), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LANCZOS4,
                          borderMode=cv2.BORDER_REPLICATE)
    mesh = points.astype(np.float64).copy()
    mesh[:, :2] = (mesh[:, :2] - [x0, y0]) * scale
    mesh[:, 2] *= scale
    # the lips as the pixels show them (the mesh misplaces them on toothy smiles), the photo's
    # teeth kept aside for open-mouth frames, then the opening filled for the closed rest pose
    opening = find_opening(crop, mesh)
    teeth, teeth_origin = teeth_layer(crop, opening, mesh)
    mesh = refine_inner_lips(mesh, opening)
    crop = _fill_parted_lips(crop, mesh)
    g = deform.build_geometry(mesh, size)
    per_px = deform.lip_gap_per_px(g)
    eyes = float(np.linalg.norm(g.points[lm.RIGHT_EYE_CORNERS[0]] - g.points[lm.LEFT_EYE_CORNERS[0]]))
    jaw_full_px = min(FULL_GAP * eyes, MAX_GAP * g.mouth_half_width) / per_px

    # at rest the lips close: a portrait with parted lips has its jaw raised by the gap; every
    # motion is then measured on that closed mouth (g_rest), while sampling the photo as it is (g)
    upright_mesh = g.points[:len(mesh)]
    gap0 = float(upright_mesh[lm.LOWER_LIP_CENTER_INNER, 1] - upright_mesh[lm.UPPER_LIP_CENTER_INNER, 1]) - SEAM_GAP
    closing = np.zeros_like(g.points)
    if gap0 > 0:
        # the upper lip comes down part of the way, the jaw and lower lip rise to meet it
        closing = _lower_upper_lip(g, UPPER_LIP_SHARE) + deform.jaw(g, -(1 - UPPER_LIP_SHARE) * gap0 / per_px)
    rest_up = _unfold_lips(g.points + closing, g.lower_lip)
    rest = deform.to_image(g, rest_up)
    g_rest = deform.build_geometry(np.concatenate([rest[:len(mesh)], mesh[:, 2:3]], 1), size,
                                   anchors=g.image_points[len(mesh):])
    inner = list(lm.LIPS_INNER_UPPER) + list(lm.LIPS_INNER_LOWER)

    def pose(state: dict[str, float]) -> np.ndarray:
        """Control points in crop pixels for a parameter state (deformed upright, then turned back)."""
        return deform.to_image(g_rest, _unfold_lips(g_rest.points + _displacement(g_rest, state, jaw_full_px)))

    def difference(state: dict[str, float], reference: dict[str, float], scale_by: float = 1.0):
        a, b = pose(state), pose(reference)
        return ((sampling_map(a, g.image_points, size) - sampling_map(b, g.image_points, size)) / scale_by,
                (a[inner] - b[inner]) / scale_by)

    rest_map = sampling_map(rest, g.image_points, size)
    changes = [difference({"jaw_open": key}, {}) for key in JAW_KEYS]
    for p in REGISTRY[1:]:
        if p.basis_step is not None:
            step = p.basis_step
            changes.append(difference({p.name: step}, {p.name: -step}, 2 * step))
        else:
            ref = {"jaw_open": p.reference_jaw} if p.reference_jaw is not None else {}
            changes.append(difference({**ref, p.name: 1.0}, ref))
    lip_polygon = np.concatenate([mesh[list(lm.LIPS_OUTER_UPPER), :2], mesh[list(lm.LIPS_OUTER_LOWER), :2][::-1]])
    lip_colour, skin_colour = sample_colours(crop, lip_polygon, mesh[[50, 280, 205, 425], :2])
    padded = cv2.copyMakeBorder(crop, PAD, PAD, PAD, PAD, cv2.BORDER_REPLICATE)
    pixel_scale = 2.0 / (size + 2 * PAD)
    basis = np.stack([c[0] for c in changes])
    found = glasses.detect_glasses(crop, mesh)  # glasses: the frames stay rigid in blinks and brow raises
    if found is not None:
        basis = glasses.keep_rims_still(basis, BASIS_NAMES, found.mask, mesh)
    x0r, y0r, x1r, y1r = _moving_region(rest_map, basis, size)
    return Rig(
        size=size,
        source=np.ascontiguousarray(padded.transpose(2, 0, 1)[None].astype(np.float32)),
        base=np.ascontiguousarray(_normalise(rest_map, size)[y0r:y1r, x0r:x1r]),
        basis=np.ascontiguousarray((basis[:, y0r:y1r, x0r:x1r] * pixel_scale).astype(np.float32)),
        region=np.array([x0r, y0r, x1r, y1r]),
        mesh=np.concatenate([rest[:468], mesh[:, 2:3]], 1).astype(np.float32),
        crop=(x0, y0, side),
        photo_hash="",
        lips_rest=rest[inner].astype(np.float32),
        lips_basis=np.stack([c[1] for c in changes]).astype(np.float32),
        lip_colour=lip_colour.astype(np.float32),
        skin_colour=skin_colour.astype(np.float32),
        teeth=teeth,
        teeth_origin=teeth_origin,
        jaw_rest_shift=(rest[lm.LOWER_LIP_CENTER_OUTER] - g.image_points[lm.LOWER_LIP_CENTER_OUTER]).astype(np.float32),
        seam_shade=np.array([np.clip(gap0 / 2.0, 0.0, 1.0)], np.float32),
    )


def cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(os.environ.get("AVATAR_CACHE_DIR") or user_cache_dir("talking-avatar")) / "rigs"


def build_rig(path: Path, size: int = 512, warn: Callable[[str], None] = log.warning, use_cache: bool = True,
              landmarks: str = "mediapipe") -> Rig:
    """The rig for a portrait at a render size, from the cache when this photo was rigged before."""
    path = Path(path)
    image = load_portrait(path)
    digest = photo_hash(path)
    backend = "" if landmarks == "mediapipe" else f"-{landmarks}"
    cached = cache_dir() / f"{digest}-{size}{backend}-v{RIG_VERSION}.npz"
    prefix = f"{path}: "
    if use_cache and cached.is_file():
        try:
            with np.load(cached) as data:
                fields = {name: data[name] for name in ARRAY_FIELDS}
                rig = Rig(size=size, crop=tuple(data["crop"]), photo_hash=digest, **fields)
                notes = [str(note) for note in data["warnings"]] if "warnings" in data else []
            for note in notes:  # what building this rig warned about still holds
                warn(prefix + note)
            return rig
        except Exception:  # a damaged cache entry is rebuilt
            log.info("rebuilding damaged rig cache %s", cached)
    notes: list[str] = []

    def noted(message: str) -> None:
        notes.append(message.removeprefix(prefix))
        warn(message)

    rig = build_rig_from_image(image, path, size, noted, landmarks)
    rig.photo_hash = digest
    if use_cache:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez_compressed(tmp, crop=np.array(rig.crop), warnings=np.array(notes, dtype=str),
                            **{name: getattr(rig, name) for name in ARRAY_FIELDS})
        os.replace(tmp, cached)
    return rig
