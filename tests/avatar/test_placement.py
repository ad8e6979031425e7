"""Where the presenter is: a corner card (rounded or a circle), a side panel, the full frame with a
lower third, or hidden (a voice-over slide, no presenter frames at all)."""
from __future__ import annotations

import json
import re

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from avatar.cli import app
from avatar.script import Slide
from avatar.slides import _rasterise, build_svg, load_theme, presenter_theme

HD = (1920, 1080)
DECK = """---
title: Placement
size: 640x360
voice: en-us
presenter_name: Grace Hopper
presenter_title: Rear Admiral
presenter_shape: circle
---
# Corner
- one
<!-- Mama made maps. -->
---
# Side
- two
<!-- presenter: side -->
<!-- Mama made maps. -->
---
# Full
<!-- presenter: full -->
<!-- Mama made maps. -->
---
# Voice over
- three
<!-- presenter: hidden -->
<!-- Mama made maps. -->
"""


def test_each_placement_has_its_box():
    theme = load_theme("default")
    assert theme.presenter_box(HD, "corner") == (1360, 520, 512, 512)
    x, y, w, h = theme.presenter_box(HD, "side")
    assert x >= 1280 and x + w <= 1920 and w >= 540 and abs((y + h / 2) - 540) <= 2
    assert theme.presenter_box(HD, "full") == (420, 0, 1080, 1080)
    assert theme.presenter_box(HD, "hidden") is None
    assert all(v % 2 == 0 for mode in ("corner", "side", "full") for v in theme.presenter_box((1280, 720), mode))


def text_mask(slide, placement):
    theme = load_theme("default")
    svg = build_svg(slide, theme=theme, size=(960, 540), index=1, count=1, deck_title="Deck", placement=placement)
    plain = _rasterise(re.sub(r"<text\b.*?</text>", "", svg, flags=re.S), theme, "test")
    return np.abs(_rasterise(svg, theme, "test").astype(int) - plain.astype(int)).max(axis=2) > 24


@pytest.mark.parametrize("placement", ["corner", "side", "hidden"])
def test_the_layout_reflows_around_the_presenter(placement):
    long = Slide(title="A title", bullets=["a bullet that is long enough to run across most of a wide slide, and then some more words"],
                 narration="x")
    text = text_mask(long, placement)
    theme = load_theme("default")
    columns = np.nonzero(text[60:400].any(axis=0))[0]
    box = theme.presenter_box((960, 540), placement)
    if box is None:
        assert columns.max() > 760  # the text takes the whole width
    else:
        left = theme.side_panel((960, 540))[0] if placement == "side" else box[0]
        assert columns.max() < left  # never under the presenter or its panel


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("placement")
    (folder / "deck.md").write_text(DECK, encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(folder / "deck.md"), "-o", str(folder / "out.mp4"), "--quiet"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((folder / "out.json").read_text())
    with av.open(str(folder / "out.mp4")) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return manifest, frames


def slide_frames(manifest, frames, index):
    s = manifest["slides"][index]
    return frames[round(s["start"] * 25):round(s["end"] * 25)], s


def test_the_manifest_says_where_the_presenter_is(rendered):
    manifest, _ = rendered
    assert [s["presenter"] for s in manifest["slides"]] == ["corner", "side", "full", "hidden"]
    assert manifest["slides"][3]["presenter_box"] is None


def test_the_presenter_speaks_in_each_visible_placement_and_not_at_all_when_hidden(rendered):
    manifest, frames = rendered
    for index in range(3):
        shown, s = slide_frames(manifest, frames, index)
        x, y, w, h = s["presenter_box"]
        moving = np.stack([f[y:y + h, x:x + w].astype(int) for f in shown])
        assert np.abs(moving - moving[0]).max(axis=3).mean(axis=(1, 2)).max() > 1.0, s["presenter"]
    hidden, _ = slide_frames(manifest, frames, 3)
    still = hidden[len(hidden) // 2].astype(int)  # a still slide: nothing but coding noise changes
    assert max(np.abs(f.astype(int) - still).mean() for f in hidden[2:]) < 0.5


def test_a_circle_card_shows_the_slide_outside_the_circle(rendered):
    manifest, frames = rendered
    shown, s = slide_frames(manifest, frames, 0)
    x, y, w, h = s["presenter_box"]
    corner = np.stack([f[y:y + 6, x:x + 6].astype(int) for f in shown])
    assert (corner > 235).all()  # the white page, not the photo's flag or background
    centre = np.stack([f[y + h // 2 - 3:y + h // 2 + 3, x + w // 2 - 3:x + w // 2 + 3].astype(int) for f in shown])
    assert (centre < 235).any()


def test_a_full_frame_slide_has_a_lower_third_over_the_presenter(rendered):
    manifest, frames = rendered
    shown, s = slide_frames(manifest, frames, 2)
    x, y, w, h = s["presenter_box"]
    assert w == 360 - 360 % 8 and x > 0
    theme = load_theme("default")
    navy = np.array([int(theme.colors["cover_background"][i:i + 2], 16) for i in (1, 3, 5)])
    lower_left = shown[len(shown) // 2][y + h - 60:y + h - 20, x:x + 20].astype(int)
    assert (np.abs(lower_left - navy).max(axis=2) < 40).mean() > 0.5  # the lower third's panel, over the photo


@pytest.mark.parametrize("corner", ["bottom-right", "bottom-left", "top-right", "top-left"])
@pytest.mark.parametrize("size", [(960, 540), (540, 960)])
def test_any_corner_keeps_text_and_the_label_off_the_presenter(corner, size):
    theme = presenter_theme(load_theme("default"), corner=corner)
    slide = Slide(title="A title long enough to matter", bullets=["first point of a few words", "second point"],
                  narration="x")
    svg = build_svg(slide, theme=theme, size=size, index=1, count=1, deck_title="Deck", disclosure="AI-generated")
    plain = _rasterise(re.sub(r"<text\b.*?</text>", "", svg, flags=re.S), theme, "test")
    text = np.abs(_rasterise(svg, theme, "test").astype(int) - plain.astype(int)).max(axis=2) > 24
    x, y, w, h = theme.presenter_box(size)
    assert (x + w / 2 < size[0] / 2) == corner.endswith("left") and (y + h / 2 < size[1] / 2) == corner.startswith("top")
    assert text.sum() > 500 and not text[y - 4:y + h + 4, x - 4:x + w + 4].any()


def test_a_transparent_portrait_shows_the_slide_behind_it(tmp_path):
    import cv2

    from tests.conftest import PORTRAIT

    image = cv2.imread(str(PORTRAIT))
    h, w = image.shape[:2]
    alpha = np.zeros((h, w), np.uint8)
    cv2.ellipse(alpha, (w // 2, int(h * 0.55)), (int(w * 0.36), int(h * 0.5)), 0, 0, 360, 255, -1)
    rgba = np.dstack([image, alpha])
    rgba[alpha == 0, :3] = 0  # what a cut-out's transparent pixels usually hold: black
    cv2.imwrite(str(tmp_path / "cutout.png"), rgba)
    (tmp_path / "deck.md").write_text("---\nsize: 640x360\nvoice: en-us\nportrait: cutout.png\n---\n# A\n- b\n"
                                      "<!-- Mama made maps. -->\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(tmp_path / "deck.md"), "-o", str(tmp_path / "out.mp4"), "--quiet"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out.json").read_text())
    x, y, w, h = manifest["slides"][0]["presenter_box"]
    with av.open(str(tmp_path / "out.mp4")) as container:
        frame = list(container.decode(video=0))[10].to_ndarray(format="rgb24").astype(int)
    card = np.array([int(load_theme("default").colors["card"][i:i + 2], 16) for i in (1, 3, 5)])
    corner = frame[y:y + 8, x:x + 8]
    assert (np.abs(corner - card).max(axis=2) < 12).all()  # the card shows through, not black
    centre = frame[y + h // 2 - 4:y + h // 2 + 4, x + w // 2 - 4:x + w // 2 + 4]
    assert (np.abs(centre - card).max(axis=2) > 30).any()  # the face is there
