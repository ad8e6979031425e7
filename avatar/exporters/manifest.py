"""The JSON manifest beside the video: slide timings, voice, portrait hash, provider, stage timings."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import avatar
from avatar.exporters.sidecar import Sidecar
from avatar.files import write_text_atomic
from avatar.provenance import TRAINED_ALGORITHMIC_MEDIA
from avatar.reveals import strip_reveals
from avatar.script import disclosure_text

if TYPE_CHECKING:  # pragma: no cover
    from avatar.execute import RenderResult
    from avatar.plan import Plan


def manifest(plan: "Plan", result: "RenderResult") -> dict[str, Any]:
    """The manifest document."""
    meta = plan.meta
    return {
        "version": avatar.__version__,
        "script": str(plan.job.script),
        "title": meta.title,
        "output": str(result.output),
        "duration": round(result.duration, 3),
        "fps": meta.fps,
        "size": list(meta.size),
        "voice": plan.voice_label,
        "language": meta.language,
        "portrait": str(plan.portrait),
        "portrait_sha256": hashlib.sha256(plan.portrait.read_bytes()).hexdigest(),
        "provider": result.provider,
        "landmarks": plan.job.landmarks,
        "presenter_box": list(plan.presenter_box),
        "seed": meta.seed,
        "slides": [{"index": s.index + 1, "title": s.slide.title, "start": round(s.start, 3),
                    "end": round(s.start + s.n_frames / meta.fps, 3), "narration": strip_reveals(s.slide.narration),
                    "reveals": [round(t, 3) for t in s.reveals], "presenter": s.placement,
                    "presenter_box": _box(plan.theme.presenter_box(meta.size, s.placement))}
                   for s in plan.slides],
        "captions": [str(path) for path in result.captions],
        "wall_time": round(result.wall_time, 3),
        "speed": round(result.speed, 3),
        "timings": result.timings,
        "reused_slides": result.reused_slides,
        "input_hash": plan.input_hash,
        "disclosure": disclosure_text(meta),
        "content_credentials": {"standard": "C2PA", "digital_source_type": TRAINED_ALGORITHMIC_MEDIA,
                                "signer": plan.identity.source, "self_signed": plan.identity.self_signed,
                                "algorithm": plan.identity.algorithm,
                                "certificate_sha256": plan.identity.certificate_sha256},
    }


def _box(box: tuple[int, int, int, int] | None) -> list[int] | None:
    return list(box) if box else None


def export_manifest(plan: "Plan", result: "RenderResult", path: Path) -> Path:
    return write_text_atomic(path, json.dumps(manifest(plan, result), indent=2, ensure_ascii=False) + "\n")


MANIFEST = Sidecar(".json", export_manifest)
