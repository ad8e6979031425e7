"""The plain-text transcript beside the video: each slide's title and what the presenter says,
with the time it starts (``[00:12] Title``), markers ([pause], [next]) removed."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from avatar.exporters.sidecar import Sidecar
from avatar.files import write_text_atomic
from avatar.reveals import strip_reveals
from speech.text import strip_pauses

if TYPE_CHECKING:  # pragma: no cover
    from avatar.execute import RenderResult
    from avatar.plan import Plan


def transcript(plan: "Plan") -> str:
    parts = [plan.meta.title, ""]
    for s in plan.slides:
        minutes, seconds = divmod(int(s.start), 60)
        heading = s.slide.title or f"Slide {s.index + 1}"
        parts += [f"[{minutes:02d}:{seconds:02d}] {heading}", strip_pauses(strip_reveals(s.slide.narration)), ""]
    return "\n".join(parts).rstrip() + "\n"


def export_transcript(plan: "Plan", result: "RenderResult", path: Path) -> Path:
    return write_text_atomic(path, transcript(plan))


TRANSCRIPT = Sidecar(".txt", export_transcript)
