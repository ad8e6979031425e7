"""Every shipped theme draws every layout it declares, with its text inside the frame and clear
of the presenter; text that cannot fit, and characters no font has, are errors naming the slide."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from avatar.errors import AvatarError
from avatar.script import Column, Slide
from avatar.slides import FONTS_DIR, _rasterise, available_themes, build_svg, load_theme, render_slide

SMALL = (960, 540)
CODE = 'def greet(name):\n    # say hello\n    return f"Hello, {name}!"\n\nprint(greet("Ada"))'


def sample_slides(picture: Path) -> dict[str, Slide]:
    said = {"narration": "Something to say."}
    return {
        "title": Slide(title="Onboarding", bullets=["Your first week"], layout="title", **said),
        "section": Slide(title="Part two: tools", bullets=["What you use every day"], layout="section", **said),
        "bullets": Slide(title="Three things", bullets=["Ask early", "Lock your screen", "Write it down"], **said),
        "image": Slide(title="Our campus", image=picture, **said),
        "bullets_image": Slide(title="Dashboard", bullets=["Live numbers", "Alerts in red"], image=picture, **said),
        "quote": Slide(quote="The most dangerous phrase is: we've always done it this way.",
                       attribution="Grace Hopper", **said),
        "code": Slide(title="A function", code=CODE, code_language="python", **said),
        "columns": Slide(title="Before and after", columns=[Column(title="Before", bullets=["Manual", "Weekly"]),
                                                           Column(title="After", bullets=["Automatic", "Live"])],
                         **said),
        "closing": Slide(title="Thank you", bullets=["people@acme.example"], layout="closing", **said),
    }


@pytest.fixture(scope="module")
def picture(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("img") / "pic.png"
    y, x = np.mgrid[0:300, 0:450]
    Image.fromarray(np.dstack([x * 255 // 450, y * 200 // 300, 180 + 0 * x]).astype(np.uint8)).save(path)
    return path


THEMES = available_themes()
CASES = [(theme, layout) for theme in THEMES for layout in load_theme(theme).layouts]


def test_there_are_light_and_dark_themes_with_every_layout():
    modes = {load_theme(name).mode for name in THEMES}
    assert len(THEMES) >= 4 and modes == {"light", "dark"}
    assert all(len(load_theme(name).layouts) >= 9 for name in THEMES)


@pytest.mark.parametrize("theme_name, layout", CASES)
def test_every_theme_draws_every_layout_with_text_inside_the_frame_and_clear_of_the_presenter(
        theme_name, layout, picture):
    theme = load_theme(theme_name)
    slide = sample_slides(picture)[layout]
    assert slide.layout == layout
    svg = build_svg(slide, theme=theme, size=SMALL, index=2, count=9, deck_title="Welcome to Acme")
    with_text = _rasterise(svg, theme, "test")
    without_text = _rasterise(re.sub(r"<text\b.*?</text>", "", svg, flags=re.S), theme, "test")
    text = np.abs(with_text.astype(np.int16) - without_text.astype(np.int16)).max(axis=2) > 24
    assert text.sum() > 500, "the layout drew (almost) no text"
    x, y, w, h = theme.presenter_box(SMALL)
    pad = round(theme.presenter["padding"] * SMALL[1]) + 2
    assert not text[y - pad:y + h + pad, x - pad:x + w + pad].any(), "text over the presenter card"
    edge = 6  # px: no glyph touches the frame's edge (it would be cut off)
    assert not (text[:edge].any() or text[-edge:].any() or text[:, :edge].any() or text[:, -edge:].any())
    frame = render_slide(slide, theme=theme, size=SMALL, index=2, count=9, deck_title="Welcome to Acme",
                         base_dir=picture.parent)
    card = np.array([int(theme.colors["card"][i:i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(frame[y:y + h, x:x + w].astype(int) - card).max(axis=2) <= 2).all()


def test_themes_look_different(picture):
    frames = [render_slide(sample_slides(picture)["bullets"], theme=load_theme(name), size=SMALL, index=1, count=1,
                           deck_title="Deck", base_dir=picture.parent) for name in THEMES]
    for i in range(len(frames)):
        for j in range(i + 1, len(frames)):
            assert np.abs(frames[i].astype(int) - frames[j].astype(int)).mean() > 3, (THEMES[i], THEMES[j])


def test_bullets_that_cannot_fit_are_an_error_naming_the_slide():
    theme = load_theme("default")
    crowded = Slide(title="Everything", bullets=[f"point number {i} with quite a few words in it" for i in range(60)],
                    narration="All of it.")
    with pytest.raises(AvatarError) as err:
        render_slide(crowded, theme=theme, size=SMALL, index=4, count=9, deck_title="Deck", base_dir=".",
                     source="deck.md")
    assert str(err.value).startswith("deck.md: slide 4 ('Everything'): the bullets do not fit")


def test_code_too_wide_to_read_is_an_error_not_wrapped():
    theme = load_theme("dark")
    wide = Slide(title="Wide", code="x = " + "1 + " * 200 + "1", code_language="python", narration="Code.")
    with pytest.raises(AvatarError, match="slide 1 .*the code .* does not fit"):
        build_svg(wide, theme=theme, size=SMALL, index=1, count=1, deck_title="Deck")


def test_code_is_highlighted_in_the_theme_colours():
    theme = load_theme("dark")
    svg = build_svg(Slide(title="Code", code="def f():\n    return 1", code_language="python", narration="x"),
                    theme=theme, size=SMALL, index=1, count=1, deck_title="Deck")
    colours = set(re.findall(r'<tspan x="[\d.]+" fill="(#[0-9a-fA-F]{6})">', svg))
    assert len(colours) >= 3  # keyword, name, number, plain text
    x_def = float(re.search(r'<tspan x="([\d.]+)" fill="#[0-9a-fA-F]{6}">def<', svg).group(1))
    x_return = float(re.search(r'<tspan x="([\d.]+)" fill="#[0-9a-fA-F]{6}">return<', svg).group(1))
    advance = (x_return - x_def) / 4
    assert advance > 5  # four characters of indentation, kept


@pytest.mark.parametrize("text, char", [("你好", "U+4F60"), ("Launch 🎉", "U+1F389")])
def test_characters_no_font_has_are_an_error_not_boxes(text, char):
    with pytest.raises(AvatarError) as err:
        render_slide(Slide(title=text, narration="x"), theme=load_theme("default"), size=SMALL, index=3, count=4,
                     deck_title="Deck", base_dir=".", source="deck.md")
    assert str(err.value).startswith("deck.md: slide 3") and char in str(err.value) and "fallback" in str(err.value)


def test_right_to_left_and_other_scripts_render_with_the_shipped_font():
    theme = load_theme("default")
    plain = render_slide(Slide(title="", bullets=["x"], narration="x"), theme=theme, size=SMALL, index=1, count=1,
                         deck_title="", base_dir=".")
    for text in ("שלום עולם", "مرحبا بالعالم", "Ελληνικά русский"):
        frame = render_slide(Slide(title="", bullets=[text], narration="x"), theme=theme, size=SMALL, index=1,
                             count=1, deck_title="", base_dir=".")
        assert (np.abs(frame.astype(int) - plain.astype(int)).max(axis=2) > 40).sum() > 300


def test_a_fallback_font_in_the_theme_adds_the_characters_it_has(tmp_path):
    folder = tmp_path / "mono"
    folder.mkdir()
    shutil.copy(FONTS_DIR / "DejaVuSansMono.ttf", folder)
    settings = "fonts:\n  regular: DejaVuSansMono.ttf\n  bold: DejaVuSansMono.ttf\n  heading: DejaVuSansMono.ttf\n"
    (folder / "theme.yaml").write_text(settings)
    hebrew = Slide(title="שלום", narration="x")
    with pytest.raises(AvatarError, match=r"U\+05E9"):
        build_svg(hebrew, theme=load_theme(folder), size=SMALL, index=1, count=1, deck_title="Deck")
    (folder / "theme.yaml").write_text(settings + "  fallback: [DejaVuSans.ttf]\n")
    other = tmp_path / "mono2"
    shutil.copytree(folder, other)
    assert "<text" in build_svg(hebrew, theme=load_theme(other), size=SMALL, index=1, count=1, deck_title="Deck")


def test_an_unknown_layout_is_an_error_naming_the_slide_and_the_theme_layouts():
    with pytest.raises(AvatarError, match=r"slide 2 \('A'\): the theme 'default' has no layout 'spiral'; it has title"):
        build_svg(Slide(title="A", layout="spiral", narration="x"), theme=load_theme("default"), size=SMALL, index=2,
                  count=2, deck_title="Deck")
