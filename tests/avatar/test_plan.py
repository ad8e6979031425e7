"""The plan: everything known before the first frame (timings, cues, chapters, motion inputs)."""
import pytest

from avatar.job import make_job
from avatar.narration import LEAD_IN
from avatar.plan import DEFAULT_PORTRAIT, make_plan

SCRIPT = """---
title: Plan deck
size: 640x360
voice: en-us
fps: 25
---
# First
<!-- Hello there. This is the first slide. -->
---
# Second
- a point
<!-- And the second one. -->
"""


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plan")
    script = folder / "deck.md"
    script.write_text(SCRIPT, encoding="utf-8")
    return make_plan(make_job(script, folder / "out.mp4", seed=3))


def test_chapters_and_cues_are_known_before_any_frame_is_made(plan):
    assert not list(plan.job.output.parent.glob("out*")) and not list(plan.job.output.parent.glob(".out*"))
    assert [c.title for c in plan.chapters] == ["First", "Second"]
    first, second = plan.slides
    assert plan.chapters[0].start == 0 and plan.chapters[0].end == pytest.approx(second.start)
    assert plan.chapters[1].end == pytest.approx(plan.duration)
    assert [c.text for c in plan.cues] == ["Hello there.", "This is the first slide.", "And the second one."]
    assert plan.cues[0].start >= LEAD_IN - 0.01 and plan.cues[-1].start >= second.start + LEAD_IN - 0.01
    assert plan.n_frames == first.n_frames + second.n_frames and plan.duration == plan.n_frames / 25


def test_the_job_overrides_the_front_matter_and_motion_inputs_are_per_slide(plan):
    assert plan.meta.seed == 3 and plan.meta.size == (640, 360) and plan.meta.title == "Plan deck"
    assert plan.portrait == DEFAULT_PORTRAIT and plan.rig.size == plan.presenter_box[2]
    assert plan.voice_label == "espeak:en-us"
    assert [s.index for s in plan.slides] == [0, 1]
    assert all(len(s.utterance.phones) > 0 for s in plan.slides)  # timings kept, audio released
    assert all(len(s.utterance.samples) == 0 for s in plan.slides)
    assert set(plan.timings) == {"script", "rig", "speech"}
