"""The photo's mouth: toothy smiles close as lips with a seam, open with the photo's own teeth."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from avatar.face import landmarks as lm
from avatar.face.rig import build_rig
from avatar.motion.track import PARAMETERS
from avatar.presenter.renderer import PresenterRenderer
from tests.conftest import ASTRONAUT, PORTRAIT

SIZE = 256


def pose(**values: float) -> np.ndarray:
    row = np.zeros(len(PARAMETERS), np.float32)
    for name, value in values.items():
        row[PARAMETERS.index(name)] = value
    return row


@pytest.fixture(scope="module")
def smile():
    """The astronaut smiles showing her upper teeth."""
    rig = build_rig(ASTRONAUT, size=SIZE, warn=lambda message: None)
    return rig, PresenterRenderer(rig)


def _photo_crop(rig) -> np.ndarray:
    from avatar.face.rig import load_portrait

    x0, y0, side = rig.crop
    s = rig.size / side
    return cv2.warpAffine(load_portrait(ASTRONAUT), np.array([[s, 0, -x0 * s], [0, s, -y0 * s]]),
                          (rig.size, rig.size), flags=cv2.INTER_LANCZOS4)


def _lightness(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32)


def test_teeth_come_from_the_photo_when_it_shows_teeth(smile, hopper_rig):
    rig, renderer = smile
    assert rig.teeth.size and rig.teeth[..., 3].max() > 0.9  # an upper-teeth layer from the photo
    assert hopper_rig.teeth.size == 0  # closed lips: no photo teeth, synthesised ones instead
    # open the jaw: inside the mouth, under the upper lip, the frame shows the photo's teeth pixels
    frame = renderer.render(pose(jaw_open=0.8)[None])[0]
    h, w = rig.teeth.shape[:2]
    x0, y0 = rig.teeth_origin.astype(int)
    alpha = rig.teeth[..., 3]
    photo = rig.teeth[..., :3]
    region = frame[y0:y0 + h, x0:x0 + w].astype(np.float32)
    shown = (alpha > 0.95) & (np.abs(region - photo).max(axis=2) < 16)
    # the upper lip, relaxed from the smile, covers the top of the row; the rest shows
    assert shown.sum() > 0.2 * (alpha > 0.95).sum()


def test_smile_closes_on_m_as_lips_with_a_seam(smile):
    rig, renderer = smile
    closed = renderer.render(pose(lip_press=0.9)[None])[0]
    photo = _photo_crop(rig)
    # where the photo showed teeth, the closed mouth shows no teeth: nothing there is as light as they were
    teeth = np.zeros((SIZE, SIZE), np.float32)
    h, w = rig.teeth.shape[:2]
    x0, y0 = rig.teeth_origin.astype(int)
    teeth[y0:y0 + h, x0:x0 + w] = rig.teeth[..., 3]
    lips_rest = rig.lips_rest
    mouth = np.zeros((SIZE, SIZE), np.uint8)
    cv2.fillPoly(mouth, [np.round(np.concatenate([rig.mesh[list(lm.LIPS_OUTER_UPPER), :2],
                                                  rig.mesh[list(lm.LIPS_OUTER_LOWER), :2][::-1]])).astype(np.int32)], 1)
    teeth_light = np.percentile(_lightness(photo)[teeth > 0.9], 75)
    closed_light = _lightness(closed)[mouth > 0]
    assert (closed_light > teeth_light - 5).mean() < 0.02
    # the lips meet at a visible seam: along the seam line the frame is darker than the lips just above and below
    light = _lightness(closed)
    seam = (lips_rest[1:10] + lips_rest[12:21]) / 2
    xs, ys = np.round(seam[:, 0]).astype(int), np.round(seam[:, 1]).astype(int)
    offset = max(2, int(round(0.08 * np.ptp(lips_rest[:, 0]))))
    on_seam = light[ys, xs]
    beside = (light[ys - offset, xs] + light[ys + offset, xs]) / 2
    assert np.median(beside - on_seam) > 4
    # no flat smear: the closed lips keep texture like the photo's lips
    hp_closed = closed_light - cv2.GaussianBlur(_lightness(closed), (0, 0), 2)[mouth > 0]
    hp_photo = _lightness(photo)[mouth > 0] - cv2.GaussianBlur(_lightness(photo), (0, 0), 2)[mouth > 0]
    assert hp_closed.std() > 0.35 * hp_photo.std()


def test_closed_mouth_photo_keeps_its_own_seam(hopper_rig):
    assert float(hopper_rig.seam_shade[0]) < 0.5  # nothing to paint where the photo's lips already meet


def test_small_face_renders_with_a_warning_and_tiny_is_refused(tmp_path):
    from avatar.errors import AvatarError

    image = cv2.imread(str(PORTRAIT))
    small = tmp_path / "small.png"
    cv2.imwrite(str(small), cv2.resize(image, None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA))
    warnings: list[str] = []
    rig = build_rig(small, size=128, warn=warnings.append, use_cache=False)
    assert rig.size == 128 and any("will look soft" in w and str(small) in w for w in warnings)
    tiny = tmp_path / "tiny.png"
    cv2.imwrite(str(tiny), cv2.resize(image, None, fx=0.2, fy=0.2, interpolation=cv2.INTER_AREA))
    with pytest.raises(AvatarError, match="too small"):
        build_rig(tiny, size=128, use_cache=False)
