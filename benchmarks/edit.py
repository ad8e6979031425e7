"""`python -m benchmarks.edit [--slides N] [--sentences N] [--size WxH]`: the wall time of a deck's first render
(fresh caches: rig, speech, segments), of the same render again unchanged, and of a render after
one slide's narration was edited, all measured in this one run; the ratios to the first render.

Each render is a fresh `avatar render` process, as a user at a terminal would run it.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


MORE = (" The first point matters because it saves time every single day."
        " The second point matters because it keeps the whole team on the same page.")


def deck(slides: int, size: str, sentences: int = 1, edited: int | None = None) -> str:
    parts = [f"---\ntitle: Edit benchmark\nsize: {size}\n---\n"]
    for i in range(1, slides + 1):
        said = f"This is slide number {i}. It has two points, and I talk about both of them for a little while."
        if i == edited:
            said = f"This is slide {i}, edited. Now it says something else about its two points, and a little more."
        said += MORE * (sentences - 1)
        parts.append(f"# Slide {i}\n- point {i} a\n- point {i} b\n\n<!-- {said} -->\n")
    return "\n---\n".join(parts)


def render(script: Path, env: dict) -> dict:
    done = subprocess.run([sys.executable, "-m", "avatar.cli", "render", str(script), "-o", str(script.with_suffix(".mp4")),
                           "--json", "--quiet"], check=True, capture_output=True, text=True, env=env)
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.edit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--slides", type=int, default=10)
    parser.add_argument("--sentences", type=int, default=1, help="narration per slide: 1 is about 6 s, each more adds 7 s")
    parser.add_argument("--size", default="1920x1080")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "AVATAR_CACHE_DIR": str(Path(folder) / "cache")}
        script = Path(folder) / "deck.md"
        script.write_text(deck(args.slides, args.size, args.sentences), encoding="utf-8")
        first = render(script, env)
        again = render(script, env)
        script.write_text(deck(args.slides, args.size, args.sentences, edited=(args.slides + 1) // 2), encoding="utf-8")
        edited = render(script, env)
    print(f"{args.slides} slides, {first['duration']:.1f} s of {args.size} video")
    for name, run in (("first render", first), ("unchanged", again), ("one slide edited", edited)):
        print(f"{name:18} {run['wall_time']:6.1f} s  {first['wall_time'] / run['wall_time']:5.1f}x faster than "
              f"the first  ({run['reused_slides']} slides reused)")


if __name__ == "__main__":
    main()
