"""The input hash of a render: one SHA-256 over everything that decides what the video looks and
sounds like (script text and variables, portrait bytes, voice, theme files, slide images and
recordings, the render settings, the package version).

Every manifest records it; ``avatar batch`` compares it to skip rows whose video is already made
from the very same inputs.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import avatar
from avatar.job import RenderJob

if TYPE_CHECKING:  # pragma: no cover
    from avatar.script import Meta, Presentation


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_hash(job: RenderJob) -> str:
    """The job's input hash (the script is loaded to find its files). Raises AvatarError where the
    script cannot be loaded."""
    from avatar.script import load_script

    presentation = load_script(job.script, job.variables)
    return hash_inputs(job, presentation, presentation.meta.model_copy(update=job.overrides()))


def hash_inputs(job: RenderJob, presentation: "Presentation", meta: "Meta") -> str:
    """The input hash of a job whose script is already loaded (`meta`: its options with the job's
    overrides), as :func:`avatar.plan.make_plan` has it."""
    from avatar.plan import DEFAULT_PORTRAIT
    from avatar.slides import load_theme

    files: dict[str, str] = {"script": _file_digest(job.script)}
    portrait = Path(meta.portrait) if meta.portrait else DEFAULT_PORTRAIT
    if portrait.is_file():
        files["portrait"] = _file_digest(portrait)
    theme = load_theme(meta.template).path
    for path in sorted(p for p in theme.rglob("*") if p.is_file()):
        files[f"theme/{path.relative_to(theme)}"] = _file_digest(path)
    for i, slide in enumerate(presentation.slides):
        for kind in ("image", "audio"):
            path = getattr(slide, kind, None)
            if path is not None and Path(path).is_file():
                files[f"slide{i}/{kind}"] = _file_digest(Path(path))
    brand = meta.brand
    if brand is not None and not isinstance(brand, Path):
        kit = {"logo": brand.logo, **{f"font_{face}": getattr(brand.fonts, face) for face in ("regular", "bold",
                                                                                           "heading", "mono")}}
        for name, path in kit.items():
            if path is not None and Path(path).is_file():
                files[f"brand/{name}"] = _file_digest(Path(path))
    if meta.music is not None and Path(meta.music).is_file():
        files["music"] = _file_digest(Path(meta.music))
    voice = job.voice or meta.voice
    if voice and Path(voice).is_file():
        files["voice"] = _file_digest(Path(voice))
    settings = job.model_dump(mode="json", exclude={"output", "script"})
    document = {"version": avatar.__version__, "settings": settings, "voice": voice,
                "meta": meta.model_dump(mode="json"), "files": files}
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()
