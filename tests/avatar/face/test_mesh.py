"""Face mesh anatomy on real portraits: what a user would notice if it were wrong."""
from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

import avatar
from avatar.face.detect import detect_faces
from avatar.face.mesh import Roi, face_mesh, mesh_with_presence, roi_from_box

HOPPER = Path(avatar.__file__).parent / "assets" / "portraits" / "grace_hopper.jpg"
ASTRONAUT = Path(__file__).parents[2] / "data" / "astronaut.png"

# MediaPipe Face Mesh indices.
NOSE_TIP = 1
UPPER_INNER_LIP, LOWER_INNER_LIP = 13, 14
MOUTH_RIGHT, MOUTH_LEFT = 61, 291  # subject's right corner is on the image left
RIGHT_EYE = [33, 133, 159, 145]  # outer, inner, upper lid, lower lid
LEFT_EYE = [263, 362, 386, 374]
RIGHT_CHEEK_EDGE, LEFT_CHEEK_EDGE = 234, 454
CHIN, FOREHEAD = 152, 10


def load_rgb(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


@pytest.fixture(scope="module", params=["hopper", "astronaut"])
def portrait(request):
    image = load_rgb(HOPPER if request.param == "hopper" else ASTRONAUT)
    box = detect_faces(image)[0]
    mesh = mesh_with_presence(image, box)
    return request.param, image, box, mesh


def test_mesh_shape_and_presence(portrait):
    _, image, box, mesh = portrait
    assert mesh.points.shape == (468, 3) and mesh.points.dtype == np.float32
    assert np.isfinite(mesh.points).all()
    assert mesh.presence > 0.9
    assert np.array_equal(face_mesh(image, box), mesh.points)


def test_eyes_above_nose_above_mouth_above_chin(portrait):
    _, _, _, mesh = portrait
    p = mesh.points
    eyes_y = p[RIGHT_EYE + LEFT_EYE, 1].max()
    mouth_y = p[[UPPER_INNER_LIP, LOWER_INNER_LIP], 1].mean()
    assert p[FOREHEAD, 1] < eyes_y < p[NOSE_TIP, 1] < mouth_y < p[CHIN, 1]


def test_left_right_order(portrait):
    _, _, _, mesh = portrait
    p = mesh.points
    assert p[RIGHT_EYE, 0].max() < p[NOSE_TIP, 0] < p[LEFT_EYE, 0].min()
    assert p[MOUTH_RIGHT, 0] < p[NOSE_TIP, 0] < p[MOUTH_LEFT, 0]
    assert p[RIGHT_CHEEK_EDGE, 0] < p[MOUTH_RIGHT, 0] and p[MOUTH_LEFT, 0] < p[LEFT_CHEEK_EDGE, 0]


def test_points_lie_in_the_face_box(portrait):
    _, _, box, mesh = portrait
    x, y = mesh.points[:, 0], mesh.points[:, 1]
    inside = (x >= box.x0) & (x <= box.x1) & (y >= box.y0) & (y <= box.y1)
    assert inside.mean() > 0.95  # only the chin tip may poke out below the detector's box
    margin_x, margin_y = 0.05 * box.width, 0.15 * box.height
    assert (x > box.x0 - margin_x).all() and (x < box.x1 + margin_x).all()
    assert (y > box.y0 - margin_y).all() and (y < box.y1 + margin_y).all()


def test_inner_lips_touch_on_closed_mouth():
    image = load_rgb(HOPPER)  # Grace Hopper's mouth is closed
    p = face_mesh(image, detect_faces(image)[0])
    mouth_width = np.linalg.norm(p[MOUTH_LEFT, :2] - p[MOUTH_RIGHT, :2])
    gap = np.linalg.norm(p[UPPER_INNER_LIP, :2] - p[LOWER_INNER_LIP, :2])
    assert gap < 0.05 * mouth_width


def test_smiling_astronaut_lips_are_slightly_apart():
    image = load_rgb(ASTRONAUT)  # smiling, teeth showing
    p = face_mesh(image, detect_faces(image)[0])
    mouth_width = np.linalg.norm(p[MOUTH_LEFT, :2] - p[MOUTH_RIGHT, :2])
    gap = p[LOWER_INNER_LIP, 1] - p[UPPER_INNER_LIP, 1]
    assert 0.05 * mouth_width < gap < 0.4 * mouth_width


def test_depth_nose_is_closest_and_scaled_like_x(portrait):
    _, _, box, mesh = portrait
    z = mesh.points[:, 2]
    assert z[NOSE_TIP] == pytest.approx(z.min(), abs=0.03 * box.width)  # nose tip is (nearly) the nearest point
    assert z[NOSE_TIP] < z[RIGHT_CHEEK_EDGE] and z[NOSE_TIP] < z[LEFT_CHEEK_EDGE]
    depth = z[[RIGHT_CHEEK_EDGE, LEFT_CHEEK_EDGE]].mean() - z[NOSE_TIP]
    face_width = mesh.points[LEFT_CHEEK_EDGE, 0] - mesh.points[RIGHT_CHEEK_EDGE, 0]
    assert 0.4 * face_width < depth < 1.2 * face_width  # a head is roughly as deep as it is wide


def test_rotated_portrait_mesh_follows_the_rotation():
    image = load_rgb(HOPPER)
    upright = face_mesh(image, detect_faces(image)[0])
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 15, 1.0)  # 15 degrees counter-clockwise
    turned_image = cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
    turned = face_mesh(turned_image, detect_faces(turned_image)[0])

    def eye_line(p: np.ndarray) -> float:
        return math.degrees(math.atan2(p[263, 1] - p[33, 1], p[263, 0] - p[33, 0]))

    assert eye_line(turned) - eye_line(upright) == pytest.approx(-15, abs=2)
    expected = upright[:, :2] @ matrix[:, :2].T + matrix[:, 2]
    error = np.linalg.norm(turned[:, :2] - expected, axis=1)
    assert np.median(error) < 0.015 * width  # a few pixels
    assert turned[UPPER_INNER_LIP, 1] < turned[CHIN, 1]


def test_roi_is_mediapipe_crop(portrait):
    _, _, box, _ = portrait
    roi = roi_from_box(box)
    assert roi.side == pytest.approx(1.5 * max(box.width, box.height))
    assert (roi.cx, roi.cy) == pytest.approx(box.center)
    corners = np.array([[0, 0, 1], [192, 192, 1]], dtype=np.float64) @ roi.from_crop().T
    assert np.linalg.norm(corners[1] - corners[0]) == pytest.approx(roi.side * math.sqrt(2))
    back = np.append(corners[0], 1) @ Roi(roi.cx, roi.cy, roi.side, roi.roll).to_crop().T
    assert back == pytest.approx([0, 0], abs=1e-6)


def test_no_face_in_box_gives_low_presence():
    blank = np.zeros((400, 400, 3), np.uint8)
    image = load_rgb(HOPPER)
    box = detect_faces(image)[0]
    assert mesh_with_presence(blank, box).presence < 0.1
