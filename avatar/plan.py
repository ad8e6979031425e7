"""RenderJob -> Plan: everything a render knows before its first frame.

The script is loaded and the job's options laid over its front matter; the theme, the presenter's
place on the slide and the portrait's rig are ready; every slide is spoken and laid out on the
video's timeline (whole frames per slide, audio released to keep memory bounded), so the caption
cues and the chapters are final before the MP4 header is written. What is left for
:mod:`avatar.execute` is per slide: motion from the slide's audio, presenter frames, composing
and encoding.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from avatar.captions import Cue
from avatar.encode import Chapter
from avatar.errors import AvatarError
from avatar.face.rig import Rig, build_rig
from avatar.inputs import check_outputs_spare_inputs, hash_inputs, input_files
from avatar.job import RenderJob
from avatar.narration import SlidePlan, narrate, speech_spans, voice_for
from avatar.music import MIX_RATE, MusicBed
from avatar.provenance import Identity, load_identity, local_identity
from avatar.script import Meta, Presentation, disclosure_text, load_script
from avatar.slides import Theme, brand_theme, build_svg, check_slide, load_theme, presenter_theme

log = logging.getLogger(__name__)

DEFAULT_PORTRAIT = Path(__file__).resolve().parent / "assets" / "portraits" / "grace_hopper.jpg"
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class Plan:
    """A render before its first frame (built by :func:`make_plan`)."""

    job: RenderJob
    presentation: Presentation
    meta: Meta  # the script's options with the job's overrides applied
    theme: Theme
    presenter_box: tuple[int, int, int, int]  # (x, y, w, h) of the corner presenter on the slide
    portrait: Path
    rig: Rig | None  # the portrait's rig at the first presenter size used (None: every slide is voice-over)
    engine: str  # speech engine and voice actually used
    voice: str | None
    slides: list[SlidePlan]  # per slide: timings of its speech, start, frames, cues (the motion inputs)
    cues: list[Cue]  # every caption, on the video's clock
    chapters: list[Chapter]  # one per slide
    identity: Identity  # who signs the video's content credentials
    music: MusicBed | None = None  # the bed under the narration, levelled and ducked for this timeline
    rigs: dict[int, Rig] = field(default_factory=dict)  # by presenter side in px (corner, side and full differ)
    input_hash: str = ""  # avatar.inputs: what the video is made from (the manifest records it)
    timings: dict[str, float] = field(default_factory=dict)  # s spent planning: script, rig, speech

    @property
    def fps(self) -> int:
        return self.meta.fps

    @property
    def preset(self) -> str:
        """x264's preset: the fastest for a preview."""
        return "ultrafast" if self.job.preview else "veryfast"

    @property
    def size(self) -> tuple[int, int]:
        return self.meta.size

    @property
    def n_frames(self) -> int:
        return sum(slide.n_frames for slide in self.slides)

    @property
    def duration(self) -> float:
        """Seconds of video."""
        return self.n_frames / self.fps

    @property
    def voice_label(self) -> str:
        return f"{self.engine}:{self.voice}"


def make_plan(job: RenderJob, *, warn: Callable[[str], None] | None = None,
              progress: Progress | None = None) -> Plan:
    """Load, check and narrate the job's script. Raises AvatarError on bad input (nothing written)."""
    warn = warn or log.warning
    timings: dict[str, float] = {}
    t = time.perf_counter()
    presentation = load_script(job.script, job.variables, allow=job.allow_paths)
    meta = job.meta_for(presentation.meta)
    files = input_files(job, presentation, meta)
    check_outputs_spare_inputs(job, files)
    count = len(presentation.slides)
    if job.slides and job.slides[-1] > count:
        raise AvatarError("slides", f"slide {job.slides[-1]} is past the last slide ({count}) of {job.script}")
    theme = load_theme(meta.template)
    if meta.brand is not None:
        theme = brand_theme(theme, meta.brand, job.script)
    theme = presenter_theme(theme, meta.presenter_shape, meta.presenter_corner)
    box = theme.presenter_box(meta.size)
    for number, slide in enumerate(presentation.slides, 1):
        if slide.image is not None and not Path(slide.image).is_file():
            raise AvatarError(slide.image, "image not found")
        check_slide(slide, theme, number, meta.title, job.script, disclosure_text(meta))
    if meta.music is not None and not Path(meta.music).is_file():
        raise AvatarError(meta.music, "music file not found")
    identity = load_identity(job.sign_cert, job.sign_key) if job.sign_cert and job.sign_key else local_identity()
    timings["script"] = time.perf_counter() - t

    t = time.perf_counter()
    portrait = Path(meta.portrait) if meta.portrait else DEFAULT_PORTRAIT
    selected = [s for n, s in enumerate(presentation.slides, 1) if not job.slides or n in job.slides]
    sides = dict.fromkeys(theme.presenter_box(meta.size, mode)[2] for mode in
                          (s.presenter or meta.presenter for s in selected) if mode != "hidden")
    rigs = {side: build_rig(portrait, size=side, warn=warn, landmarks=job.landmarks) for side in sides}
    if not rigs and not portrait.is_file():
        raise AvatarError(portrait, "portrait not found")
    timings["rig"] = time.perf_counter() - t

    t = time.perf_counter()
    engine, voice = voice_for(presentation, job.voice)
    slides = narrate(presentation, meta.fps, engine, voice, warn, progress, keep_audio=False,
                     only={n - 1 for n in job.slides} if job.slides else None)
    timings["speech"] = time.perf_counter() - t
    for plan in slides:
        plan.placement = plan.slide.presenter or meta.presenter
        _check_reveals(plan, theme, meta, warn)
    music = None
    if meta.music is not None:
        duration = sum(s.n_frames for s in slides) / meta.fps
        music = MusicBed(meta.music, rate=MIX_RATE, duration=duration, speech=speech_spans(slides),
                         volume_db=meta.music_volume, duck_db=meta.music_duck)
    chapters = [Chapter(s.slide.title or f"Slide {s.index + 1}", s.start, s.start + s.n_frames / meta.fps)
                for s in slides]
    return Plan(job=job, presentation=presentation, meta=meta, theme=theme, presenter_box=box, portrait=portrait,
                rig=next(iter(rigs.values()), None), rigs=rigs, engine=engine, voice=voice, slides=slides, cues=[cue for s in slides for cue in s.cues],
                chapters=chapters, identity=identity, music=music, input_hash=hash_inputs(job, meta, files), timings=timings)


def _check_reveals(plan: SlidePlan, theme: Theme, meta: Meta, warn: Callable[[str], None]) -> None:
    """[next] markers that reveal nothing are dropped, with a warning; more markers than bullets keep
    the first ones (the last marker reveals all the bullets left)."""
    if not plan.reveals:
        return
    slide, number = plan.slide, plan.index + 1
    if len(plan.reveals) > len(slide.bullets):
        warn(f"slide {number}: {len(plan.reveals)} [next] markers but {len(slide.bullets)} bullets; "
             f"the extra markers reveal nothing")
        plan.reveals = plan.reveals[:len(slide.bullets)]
    args = dict(theme=theme, size=meta.size, index=number, count=1, deck_title=meta.title, placement=plan.placement)
    if not plan.reveals or build_svg(slide, shown=0, **args) == build_svg(slide, **args):
        warn(f"slide {number}: the {slide.layout} layout does not reveal bullets one by one; "
             f"its [next] markers are ignored")
        plan.reveals = []
