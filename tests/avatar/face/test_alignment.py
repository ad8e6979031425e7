"""The optional face-alignment landmark backend: weights from the torch hub cache, 68 -> 468 mapping."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import avatar
from avatar.errors import AvatarError
from avatar.face import alignment as al
from avatar.face import landmarks as lm

HOPPER = Path(avatar.__file__).parent / "assets" / "portraits" / "grace_hopper.jpg"

# face-alignment's own left/right pairing of the 68 iBUG points (face_alignment.utils.shuffle_lr)
IBUG_MIRROR = [16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
               27, 28, 29, 30, 35, 34, 33, 32, 31, 45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40, 54, 53, 52, 51,
               50, 49, 48, 59, 58, 57, 56, 55, 64, 63, 62, 61, 60, 67, 66, 65]


def needs_face_alignment():
    return pytest.importorskip("face_alignment", reason="face-alignment is not installed (optional extra: "
                                                        "pip install 'talking-avatar[face-alignment]')")


@pytest.fixture(scope="module")
def hopper():
    import cv2

    from avatar.face.detect import detect_faces
    from avatar.face.mesh import face_mesh

    image = cv2.cvtColor(cv2.imread(str(HOPPER)), cv2.COLOR_BGR2RGB)
    return image, face_mesh(image, detect_faces(image)[0])


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """An empty torch hub cache: $TORCH_HOME/hub/checkpoints under a temporary folder."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    folder = tmp_path / "torch" / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    return folder


# --- (c) the correspondence table ----------------------------------------------------------------

def test_table_has_68_distinct_points_on_the_right_features():
    t = al.IBUG_TO_MEDIAPIPE
    assert len(t) == 68 and len(set(t)) == 68 and all(0 <= i < 468 for i in t)
    assert (t[48], t[54]) == lm.MOUTH_CORNERS == (61, 291)  # outer lip corners
    assert (t[60], t[64]) == lm.INNER_CORNERS
    assert t[8] == lm.CHIN == 152
    assert t[30] in (1, 4)  # nose tip
    assert (t[36], t[39]) == lm.RIGHT_EYE_CORNERS and (t[45], t[42]) == lm.LEFT_EYE_CORNERS
    assert (t[51], t[57], t[62], t[66]) == (0, 17, 13, 14)  # lip centres, outer and inner
    assert set(t[0:17]) <= set(lm.FACE_OVAL)
    assert set(t[17:22]) <= set(lm.RIGHT_BROW) and set(t[22:27]) <= set(lm.LEFT_BROW)
    assert set(t[36:42]) <= set(lm.RIGHT_EYE_UPPER + lm.RIGHT_EYE_LOWER)
    assert set(t[42:48]) <= set(lm.LEFT_EYE_UPPER + lm.LEFT_EYE_LOWER)
    assert set(t[48:55]) <= set(lm.LIPS_OUTER_UPPER) and set(t[54:60] + t[48:49]) <= set(lm.LIPS_OUTER_LOWER)
    assert set(t[60:65]) <= set(lm.LIPS_INNER_UPPER) and set(t[64:68] + t[60:61]) <= set(lm.LIPS_INNER_LOWER)


def test_table_is_mirror_symmetric_and_ordered_on_a_real_face(hopper):
    _, mesh = hopper
    p = mesh[list(al.IBUG_TO_MEDIAPIPE), :2].astype(np.float64)
    width = np.ptp(p[:17, 0])
    # the face's midline from the nose bridge and chin; each iBUG pair mirrors across it
    mid = np.polyfit(p[[27, 28, 29, 30, 33, 51, 57, 8], 1], p[[27, 28, 29, 30, 33, 51, 57, 8], 0], 1)
    for i, j in enumerate(IBUG_MIRROR):
        centre = (p[i] + p[j]) / 2
        assert abs(centre[0] - np.polyval(mid, centre[1])) < 0.06 * width, (i, j)
        assert abs(p[i, 1] - p[j, 1]) < 0.06 * width, (i, j)
    assert np.all(np.diff(p[0:9, 1]) > 0) and np.all(np.diff(p[8:17, 1]) < 0)  # jaw down to the chin and up
    assert np.all(np.diff(p[0:17, 0]) > 0)  # image left to right
    assert np.all(np.diff(p[27:31, 1]) > 0)  # nose bridge runs down to the tip
    assert np.all(np.diff(p[17:27, 0]) > 0) and np.all(np.diff(p[31:36, 0]) > 0)
    assert p[19, 1] < p[37, 1] < p[41, 1] < p[30, 1] < p[33, 1] < p[51, 1] < p[62, 1] <= p[66, 1] < p[57, 1] < p[8, 1]


# --- (a) missing package / weights ---------------------------------------------------------------

def test_missing_package_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "face_alignment", None)
    monkeypatch.delitem(sys.modules, "face_alignment.models", raising=False)
    monkeypatch.delitem(sys.modules, "face_alignment.utils", raising=False)
    with pytest.raises(AvatarError, match=r"pip install 'talking-avatar\[face-alignment\]'"):
        al.check_available()


def test_missing_weights_name_the_file_and_where_it_goes(hub, hopper):
    needs_face_alignment()
    image, mesh = hopper
    with pytest.raises(AvatarError) as caught:
        al.face_alignment_mesh(image, mesh)
    expected = hub / "2DFAN4-11f355bf06.pth.tar"
    assert caught.value.source == str(expected)
    assert "$TORCH_HOME/hub/checkpoints" in str(caught.value) and "download" in str(caught.value)
    assert list(hub.iterdir()) == []  # nothing was downloaded or created


def test_a_damaged_weights_file_is_named(hub):
    needs_face_alignment()
    (hub / al.WEIGHTS_FILES[0]).write_bytes(b"not a checkpoint")
    with pytest.raises(AvatarError, match="not a face-alignment 2D-FAN weights file") as caught:
        al.load_fan()
    assert caught.value.source == str(hub / al.WEIGHTS_FILES[0])


# --- (b) small weights written into the cache ----------------------------------------------------

def crop_rule(box):
    """face-alignment's crop: centre raised 0.12 box heights, side 200 * (w + h) / 195."""
    x0, y0, x1, y1 = box
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2 - 0.12 * (y1 - y0)])
    return centre, 200.0 * (x1 - x0 + y1 - y0) / 195.0


def fake_heatmaps(targets, box):
    """(1, 68, 64, 64) heatmaps peaking where a FAN would put `targets`, snapped to the quarter-cell
    positions face-alignment's decoding can express; returns them and the snapped targets."""
    centre, side = crop_rule(box)
    u = (targets - centre) * 64 / side + 32 - 0.5  # heatmap cell coordinates
    u = np.floor(u * 2) / 2 + 0.25  # k + 0.25 or k + 0.75: an arg-max cell and a quarter step
    grid = np.arange(64, dtype=np.float64)
    heat = np.exp(-((grid[None, None, :] - u[:, 0, None, None]) ** 2
                    + (grid[None, :, None] - u[:, 1, None, None]) ** 2) / 2.0)
    snapped = (u + 0.5 - 32) * side / 64 + centre
    return heat[None].astype(np.float32), snapped


def write_torchscript(path, heat):
    """A tiny TorchScript 'FAN' that returns fixed heatmaps: `heat` for the crop as given, and the
    mirrored, left/right-swapped set for the mirrored crop (told apart by which half is brighter),
    so face-alignment's flip averaging adds up to 2 x `heat`."""
    import torch
    from face_alignment.utils import flip

    class Fixed(torch.nn.Module):
        def __init__(self, heat: torch.Tensor, mirrored: torch.Tensor):
            super().__init__()
            self.register_buffer("heat", heat)
            self.register_buffer("mirrored", mirrored)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            w = x.shape[3] // 2
            left_brighter = x[:, :, :, :w].mean() > x[:, :, :, w:].mean()
            return torch.where(left_brighter, self.heat, self.mirrored)

    heat = torch.from_numpy(heat)
    torch.jit.save(torch.jit.script(Fixed(heat, flip(heat, is_label=True).contiguous())), str(path))


@pytest.fixture
def small_face(hopper):
    """Grace Hopper's mesh at 0.6 scale on a plain image whose left half is bright, and a smooth
    (affine) move of the face that the fake landmarks describe."""
    _, mesh = hopper
    mesh = mesh.astype(np.float64) * 0.6
    image = np.full((380, 320, 3), 40, np.uint8)
    box = al.box_from_mesh(mesh)
    image[:, : int(round((box[0] + box[2]) / 2))] = 210
    centre = mesh[:, :2].mean(0)
    A = np.array([[1.03, 0.02], [-0.015, 0.98]])

    def move(xy):
        return (xy - centre) @ A.T + centre + np.array([3.0, -2.0])

    return image, mesh, box, move


@pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")
def test_small_torchscript_weights_put_the_68_points_where_the_heatmaps_say(hub, small_face):
    needs_face_alignment()
    image, mesh, box, move = small_face
    table = list(al.IBUG_TO_MEDIAPIPE)
    heat, targets = fake_heatmaps(move(mesh[table, :2]), box)
    write_torchscript(hub / "2DFAN4-cd938726ad.zip", heat)  # face-alignment 1.3-1.4's file name

    out = al.face_alignment_mesh(image, mesh.astype(np.float32))
    assert out.shape == (468, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out[table, :2], targets, atol=0.05)  # on the decoded landmarks
    np.testing.assert_array_equal(out[:, 2], mesh[:, 2].astype(np.float32))  # depth kept
    others = np.setdiff1d(np.arange(468), table)
    error = np.linalg.norm(out[others, :2] - move(mesh[others, :2]), axis=1)
    # the landmarks carry the snapping (<= 1 px) on top of the affine move; everything else follows
    assert np.median(error) < 0.6 and error.max() < 2.0, (np.median(error), error.max())
    # the lips stay whole: each inner-lip point moved like its neighbours
    for row in (lm.LIPS_INNER_UPPER, lm.LIPS_INNER_LOWER, lm.LIPS_MID_UPPER, lm.LIPS_MID_LOWER):
        moved = out[list(row), :2] - mesh[list(row), :2]
        assert np.abs(np.diff(moved, axis=0)).max() < 2.0

    # the detector's box works the same as the box from the mesh
    out_box = al.face_alignment_mesh(image, mesh.astype(np.float32), box=box)
    np.testing.assert_allclose(out_box, out, atol=1e-4)


def test_small_state_dict_weights_load_as_face_alignment_1_5_does(hub, small_face):
    """A one-stack FAN state dict under 1.5's file name: loaded strictly into face-alignment's FAN."""
    needs_face_alignment()
    import torch
    from face_alignment.models import FAN

    image, mesh, box, _ = small_face
    torch.manual_seed(0)
    torch.save(FAN(1).state_dict(), hub / "2DFAN4-11f355bf06.pth.tar")
    (hub / "2DFAN4-cd938726ad.zip").write_bytes(b"ignored: the 1.5 file comes first")
    out = al.face_alignment_mesh(image, mesh.astype(np.float32), box=box)
    assert out.shape == (468, 3) and np.isfinite(out).all()
    # FAN(1) with random weights puts its points anywhere in the crop; only the plumbing is checked
    centre, side = crop_rule(box)
    assert np.all(np.abs(out[list(al.IBUG_TO_MEDIAPIPE), :2] - centre) <= side / 2 + 1)
