"""Reading portrait files: upright by EXIF, scaled down when huge, clear errors when broken."""
import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from avatar.errors import AvatarError
from avatar.face.rig import MAX_PORTRAIT_SIDE, _decode


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_as_a_photo_viewer_does(tmp_path, orientation):
    rng = np.random.default_rng(orientation)
    pixels = (rng.random((30, 40, 3)) * 255).astype(np.uint8)
    image = Image.fromarray(pixels)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "p.png"
    image.save(path, exif=exif.tobytes())
    expected = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
    assert np.array_equal(cv2.cvtColor(_decode(path), cv2.COLOR_BGR2RGB), expected)


def test_a_huge_photo_is_scaled_down(tmp_path):
    path = tmp_path / "big.jpg"
    Image.new("RGB", (9000, 6000), (200, 150, 100)).save(path, quality=70)
    assert _decode(path).shape[:2] == (round(MAX_PORTRAIT_SIDE * 2 / 3), MAX_PORTRAIT_SIDE)


def test_a_cut_short_jpeg_is_named_as_such(tmp_path):
    path = tmp_path / "p.jpg"
    Image.new("RGB", (200, 200), "white").save(path, quality=90)
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(AvatarError, match="damaged or cut short"):
        _decode(path)
