"""`avatar check`: everything a render would reject, found in seconds without rendering.

:func:`check_job` goes through the script (front matter, directives, layouts), the theme, every
slide's text (does it fit, does a font have every character), images, recordings, the music, the
voice and the portrait's face, and returns one line per problem (and the warnings a render would
give), carrying on past each problem so one run lists them all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from avatar.errors import AvatarError
from avatar.job import RenderJob
from speech.errors import SpeechError


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    errors: list[Exception] = field(default_factory=list)  # the errors behind `problems` that came as exceptions
    warnings: list[str] = field(default_factory=list)
    slides: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def check_job(job: RenderJob) -> CheckReport:
    from avatar.audio import read_mono
    from avatar.plan import DEFAULT_PORTRAIT
    from avatar.reveals import split_reveals
    from avatar.script import disclosure_text, load_script
    from avatar.slides import _open_image, brand_theme, build_svg, load_theme, presenter_theme

    report = CheckReport()

    def attempt(action, *args, **kwargs):
        try:
            return action(*args, **kwargs)
        except (AvatarError, SpeechError) as exc:
            report.problems.append(str(exc))
            report.errors.append(exc)
            return None

    presentation = attempt(load_script, job.script, job.variables, allow=job.allow_paths)
    if presentation is None:
        return report
    meta = presentation.meta.model_copy(update=job.overrides())
    report.slides = len(presentation.slides)
    theme = attempt(load_theme, meta.template)
    if theme is not None and meta.brand is not None:
        theme = attempt(brand_theme, theme, meta.brand, job.script)
    if theme is not None:
        theme = presenter_theme(theme, meta.presenter_shape, meta.presenter_corner)
    label = disclosure_text(meta)
    for number, slide in enumerate(presentation.slides, 1):
        image = None
        if slide.image is not None:
            image = attempt(_open_image, Path(slide.image), theme.font_files if theme else [])
            if image is None:
                continue
        if slide.audio is not None:
            attempt(read_mono, Path(slide.audio))
        if theme is not None:
            attempt(build_svg, slide, theme=theme, size=meta.size, index=number, count=len(presentation.slides),
                    deck_title=meta.title, image=image, source=job.script, disclosure=label)
        _, marks = split_reveals(slide.narration)
        if len(marks) > len(slide.bullets):
            report.warnings.append(f"slide {number}: {len(marks)} [next] markers but {len(slide.bullets)} bullets; "
                                   f"the extra markers reveal nothing")
    if meta.music is not None:
        from avatar.music import load_music

        attempt(load_music, meta.music, 8000)
    attempt(_check_voice, presentation, job.voice)
    portrait = Path(meta.portrait) if meta.portrait else DEFAULT_PORTRAIT
    attempt(_check_portrait, portrait, job.landmarks, report.warnings.append)
    if job.sign_cert and job.sign_key:
        from avatar.provenance import load_identity

        attempt(load_identity, job.sign_cert, job.sign_key)
    return report


def _check_voice(presentation, voice: str | None) -> None:
    from avatar.narration import voice_for

    try:
        voice_for(presentation, voice)
    except SpeechError as exc:
        raise AvatarError(f"voice {voice or presentation.meta.voice!r}", str(exc)) from None


def _check_portrait(portrait: Path, landmarks: str, warn) -> None:
    from avatar.face.rig import build_rig

    if not portrait.is_file():
        raise AvatarError(portrait, "portrait not found")
    build_rig(portrait, size=256, warn=warn, landmarks=landmarks)
