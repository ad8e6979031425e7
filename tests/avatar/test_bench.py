"""The cheap parts of the benchmark (the benchmark itself measures the machine and is no test)."""
from __future__ import annotations

import re

import av
import numpy as np

from avatar import bench
from avatar.encode import encode_segment


def _x264_options(path) -> str:
    """The settings x264 writes into its first SEI ("x264 - core ... - options: ...")."""
    data = path.read_bytes()
    match = re.search(rb"options: ([^\x00]*)", data)
    assert match, f"no x264 settings in {path}"
    return match.group(1).decode()


def _frames(n: int, size=(320, 180)) -> list[np.ndarray]:
    w, h = size
    out = []
    for k in range(n):
        yuv = np.full((h * 3 // 2, w), 128, np.uint8)
        yuv[20 + k:60 + k, 40:100] = (np.arange(60) * 4 + 17 * k) % 256  # a small moving region
        out.append(yuv)
    return out


def test_floor_encodes_with_the_products_segment_settings(tmp_path):
    frames = _frames(10)
    fps = bench.floor_fps(10, frames, size=(320, 180), keep=tmp_path / "floor.mp4")
    assert fps > 0
    encode_segment(iter(frames), tmp_path / "product.mp4", width=320, height=180, fps=bench.FPS)
    assert _x264_options(tmp_path / "floor.mp4") == _x264_options(tmp_path / "product.mp4")
    with av.open(str(tmp_path / "floor.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.pix_fmt, stream.frames) == ("h264", "yuv420p", 10)


def test_an_engine_that_is_not_there_is_skipped_with_the_reason():
    report = bench.speech_rtf("Hello.", engines={"no-such-engine": "x"})
    assert "no-such-engine" in report["no-such-engine"]["skipped"]


def test_the_deck_is_a_script_of_five_slides(tmp_path):
    from avatar.script import load_script

    script = bench.write_deck(tmp_path / "deck.md", size="640x360")
    presentation = load_script(script)
    assert len(presentation.slides) == len(bench.DECK_SLIDES) == 5
    assert presentation.meta.size == (640, 360)
    assert all(slide.narration.strip() for slide in presentation.slides)


def _report(warm_speed=3.5, help_seconds=0.4) -> dict:
    run = {"duration": 60.0, "process_seconds": 60.0 / warm_speed, "speed": warm_speed, "wall_time": 15.0,
           "peak_memory_bytes": 700 << 20, "first_frame_seconds": 2.0, "reused_slides": 0, "slides": 5}
    return {
        "speech": {"espeak": {"voice": "en-us", "audio_seconds": 30.0, "synthesis_seconds": 0.05,
                              "real_time_factor": 600.0, "load_seconds": 0.1},
                   "piper": {"voice": "en_US-joe-medium", "skipped": "not installed"}},
        "rig_seconds": {"grace_hopper.jpg": 2.5},
        "presenter_fps_512": {"one_core": {"1": 100.0, "4": 160.0, "8": 170.0, "16": 165.0},
                              "all_cores": {"1": 150.0, "4": 250.0, "8": 260.0, "16": 255.0}},
        "slide_ms_1080p": 120.0,
        "compose_encode_fps_1080p": 80.0,
        "floor": {"frames": 1500, "fps": 100.0, "seconds": 15.0,
                  "settings": {"preset": "veryfast", "crf": 23, "threads": 0, "segment": True}},
        "end_to_end": {"cold": {**run, "speed": 1.5, "process_seconds": 40.0},
                       "warm_unchanged": {**run, "speed": 20.0, "process_seconds": 3.0},
                       "warm_segments_cleared": run},
        "help": {"seconds": help_seconds, "command": "avatar"},
    }


def test_targets_pass_and_miss():
    report = _report()
    targets = bench.check_targets(report)
    assert targets["end_to_end_speed"]["pass"] and targets["cold_speed"]["pass"]
    assert targets["presenter_one_core"] == {"value": 170.0, "target": ">= 150 frames/s", "pass": True, "note": "batch 8"}
    assert targets["end_to_end_over_floor"]["pass"]  # 17.1 s against a 15 s floor: 1.14x
    report = _report(warm_speed=2.0, help_seconds=1.5)
    targets = bench.check_targets(report)
    assert not targets["end_to_end_speed"]["pass"] and not targets["help_seconds"]["pass"]
    assert "extrapolated" in targets["peak_memory_10_min"]["note"]


def test_markdown_table():
    report = _report(warm_speed=2.0)  # 30 s against a 15 s floor: 2x, a miss
    report["targets"] = bench.check_targets(report)
    table = bench.markdown(report)
    lines = table.splitlines()
    assert lines[0] == "| what | figure | target | |" and lines[1] == "| --- | --- | --- | --- |"
    assert all(line.startswith("| ") and line.endswith(" |") and line.count(" | ") == 3 for line in lines)
    assert "skipped: not installed" in table
    assert "100 / 160 / 170 / 165 frames/s | >= 150 frames/s | **pass**" in table
    assert "**floor**" in table and "| 2.00x (1.00x inside render()) | <= 1.3x the floor | **miss** |" in table
