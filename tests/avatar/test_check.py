"""`avatar check` lists every problem a render would hit, one line each, without rendering;
`--slides` and `--preview` render a part of a deck, or all of it small and fast."""
from __future__ import annotations

import json

import numpy as np

from typer.testing import CliRunner

from avatar.cli import app

GOOD = """---
title: Good deck
voice: en-us
size: 640x360
---
# One
- a point
<!-- One. -->
---
# Two
<!-- Two. -->
---
# Three
<!-- Three. -->
"""

BAD = """---
title: Broken
music: nothing.mp3
---
# Fine
<!-- Fine. -->
---
# Spiral
<!-- layout: spiral -->
<!-- Hi. -->
---
# 你好
<!-- Hello. -->
---
# Picture
![](missing.png)
<!-- A picture. -->
---
# Crowded
{bullets}
<!-- Lots. -->
"""


def test_check_lists_every_problem_one_line_each_and_exits_2(tmp_path):
    bullets = "\n".join(f"- point {i} with a good many words in it to fill the line" for i in range(60))
    (tmp_path / "deck.md").write_text(BAD.format(bullets=bullets), encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(tmp_path / "deck.md")])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 5, result.output
    text = "\n".join(errors)
    assert "slide 2 ('Spiral'): the theme 'default' has no layout 'spiral'" in text
    assert "slide 3 ('你好'): '你' (U+4F60)" in text
    assert "missing.png: image not found" in text
    assert "slide 5 ('Crowded'): the bullets do not fit" in text
    assert "nothing.mp3: music file not found" in text
    assert not list(tmp_path.glob("*.mp4"))


def test_check_passes_a_good_script_as_json(tmp_path):
    (tmp_path / "deck.md").write_text(GOOD, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(tmp_path / "deck.md"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"ok": True, "slides": 3, "problems": [], "warnings": []}


def test_slides_renders_a_subset_numbered_as_in_the_deck_and_preview_is_small(tmp_path):
    (tmp_path / "deck.md").write_text(GOOD.replace("size: 640x360", "size: 1280x720"), encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(tmp_path / "deck.md"), "-o", str(tmp_path / "part.mp4"),
                                      "--slides", "2-3", "--preview", "--sheet", "--quiet"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "part.json").read_text())
    assert [s["index"] for s in manifest["slides"]] == [2, 3] and manifest["slides"][0]["start"] == 0.0
    assert manifest["size"] == [640, 360] and manifest["fps"] == 15
    # the thumbnail and the contact sheet: one labelled tile per rendered slide
    from PIL import Image

    sheet, thumb = Image.open(tmp_path / "part.sheet.png"), Image.open(tmp_path / "part.thumb.jpg")
    assert sheet.width == 12 + 2 * (480 + 12) and thumb.size == (640, 360)
    tiles = np.asarray(sheet.convert("RGB"))[12:12 + 270]
    assert tiles[:, 12:492].std() > 10 and tiles[:, 504:984].std() > 10  # two slides drawn, not blank
    bad = CliRunner().invoke(app, ["render", str(tmp_path / "deck.md"), "-o", str(tmp_path / "x.mp4"), "--slides", "4"])
    assert bad.exit_code == 2 and "slide 4 is past the last slide (3)" in bad.output
    bad = CliRunner().invoke(app, ["render", str(tmp_path / "deck.md"), "-o", str(tmp_path / "x.mp4"), "--slides", "two"])
    assert bad.exit_code == 2 and "--slides" in bad.output and "2-4,7" in bad.output
