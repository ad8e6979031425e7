"""What a batch worker does with one job: render it and say how it went, as plain data.

The worker is a long-lived process (a local process pool's or a Ray worker): :func:`warm_up` runs
once in it, and the speech engine, the loaded voice, the ONNX sessions and the rigs stay loaded
between the videos it makes. Errors never escape: a failed row is an outcome with a one-line error.
"""
from __future__ import annotations

import base64
import io
import json
import time
from pathlib import Path
from typing import Any

from avatar.job import RenderJob


def warm_up() -> None:
    """Imports and lazy loads paid once per worker, not once per video."""
    import signal

    import avatar.api  # noqa: F401  (the render stack: numpy, av, onnxruntime, resvg)

    # SIGTERM unwinds like Ctrl-C, so a render's partial files are removed on the way out; a second
    # SIGTERM (a process group's stop, then the pool's terminate) must not cut that cleanup short
    def interrupt(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (a Ray worker handles its own signals)
        pass


def render_row(job: RenderJob) -> dict[str, Any]:
    """Render one job: ``{"status": "done"|"failed", "error", "duration", "wall_time", "warnings",
    "title", "thumbnail"}``."""
    from avatar.api import render_job
    from avatar.errors import AvatarError
    from speech.errors import SpeechError

    warnings: list[str] = []
    started = time.perf_counter()
    try:
        result = render_job(job, warn=warnings.append)
    except (AvatarError, SpeechError) as exc:
        return {"status": "failed", "error": str(exc), "wall_time": time.perf_counter() - started,
                "warnings": warnings}
    except Exception as exc:  # a bug: still one line, with the type for the report
        return {"status": "failed", "error": f"internal error: {exc.__class__.__name__}: {exc}",
                "wall_time": time.perf_counter() - started, "warnings": warnings}
    return {"status": "done", "error": None, "duration": result.duration, "wall_time": result.wall_time,
            "warnings": warnings, **describe(job.output)}


def describe(output: Path) -> dict[str, Any]:
    """Title, duration (from the manifest) and a small JPEG thumbnail (a data URI) of a finished video."""
    from avatar.exporters import MANIFEST

    info: dict[str, Any] = {"title": None, "thumbnail": None}
    try:
        manifest = json.loads(MANIFEST.path_for(output).read_text(encoding="utf-8"))
        info["title"] = manifest.get("title")
        info["duration"] = manifest.get("duration")
    except (OSError, ValueError):
        pass
    info["thumbnail"] = thumbnail(output)
    return info


def thumbnail(video: Path, width: int = 320) -> str | None:
    """A frame from a third of the way into the video as a JPEG data URI (None if unreadable)."""
    import av

    from avatar.sheets import frames_at

    try:
        with av.open(str(video)) as container:
            duration = float(container.duration or 0) / 1e6
        image = frames_at(video, [duration / 3])[0]
    except Exception:
        return None
    image.thumbnail((width, width))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
