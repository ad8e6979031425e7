"""Glasses: found on glasses wearers only, and their frames stay put while the eyes blink."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from avatar.face import landmarks as lm
from avatar.face.glasses import detect_glasses, glasses_scores
from avatar.face.rig import build_rig
from avatar.motion.track import PARAMETERS
from avatar.presenter.renderer import PresenterRenderer

SHARED = Path("/work/shared/portraits")


def pose(**values):
    row = np.zeros(len(PARAMETERS), np.float32)
    for name, value in values.items():
        row[PARAMETERS.index(name)] = value
    return row


def draw_glasses(crop: np.ndarray, mesh: np.ndarray) -> np.ndarray:
    """Dark round frames and a bridge drawn around the mesh's eyes."""
    image = crop.copy()
    m = mesh[:, :2]
    right, left = (m[33] + m[133]) / 2, (m[362] + m[263]) / 2
    dist = float(np.linalg.norm(left - right))
    thick = max(2, int(round(0.05 * dist)))
    for centre in (right, left):
        cv2.ellipse(image, (int(centre[0]), int(centre[1] + 0.05 * dist)), (int(0.42 * dist), int(0.3 * dist)),
                    0, 0, 360, (30, 25, 20), thick, cv2.LINE_AA)
    y = int((right[1] + left[1]) / 2 - 0.05 * dist)
    cv2.line(image, (int(right[0] + 0.4 * dist), y), (int(left[0] - 0.4 * dist), y), (30, 25, 20), thick, cv2.LINE_AA)
    return image


@pytest.fixture(scope="module")
def astronaut_rig(astronaut_large):
    return build_rig(astronaut_large, size=256)


def test_glasses_found_on_hopper(hopper_rig):
    found = detect_glasses(hopper_rig.still_frame, hopper_rig.mesh)
    assert found is not None
    assert found.mask.shape == (256, 256) and found.mask.dtype == np.float32
    assert 0.0 <= found.mask.min() and found.mask.max() <= 1.0
    # the frames run across the nose bridge, and the eye openings themselves are left free
    bridge = hopper_rig.mesh[168, :2].astype(int)
    assert found.mask[bridge[1] - 6:bridge[1] + 7, bridge[0] - 2:bridge[0] + 3].max() > 0.9
    for eye in (lm.RIGHT_EYE_UPPER + lm.RIGHT_EYE_LOWER, lm.LEFT_EYE_UPPER + lm.LEFT_EYE_LOWER):
        centre = hopper_rig.mesh[list(eye), :2].mean(0).astype(int)
        assert found.mask[centre[1], centre[0] - 3:centre[0] + 4].max() < 0.5


def test_no_glasses_on_the_astronaut_until_drawn_on(astronaut_rig):
    crop, mesh = astronaut_rig.still_frame, astronaut_rig.mesh
    assert detect_glasses(crop, mesh) is None
    drawn = draw_glasses(crop, mesh)
    found = detect_glasses(drawn, mesh)
    assert found is not None
    frames = (np.abs(drawn.astype(int) - crop.astype(int)).max(axis=2) > 60).astype(np.uint8)
    masked = found.mask >= 0.5
    assert masked[frames > 0].mean() > 0.8  # the mask is the drawn frames...
    near = cv2.dilate(frames, np.ones((7, 7), np.uint8)) > 0
    assert (masked & ~near).sum() < 0.05 * frames.sum()  # ...and little else


def test_glasses_pixels_stay_put_in_a_blink(hopper_rig):
    found = detect_glasses(hopper_rig.still_frame, hopper_rig.mesh)
    rest, blink, brows, both = PresenterRenderer(hopper_rig).render(np.stack([
        pose(), pose(blink_left=1.0, blink_right=1.0), pose(brow_raise=1.0),
        pose(blink_left=1.0, blink_right=1.0, brow_raise=1.0)]))
    frames = found.mask >= 0.5
    for moved in (blink, brows, both):
        diff = np.abs(moved.astype(int) - rest.astype(int)).max(axis=2)
        assert np.percentile(diff[frames], 99) <= 3 and diff[frames].mean() < 0.5
    # while the eyes close: the openings change a lot
    for eye in ((lm.RIGHT_EYE_UPPER, lm.RIGHT_EYE_LOWER), (lm.LEFT_EYE_UPPER, lm.LEFT_EYE_LOWER)):
        outline = np.concatenate([hopper_rig.mesh[list(eye[1]), :2], hopper_rig.mesh[list(eye[0]), :2][::-1]])
        opening = np.zeros(frames.shape, np.uint8)
        cv2.fillPoly(opening, [np.round(outline).astype(np.int32)], 1)
        diff = np.abs(blink.astype(int) - rest.astype(int)).max(axis=2)
        assert (diff[opening > 0] > 20).mean() > 0.5
        # and the closed eye is skin: much lighter than the dark iris and lashes it covers
        assert blink[opening > 0].mean() > rest[opening > 0].mean() + 20


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared test portraits are not here")
@pytest.mark.parametrize("name, wears", [
    ("st_art_15.png", True), ("st_sad.png", False), ("st_happy1.png", False), ("st_people_0.png", False),
    ("s1.jpg", False), ("s42.jpg", False), ("st_art_14.png", False),
])
def test_shared_portraits(name, wears):
    from avatar.face import rig as rigging
    from avatar.face.detect import detect_faces
    from avatar.face.mesh import mesh_with_presence

    image = rigging.load_portrait(SHARED / name)
    points = mesh_with_presence(image, detect_faces(image)[0]).points  # st_art_15 is too turned for a rig
    x0, y0, side = rigging.crop_square(points, image.shape)
    scale = 256 / side
    crop = cv2.warpAffine(image, np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]]), (256, 256),
                          borderMode=cv2.BORDER_REPLICATE)
    mesh = points.copy()
    mesh[:, :2] = (mesh[:, :2] - [x0, y0]) * scale
    assert (detect_glasses(crop, mesh) is not None) == wears, glasses_scores(crop, mesh)
