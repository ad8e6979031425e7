"""On request (``sheet``): a thumbnail (``NAME.thumb.jpg``, the middle of the first slide) and a
contact sheet of every slide (``NAME.sheet.png``, each slide's middle frame, labelled), taken from
the finished video."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from avatar.exporters.sidecar import Sidecar
from avatar.files import atomic_path
from avatar.sheets import frames_at, grid

if TYPE_CHECKING:  # pragma: no cover
    from avatar.execute import RenderResult
    from avatar.plan import Plan

TILE = (480, 270)


def _middles(plan: "Plan") -> list[float]:
    return [s.start + s.n_frames / plan.fps / 2 for s in plan.slides]


def export_thumbnail(plan: "Plan", result: "RenderResult", path: Path) -> Path:
    image = frames_at(result.output, _middles(plan)[:1])[0]
    image.thumbnail((640, 640))
    with atomic_path(path) as tmp:
        image.convert("RGB").save(tmp, format="JPEG", quality=85)
    return path


def export_sheet(plan: "Plan", result: "RenderResult", path: Path) -> Path:
    width, height = plan.size
    tile = (TILE[0], round(TILE[0] * height / width)) if width >= height else (round(TILE[1] * width / height), TILE[1])
    frames = [image.resize(tile) for image in frames_at(result.output, _middles(plan))]
    labels = [f"{s.index + 1}. {s.slide.title}"[:60] for s in plan.slides]
    sheet = grid(frames, columns=min(4, len(frames)), labels=labels)
    with atomic_path(path) as tmp:
        sheet.save(tmp, format="PNG", optimize=True)
    return path


THUMBNAIL = Sidecar(".thumb.jpg", export_thumbnail)
SHEET = Sidecar(".sheet.png", export_sheet)
