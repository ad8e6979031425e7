"""Bullets revealed as they are spoken: each [next] shows the next bullet when its word starts."""
from __future__ import annotations

import json
import math

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from avatar.cli import app
from avatar.narration import LEAD_IN
from avatar.reveals import RevealSchedule, reveal_frames, reveal_times, split_reveals, strip_reveals
from speech.speak import speak
from speech.types import Word

NARRATION = "There are three things. [next] Ask early. [next] Lock your screen. [NEXT] And write it down."
DECK = f"""---
title: Reveals
size: 640x360
voice: en-us
---
# Three things
- Ask early
- Lock your screen
- Write it down

<!-- {NARRATION} -->
---
> Simple things should be simple.

<!-- A quote. [next] Nothing to reveal here. -->
"""


def test_markers_are_blanked_in_place_and_never_spoken():
    spoken, marks = split_reveals(NARRATION)
    assert len(spoken) == len(NARRATION) and "next" not in spoken.lower()
    assert [NARRATION[m:m + 6].lower() for m in marks] == ["[next]"] * 3
    assert strip_reveals(NARRATION) == "There are three things. Ask early. Lock your screen. And write it down."


def test_a_reveal_is_the_start_of_the_first_word_after_its_marker():
    words = [Word("Hello", 0.0, 0.4, 0, 5), Word("there", 0.5, 0.9, 13, 18), Word("end", 1.0, 1.3, 20, 23)]
    assert reveal_times([6, 19, 30], words, end=1.5) == [0.5, 1.0, 1.5]


def test_the_schedule_fades_each_bullet_in_from_its_frame():
    states = [np.full((2, 2, 3), v, np.uint8) for v in (0, 100, 200)]
    schedule = RevealSchedule(states, frames=[3, 8], fade_frames=4)
    shown = [(int(rgb[0, 0, 0]), changed) for rgb, changed in schedule.backgrounds(14)]
    assert [v for v, _ in shown] == [0, 0, 0, 25, 50, 75, 100, 100, 125, 150, 175, 200, 200, 200]
    assert [c for _, c in shown][:3] == [True, False, False] and not shown[-1][1]
    assert reveal_frames([1.0, 1.5], slide_start=0.5, fps=25) == [12, 25]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reveals")
    (folder / "deck.md").write_text(DECK, encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(folder / "deck.md"), "-o", str(folder / "out.mp4"), "--json"])
    assert result.exit_code == 0, result.output
    with av.open(str(folder / "out.mp4")) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return json.loads(result.stdout), json.loads((folder / "out.json").read_text()), frames


def test_each_bullet_appears_within_a_frame_of_its_word(rendered):
    _, manifest, frames = rendered
    first = manifest["slides"][0]
    spoken, _ = split_reveals(NARRATION)
    words = speak(spoken, voice="en-us").words
    expected = [LEAD_IN + next(w.start for w in words if w.text.startswith(text)) for text in ("Ask", "Lock", "And")]
    assert len(first["reveals"]) == 3
    assert all(abs(got - want) <= 1 / 25 for got, want in zip(first["reveals"], expected)), (first["reveals"], expected)
    # on screen: the body is empty before the first reveal, and each bullet's row fills in at its frame
    body = [f[60:200, 20:300].astype(int) for f in frames]
    first_frame = math.floor(first["reveals"][0] * 25)
    assert np.abs(body[first_frame - 1] - body[0]).max() < 12  # nothing yet
    assert np.abs(body[first_frame] - body[0]).max() > 12      # the first bullet starts fading in
    last = math.floor(first["reveals"][-1] * 25)
    assert (np.abs(body[last - 1] - body[0]).max(axis=2) > 40).sum() < (np.abs(body[last + 8] - body[0]).max(axis=2) > 40).sum()


def test_markers_on_a_layout_without_bullets_are_ignored_with_a_warning(rendered):
    summary, manifest, _ = rendered
    assert manifest["slides"][1]["reveals"] == []
    assert any("slide 2" in w and "[next]" in w for w in summary["warnings"])
    assert "next" not in manifest["slides"][1]["narration"].lower()
