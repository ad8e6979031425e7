"""Plan -> the video's slides and program audio, streamed into sinks (the MP4 exporter) slide by slide.

Per slide (prepared one slide ahead on a worker thread): its SVG images and audio, and the key of
its segment (:mod:`avatar.segments`). A slide whose segment is cached is copied as it is; any
other is drawn (its images rasterised, the presenter's motion made and rendered, composed onto
the slide) and encoded into a new segment first. Nothing holds the whole video.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

import avatar
from avatar.compose import Band, circle_mask, compose, with_captions
from avatar.encode import encode_segment
from avatar.face.matte import MATTE_VERSION, foreground_colours
from avatar.face.rig import RIG_VERSION, portrait_alpha, with_picture
from avatar.narration import played_audio, slide_track
from avatar.plan import Plan, Progress
from avatar.presenter.renderer import PresenterRenderer
from avatar.segments import SEGMENT_FORMAT, cached_segment, prune, segment_key, touch
from avatar.reveals import FADE, RevealSchedule, crossfade, reveal_frames
from avatar.zoom import picture_frame, zoom_picture, zoomed
from avatar.script import disclosure_text, transition_seconds
from avatar.slides import rasterise_slide, render_caption, render_overlay, slide_svg


class FrameSink(Protocol):
    """Where execution streams the program: each slide's encoded segment in order, and its audio
    placed on the video's clock (:class:`avatar.encode.Mp4Writer` made with ``segments=True``)."""

    def write_audio(self, samples: np.ndarray, sample_rate: int, at: float | None = None) -> None: ...

    def write_segment(self, segment: Path) -> int: ...


@dataclass
class Rendered:
    """What execution did: frames written, the execution provider used, seconds per stage."""

    frames: int
    provider: str
    timings: dict[str, float]  # slides, motion, render+encode, alpha (the presenter's, made once)
    reused_slides: int = 0  # slides whose cached segment was copied, not drawn again


@dataclass
class RenderResult:
    output: Path
    captions: list[Path]
    manifest: Path
    duration: float
    wall_time: float
    provider: str
    slides: int
    reused_slides: int = 0  # slides copied from the segment cache
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


def _presenter(plan: Plan, rig, side: int) -> PresenterRenderer:
    """The renderer of one presenter size. Where the portrait does not show everywhere (its own
    transparency, or its background removed) its alpha is warped with the face in every frame, so
    the edge of the hair moves with the head, and the edge's colours are the person's own, not the
    old background's."""
    alpha = portrait_alpha(plan.portrait, rig, side, plan.meta.presenter_background)
    if alpha is None:
        return PresenterRenderer(rig)
    return PresenterRenderer(with_picture(rig, foreground_colours(rig.still_frame, alpha)), alpha=alpha)


def execute(plan: Plan, sinks: Sequence[FrameSink], progress: Progress | None = None) -> Rendered:
    """Render every slide of the plan into the sinks."""
    progress = progress or (lambda stage, done, total: None)
    t = time.perf_counter()
    renderers = {side: _presenter(plan, rig, side) for side, rig in plan.rigs.items()}
    shape = plan.theme.presenter["shape"]
    lower_third = (plan.meta.presenter_name, plan.meta.presenter_title)
    stage = {"slides": 0.0, "motion": 0.0, "render+encode": 0.0, "alpha": time.perf_counter() - t}
    total, done = plan.n_frames, [0]
    slides = plan.slides

    def tick(frames: int) -> None:
        before, done[0] = done[0], done[0] + frames
        if done[0] // 10 != before // 10 or done[0] == total:
            progress("render", done[0], total)

    disclosure = disclosure_text(plan.meta)

    circle = functools.lru_cache(maxsize=4)(circle_mask)  # a circle card shows the slide around it
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

    font_digest = hashlib.sha256(b"".join(Path(f).read_bytes() for f in plan.theme.font_files)).hexdigest()
    portrait_digest = hashlib.sha256(plan.portrait.read_bytes()).hexdigest()
    fade_frames = max(1, round(FADE * plan.fps))

    def slide_args(i: int) -> dict:
        return dict(theme=plan.theme, size=plan.size, index=slides[i].index + 1, count=len(plan.presentation.slides),
                    deck_title=plan.meta.title, placement=slides[i].placement, shape=shape, lower_third=lower_third)

    def slide_svgs(i: int) -> list[str]:
        """The slide's SVG as shown, and again after each of its reveals (all bullets in the last)."""
        shown = [*range(len(slides[i].reveals)), None] if slides[i].reveals else [None]
        return [slide_svg(slides[i].slide, base_dir=plan.job.script.parent, source=plan.job.script,
                          disclosure=disclosure, shown=k, **slide_args(i)) for k in shown]

    finals: dict[int, str] = {}  # each slide's last SVG, for the crossfade into the next

    def prepare(i: int) -> dict:
        """Slide i's images, audio and segment key (on the worker thread, one slide ahead, in order)."""
        t0 = time.perf_counter()
        slide = slides[i]
        svgs = slide_svgs(i)
        finals[i] = svgs[-1]
        box = plan.theme.presenter_box(plan.size, slide.placement)
        utterance = played_audio(slide)
        fade = round(transition_seconds(slide.slide.transition or plan.meta.transition) * plan.fps)
        fade = min(fade, slide.n_frames - 1) if i else 0
        key = segment_key({
            "version": avatar.__version__, "format": SEGMENT_FORMAT, "rig": RIG_VERSION, "size": plan.size, "fps": plan.fps,
            "preset": plan.preset, "svgs": [svg.encode() for svg in svgs], "fonts": font_digest,
            "reveals": reveal_frames(slide.reveals, slide.start, plan.fps), "fade_frames": fade_frames,
            "crossfade": [fade, finals[i - 1].encode(), zoom_of(i - 1)] if fade else None,
            "zoom": zoom_of(i),
            "captions": [(c.text, round(c.start - slide.start, 3), round(c.end - slide.start, 3)) for c in slide.cues]
            if plan.meta.captions == "burned" else None,
            "audio": np.ascontiguousarray(utterance.samples, np.float32).tobytes(), "rate": utterance.sample_rate,
            "phones": [(ph.symbol, ph.start, ph.end, ph.stress) for ph in utterance.phones],
            "n_frames": slide.n_frames, "seed": plan.meta.seed, "slide": slide.index, "box": box, "shape": shape,
            "lower_third": lower_third, "portrait": portrait_digest, "landmarks": plan.job.landmarks,
            "background": [plan.meta.presenter_background, MATTE_VERSION],
        })
        path = cached_segment(key, slide.n_frames)
        hit = path.is_file()
        # a slide to draw gets its images and motion here too, off the thread that encodes
        states = None if hit else [rasterise_slide(svg, slide.slide, plan.theme, plan.size) for svg in svgs]
        drawn = time.perf_counter()
        track = None if hit or box is None else slide_track(slide, utterance, plan.fps, plan.meta.seed)
        return {"svgs": svgs, "box": box, "utterance": utterance, "fade": fade, "path": path, "hit": hit,
                "states": states, "track": track, "seconds": {"slides": drawn - t0, "motion": time.perf_counter() - drawn}}

    def zoom_of(i: int) -> float:
        own = slides[i].slide.zoom
        return own if own is not None else plan.meta.zoom

    def final_picture(i: int, picture: np.ndarray) -> np.ndarray:
        """Slide i's last background: its final state, with its picture zoomed all the way."""
        frame = picture_frame(finals[i]) if zoom_of(i) else None
        return picture if frame is None else zoom_picture(picture, frame, 1 + zoom_of(i))

    previous: np.ndarray | None = None  # the last slide's final image, for a crossfade into the next
    reused = 0
    # the next slide is prepared on a worker thread while this one's frames are encoded
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="slides") as ahead:
        upcoming = ahead.submit(prepare, 0)
        for i, slide in enumerate(slides):
            job = upcoming.result()
            if i + 1 < len(slides):
                upcoming = ahead.submit(prepare, i + 1)
            box, utterance, path, states = job["box"], job["utterance"], job["path"], job["states"]
            for name, seconds in job["seconds"].items():  # on the worker thread, mostly while encoding
                stage[name] += seconds
            if job["hit"]:
                touch(path)
                reused += 1
            else:
                t = time.perf_counter()
                if box is None:  # voice-over: no presenter, so no motion either
                    frames = itertools.repeat(None, slide.n_frames)
                else:
                    frames = renderers[box[2]].frames(job["track"])
                schedule = RevealSchedule(states, reveal_frames(slide.reveals, slide.start, plan.fps), fade_frames)
                backgrounds = schedule.backgrounds(slide.n_frames)
                frame = picture_frame(job["svgs"][-1]) if zoom_of(i) else None
                if frame is not None:
                    backgrounds = zoomed(backgrounds, frame, slide.n_frames, zoom_of(i))
                if job["fade"]:
                    if previous is None:  # the slide before was reused: draw its last picture
                        previous = final_picture(i - 1, rasterise_slide(finals[i - 1], slides[i - 1].slide,
                                                                        plan.theme, plan.size))
                    backgrounds = crossfade(previous, backgrounds, job["fade"])
                if plan.meta.captions == "burned":
                    backgrounds = with_captions(backgrounds, caption_bands(slide, box), box)
                overlay = (render_overlay(slide.slide, box=box, **slide_args(i))
                           if box and slide.placement == "full" else None)
                mask = circle(box[2]) if box and slide.placement == "corner" and shape == "circle" else None
                composed = compose(backgrounds, frames, box, mask=mask, overlay=overlay)
                encode_segment(composed, path, width=plan.size[0], height=plan.size[1], fps=plan.fps,
                               preset=plan.preset, each=lambda: tick(1))
                stage["render+encode"] += time.perf_counter() - t
            previous = final_picture(i, states[-1]) if states else None
            t = time.perf_counter()
            samples, rate = utterance.samples, utterance.sample_rate
            if plan.music is not None:  # the whole slide's audio, the bed under the narration
                samples, rate = plan.music.mix(slide_audio(utterance, slide.n_frames / plan.fps, plan.music.rate),
                                               slide.start), plan.music.rate
            for sink in sinks:
                sink.write_segment(path)
                sink.write_audio(samples, rate, at=slide.start)
            if job["hit"]:
                tick(slide.n_frames)
            stage["render+encode"] += time.perf_counter() - t
    prune()
    provider = next(iter(renderers.values())).provider if renderers else "none (voice-over)"
    return Rendered(frames=done[0], provider=provider, timings=stage, reused_slides=reused)
