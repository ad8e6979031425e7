"""Face detection on real portraits and on images made in the test."""
from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

import avatar
from avatar.face.detect import LEFT_EYE, MOUTH, NOSE_TIP, RIGHT_EYE, FaceBox, anchors, detect_faces
from avatar.face.mesh import mesh_with_presence

HOPPER = Path(avatar.__file__).parent / "assets" / "portraits" / "grace_hopper.jpg"
ASTRONAUT = Path(__file__).parents[2] / "data" / "astronaut.png"


def load_rgb(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def rotate(image: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """Image turned `degrees` counter-clockwise on screen about its centre, and the 2x3 matrix."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REFLECT), matrix


def eye_line_degrees(start: np.ndarray, end: np.ndarray) -> float:
    return math.degrees(math.atan2(float(end[1] - start[1]), float(end[0] - start[0])))


@pytest.fixture(scope="module")
def hopper() -> np.ndarray:
    return load_rgb(HOPPER)


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return load_rgb(ASTRONAUT)


def test_anchors_match_mediapipe_short_range_layout():
    grid = anchors()
    assert grid.shape == (896, 2)
    assert np.allclose(grid[:2], [[0.5 / 16, 0.5 / 16]] * 2)  # 16x16 cells, 2 anchors each
    assert np.allclose(grid[512], [0.5 / 8, 0.5 / 8])  # then 8x8 cells, 6 anchors each
    assert np.allclose(grid[-1], [7.5 / 8, 7.5 / 8])


@pytest.mark.parametrize("name", ["hopper", "astronaut"])
def test_portrait_has_one_face_with_sane_keypoints(name, request):
    image = request.getfixturevalue(name)
    faces = detect_faces(image)
    assert len(faces) == 1
    face = faces[0]
    height, width = image.shape[:2]
    assert face.score > 0.85
    assert 0 <= face.x0 < face.x1 <= width and 0 <= face.y0 < face.y1 <= height
    assert 0.15 * width < face.width < 0.6 * width
    assert face.keypoints.shape == (6, 2)
    kp = face.keypoints
    assert kp[RIGHT_EYE, 0] < kp[NOSE_TIP, 0] < kp[LEFT_EYE, 0]  # subject's right eye is on the image left
    assert max(kp[RIGHT_EYE, 1], kp[LEFT_EYE, 1]) < kp[NOSE_TIP, 1] < kp[MOUTH, 1]
    cx, cy = face.center
    assert face.x0 < cx < face.x1 and face.y0 < cy < face.y1


def test_grace_hopper_box_is_where_her_face_is(hopper):
    face = detect_faces(hopper)[0]
    # Measured once (identical to MediaPipe's own FaceDetection to 0.01 px).
    assert face.center == pytest.approx((268.6, 244.2), abs=1.5)
    assert face.width == pytest.approx(194.4, abs=1.5)


def test_blank_images_have_no_face():
    assert detect_faces(np.zeros((300, 400, 3), np.uint8)) == []
    assert detect_faces(np.full((300, 400, 3), 255, np.uint8)) == []


def test_noise_gives_at_most_weak_detections_that_the_mesh_rejects():
    # The model itself (MediaPipe too) scores some uniform-noise images just above 0.5 (seed 0 does);
    # such boxes are weak and the mesh's face-presence score rules them out.
    for seed in range(3):
        noise = np.random.default_rng(seed).integers(0, 256, (480, 640, 3), dtype=np.uint8)
        for face in detect_faces(noise):
            assert face.score < 0.6
            assert mesh_with_presence(noise, face).presence < 0.5
        assert detect_faces(noise, min_score=0.6) == []


def test_two_portraits_side_by_side_give_two_faces_largest_first(hopper):
    small = cv2.resize(hopper, None, fx=0.7, fy=0.7, interpolation=cv2.INTER_AREA)
    canvas = np.full((hopper.shape[0], hopper.shape[1] + small.shape[1], 3), 128, np.uint8)
    canvas[:, : hopper.shape[1]] = hopper
    canvas[: small.shape[0], hopper.shape[1]:] = small
    faces = detect_faces(canvas)
    assert len(faces) == 2
    big, little = faces
    assert big.width > little.width
    assert big.center[0] < hopper.shape[1] < little.center[0]
    assert little.width / big.width == pytest.approx(0.7, abs=0.1)


def test_rotated_portrait_is_found_with_rotated_eye_line(hopper):
    upright = detect_faces(hopper)[0]
    turned_image, matrix = rotate(hopper, 15)
    faces = detect_faces(turned_image)
    assert len(faces) == 1
    turned = faces[0]
    change = eye_line_degrees(turned.keypoints[RIGHT_EYE], turned.keypoints[LEFT_EYE]) - eye_line_degrees(
        upright.keypoints[RIGHT_EYE], upright.keypoints[LEFT_EYE])
    assert change == pytest.approx(-15, abs=3)  # counter-clockwise on screen = negative in y-down coordinates
    expected_nose = matrix[:, :2] @ upright.keypoints[NOSE_TIP] + matrix[:, 2]
    assert np.linalg.norm(turned.keypoints[NOSE_TIP] - expected_nose) < 0.05 * upright.width


@pytest.mark.parametrize("scale", [0.5, 0.31])
def test_downscaled_portrait_reports_box_in_its_own_pixels(hopper, scale):
    reference = detect_faces(hopper)[0]
    small = cv2.resize(hopper, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    faces = detect_faces(small)
    assert len(faces) == 1  # a ~60 px face in a photo it fills is still found
    assert faces[0].width == pytest.approx(reference.width * scale, rel=0.08)
    assert np.allclose(faces[0].center, np.array(reference.center) * scale, atol=0.05 * reference.width * scale)


def test_small_face_on_large_canvas_is_missed_or_measured_right(hopper):
    # A ~60 px face in a 512x512 frame is at the short-range model's limit: it may or may not be
    # found, but when it is, the box must be in the canvas's pixels.
    small = cv2.resize(hopper, None, fx=0.31, fy=0.31, interpolation=cv2.INTER_AREA)
    canvas = np.full((512, 512, 3), 200, np.uint8)
    canvas[100: 100 + small.shape[0], 150: 150 + small.shape[1]] = small
    reference = detect_faces(hopper)[0]
    for face in detect_faces(canvas):
        assert face.width == pytest.approx(reference.width * 0.31, rel=0.2)
        assert 150 < face.center[0] < 150 + small.shape[1] and 100 < face.center[1] < 100 + small.shape[0]


def test_grayscale_and_rgba_inputs_are_accepted(hopper):
    gray = cv2.cvtColor(hopper, cv2.COLOR_RGB2GRAY)
    assert len(detect_faces(gray)) == 1
    rgba = np.dstack([hopper, np.full(hopper.shape[:2], 255, np.uint8)])
    assert len(detect_faces(rgba)) == 1


def test_non_uint8_image_is_refused():
    with pytest.raises(ValueError):
        detect_faces(np.zeros((64, 64, 3), np.float32))


def test_facebox_geometry():
    box = FaceBox(10.0, 20.0, 50.0, 100.0, 0.9, np.zeros((6, 2), np.float32))
    assert (box.width, box.height, box.center) == (40.0, 80.0, (30.0, 60.0))
