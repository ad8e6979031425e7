"""Cut or crossfade between slides; the presenter keeps moving through the fade."""
from __future__ import annotations

import json

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from avatar.cli import app
from avatar.errors import AvatarError
from avatar.reveals import crossfade
from avatar.script import load_script, transition_seconds

DECK = """---
title: Fade
size: 640x360
voice: en-us
transition: fade 0.6s
---
# One
<!-- One. -->
---
# Two
- point
<!-- Two. -->
---
# Three
- point
<!-- transition: cut -->
<!-- Three. -->
"""


@pytest.mark.parametrize("text, seconds", [("cut", 0.0), ("fade", 0.5), ("fade 0.8", 0.8), ("FADE 250ms", 0.25)])
def test_transition_spellings(tmp_path, text, seconds):
    (tmp_path / "d.md").write_text(f"# A\n<!-- transition: {text} -->\n<!-- A. -->\n", encoding="utf-8")
    assert transition_seconds(load_script(tmp_path / "d.md").slides[0].transition) == seconds


def test_a_bad_transition_is_an_error(tmp_path):
    (tmp_path / "d.md").write_text("# A\n<!-- transition: wipe -->\n<!-- A. -->\n", encoding="utf-8")
    with pytest.raises(AvatarError, match="transition must be cut or fade"):
        load_script(tmp_path / "d.md")


def test_crossfade_blends_from_the_previous_slide():
    previous, new = np.zeros((2, 2, 3), np.uint8), np.full((2, 2, 3), 200, np.uint8)
    out = [int(rgb[0, 0, 0]) for rgb, _ in crossfade(previous, iter([(new, True)] + [(new, False)] * 5), 3)]
    assert out == [50, 100, 150, 200, 200, 200]


def test_slides_fade_into_each_other_and_cut_when_told(tmp_path):
    (tmp_path / "deck.md").write_text(DECK, encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(tmp_path / "deck.md"), "-o", str(tmp_path / "out.mp4"), "--quiet"])
    assert result.exit_code == 0, result.output
    starts = [round(s["start"] * 25) for s in json.loads((tmp_path / "out.json").read_text())["slides"]]
    with av.open(str(tmp_path / "out.mp4")) as container:
        frames = [f.to_ndarray(format="rgb24")[:, :300].astype(int) for f in container.decode(video=0)]
    before, during, after = frames[starts[1] - 1], frames[starts[1] + 7], frames[starts[1] + 20]
    # halfway through the fade the picture is between the two slides
    assert 0.3 < np.abs(during - before).mean() / np.abs(after - before).mean() < 0.7
    # the third slide cuts in: its first frame is already the slide
    assert np.abs(frames[starts[2]] - frames[starts[2] + 10]).mean() < 1.5
