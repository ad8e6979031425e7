"""RenderJob: everything one render needs, validated once where a render is asked for.

The CLI (`avatar render`), `avatar.render()`, and later a batch row or a Ray task build one with
:func:`make_job` and hand it to :func:`avatar.api.render_job`. A job is plain data: it pickles, so
it can be shipped to another process or machine. Options left as None come from the script's
front matter (then the defaults) when the job is planned (:mod:`avatar.plan`).

Bad values raise :class:`avatar.errors.AvatarError` naming the job's field (and the file, where
the problem is a file), never a command-line flag, so an error from a batch row reads just as
well as one from the CLI: ``portrait: file not found: x.jpg``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from avatar.errors import AvatarError
from avatar.script import Fps, Seed, VideoSize


class RenderJob(BaseModel):
    """One render: the script and its variables, where the video goes, and the option overrides."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    script: Path  # the .md or .yaml script
    output: Path  # the .mp4 (default: the script's name in the current folder); sidecars go beside it
    variables: dict[str, Any] = Field(default_factory=dict)  # template variables over the front matter's
    portrait: Path | None = None
    voice: str | None = None  # voice id, engine:voice, a Piper .onnx or a Coqui model folder
    template: str | None = None  # a theme name under templates/ or a theme folder
    fps: Fps | None = None
    size: VideoSize | None = None  # (width, height); "WxH" is accepted
    seed: Seed | None = None
    captions: bool | None = None  # embed the caption track (the sidecars are always written)
    burn_captions: bool = False  # also draw the captions into the picture (the script's captions: burned)
    landmarks: str = "mediapipe"  # the face landmark backend: mediapipe or face-alignment
    scorm: bool = False  # also write NAME.scorm.zip, a SCORM 1.2 package of the video for an LMS
    slides: tuple[int, ...] | None = None  # render only these slides (1-based; "2-4,7" is accepted)
    sheet: bool = False  # also write NAME.thumb.jpg and NAME.sheet.png (a contact sheet of the slides)
    preview: bool = False  # fast and small: the shorter side 360 px, 15 fps, the fastest encoder preset
    sign_cert: Path | None = None  # C2PA signing certificate chain (PEM); default: the local self-signed identity
    sign_key: Path | None = None  # its private key (PEM)
    allow_paths: tuple[Path, ...] = ()  # folders besides the script's own that its files may come from

    @model_validator(mode="before")
    @classmethod
    def _default_output(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("output") is None and data.get("script") is not None:
            data = {**data, "output": Path.cwd() / (Path(data["script"]).stem + ".mp4")}
        return data

    @field_validator("script")
    @classmethod
    def _script_exists(cls, script: Path) -> Path:
        if not script.is_file():
            raise ValueError(f"file not found: {script}")
        return script

    @field_validator("portrait")
    @classmethod
    def _portrait_exists(cls, portrait: Path | None) -> Path | None:
        if portrait is not None and portrait.is_dir():
            raise ValueError(f"{portrait} is a folder, not a photo")
        if portrait is not None and not portrait.is_file():
            raise ValueError(f"file not found: {portrait}")
        return portrait

    @model_validator(mode="after")
    def _signing_pair(self) -> "RenderJob":
        if (self.sign_cert is None) != (self.sign_key is None):
            missing = "sign_key" if self.sign_key is None else "sign_cert"
            raise AvatarError(missing, "a signing certificate and its key go together; give both or neither")
        for name in ("sign_cert", "sign_key"):
            path = getattr(self, name)
            if path is not None and not path.is_file():
                raise AvatarError(name, f"file not found: {path}")
        return self

    @field_validator("output")
    @classmethod
    def _output_can_be_written(cls, output: Path) -> Path:
        from avatar.exporters import SCORM, SHEET, SIDECARS, THUMBNAIL

        from avatar.files import unwritable

        if output.suffix.lower() != ".mp4":
            raise ValueError(f"must be an .mp4 file, got {output}")
        for path in (output, *(sidecar.path_for(output) for sidecar in (*SIDECARS, SCORM, THUMBNAIL, SHEET))):
            problem = unwritable(path)
            if problem:
                raise ValueError(f"{path}: {problem}" if path != output else problem)
        return output

    @field_validator("slides", mode="before")
    @classmethod
    def _slide_numbers(cls, value: Any) -> Any:
        if isinstance(value, str):
            numbers: list[int] = []
            for part in value.replace(" ", "").split(","):
                first, dash, last = part.partition("-")
                if not (first.isdigit() and (not dash or last.isdigit())):
                    raise ValueError(f"expected slide numbers such as 2-4,7, got {value!r}")
                low, high = int(first), int(last) if dash else int(first)
                if low < 1 or high < low:
                    raise ValueError(f"expected slide numbers from 1 up, in order, got {part!r}")
                numbers.extend(range(low, high + 1))
            return tuple(sorted(set(numbers)))
        return value

    @field_validator("allow_paths")
    @classmethod
    def _allowed_folders_exist(cls, folders: tuple[Path, ...]) -> tuple[Path, ...]:
        for folder in folders:
            if not folder.is_dir():
                raise ValueError(f"not a folder: {folder}")
        return folders

    @field_validator("landmarks")
    @classmethod
    def _known_landmarks(cls, landmarks: str) -> str:
        from avatar.face.rig import LANDMARK_BACKENDS

        if landmarks not in LANDMARK_BACKENDS:
            raise ValueError(f"unknown landmark backend {landmarks!r}; choose {' or '.join(LANDMARK_BACKENDS)}")
        return landmarks

    def overrides(self) -> dict[str, Any]:
        """The script options this job sets (those not None), by their front-matter names."""
        names = ("portrait", "template", "fps", "size", "seed", "captions")
        overrides = {name: getattr(self, name) for name in names if getattr(self, name) is not None}
        if self.burn_captions:
            overrides["captions"] = "burned"
        return overrides

    def meta_for(self, meta: Any) -> Any:
        """The script's options (`avatar.script.Meta`) as this job renders them: with its overrides,
        and at the preview's size and frame rate when it is a preview."""
        meta = meta.model_copy(update=self.overrides())
        if self.preview:
            meta = meta.model_copy(update={"size": preview_size(meta.size), "fps": min(meta.fps, PREVIEW_FPS)})
        return meta


PREVIEW_FPS = 15


def preview_size(size: tuple[int, int], shorter: int = 360) -> tuple[int, int]:
    """The video size scaled so its shorter side is `shorter` px (even sides)."""
    scale = shorter / min(size)
    return tuple(max(2, int(round(side * scale / 2)) * 2) for side in size)  # type: ignore[return-value]


def make_job(script: str | os.PathLike, output: str | os.PathLike | None = None, **options: Any) -> RenderJob:
    """A validated RenderJob; options that are None are left to the script. Raises AvatarError
    (`<field>: <problem>`) on the first bad value."""
    given = {name: value for name, value in options.items() if value is not None}
    try:
        return RenderJob.model_validate({"script": script, "output": output, **given})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "job"
        raise AvatarError(field, first["msg"].removeprefix("Value error, ")) from None
