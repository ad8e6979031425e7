"""Plan -> frames and program audio, streamed into frame sinks (the MP4 exporter) slide by slide.

Per slide: the slide image (rasterised one slide ahead on a worker thread), the slide's audio and
the presenter's motion for it (:func:`avatar.narration.slide_motion`), then presenter frames
composed onto the slide and handed on one at a time. Nothing holds the whole video.
"""
from __future__ import annotations

import functools
import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from avatar.compose import Band, circle_mask, compose, with_captions
from avatar.narration import LEAD_IN, padded, slide_motion
from avatar.plan import Plan, Progress
from avatar.face.rig import portrait_alpha
from avatar.presenter.renderer import PresenterRenderer
from avatar.reveals import FADE, RevealSchedule, crossfade, reveal_frames
from avatar.script import disclosure_text, transition_seconds
from avatar.slides import render_caption, render_overlay, render_slide


class FrameSink(Protocol):
    """Where execution streams the program: audio placed on the video's clock, then frames in order
    (:class:`avatar.encode.Mp4Writer` is one)."""

    def write_audio(self, samples: np.ndarray, sample_rate: int, at: float | None = None) -> None: ...

    def write_frame(self, yuv420: np.ndarray) -> None: ...


@dataclass
class Rendered:
    """What execution did: frames written, the execution provider used, seconds per stage."""

    frames: int
    provider: str
    timings: dict[str, float]  # slides, motion, render+encode


@dataclass
class RenderResult:
    output: Path
    captions: list[Path]
    manifest: Path
    duration: float
    wall_time: float
    provider: str
    slides: int
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def speed(self) -> float:
        """Video seconds rendered per wall-clock second."""
        return self.duration / self.wall_time if self.wall_time else float("inf")


def slide_audio(utterance, seconds: float, rate: int) -> np.ndarray:
    """An utterance resampled to `rate` and padded with silence (or cut) to `seconds`."""
    import math

    from scipy.signal import resample_poly

    x = np.asarray(utterance.samples, np.float32)
    if utterance.sample_rate != rate and len(x):
        g = math.gcd(rate, utterance.sample_rate)
        x = resample_poly(x, rate // g, utterance.sample_rate // g).astype(np.float32)
    n = int(round(seconds * rate))
    return np.pad(x[:n], (0, max(0, n - len(x))))


def execute(plan: Plan, sinks: Sequence[FrameSink], progress: Progress | None = None) -> Rendered:
    """Render every slide of the plan into the sinks."""
    progress = progress or (lambda stage, done, total: None)
    renderers = {side: PresenterRenderer(rig) for side, rig in plan.rigs.items()}
    shape = plan.theme.presenter["shape"]
    lower_third = (plan.meta.presenter_name, plan.meta.presenter_title)
    stage = {"slides": 0.0, "motion": 0.0, "render+encode": 0.0}
    total, done = plan.n_frames, 0
    slides = plan.slides

    disclosure = disclosure_text(plan.meta)

    @functools.lru_cache(maxsize=8)
    def masks(side: int, circle: bool) -> np.ndarray | None:
        """Where the presenter shows in its square: inside a circle card, and where the portrait is
        not transparent (None: everywhere)."""
        alpha = portrait_alpha(plan.portrait, plan.rigs[side], side)
        if circle:
            return circle_mask(side) * (alpha if alpha is not None else 1.0)
        return alpha

    bands: dict[tuple[str, str], Band | None] = {}

    def caption_bands(slide, box) -> list[tuple[int, int, Band | None]]:
        """The slide's cues as (first frame, end frame, band), slide-relative."""
        out = []
        for cue in slide.cues:
            key = (cue.text, slide.placement)
            if key not in bands:
                drawn = render_caption(cue.text, theme=plan.theme, size=plan.size, placement=slide.placement)
                bands[key] = Band(*drawn) if drawn else None
            first = round((cue.start - slide.start) * plan.fps)
            out.append((first, round((cue.end - slide.start) * plan.fps), bands[key]))
        return out

    def slide_image(i: int) -> tuple[RevealSchedule, np.ndarray | None]:
        """The slide as shown, and again after each of its reveals (all bullets in the last), and
        what it draws over the presenter."""
        shown = [*range(len(slides[i].reveals)), None] if slides[i].reveals else [None]
        args = dict(theme=plan.theme, size=plan.size, index=slides[i].index + 1, count=len(plan.presentation.slides),
                    deck_title=plan.meta.title, placement=slides[i].placement, shape=shape, lower_third=lower_third)
        states = [render_slide(slides[i].slide, base_dir=plan.job.script.parent, source=plan.job.script,
                               disclosure=disclosure, shown=k, **args) for k in shown]
        box = plan.theme.presenter_box(plan.size, slides[i].placement)
        overlay = render_overlay(slides[i].slide, box=box, **args) if box and slides[i].placement == "full" else None
        schedule = RevealSchedule(states, reveal_frames(slides[i].reveals, slides[i].start, plan.fps),
                                  fade_frames=max(1, round(FADE * plan.fps)))
        return schedule, overlay

    # the next slide is rasterised on a worker thread while this one's frames are encoded
    previous: np.ndarray | None = None  # the last slide's final image, for a crossfade into the next
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="slides") as ahead:
        upcoming = ahead.submit(slide_image, 0)
        for i, slide in enumerate(slides):
            t = time.perf_counter()
            schedule, overlay = upcoming.result()
            if i + 1 < len(slides):
                upcoming = ahead.submit(slide_image, i + 1)
            stage["slides"] += time.perf_counter() - t
            t = time.perf_counter()
            box = plan.theme.presenter_box(plan.size, slide.placement)
            if box is None:  # voice-over: no presenter, so no motion either
                utterance, frames = padded(slide.audio(), LEAD_IN), itertools.repeat(None, slide.n_frames)
            else:
                utterance, track = slide_motion(slide, plan.fps, plan.meta.seed)
                frames = renderers[box[2]].frames(track)
            stage["motion"] += time.perf_counter() - t
            t = time.perf_counter()
            samples, rate = utterance.samples, utterance.sample_rate
            if plan.music is not None:  # the whole slide's audio, the bed under the narration
                samples, rate = plan.music.mix(slide_audio(utterance, slide.n_frames / plan.fps, plan.music.rate),
                                               slide.start), plan.music.rate
            for sink in sinks:
                sink.write_audio(samples, rate, at=slide.start)
            backgrounds = schedule.backgrounds(slide.n_frames)
            fade = round(transition_seconds(slide.slide.transition or plan.meta.transition) * plan.fps)
            if previous is not None and fade:
                backgrounds = crossfade(previous, backgrounds, min(fade, slide.n_frames - 1))
            previous = schedule.states[-1]
            if plan.meta.captions == "burned":
                backgrounds = with_captions(backgrounds, caption_bands(slide, box), box)
            mask = masks(box[2], circle=slide.placement == "corner" and shape == "circle") if box else None
            for frame in compose(backgrounds, frames, box, mask=mask, overlay=overlay):
                for sink in sinks:
                    sink.write_frame(frame)
                done += 1
                if done % 10 == 0 or done == total:
                    progress("render", done, total)
            stage["render+encode"] += time.perf_counter() - t
    provider = next(iter(renderers.values())).provider if renderers else "none (voice-over)"
    return Rendered(frames=done, provider=provider, timings=stage)
