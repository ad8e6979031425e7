"""Optional landmark backend: face-alignment's FAN network refines the default 468-point mesh.

`--landmarks face-alignment` (extra `face-alignment`) runs the 2D-FAN of the `face-alignment`
package (Bulat & Tzimiropoulos, 68 iBUG/300W points) on the face our own detector found, and moves
the ONNX mesh so that its points at `IBUG_TO_MEDIAPIPE` land on FAN's 68 points; every other mesh
point follows by a thin-plate spline of those moves, so the rig keeps all 468 points it needs.

Weights are never downloaded: the file must already be in the torch hub cache that face-alignment
itself uses, `$TORCH_HOME/hub/checkpoints` (by default `~/.cache/torch/hub/checkpoints`):

- `2DFAN4-11f355bf06.pth.tar`: the state dict face-alignment 1.5 downloads, or
- `2DFAN4-cd938726ad.zip`: the TorchScript model face-alignment 1.3-1.4 downloaded (many
  talking-head tools ship it in that folder).

Only the FAN network is used, not face-alignment's `FaceAlignment` class: that class always builds
its own face detector (SFD, which downloads `s3fd-619a316812.pth`), downloads missing FAN weights
and runs `torch.compile`. Here the box comes from our detector (or from the mesh), so no detector
weights are needed. torch and face_alignment are imported only when this backend is used.
"""
from __future__ import annotations

import functools
import os
import warnings
import zipfile
from pathlib import Path

import numpy as np

from avatar.errors import AvatarError
from avatar.face import landmarks as lm

INSTALL_HINT = "pip install 'talking-avatar[face-alignment]'"
WEIGHTS_URL = "https://www.adrianbulat.com/downloads/python-fan/2DFAN4-11f355bf06.pth.tar"
# File names face-alignment gives its 2D-FAN weights in the hub cache, preferred first.
WEIGHTS_FILES = ("2DFAN4-11f355bf06.pth.tar", "2DFAN4-cd938726ad.zip")

# face-alignment's crop rule (face_alignment.utils, unchanged since 1.0): a box -> a square crop of
# side SCALE_FACTOR * scale around the box centre raised by CENTER_Y_OFFSET box heights, where
# scale = (width + height) / REFERENCE_SCALE; the net sees it at CROP_RESOLUTION px and returns
# 68 heatmaps at HEATMAP_RESOLUTION px.
REFERENCE_SCALE = 195.0
SCALE_FACTOR = 200.0
CENTER_Y_OFFSET = 0.12
CROP_RESOLUTION = 256
HEATMAP_RESOLUTION = 64

# iBUG 68 point -> MediaPipe face-mesh index. iBUG numbers the points from the image left (the
# subject's right) as 300-W annotates them; each MediaPipe point was picked along its contour at the
# arc-length fraction of the 300-W mean shape and checked on a real portrait, and the table is
# mirror-symmetric (iBUG left/right pairs map to MediaPipe left/right pairs).
IBUG_TO_MEDIAPIPE: tuple[int, ...] = (
    # 0-16 jaw line, image left ear-level -> chin (8) -> image right
    127, 234, 132, 58, 172, 150, 149, 148, 152, 377, 378, 379, 397, 288, 361, 454, 356,
    # 17-21 subject's right brow (upper edge, outer -> inner); 22-26 left brow (inner -> outer)
    70, 63, 105, 66, 107, 336, 296, 334, 293, 300,
    # 27-30 nose bridge, nasion -> tip; 31-35 nose base, right ala -> subnasale (33) -> left ala
    168, 197, 5, 4, 98, 97, 2, 326, 327,
    # 36-41 right eye: outer corner, upper lid x2, inner corner, lower lid x2
    33, 160, 158, 133, 153, 144,
    # 42-47 left eye: inner corner, upper lid x2, outer corner, lower lid x2
    362, 385, 387, 263, 373, 380,
    # 48-59 outer lips: right corner, upper lip -> left corner (54), lower lip back
    61, 39, 37, 0, 267, 269, 291, 321, 314, 17, 84, 91,
    # 60-67 inner lips: right corner, upper -> left corner (64), lower back
    78, 81, 13, 311, 308, 402, 14, 178,
)
INNER_LIPS = range(60, 68)
SMOOTH = [i for i in range(68) if i not in INNER_LIPS]  # the thin-plate spline's control points
# inner-lip contours (corner to corner, lm.LIPS_INNER_*) and the iBUG points on them at contour index
INNER_UPPER_CONTROLS = ((0, 60), (3, 61), (5, 62), (7, 63), (10, 64))
INNER_LOWER_CONTROLS = ((0, 60), (3, 67), (5, 66), (7, 65), (10, 64))


def check_available() -> None:
    """AvatarError with the pip command when face-alignment (or torch, which it needs) is missing."""
    try:
        import face_alignment.models  # noqa: F401
        import face_alignment.utils  # noqa: F401
    except ImportError as e:
        missing = getattr(e, "name", None) or str(e)
        raise AvatarError("--landmarks face-alignment",
                          f"needs the face-alignment package ({missing} is not installed): {INSTALL_HINT}") from None


def weights_dir() -> Path:
    """The torch hub checkpoint folder face-alignment uses: $TORCH_HOME/hub/checkpoints by default."""
    import torch.hub

    return Path(torch.hub.get_dir()) / "checkpoints"


def find_weights() -> Path:
    """The FAN weights file in the hub cache, or an AvatarError naming the file and where it goes."""
    folder = weights_dir()
    for name in WEIGHTS_FILES:
        if (folder / name).is_file():
            return folder / name
    raise AvatarError(folder / WEIGHTS_FILES[0],
                      f"face-alignment weights not found: download {WEIGHTS_URL} to this path "
                      f"(the torch hub cache, $TORCH_HOME/hub/checkpoints; face-alignment 1.3-1.4's "
                      f"{WEIGHTS_FILES[1]} there works too); nothing is downloaded at run time")


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _is_torchscript(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return any(n.endswith("/constants.pkl") or "/code/" in n for n in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


@functools.lru_cache(maxsize=2)
def _load(path: str, stamp: tuple[float, int]):
    import torch
    from face_alignment.models import FAN

    device = _device()
    try:
        if _is_torchscript(Path(path)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit warns that it is deprecated
                net = torch.jit.load(path, map_location=device)
        else:
            state = torch.load(path, map_location=device, weights_only=True)
            if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
                state = state["state_dict"]
            if not isinstance(state, dict):
                raise ValueError("not a state dict")
            state = {k.removeprefix("module."): v for k, v in state.items()}
            stacks = sum(1 for k in state if k.startswith("l") and k.endswith(".weight") and k[1:-7].isdigit())
            net = FAN(max(stacks, 1))  # 2DFAN-4 has four hourglass stacks
            net.load_state_dict(state)
            net.to(device)
    except Exception as e:  # corrupt file, wrong network, truncated download
        reason = str(e).splitlines()[0][:200] if str(e) else ""
        raise AvatarError(path, f"not a face-alignment 2D-FAN weights file ({type(e).__name__}: {reason}); "
                                f"download it again from {WEIGHTS_URL}") from None
    net.eval()
    return net


def load_fan(path: Path | None = None):
    """The FAN network (cached per file), from `path` or the hub cache."""
    check_available()
    path = Path(path) if path is not None else find_weights()
    st = os.stat(path)
    return _load(str(path), (st.st_mtime, st.st_size))


def box_from_mesh(mesh_468: np.ndarray) -> tuple[float, float, float, float]:
    """A face box like our detector's: face-oval width, mid-forehead to just below the chin."""
    oval = mesh_468[list(lm.FACE_OVAL), :2]
    x0, x1 = float(oval[:, 0].min()), float(oval[:, 0].max())
    brows = mesh_468[list(lm.RIGHT_BROW + lm.LEFT_BROW), 1]
    y0 = (float(mesh_468[lm.FOREHEAD, 1]) + float(brows.min())) / 2
    y1 = float(mesh_468[lm.CHIN, 1]) + 0.04 * (x1 - x0)
    return x0, y0, x1, y1


def _as_box(box) -> tuple[float, float, float, float]:
    if hasattr(box, "x0"):
        return float(box.x0), float(box.y0), float(box.x1), float(box.y1)
    x0, y0, x1, y1 = (float(v) for v in list(box)[:4])
    return x0, y0, x1, y1


def decode_heatmaps(heatmaps: np.ndarray, center: np.ndarray, scale: float) -> np.ndarray:
    """(68, 2) image points from (68, 64, 64) heatmaps: face-alignment's rule (arg-max, a quarter
    pixel towards the higher neighbour, half-pixel shift, crop -> image), kept in floats where
    face-alignment rounds to whole pixels."""
    n, h, w = heatmaps.shape
    flat = heatmaps.reshape(n, -1).argmax(1)
    ys, xs = np.divmod(flat, w)
    points = np.stack([xs, ys], 1).astype(np.float64) + 1.0
    for j in range(n):
        x, y = xs[j], ys[j]
        if 0 < x < w - 1 and 0 < y < h - 1:
            hm = heatmaps[j]
            points[j] += 0.25 * np.sign([hm[y, x + 1] - hm[y, x - 1], hm[y + 1, x] - hm[y - 1, x]])
    points -= 0.5
    side = SCALE_FACTOR * scale
    return (points - w / 2) * (side / w) + np.asarray(center, np.float64)


def fan_landmarks(image_rgb: np.ndarray, box, *, flip: bool = True, net=None) -> np.ndarray:
    """(68, 2) iBUG landmarks in image pixels for the face in `box` (a FaceBox or x0, y0, x1, y1).

    With `flip` (face-alignment 1.5's default) the net also sees the mirrored crop and the two
    heatmap sets are summed."""
    import torch
    from face_alignment.utils import crop
    from face_alignment.utils import flip as flip_tensor

    from avatar.face.detect import as_rgb

    image = np.ascontiguousarray(as_rgb(image_rgb))
    net = net if net is not None else load_fan()
    x0, y0, x1, y1 = _as_box(box)
    center = np.array([x1 - (x1 - x0) / 2.0, y1 - (y1 - y0) / 2.0])
    center[1] -= (y1 - y0) * CENTER_Y_OFFSET
    scale = (x1 - x0 + y1 - y0) / REFERENCE_SCALE
    patch = crop(image, center, scale, float(CROP_RESOLUTION))
    inp = torch.from_numpy(patch.transpose(2, 0, 1).astype(np.float32) / 255.0)[None].to(_device())

    def run(x):
        out = net(x)
        return (out[-1] if isinstance(out, (list, tuple)) else out).detach()

    with torch.no_grad():
        heat = run(inp)
        if flip:
            heat = heat + flip_tensor(run(flip_tensor(inp)), is_label=True)
    heat = heat.to("cpu", torch.float32).numpy()[0]
    if heat.shape != (68, HEATMAP_RESOLUTION, HEATMAP_RESOLUTION):
        raise AvatarError("face-alignment", f"the FAN network returned heatmaps of shape {heat.shape}, "
                                            f"expected (68, {HEATMAP_RESOLUTION}, {HEATMAP_RESOLUTION})")
    return decode_heatmaps(heat, center, scale)


def fit_mesh(mesh_468: np.ndarray, landmarks_68: np.ndarray) -> np.ndarray:
    """The mesh moved so its IBUG_TO_MEDIAPIPE points sit on `landmarks_68` (x, y); depth z kept.

    Two steps, because a smooth map cannot part or close lips whose inner contours touch:
    1. a thin-plate spline of the moves at the 60 points off the inner lips moves every point;
    2. the inner-lip points' remaining moves, interpolated along the upper and the lower inner
       contour, move those contours fully and the two lip rows between inner and outer contour by
       2/3 and 1/3, so each lip stays whole.
    """
    from scipy.interpolate import RBFInterpolator

    mesh = np.asarray(mesh_468, np.float64)
    target = np.asarray(landmarks_68, np.float64)[:, :2]
    table = np.asarray(IBUG_TO_MEDIAPIPE)
    xy = mesh[:, :2]
    size = max(float(np.ptp(xy[table, 0])), float(np.ptp(xy[table, 1])), 1.0)
    origin = xy[table].mean(0)

    src = (xy[table[SMOOTH]] - origin) / size
    moves = (target[SMOOTH] - xy[table[SMOOTH]]) / size
    try:
        field = RBFInterpolator(src, moves, kernel="thin_plate_spline", degree=1)
    except np.linalg.LinAlgError:  # coincident control points (a closed eye): fit, not interpolate
        field = RBFInterpolator(src, moves, kernel="thin_plate_spline", degree=1, smoothing=1e-6)
    out = xy + field((xy - origin) / size) * size

    rows = ((lm.LIPS_INNER_UPPER, INNER_UPPER_CONTROLS, (lm.LIPS_MID_UPPER[11:], lm.LIPS_MID_UPPER[:11]), 0),
            (lm.LIPS_INNER_LOWER, INNER_LOWER_CONTROLS, (lm.LIPS_MID_LOWER[9:], lm.LIPS_MID_LOWER[:9]), 1))
    shift = np.zeros_like(out)
    for contour, controls, (near, far), first in rows:
        at = np.array([k for k, _ in controls], np.float64)
        rest = np.array([target[i] - out[IBUG_TO_MEDIAPIPE[i]] for _, i in controls])
        along = np.arange(len(contour), dtype=np.float64)
        delta = np.stack([np.interp(along, at, rest[:, d]) for d in range(2)], 1)
        shift[list(contour)] = delta
        for row, weight in ((near, 2 / 3), (far, 1 / 3)):
            # the middle rows run corner to corner like the contour; the lower ones skip the corners
            where = np.linspace(first, len(contour) - 1 - first, len(row))
            shift[list(row)] = weight * np.stack([np.interp(where, along, delta[:, d]) for d in range(2)], 1)
    out = out + shift

    result = np.array(mesh_468, dtype=np.float32, copy=True)
    result[:, :2] = out
    return result


def face_alignment_mesh(image_rgb: np.ndarray, mesh_468: np.ndarray, box=None, *, flip: bool = True) -> np.ndarray:
    """(468, 3) float32: the ONNX mesh refined by face-alignment's 68 landmarks.

    `box` is the face box from `detect_faces` (a FaceBox, or x0, y0, x1, y1 in image pixels); without
    it a box like the detector's is taken from the mesh. AvatarError when the package or the weights
    are missing."""
    check_available()
    net = load_fan()
    mesh = np.asarray(mesh_468)
    if mesh.shape != (468, 3):
        raise ValueError(f"expected a (468, 3) mesh, got {mesh.shape}")
    points = fan_landmarks(image_rgb, box if box is not None else box_from_mesh(mesh), flip=flip, net=net)
    return fit_mesh(mesh, points)

