"""Benchmark: render a script and report wall time against video length, per stage.

    python -m avatar.bench SCRIPT [--size WxH] [--portrait PHOTO]
    python -m benchmarks.bench [SCRIPT] [--size WxH]   # from a checkout: SCRIPT defaults to scripts/welcome.md

Not a test: it measures this machine. Numbers from one run are comparable with each other
(ratios); absolute times vary with the machine's load.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np


def warp_fps(size: int = 512, batch: int = 8, seconds: float = 3.0, threads: int = 0,
             portrait: Path | None = None) -> tuple[float, str]:
    """Presenter frames per second (warp, mouth interior and seam) for a speaking-like motion: the jaw
    opening and closing under a slow head turn. `threads=1` measures one core (onnxruntime and
    OpenCV both held to one thread)."""
    import cv2

    from avatar.api import DEFAULT_PORTRAIT
    from avatar.face.rig import build_rig
    from avatar.motion.track import PARAMETERS
    from avatar.presenter.renderer import PresenterRenderer

    previous = cv2.getNumThreads()
    if threads:
        cv2.setNumThreads(threads)
    try:
        renderer = PresenterRenderer(build_rig(portrait or DEFAULT_PORTRAIT, size=size), threads=threads)
        t = np.arange(batch * 8)
        values = np.zeros((len(t), len(PARAMETERS)), np.float32)
        values[:, PARAMETERS.index("jaw_open")] = np.clip(0.5 + 0.5 * np.sin(t / 3), 0, 1)
        values[:, PARAMETERS.index("yaw")] = 6 * np.sin(t / 17)
        renderer.render(values[:batch])
        frames, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            first = frames % len(t)
            renderer.render(values[first:first + batch])
            frames += batch
        return frames / (time.perf_counter() - start), renderer.provider
    finally:
        cv2.setNumThreads(previous)


def main(argv: list[str] | None = None, default_script: str | Path | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("script", nargs="?", default=None if default_script is None else str(default_script),
                        help="the script to render" + (f" (default: {default_script})" if default_script else ""))
    parser.add_argument("--size", default=None)
    parser.add_argument("--portrait", type=Path, default=None, help="portrait for the presenter-speed figures")
    args = parser.parse_args(argv)
    if args.script is None:
        parser.error("give the script to render")
    import avatar

    with tempfile.TemporaryDirectory() as folder:
        result = avatar.render(args.script, Path(folder) / "bench.mp4", size=args.size, portrait=args.portrait)
    fps, provider = warp_fps(portrait=args.portrait)
    fps_one_core, _ = warp_fps(threads=1, portrait=args.portrait)
    report = {
        "script": args.script,
        "video_seconds": round(result.duration, 2),
        "wall_seconds": round(result.wall_time, 2),
        "faster_than_real_time": round(result.speed, 2),
        "stages_seconds": result.timings,
        "presenter_frames_per_second_512": round(fps, 1),
        "presenter_frames_per_second_512_one_core": round(fps_one_core, 1),
        "provider": provider,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
