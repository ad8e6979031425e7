import time

import cv2
import numpy as np
import pytest

from avatar.errors import AvatarError
from avatar.face.rig import build_rig
from tests.conftest import PORTRAIT


def write(path, image):
    cv2.imwrite(str(path), image)
    return path


def test_rig_is_cached_by_photo(tmp_path):
    start = time.perf_counter()
    first = build_rig(PORTRAIT, size=128)
    built = time.perf_counter() - start
    start = time.perf_counter()
    second = build_rig(PORTRAIT, size=128)
    cached = time.perf_counter() - start
    assert np.array_equal(first.basis, second.basis) and first.photo_hash == second.photo_hash
    assert cached < built


def test_other_portrait_other_framing(astronaut_large):
    rig = build_rig(astronaut_large, size=128)
    assert rig.source.shape == (1, 3, 132, 132)
    mouth = rig.lips_rest.mean(0)
    assert 0.35 * 128 < mouth[0] < 0.65 * 128 and 0.3 * 128 < mouth[1] < 0.75 * 128


@pytest.mark.parametrize("make, problem", [
    (lambda: np.full((400, 400, 3), 200, np.uint8), "no face"),
    (lambda: cv2.resize(cv2.imread(str(PORTRAIT)), None, fx=0.25, fy=0.25), "too small"),
])
def test_bad_portraits_are_refused(tmp_path, make, problem):
    path = write(tmp_path / "p.png", make())
    with pytest.raises(AvatarError) as err:
        build_rig(path, size=128, use_cache=False)
    assert str(path) in str(err.value) and problem in str(err.value)


def test_not_an_image_and_missing(tmp_path):
    bad = tmp_path / "notes.jpg"
    bad.write_text("hello")
    with pytest.raises(AvatarError, match="not an image"):
        build_rig(bad, size=128)
    with pytest.raises(AvatarError, match="portrait not found"):
        build_rig(tmp_path / "missing.jpg", size=128)


def test_two_faces_use_the_largest_with_a_warning(tmp_path):
    big = cv2.imread(str(PORTRAIT))
    small = cv2.resize(big, None, fx=0.6, fy=0.6)
    canvas = np.full((big.shape[0], big.shape[1] + small.shape[1], 3), 128, np.uint8)
    canvas[:, :big.shape[1]] = big
    canvas[:small.shape[0], big.shape[1]:] = small
    path = write(tmp_path / "two.png", canvas)
    warnings = []
    rig = build_rig(path, size=128, warn=warnings.append, use_cache=False)
    assert warnings and "2 faces" in warnings[0]
    assert rig.crop[0] < big.shape[1] / 2  # framed on the big face, on the left
