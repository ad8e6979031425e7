"""`render()` for Python callers, and `render_job()`, which the CLI (and later batch jobs) call.

A render is three steps: a validated :class:`avatar.job.RenderJob`; a plan
(:func:`avatar.plan.make_plan`: the script loaded, every slide spoken and timed, cues and chapters
final); an execution (:func:`avatar.execute.execute`) that streams frames and audio into the MP4
exporter, after which the sidecar exporters (SRT, VTT, JSON manifest) write beside it.
"""
from __future__ import annotations

import os
import time
from typing import Any, Callable, Sequence

from avatar.execute import RenderResult, execute
from avatar.exporters import CAPTIONS, MANIFEST, sidecars_for, write_sidecars
from avatar.exporters.mp4 import open_mp4
from avatar.job import RenderJob, make_job
from avatar.plan import DEFAULT_PORTRAIT, Progress, make_plan

__all__ = ["DEFAULT_PORTRAIT", "RenderResult", "render", "render_job"]


def render(
    script: str | os.PathLike,
    output: str | os.PathLike | None = None,
    *,
    portrait: str | os.PathLike | None = None,
    voice: str | None = None,
    template: str | None = None,
    variables: dict[str, Any] | None = None,
    fps: int | None = None,
    size: tuple[int, int] | str | None = None,
    seed: int | None = None,
    captions: bool | None = None,
    landmarks: str = "mediapipe",
    scorm: bool = False,
    slides: str | Sequence[int] | None = None,
    preview: bool = False,
    sign_cert: str | os.PathLike | None = None,
    sign_key: str | os.PathLike | None = None,
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
) -> RenderResult:
    """Render a script file to an MP4 with SRT/VTT captions and a JSON manifest beside it.

    ``slides="2-4"`` renders only those slides (numbered as in the whole deck); ``preview=True``
    renders small and fast for a look. ``scorm=True`` also writes a SCORM 1.2 package (``NAME.scorm.zip``) for an LMS. The MP4 carries
    C2PA content credentials signed with ``sign_cert``/``sign_key`` (PEM files), else with the local
    self-signed identity. Arguments left as None come from the script's front matter (then the defaults). Raises
    AvatarError (one line naming the file or the option and the problem) on bad input; writes
    nothing then.
    """
    job = make_job(script, output, portrait=portrait, voice=voice, template=template, variables=variables,
                   fps=fps, size=size, seed=seed, captions=captions, landmarks=landmarks, scorm=scorm,
                   slides=slides, preview=preview, sign_cert=sign_cert, sign_key=sign_key)
    return render_job(job, progress=progress, warn=warn)


def render_job(job: RenderJob, *, progress: Progress | None = None,
               warn: Callable[[str], None] | None = None) -> RenderResult:
    """Plan the job, stream its frames into the MP4, then write the sidecars beside it."""
    started = time.perf_counter()
    plan = make_plan(job, warn=warn, progress=progress)
    with open_mp4(plan) as video:
        rendered = execute(plan, [video], progress)
    wall = time.perf_counter() - started
    result = RenderResult(
        output=job.output, captions=[sidecar.path_for(job.output) for sidecar in CAPTIONS],
        manifest=MANIFEST.path_for(job.output), duration=plan.duration, wall_time=wall,
        provider=rendered.provider, slides=len(plan.slides), reused_slides=rendered.reused_slides,
        timings={name: round(seconds, 3) for name, seconds in {**plan.timings, **rendered.timings}.items()})
    write_sidecars(plan, result, sidecars_for(job))
    return result
