"""The input hash of a render: one SHA-256 over everything that decides what the video looks and
sounds like (script text and variables, portrait bytes, voice, theme files, slide images and
recordings, the render settings, the package version).

Every manifest records it; ``avatar batch`` compares it to skip rows whose video is already made
from the very same inputs.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import avatar
from avatar.errors import AvatarError
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

    presentation = load_script(job.script, job.variables, allow=job.allow_paths)
    meta = job.meta_for(presentation.meta)
    return hash_inputs(job, meta, input_files(job, presentation, meta))


def input_files(job: RenderJob, presentation: "Presentation", meta: "Meta") -> dict[str, Path]:
    """Every file a render reads, by a name that says what it is (`script`, `slide3/image`, ...);
    only files that exist."""
    from avatar.plan import DEFAULT_PORTRAIT
    from avatar.slides import load_theme

    files: dict[str, Path] = {"script": job.script}
    files["portrait"] = Path(meta.portrait) if meta.portrait else DEFAULT_PORTRAIT
    theme = load_theme(meta.template).path
    for path in sorted(p for p in theme.rglob("*") if p.is_file()):
        files[f"theme/{path.relative_to(theme)}"] = path
    for i, slide in enumerate(presentation.slides):
        for kind in ("image", "audio"):
            path = getattr(slide, kind, None)
            if path is not None:
                files[f"slide{i}/{kind}"] = Path(path)
    brand = meta.brand
    if brand is not None and not isinstance(brand, Path):
        kit = {"logo": brand.logo, **{f"font_{face}": getattr(brand.fonts, face) for face in ("regular", "bold",
                                                                                           "heading", "mono")}}
        files.update({f"brand/{name}": Path(path) for name, path in kit.items() if path is not None})
    if meta.music is not None:
        files["music"] = Path(meta.music)
    voice = job.voice or meta.voice
    if voice and Path(voice).is_file():
        files["voice"] = Path(voice)
    for name in ("sign_cert", "sign_key"):
        if getattr(job, name) is not None:
            files[name] = getattr(job, name)
    return {name: path for name, path in files.items() if path.is_file()}


def check_outputs_spare_inputs(job: RenderJob, files: dict[str, Path]) -> None:
    """An AvatarError when the video or a file written beside it would replace one of the input
    `files` (:func:`input_files`)."""
    from avatar.exporters import sidecars_for

    inputs = {path.resolve(): name for name, path in files.items()}
    for output in (job.output, *(sidecar.path_for(job.output) for sidecar in sidecars_for(job))):
        name = inputs.get(output.resolve())
        if name is not None:
            slide = re.fullmatch(r"slide(\d+)/(\w+)", name)
            what = f"slide {int(slide.group(1)) + 1}'s {slide.group(2)}" if slide else name.replace("_", " ")
            raise AvatarError(output, f"would overwrite an input (the {what}); choose another output name")


def hash_inputs(job: RenderJob, meta: "Meta", files: dict[str, Path]) -> str:
    """The input hash of a job whose script is already loaded (`meta`: its options with the job's
    overrides; `files`: :func:`input_files`), as :func:`avatar.plan.make_plan` has it."""
    files = {name: _file_digest(path) for name, path in files.items() if name not in ("sign_cert", "sign_key")}
    voice = job.voice or meta.voice
    settings = job.model_dump(mode="json", exclude={"output", "script"})
    document = {"version": avatar.__version__, "settings": settings, "voice": voice,
                "meta": meta.model_dump(mode="json"), "files": files}
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()
