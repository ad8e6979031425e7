"""Benchmark: render a script and report wall time against video length, per stage.

    python -m avatar.bench SCRIPT [--size WxH]
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


def warp_fps(size: int = 512, batch: int = 8, seconds: float = 3.0) -> tuple[float, str]:
    from avatar.api import DEFAULT_PORTRAIT
    from avatar.face.rig import build_rig
    from avatar.motion.track import PARAMETERS
    from avatar.presenter.renderer import PresenterRenderer

    renderer = PresenterRenderer(build_rig(DEFAULT_PORTRAIT, size=size))
    values = np.zeros((batch, len(PARAMETERS)), np.float32)
    values[:, 0] = np.linspace(0, 1, batch)
    renderer.render(values)
    frames, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        renderer.render(values)
        frames += batch
    return frames / (time.perf_counter() - start), renderer.provider


def main(argv: list[str] | None = None, default_script: str | Path | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("script", nargs="?", default=None if default_script is None else str(default_script),
                        help="the script to render" + (f" (default: {default_script})" if default_script else ""))
    parser.add_argument("--size", default=None)
    args = parser.parse_args(argv)
    if args.script is None:
        parser.error("give the script to render")
    import avatar

    with tempfile.TemporaryDirectory() as folder:
        result = avatar.render(args.script, Path(folder) / "bench.mp4", size=args.size)
    fps, provider = warp_fps()
    report = {
        "script": args.script,
        "video_seconds": round(result.duration, 2),
        "wall_seconds": round(result.wall_time, 2),
        "faster_than_real_time": round(result.speed, 2),
        "stages_seconds": result.timings,
        "presenter_frames_per_second_512": round(fps, 1),
        "provider": provider,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
