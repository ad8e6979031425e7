"""Interrupting a render (Ctrl-C, SIGTERM, SIGHUP): a quick exit with 130/143/129, nothing at the
destination, no process left behind, and the next run reuses what was finished."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# narration long enough that the render is still writing 1.5 s after its video starts (a render
# without librosa's start-up cost finished about 2 s after, and a loaded machine could beat the signal)
DECK = "".join(f"# Slide {i}\n\n- point {i}\n\n<!-- This is slide number {i}, with a sentence or two to say, "
               "and one more after it, so that there is a little more to hear. -->\n\n---\n\n"
               for i in range(1, 5)).rstrip("-\n ") + "\n"


def _render(script: Path, output: Path, env: dict, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "avatar.cli", "render", str(script), "-o", str(output),
                             "--size", "640x360", *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


# SIGTERM as a scheduler sends it; Ctrl-C (130) and SIGHUP (129) take the same path in the CLI
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143)])
def test_an_interrupted_render_stops_cleanly_and_the_rerun_reuses_its_slides(tmp_path, signum, code):
    script = tmp_path / "talk.md"
    script.write_text(DECK)
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "AVATAR_CACHE_DIR": str(tmp_path / "cache")}
    process = _render(script, out / "talk.mp4", env, "--quiet")
    deadline = time.monotonic() + 120
    while not list(out.glob(".talk.mp4.*.partial.mp4")) and time.monotonic() < deadline:
        time.sleep(0.05)  # the render is writing: the video has started
    assert process.poll() is None, process.communicate()
    time.sleep(1.5)
    process.send_signal(signum)
    stopped = time.monotonic()
    _, stderr = process.communicate(timeout=30)
    took = time.monotonic() - stopped
    assert process.returncode == code, stderr
    assert stderr.strip().splitlines()[-1] == "error: interrupted; nothing was written"
    assert took < 3.0, f"took {took:.1f} s to stop"  # (about 1 s; slack for a loaded machine)
    assert sorted(p.name for p in out.iterdir()) == []
    with pytest.raises(ProcessLookupError):  # no worker or helper process outlives it
        os.killpg(process.pid, 0)
    finished = len(list((tmp_path / "cache" / "segments").rglob("*.mp4")))
    rerun = _render(script, out / "talk.mp4", env, "--json")
    stdout, stderr = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, stderr
    assert json.loads(stdout)["reused_slides"] == finished
