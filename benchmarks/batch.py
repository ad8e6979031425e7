"""`python -m benchmarks.batch [--rows N] [--size WxH] [--jobs N] [--executor local|ray]`: per-video
wall time of one `avatar batch` against the same rows rendered one by one with `avatar render`
(a fresh process each, as a shell loop would), both measured in this one run.

Both use the same warm rig and speech caches (one warm-up render first), so the difference is what a
batch shares: one start-up and voice load per worker instead of per video, and workers in parallel.
"""
from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAMES = "Ada Grace Linus Alan Barbara Edsger Donald Margaret Ken Dennis Bjarne Guido".split()
SCRIPT = """---
title: Welcome, {{ name }}
---
# Welcome, {{ name }}

- Your first week
- Who to ask

<!-- Hello {{ name }}, and welcome to the team. This short video tells you what your first week looks like
and who to ask when you are stuck. -->
"""


def _avatar(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "avatar.cli", *args], check=True, capture_output=True, text=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.batch", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=6)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--executor", default="local")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        script = folder / "welcome.md"
        script.write_text(SCRIPT, encoding="utf-8")
        rows = folder / "people.csv"
        with open(rows, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["id", "name"])
            writer.writerows([i, NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else f" {i}")] for i in range(args.rows))
        _avatar("render", str(script), "-o", str(folder / "warm.mp4"), "--size", args.size, "--var", "name=Warm",
                "--quiet")  # rig and caches warm for both sides
        (folder / "one").mkdir()
        started = time.perf_counter()
        with open(rows, newline="") as f:
            for row in csv.DictReader(f):
                _avatar("render", str(script), "-o", str(folder / "one" / f"{row['id']}.mp4"), "--size", args.size,
                        "--var", f"name={row['name']}", "--quiet")
        one_by_one = time.perf_counter() - started
        started = time.perf_counter()
        batch_args = ["batch", str(script), str(rows), "-o", str(folder / "batch" / "{{ id }}.mp4"), "--size",
                      args.size, "--executor", args.executor, "--json"]
        if args.jobs:
            batch_args += ["--jobs", str(args.jobs)]
        summary = json.loads(_avatar(*batch_args).stdout)
        batched = time.perf_counter() - started
    assert summary["done"] == args.rows, summary
    print(json.dumps({"rows": args.rows, "size": args.size, "executor": args.executor,
                      "video_seconds": summary["video_seconds"],
                      "one_by_one_s_per_video": round(one_by_one / args.rows, 2),
                      "batch_s_per_video": round(batched / args.rows, 2),
                      "speedup": round(one_by_one / batched, 2)}))


if __name__ == "__main__":
    main()
