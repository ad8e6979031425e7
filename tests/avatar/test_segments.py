"""The per-slide segment cache: a render after an edit draws only the slides that changed and
copies the others' encoded video; the result is the same video a fresh render makes."""
from __future__ import annotations

import json

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from avatar.cli import app
from avatar.motion.gestures import gesture_tracks
from speech.features import frame_features
from speech.speak import speak

DECK = """---
title: Segments
size: 640x360
voice: en-us
---
# One
- a
<!-- The first slide says this. -->
---
# Two
- b
<!-- {second} -->
---
# Three
- c
<!-- And the third slide says that. -->
"""


def render(folder, second, name):
    (folder / "deck.md").write_text(DECK.format(second=second), encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(folder / "deck.md"), "-o", str(folder / f"{name}.mp4"), "--json"])
    assert result.exit_code == 0, result.output
    with av.open(str(folder / f"{name}.mp4")) as container:
        frames = [f.to_ndarray(format="gray") for f in container.decode(video=0)]
    return json.loads(result.stdout), json.loads((folder / f"{name}.json").read_text()), frames


@pytest.fixture(scope="module")
def renders(tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setenv("AVATAR_CACHE_DIR", str(tmp_path_factory.mktemp("segment-cache")))
    folder = tmp_path_factory.mktemp("segments")
    first = render(folder, "The second slide is short.", "first")
    again = render(folder, "The second slide is short.", "again")
    edited = render(folder, "The second slide now says a good deal more than it did before the edit.", "edited")
    return first, again, edited


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_an_unchanged_render_reuses_every_slide_and_makes_the_same_video(renders):
    (summary1, manifest1, frames1), (summary2, _, frames2), _ = renders
    assert summary1["reused_slides"] == 0 and summary2["reused_slides"] == 3
    assert len(frames1) == len(frames2) == round(manifest1["duration"] * 25)
    assert all(np.array_equal(a, b) for a, b in zip(frames1, frames2))


def test_an_edit_redraws_only_that_slide_and_the_later_slides_keep_their_frames(renders):
    (_, manifest1, frames1), _, (summary3, manifest3, frames3) = renders
    assert summary3["reused_slides"] == 2
    assert len(frames3) == round(manifest3["duration"] * 25) > len(frames1)
    third1, third3 = manifest1["slides"][2], manifest3["slides"][2]
    assert third3["start"] > third1["start"]  # moved later by the longer second slide
    a = frames1[round(third1["start"] * 25):round(third1["end"] * 25)]
    b = frames3[round(third3["start"] * 25):round(third3["end"] * 25)]
    assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))
    second1 = frames1[round(manifest1["slides"][1]["start"] * 25) + 20]
    second3 = frames3[round(manifest3["slides"][1]["start"] * 25) + 20]
    assert not np.array_equal(second1, second3)


def test_the_head_rests_at_both_ends_of_a_slide_so_slides_join_smoothly():
    utterance = speak("A sentence long enough to move the head a little.", voice="en-us")
    n = int(utterance.duration * 25) + 20
    tracks = gesture_tracks(utterance, frame_features(utterance, 25), 25, n, seed=3, slide_index=4)
    for axis in ("yaw", "roll"):  # pitch also nods on stressed syllables
        assert abs(tracks[axis][0]) < 0.05 and abs(tracks[axis][-1]) < 0.05
    assert max(np.abs(tracks["yaw"]).max(), np.abs(tracks["roll"]).max()) > 0.2  # it does move in between
