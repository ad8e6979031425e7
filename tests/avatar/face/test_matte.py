"""Background removal: the selfie segmenter's matte, its refinement, the edge colours, the option,
and a render that shows the theme where the photo's background was."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from avatar.errors import AvatarError
from avatar.face import matte
from avatar.face.detect import detect_faces
from avatar.face.rig import portrait_alpha, with_picture
from tests.conftest import ASTRONAUT


@pytest.fixture(scope="module")
def astronaut():
    return cv2.cvtColor(cv2.imread(str(ASTRONAUT)), cv2.COLOR_BGR2RGB)


def test_the_matte_is_high_on_the_face_and_low_in_the_top_corners(astronaut):
    alpha = matte.person_matte(astronaut)
    assert alpha.shape == astronaut.shape[:2] and alpha.dtype == np.float32
    assert 0.0 <= alpha.min() and alpha.max() <= 1.0
    face = detect_faces(astronaut)[0]
    cx, cy, q = int(face.center[0]), int(face.center[1]), int(face.width / 4)
    assert alpha[cy - q:cy + q, cx - q:cx + q].min() > 0.95
    assert alpha[:40, :40].max() < 0.05 and alpha[:40, -40:].max() < 0.05  # the flag, the wall
    assert alpha[-40:, 200:300].min() > 0.95  # the suit


def test_the_model_runs_on_any_size_and_the_matte_is_soft_but_narrow(astronaut):
    wide = cv2.resize(astronaut, (700, 400))
    assert matte.person_probability(wide).shape == (matte.INPUT_SIZE, matte.INPUT_SIZE)
    alpha = matte.person_matte(wide)
    assert alpha.shape == (400, 700)
    edge = (alpha > 0.02) & (alpha < 0.98)
    assert 0 < edge.mean() < 0.05  # a soft edge, not a blurred blob


def test_the_guided_filter_puts_a_coarse_edge_where_the_picture_has_it():
    picture = np.full((400, 400, 3), 230, np.uint8)
    picture[:, 203:] = 30  # a sharp dark/light edge at x = 203
    coarse = np.zeros((50, 50), np.float32)
    coarse[:, 24:] = 1  # the same edge from a coarse mask, 11 px off and blocky
    coarse = cv2.GaussianBlur(coarse, (0, 0), 1.5)
    refined = matte.guided_upsample(coarse, picture, radius=8, eps=1e-3, work=200)
    row = refined[200]
    ramp = cv2.resize(coarse, (400, 400), interpolation=cv2.INTER_LINEAR)[200]
    assert np.abs(np.diff(ramp)).max() < 0.05  # plain upsampling: a ramp over 20 px
    jumps = np.abs(np.diff(row))
    assert int(np.argmax(jumps)) == 202 and jumps.max() > 0.3  # a step, at the picture's edge
    assert row[210:].min() > 0.9


def test_the_edge_band_takes_the_person_s_colour_not_the_old_background_s():
    picture = np.full((200, 200, 3), 250, np.uint8)  # a white wall
    cv2.circle(picture, (100, 100), 60, (40, 30, 20), -1)  # dark hair
    alpha = np.zeros((200, 200), np.float32)
    cv2.circle(alpha, (100, 100), 60, 1.0, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 3)
    mixed = (alpha > 0.05) & (alpha < 0.9)
    assert picture[mixed].mean() > 150  # the band holds wall
    cleaned = matte.foreground_colours(picture, alpha)
    assert np.abs(cleaned[mixed].astype(int) - [40, 30, 20]).max() < 12
    solid = alpha >= 0.9
    assert np.array_equal(cleaned[solid], picture[solid])


def test_the_option_validates():
    from avatar.script import Meta

    assert Meta().presenter_background == "keep"
    assert Meta(presenter_background="remove").presenter_background == "remove"


def test_an_unknown_value_is_a_one_line_error(tmp_path, hopper_rig):
    from avatar.script import load_script
    from tests.conftest import PORTRAIT

    path = tmp_path / "deck.md"
    path.write_text("---\npresenter_background: erase\n---\n# A\n<!-- Hi. -->\n", encoding="utf-8")
    with pytest.raises(AvatarError) as err:
        load_script(path)
    message = str(err.value)
    assert "presenter_background" in message and "keep" in message and "\n" not in message
    with pytest.raises(AvatarError, match="keep or remove"):
        portrait_alpha(PORTRAIT, hopper_rig, hopper_rig.size, "erase")


def test_portrait_alpha_keeps_an_opaque_photo_whole_unless_asked(hopper_rig, tmp_path):
    from tests.conftest import PORTRAIT

    side = hopper_rig.size
    assert portrait_alpha(PORTRAIT, hopper_rig, side) is None
    removed = portrait_alpha(PORTRAIT, hopper_rig, side, "remove")
    assert removed.shape == (side, side) and removed[side // 2, side // 2] > 0.95
    assert removed[:10, :10].max() < 0.05  # Hopper's studio backdrop
    # a portrait with its own transparency keeps it, even when asked to remove the background
    image = cv2.imread(str(PORTRAIT))
    rgba = np.dstack([image, np.full(image.shape[:2], 255, np.uint8)])
    rgba[:, : image.shape[1] // 3, 3] = 0
    cv2.imwrite(str(tmp_path / "cut.png"), rgba)
    own = portrait_alpha(tmp_path / "cut.png", hopper_rig, side, "remove")
    assert own is not None and own.min() == 0.0 and not np.allclose(own, removed, atol=0.2)


def test_the_alpha_moves_with_the_head(hopper_rig):
    """The RGBA frames' alpha is the alpha warped like the face: rendering the alpha itself as the
    picture gives the same values, and a turned head moves the edge."""
    from avatar.motion.track import PARAMETERS
    from avatar.presenter.renderer import PresenterRenderer

    side = hopper_rig.size
    alpha = np.zeros((side, side), np.float32)
    cv2.ellipse(alpha, (side // 2, side // 2), (side // 4, side // 3), 0, 0, 360, 1.0, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 2)
    values = np.zeros((2, len(PARAMETERS)), np.float32)
    values[1, PARAMETERS.index("yaw")] = 1.0
    values[1, PARAMETERS.index("roll")] = 1.0
    frames = PresenterRenderer(hopper_rig, alpha=alpha).render(values)
    assert frames.shape == (2, side, side, 4)
    grey = np.repeat(np.clip(alpha * 255 + 0.5, 0, 255).astype(np.uint8)[..., None], 3, axis=2)
    as_picture = PresenterRenderer(with_picture(hopper_rig, grey)).render(values)
    x0, y0, x1, y1 = (int(v) for v in hopper_rig.region)
    mouth = np.zeros((side, side), bool)
    lips = hopper_rig.lips_rest
    mouth[int(lips[:, 1].min()) - 8:int(lips[:, 1].max()) + 8, int(lips[:, 0].min()) - 8:int(lips[:, 0].max()) + 8] = True
    same = np.abs(frames[..., 3].astype(int) - as_picture[..., 0].astype(int))
    assert same[:, ~mouth].max() <= 1  # the painted mouth aside, the very same warp
    moved = np.abs(frames[1, ..., 3].astype(int) - frames[0, ..., 3].astype(int))
    assert moved[y0:y1, x0:x1].max() > 60  # the edge moved with the head
    assert moved.sum() == moved[y0:y1, x0:x1].sum()  # nothing moves outside the moving region


def test_compose_shows_the_slide_where_an_rgba_frame_is_transparent():
    from avatar.compose import compose
    from avatar.encode import yuv420_from_rgb

    slide = np.full((64, 96, 3), (200, 40, 40), np.uint8)
    frame = np.zeros((32, 32, 4), np.uint8)
    frame[..., :3] = (40, 200, 40)
    frame[8:24, 8:24, 3] = 255
    out = next(compose(slide, [frame], (16, 16, 32, 32)))
    expected = slide.copy()
    expected[24:40, 24:40] = (40, 200, 40)
    np.testing.assert_allclose(out.astype(int), yuv420_from_rgb(expected).astype(int), atol=2)


def test_a_full_slide_with_the_background_removed_shows_the_theme(tmp_path):
    import av
    from typer.testing import CliRunner

    from avatar.cli import app
    from avatar.slides import load_theme

    deck = ("---\nsize: 640x360\nvoice: en-us\nportrait: {portrait}\npresenter: full\n"
            "presenter_background: {background}\n---\n# A\n<!-- Mama made maps. -->\n")
    frames = {}
    for background in ("keep", "remove"):
        folder = tmp_path / background
        folder.mkdir()
        (folder / "astronaut.png").write_bytes(ASTRONAUT.read_bytes())  # a script reads files in its own folder
        (folder / "deck.md").write_text(deck.format(portrait="astronaut.png", background=background), encoding="utf-8")
        result = CliRunner().invoke(app, ["render", str(folder / "deck.md"), "-o", str(folder / "out.mp4"), "--quiet"])
        assert result.exit_code == 0, result.output
        box = json.loads((folder / "out.json").read_text())["slides"][0]["presenter_box"]
        with av.open(str(folder / "out.mp4")) as container:
            frames[background] = list(container.decode(video=0))[5].to_ndarray(format="rgb24").astype(int)
    x, y, w, h = box
    theme = load_theme("default")
    navy = [np.array([int(theme.colors[name][i:i + 2], 16) for i in (1, 3, 5)])
            for name in ("cover_background", "cover_background_2")]
    top = (slice(y + 4, y + 30), slice(x + w - 40, x + w - 8))  # the wall behind the astronaut, top right
    near = lambda image: min(np.abs(image[top] - colour).max(axis=2).mean() for colour in navy)
    assert near(frames["keep"]) > 60  # the photo's light wall
    assert near(frames["remove"]) < 20  # the theme's cover background
    centre = (slice(y + h // 4, y + h // 3), slice(x + w // 2 - 10, x + w // 2 + 10))  # her face, in both
    assert np.abs(frames["keep"][centre] - frames["remove"][centre]).mean() < 4
