"""`render()`: the whole pipeline for Python callers (the CLI and batch jobs call this too).

script -> Presentation -> per slide: speech (Utterance) -> features -> motion -> presenter frames
-> composed onto the slide -> MP4 (+ SRT, VTT, JSON manifest). Speech for all slides comes first
(it is fast, and chapters and captions must be known before the MP4 header is written); frames
then stream slide by slide into the encoder.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pydantic import ValidationError

import avatar
from avatar.captions import write_srt, write_vtt
from avatar.compose import compose
from avatar.encode import Chapter, Mp4Writer
from avatar.errors import AvatarError
from avatar.face.rig import build_rig
from avatar.motion import build_motion
from avatar.presenter.renderer import PresenterRenderer
from avatar.narration import LEAD_IN, narrate, padded, voice_for
from avatar.script import load_script
from avatar.slides import load_theme, render_slide
from speech.features import frame_features
from speech.features import warm_up as features_warm_up

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent / "assets"
DEFAULT_PORTRAIT = ASSETS / "portraits" / "grace_hopper.jpg"
Progress = Callable[[str, int, int], None]  # (stage, done, total)


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


SIDECARS = (".srt", ".vtt", ".json")


def _check_output(output: Path) -> None:
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise AvatarError(output, f"folder {folder} does not exist")
    if output.suffix.lower() != ".mp4":
        raise AvatarError(output, "output must be an .mp4 file")
    for path in (output, *(output.with_suffix(s) for s in SIDECARS)):
        if path.is_dir():
            raise AvatarError(path, "is a folder, not a file name")


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
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
) -> RenderResult:
    """Render a script file to an MP4 with SRT/VTT captions and a JSON manifest beside it.

    Arguments left as None come from the script's front matter (then the defaults). Raises
    AvatarError (one line naming the file and the problem) on bad input; writes nothing then.
    """
    t_start = time.perf_counter()
    progress = progress or (lambda stage, done, total: None)
    warn = warn or log.warning
    timings: dict[str, float] = {}
    script = Path(script)
    presentation = load_script(script, variables)
    meta = presentation.meta
    overrides = {k: v for k, v in {"portrait": portrait, "template": template, "fps": fps, "size": size,
                                   "seed": seed, "captions": captions}.items() if v is not None}
    if overrides:
        try:
            meta = type(meta).model_validate({**meta.model_dump(), **overrides})
        except ValidationError as exc:
            first = exc.errors()[0]
            option = f"--{first['loc'][0]}" if first["loc"] else "options"
            raise AvatarError(option, first["msg"].removeprefix("Value error, ")) from None
    output = Path(output) if output is not None else Path.cwd() / (script.stem + ".mp4")
    _check_output(output)
    theme = load_theme(meta.template)
    width, height = meta.size
    box = theme.presenter_box((width, height))
    for slide in presentation.slides:
        if slide.image is not None and not Path(slide.image).is_file():
            raise AvatarError(slide.image, "image not found")
    timings["script"] = time.perf_counter() - t_start

    # librosa's first import takes seconds; let it happen while the rig and the speech are made
    warm_up = threading.Thread(target=features_warm_up, daemon=True)
    warm_up.start()
    t = time.perf_counter()
    rig = build_rig(Path(meta.portrait) if meta.portrait else DEFAULT_PORTRAIT, size=box[2], warn=warn,
                    landmarks=landmarks)
    renderer = PresenterRenderer(rig)
    timings["rig"] = time.perf_counter() - t

    t = time.perf_counter()
    engine, voice_id = voice_for(presentation, voice)
    plans = narrate(presentation, meta.fps, engine, voice_id, warn, progress, keep_audio=False)
    timings["speech"] = time.perf_counter() - t
    total_frames = sum(p.n_frames for p in plans)
    duration = total_frames / meta.fps
    cues = [cue for p in plans for cue in p.cues]
    chapters = [Chapter(p.slide.title or f"Slide {i + 1}", p.start, p.start + p.n_frames / meta.fps)
                for i, p in enumerate(plans)]
    metadata = {"title": meta.title, "comment": f"talking-avatar {avatar.__version__}; voice {engine}:{voice_id}"}

    stage = {"slides": 0.0, "motion": 0.0, "render+encode": 0.0}
    done = 0
    language = {"en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "pt": "por", "nl": "nld"}.get(
        meta.language.split("-")[0].lower(), "und")
    def slide_image(i: int):
        return render_slide(plans[i].slide, theme=theme, size=(width, height), index=i + 1, count=len(plans),
                            deck_title=meta.title, base_dir=script.parent)

    # the next slide is rasterised on a worker thread while this one's frames are encoded
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="slides") as ahead, \
            Mp4Writer(output, width=width, height=height, fps=meta.fps, cues=cues if meta.captions else (),
                      chapters=chapters, metadata=metadata, language=language) as writer:
        upcoming = ahead.submit(slide_image, 0)
        for i, plan in enumerate(plans):
            t = time.perf_counter()
            slide_rgb = upcoming.result()
            if i + 1 < len(plans):
                upcoming = ahead.submit(slide_image, i + 1)
            stage["slides"] += time.perf_counter() - t
            t = time.perf_counter()
            utterance = padded(plan.audio(), LEAD_IN)
            features = frame_features(utterance, meta.fps)
            track = build_motion(utterance, features, meta.fps, plan.n_frames, seed=meta.seed,
                                 clock_offset=plan.start, slide_index=i)
            stage["motion"] += time.perf_counter() - t
            t = time.perf_counter()
            writer.write_audio(utterance.samples, utterance.sample_rate, at=plan.start)
            for frame in compose(slide_rgb, renderer.frames(track), box):
                writer.write_frame(frame)
                done += 1
                if done % 10 == 0 or done == total_frames:
                    progress("render", done, total_frames)
            stage["render+encode"] += time.perf_counter() - t
    timings.update(stage)

    wall = time.perf_counter() - t_start
    timings = {k: round(v, 3) for k, v in timings.items()}
    manifest = {
        "version": avatar.__version__,
        "script": str(script),
        "output": str(output),
        "duration": round(duration, 3),
        "fps": meta.fps,
        "size": [width, height],
        "voice": f"{engine}:{voice_id}",
        "language": meta.language,
        "portrait": str(meta.portrait or DEFAULT_PORTRAIT),
        "portrait_sha256": rig.photo_hash,
        "provider": renderer.provider,
        "landmarks": landmarks,
        "presenter_box": list(box),
        "seed": meta.seed,
        "slides": [{"index": i + 1, "title": p.slide.title, "start": round(p.start, 3),
                    "end": round(p.start + p.n_frames / meta.fps, 3), "narration": p.slide.narration}
                   for i, p in enumerate(plans)],
        "captions": [str(output.with_suffix(".srt")), str(output.with_suffix(".vtt"))],
        "wall_time": round(wall, 3),
        "speed": round(duration / wall, 3),
        "timings": timings,
    }
    manifest_path = output.with_suffix(".json")
    written = [output]
    try:
        caption_files = [write_srt(cues, output.with_suffix(".srt")), write_vtt(cues, output.with_suffix(".vtt"))]
        written += caption_files
        _write_json(manifest, manifest_path)
    except BaseException:
        for path in written:  # a video without its sidecars is a half-written output: remove it all
            Path(path).unlink(missing_ok=True)
        raise
    return RenderResult(output=output, captions=caption_files, manifest=manifest_path, duration=duration,
                        wall_time=wall, provider=renderer.provider, slides=len(plans), timings=timings)


def _write_json(document: dict, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.partial")
    try:
        tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
