"""The independent measurement: dlib's 68-point face landmarks on the rendered frames.

The product rigs and warps the portrait with MediaPipe's 468-point mesh; measuring the result with
the same mesh grades the renderer with its own eyes. dlib's HOG face detector and its 68-point
shape predictor (iBUG 300-W annotation) are a different model trained on different data, so they
see the frames more the way a viewer does.

Evaluation only: the predictor's weights (`shape_predictor_68_face_landmarks.dat`, from the
registry package `face-recognition-models`) are trained on the iBUG 300-W data set, whose licence
forbids commercial use. The product never imports this module; only `avatar.eval` does, and only
when `dlib-bin` and `face-recognition-models` are installed (the `dev` extra).

Points (0-based, dlib's numbering): 36 and 45 the outer eye corners; 48-59 the outer lip contour;
60-67 the inner lip contour, with upper 61, 62, 63 above lower 67, 66, 65.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MODEL_FILE = "shape_predictor_68_face_landmarks.dat"
INSTALL_HINT = ("pip install dlib-bin face-recognition-models (evaluation only: the 68-point model's "
                "training data forbids commercial use)")

INNER_LIP_PAIRS = ((61, 67), (62, 66), (63, 65))  # (upper, lower)
EYE_CORNERS = (36, 45)  # outer corners
OUTER_LIPS = tuple(range(48, 60))
INNER_LIPS = tuple(range(60, 68))
RIGHT_EYE = tuple(range(36, 42))
LEFT_EYE = tuple(range(42, 48))
RIGHT_BROW = tuple(range(17, 22))
LEFT_BROW = tuple(range(22, 27))

CLOSED_GAP = 0.04  # inner-lip gap / eye-corner distance under which the lips count as closed
OPEN_GAP = 0.08  # ... over which an open vowel counts as open (at least rest gap + OPEN_OVER_REST)
OPEN_OVER_REST = 0.05


class DlibUnavailable(RuntimeError):
    """dlib or the 68-point model cannot be loaded; the message says what to install."""


def lip_gap(points: np.ndarray) -> np.ndarray:
    """(..., 68, 2) dlib points -> (...) inner-lip gap over the outer-eye-corner distance.

    The gap is the mean over the pairs 61-67, 62-66, 63-65 of the lower point's distance below the
    upper one, measured along the face's vertical (perpendicular to the line through the outer eye
    corners 36-45, so a rolled head reads the same). Negative when the predictor puts the lower
    inner lip above the upper one (pressed lips)."""
    p = np.asarray(points, np.float64)[..., :2]
    eye = p[..., EYE_CORNERS[1], :] - p[..., EYE_CORNERS[0], :]
    dist = np.linalg.norm(eye, axis=-1)
    unit = eye / np.maximum(dist, 1e-9)[..., None]
    down = np.stack([-unit[..., 1], unit[..., 0]], axis=-1)  # image y grows downwards
    upper = p[..., [a for a, _ in INNER_LIP_PAIRS], :]
    lower = p[..., [b for _, b in INNER_LIP_PAIRS], :]
    vertical = np.einsum("...kc,...c->...k", lower - upper, down)
    return vertical.mean(axis=-1) / np.maximum(dist, 1e-9)


def open_threshold(rest_gap: float) -> float:
    """The gap an open vowel must exceed: max(OPEN_GAP, rest gap + OPEN_OVER_REST)."""
    return max(OPEN_GAP, float(rest_gap) + OPEN_OVER_REST)


def model_path() -> Path:
    """The 68-point predictor inside the installed `face_recognition_models` package (located without
    importing it: its __init__ needs pkg_resources)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise DlibUnavailable(f"face-recognition-models is not installed; {INSTALL_HINT}")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "models" / MODEL_FILE
        if path.is_file():
            return path
    raise DlibUnavailable(f"{MODEL_FILE} not found in face_recognition_models; {INSTALL_HINT}")


def availability() -> str:
    """'' when the backend can load, otherwise why not (one line)."""
    try:
        import dlib  # noqa: F401
    except ImportError:
        return f"dlib is not installed; {INSTALL_HINT}"
    try:
        model_path()
    except DlibUnavailable as exc:
        return str(exc)
    return ""


Box = tuple[int, int, int, int]  # left, top, right, bottom


def box_from_mesh(points: np.ndarray) -> Box:
    """A dlib-like face box from our 468-point mesh: cheek to cheek, brows to chin (dlib's detector
    boxes leave out the forehead). Used only when dlib finds no face on a portrait's rest frame."""
    p = np.asarray(points)[:, :2]
    left, right = p[234, 0], p[454, 0]
    top = min(p[105, 1], p[334, 1])  # brow middles
    bottom = p[152, 1]  # chin
    return int(round(left)), int(round(top)), int(round(right)), int(round(bottom))


@dataclass
class FrameLandmarks:
    points: np.ndarray  # (N, 68, 2)
    sources: list[str] = field(default_factory=list)  # per frame: "dlib", "dlib_upsampled", "rest_box"


class DlibLandmarks:
    """dlib's HOG frontal face detector and 68-point shape predictor (loaded once)."""

    def __init__(self, model: Path | None = None):
        reason = availability() if model is None else ""
        if reason:
            raise DlibUnavailable(reason)
        import dlib

        self._dlib = dlib
        self.model = Path(model) if model else model_path()
        self.detector = dlib.get_frontal_face_detector()
        self.predictor = dlib.shape_predictor(str(self.model))

    def detect(self, image: np.ndarray) -> tuple[Box | None, str]:
        """The largest face box on an RGB uint8 image: at native scale, else upsampled once."""
        image = np.ascontiguousarray(image)  # dlib-bin misreads strided views
        for upsample, source in ((0, "dlib"), (1, "dlib_upsampled")):
            rects = list(self.detector(image, upsample))
            if rects:
                r = max(rects, key=lambda r: r.width() * r.height())
                return (r.left(), r.top(), r.right(), r.bottom()), source
        return None, "none"

    def landmarks(self, image: np.ndarray, box: Box) -> np.ndarray:
        """(68, 2) points of the face in `box`."""
        image = np.ascontiguousarray(image)
        shape = self.predictor(image, self._dlib.rectangle(*[int(v) for v in box]))
        return np.array([(q.x, q.y) for q in shape.parts()], np.float64)

    def track(self, frames, fallback: Box) -> FrameLandmarks:
        """Landmarks on every frame, the face detected afresh on each (falling back to `fallback`,
        the rest frame's box, where the detector finds none)."""
        points, sources = [], []
        for frame in frames:
            box, source = self.detect(frame)
            if box is None:
                box, source = fallback, "rest_box"
            points.append(self.landmarks(frame, box))
            sources.append(source)
        return FrameLandmarks(np.stack(points) if points else np.zeros((0, 68, 2)), sources)


_SHARED: DlibLandmarks | None = None


def shared() -> DlibLandmarks:
    """One loaded backend per process (loading the predictor takes about 2 s)."""
    global _SHARED
    if _SHARED is None:
        _SHARED = DlibLandmarks()
    return _SHARED


def exclusion_mask(points: np.ndarray, shape: tuple[int, int], dilate_px: int) -> np.ndarray:
    """uint8 mask of dlib's outer lip contour and both eyes with their upper lid skin (half way up to
    the brow: blinks move it), dilated. The brows themselves stay in (brow raises count)."""
    import cv2

    mask = np.zeros(shape, np.uint8)
    p = np.asarray(points, np.float64)[:, :2]
    regions = [p[list(OUTER_LIPS)]]
    for eye, brow in ((RIGHT_EYE, RIGHT_BROW), (LEFT_EYE, LEFT_BROW)):
        centre = p[list(eye)].mean(0)
        lid = centre + 0.5 * (p[list(brow)] - centre)
        regions.append(np.concatenate([p[list(eye)], lid]))
    for region in regions:
        hull = cv2.convexHull(region.astype(np.float32))[:, 0]
        cv2.fillPoly(mask, [np.round(hull).astype(np.int32)], 255)
    if dilate_px > 0:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * dilate_px + 1, 2 * dilate_px + 1))
        mask = cv2.dilate(mask, kernel)
    return mask
