"""A brand kit: colours and fonts over the theme's, a logo on every slide, the presenter's name and
title, and intro and outro slides around every deck."""
from __future__ import annotations

import json

import av
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from avatar.cli import app
from avatar.errors import AvatarError
from avatar.script import load_script
from avatar.slides import FONTS_DIR

BRAND = f"""
colors:
  accent: "#E0115F"
  accent_2: "#E0115F"
logo: logo.png
fonts:
  heading: {FONTS_DIR / "DejaVuSerif-Bold.ttf"}
presenter_name: Ada Lovelace
presenter_title: Head of Training
intro:
  - title: Acme Academy
    layout: title
    narration: Welcome to Acme Academy.
outro:
  - title: Thank you
    layout: closing
    narration: See you next time.
"""
DECK = """---
title: Branded
size: 640x360
voice: en-us
brand: kit/brand.yaml
---
# The lesson
- one point
<!-- The lesson itself. -->
"""


@pytest.fixture()
def deck(tmp_path):
    (tmp_path / "kit").mkdir()
    (tmp_path / "kit" / "brand.yaml").write_text(BRAND, encoding="utf-8")
    logo = np.zeros((40, 120, 4), np.uint8)
    logo[..., 1], logo[..., 3] = 200, 255  # a green bar
    Image.fromarray(logo).save(tmp_path / "kit" / "logo.png")
    (tmp_path / "deck.md").write_text(DECK, encoding="utf-8")
    return tmp_path / "deck.md"


def test_the_brand_kit_adds_intro_outro_and_the_presenter(deck):
    presentation = load_script(deck)
    assert [s.title for s in presentation.slides] == ["Acme Academy", "The lesson", "Thank you"]
    assert presentation.meta.presenter_name == "Ada Lovelace"
    assert presentation.meta.brand.logo == deck.parent / "kit" / "logo.png"


def test_a_branded_render_has_the_logo_and_colours_on_every_slide(deck):
    result = CliRunner().invoke(app, ["render", str(deck), "-o", str(deck.parent / "out.mp4"), "--quiet"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((deck.parent / "out.json").read_text())
    assert [s["title"] for s in manifest["slides"]] == ["Acme Academy", "The lesson", "Thank you"]
    with av.open(str(deck.parent / "out.mp4")) as container:
        frames = [f.to_ndarray(format="rgb24").astype(int) for f in container.decode(video=0)]
    for s in manifest["slides"]:
        frame = frames[round((s["start"] + s["end"]) / 2 * 25)]
        corner = frame[:40, 420:]
        green = (corner[..., 1] > 150) & (corner[..., 0] < 80) & (corner[..., 2] < 80)
        assert green.sum() > 300, s["title"]  # the logo, top right
    lesson = frames[round((manifest["slides"][1]["start"] + manifest["slides"][1]["end"]) / 2 * 25)]
    ruby = (np.abs(lesson - np.array([0xE0, 0x11, 0x5F])).max(axis=2) < 40)
    assert ruby.sum() > 20  # the brand's accent: the title's rule and the bullet dots


def test_brand_mistakes_are_one_line_errors(tmp_path):
    (tmp_path / "deck.md").write_text("---\nbrand: {colors: {accent: red}}\n---\n# A\n<!-- A. -->\n", encoding="utf-8")
    with pytest.raises(AvatarError, match="expected a colour like"):
        load_script(tmp_path / "deck.md")
    (tmp_path / "deck.md").write_text("---\nbrand: nowhere.yaml\n---\n# A\n<!-- A. -->\n", encoding="utf-8")
    with pytest.raises(AvatarError, match="brand kit not found"):
        load_script(tmp_path / "deck.md")
    (tmp_path / "deck.md").write_text("---\nbrand: {colors: {sparkle: '#fff'}}\n---\n# A\n<!-- A. -->\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(tmp_path / "deck.md")])
    assert result.exit_code == 2 and "sparkle not a colour of the theme" in result.output
