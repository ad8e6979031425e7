"""Captions burned into the picture when asked (two lines at most, clear of the presenter), and
the plain-text transcript beside every video."""
from __future__ import annotations

import json

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from avatar.cli import app
from avatar.slides import load_theme, render_caption

DECK = """---
title: Burned
size: 640x360
voice: en-us
---
# One
- a point
<!-- The first sentence is here. [pause 500ms] And a second sentence follows it. -->
---
# Two
<!-- presenter: full -->
<!-- The full frame slide. [next] -->
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("burned")
    (folder / "deck.md").write_text(DECK, encoding="utf-8")
    for name, extra in (("burned", ["--burn-captions"]), ("plain", [])):
        result = CliRunner().invoke(app, ["render", str(folder / "deck.md"), "-o", str(folder / f"{name}.mp4"),
                                          "--quiet", *extra])
        assert result.exit_code == 0, result.output
    frames = {}
    for name in ("burned", "plain"):
        with av.open(str(folder / f"{name}.mp4")) as container:
            frames[name] = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return folder, frames


def cues(folder):
    text = (folder / "burned.vtt").read_text()
    out = []
    for line in text.splitlines():
        if "-->" in line:
            a, b = (sum(float(p) * m for p, m in zip(t.strip().split(":"), (3600, 60, 1))) for t in line.split("-->"))
            out.append((a, b))
    return out


def test_burned_captions_are_on_screen_during_their_cue_only_and_clear_of_the_presenter(rendered):
    folder, frames = rendered
    theme = load_theme("default")
    x, y, w, h = theme.presenter_box((640, 360))
    first_start, first_end = cues(folder)[0]
    during = round((first_start + first_end) / 2 * 25)
    diff = np.abs(frames["burned"][during].astype(int) - frames["plain"][during].astype(int)).max(axis=2) > 40
    assert diff[:, :x].sum() > 300  # the caption, left of the corner card
    assert diff[y:y + h, x:x + w].sum() == 0  # never over the corner presenter
    rows = np.nonzero(diff.any(axis=1))[0]
    assert rows.min() > 360 * 0.6 and rows.max() < 360 * 0.95  # at the bottom, inside the safe area
    before = max(0, round(first_start * 25) - 2)
    assert (np.abs(frames["burned"][before].astype(int) - frames["plain"][before].astype(int)).max(axis=2) > 40).sum() == 0


def test_a_caption_is_at_most_two_lines():
    theme = load_theme("default")
    long = " ".join(["captions must never grow past two lines however long the cue is"] * 4)
    x, y, rgba = render_caption(long, theme=theme, size=(1280, 720))
    assert rgba.shape[0] < 720 * 0.04 * 1.25 * 2 + 40  # two lines of the caption size and the band's padding


def test_the_transcript_lists_each_slide_with_its_start_and_narration(rendered):
    folder, _ = rendered
    text = (folder / "burned.txt").read_text()
    assert text.splitlines()[0] == "Burned"
    assert "[00:00] One\nThe first sentence is here. And a second sentence follows it." in text
    assert "The full frame slide." in text and "[next]" not in text and "[pause" not in text
    manifest = json.loads((folder / "burned.json").read_text())
    assert f"[00:{int(manifest['slides'][1]['start']):02d}] Two" in text
