"""The video: H.264 + AAC + mov_text captions + one chapter per slide, streamed (avatar.encode), signed
with C2PA content credentials (avatar.provenance)."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import avatar
from avatar.encode import Mp4Writer
from avatar.provenance import credentials_manifest, sign_mp4

if TYPE_CHECKING:  # pragma: no cover
    from avatar.plan import Plan

# ISO 639-2 codes of the caption track, by the script's language
CAPTION_LANGUAGES = {"en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "pt": "por", "nl": "nld"}


def caption_language(language: str) -> str:
    """The ISO 639-2 code for a script language such as en or pt-BR ("und" when unknown)."""
    return CAPTION_LANGUAGES.get(language.split("-")[0].lower(), "und")


def open_mp4(plan: "Plan") -> Mp4Writer:
    """The MP4 writer for the plan's output; use it as a context manager (the file is written to a
    hidden partial file, signed with C2PA content credentials, and renamed onto the output only when
    the block ends cleanly)."""
    meta = plan.meta
    width, height = meta.size

    def sign(written: Path, spare: Path) -> Path:
        portrait_sha256 = hashlib.sha256(plan.portrait.read_bytes()).hexdigest()
        manifest = credentials_manifest(title=meta.title, portrait_sha256=portrait_sha256,
                                        input_hash=plan.input_hash, voice=plan.voice_label, identity=plan.identity)
        sign_mp4(written, spare, manifest, plan.identity)
        return spare

    return Mp4Writer(plan.job.output, width=width, height=height, fps=meta.fps,
                     cues=plan.cues if meta.captions else (), chapters=plan.chapters,
                     metadata={"title": meta.title,
                               "comment": f"talking-avatar {avatar.__version__}; voice {plan.voice_label}"},
                     language=caption_language(meta.language), finish=sign,
                     preset=plan.preset, segments=True)
