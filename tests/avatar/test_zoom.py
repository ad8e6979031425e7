"""The slow zoom of image slides: the picture grows inside its frame; nothing else moves."""
from __future__ import annotations

import av
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from avatar.cli import app
from avatar.script import DEFAULT_ZOOM, Meta, load_script
from avatar.zoom import Frame, picture_frame, scale_at, zoom_picture


@pytest.mark.parametrize("value, expected", [(True, DEFAULT_ZOOM), (False, 0.0), ("on", DEFAULT_ZOOM), ("off", 0.0),
                                             ("8%", 0.08), ("0.1", 0.1), (0.05, 0.05)])
def test_zoom_values(value, expected):
    assert Meta(zoom=value).zoom == pytest.approx(expected)


@pytest.mark.parametrize("value", ["fast", "50%", -0.1])
def test_bad_zoom_values_are_refused(value):
    with pytest.raises(ValueError):
        Meta(zoom=value)


def test_a_directive_sets_one_slides_zoom(tmp_path):
    script = tmp_path / "talk.md"
    script.write_text("# A\n\n<!-- zoom: 10% -->\n<!-- Hello. -->\n\n---\n\n# B\n\n<!-- Bye. -->\n")
    deck = load_script(script)
    assert [s.zoom for s in deck.slides] == [pytest.approx(0.1), None]
    assert "zoom" not in deck.slides[0].narration


def test_the_scale_eases_from_one_to_one_plus_the_amount():
    scales = [scale_at(k, 11, 0.1) for k in range(11)]
    assert scales[0] == 1.0 and scales[-1] == pytest.approx(1.1)
    assert all(b >= a for a, b in zip(scales, scales[1:]))
    assert scales[1] - scales[0] < scales[5] - scales[4]  # slow start


def test_zooming_scales_the_pixels_inside_the_frame_only():
    picture = np.full((100, 160, 3), 255, np.uint8)
    frame = Frame(x=40, y=20, w=81, h=61, radius=0)
    picture[20:81, 40:121] = (0, 0, 200)
    cx, cy = 40 + 40, 20 + 30
    picture[cy, cx + 20] = (255, 0, 0)  # a red dot 20 px right of the centre
    out = zoom_picture(picture, frame, 1.25)
    assert np.array_equal(out[:20], picture[:20]) and np.array_equal(out[:, :40], picture[:, :40])
    reds = np.argwhere((out[..., 0] > 120) & (out[..., 2] < 150))
    assert reds.size and abs(reds[:, 1].mean() - (cx + 25)) <= 1.0  # 20 px * 1.25


def test_an_image_slide_zooms_in_the_video(tmp_path):
    image = Image.new("RGB", (400, 300), (20, 60, 160))
    for x in range(0, 400, 40):
        image.paste((250, 250, 250), (x, 0, x + 4, 300))
    image.save(tmp_path / "grid.png")
    script = tmp_path / "talk.md"
    script.write_text("---\nzoom: 10%\npresenter: hidden\n---\n# Grid\n\n![grid](grid.png)\n\n"
                      "<!-- This grid grows slowly while I speak about it. -->\n")
    result = CliRunner().invoke(app, ["render", str(script), "-o", str(tmp_path / "z.mp4"), "--size", "640x360",
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    with av.open(str(tmp_path / "z.mp4")) as video:
        frames = [f.to_ndarray(format="rgb24").astype(int) for f in video.decode(video=0)]
    from avatar.slides import load_theme, slide_svg  # where the picture is, as the layout placed it

    deck = load_script(script)
    frame = picture_frame(slide_svg(deck.slides[0], theme=load_theme("default"), size=(640, 360), index=0, count=1,
                                    deck_title=deck.meta.title, base_dir=tmp_path, placement="hidden"))
    assert frame is not None
    inside = (slice(frame.y + 4, frame.y + frame.h - 4), slice(frame.x + 4, frame.x + frame.w - 4))
    first, last = frames[0], frames[-1]
    assert np.abs(first[inside] - last[inside]).mean() > 10  # the stripes moved
    assert np.abs(first[:frame.y - 2] - last[:frame.y - 2]).mean() < 2  # the title did not


def test_a_change_outside_the_frame_shows_while_zooming():
    """Zoomed frames share a buffer; a bullet appearing beside the picture must still reach it."""
    from avatar.zoom import zoomed

    frame = Frame(x=40, y=20, w=81, h=61, radius=0)
    before = np.full((100, 160, 3), 255, np.uint8)
    after = before.copy()
    after[90:95, 0:30] = 0  # a bullet below the picture, revealed on frame 3
    backgrounds = [(before, True), (before, False), (before, False), (after, True), (after, False)]
    seen = [(rgb.copy(), changed) for rgb, changed in zoomed(iter(backgrounds), frame, 5, 0.1)]
    assert all(changed for _, changed in seen[1:])
    assert all((rgb[90:95, 0:30] == 255).all() for rgb, _ in seen[:3])
    assert all((rgb[90:95, 0:30] == 0).all() for rgb, _ in seen[3:])
