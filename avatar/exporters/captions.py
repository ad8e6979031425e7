"""Caption sidecars: SubRip (.srt) and WebVTT (.vtt) from the plan's cues."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from avatar.captions import write_srt, write_vtt
from avatar.exporters.sidecar import Sidecar

if TYPE_CHECKING:  # pragma: no cover
    from avatar.execute import RenderResult
    from avatar.plan import Plan


def export_srt(plan: "Plan", result: "RenderResult", path: Path) -> Path:
    return write_srt(plan.cues, path)


def export_vtt(plan: "Plan", result: "RenderResult", path: Path) -> Path:
    return write_vtt(plan.cues, path)


SRT = Sidecar(".srt", export_srt)
VTT = Sidecar(".vtt", export_vtt)
