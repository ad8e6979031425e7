"""Benchmark: everything that decides how fast a render is, measured in one run on one machine.

    python -m avatar.bench [--json] [--markdown] [--portrait PHOTO ...] [--long]
    python -m avatar.bench SCRIPT          # also render SCRIPT and report its stages
    python -m benchmarks.bench [SCRIPT]    # from a checkout (the same, SCRIPT optional)

It measures: speech synthesis per engine (real-time factor on the same ~25 s text), the face rig
build per portrait, presenter frames/s at 512 px (one core and all cores, batch 1/4/8/16), slide
rasterising (ms per 1080p slide), compositing + encoding (frames/s at 1080p, pre-made frames), a
~60 s deck of its own rendered end to end in a fresh process (cold: nothing cached; warm, nothing
changed; warm caches with the segment cache cleared), its peak memory, `avatar --help`, the time to
the first frame, and the floor: PyAV alone encoding as many 1080p frames with the product's own
encoder settings. Targets are printed beside the figures.

Not a test: it measures this machine. Figures from one run are comparable with each other
(ratios); absolute times vary with the machine's load.
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator

import numpy as np

SIZE_1080 = (1920, 1080)
FPS = 25

# about 25 s of English speech for the synthesis figures (the same text for every engine)
SPEECH_TEXT = (
    "Welcome to this short course on working safely with data. Over the next few minutes we will look at "
    "where personal information lives in a typical company, who is allowed to see it, and what to do when "
    "something goes wrong. You do not need any technical background. Each section ends with a short "
    "question, so you can check what you have learned before moving on. Let us begin with a simple idea: "
    "every record you handle belongs to a real person, and they trust you to look after it."
)

# narration for the benchmark's own deck: five slides, about 60 s of speech together
DECK_SLIDES = [
    ("Working safely with data", [],
     "Hello, and welcome. In the next minute I will explain why careful handling of personal data matters, "
     "and what each of us can do about it every day. "
     "It only takes a few small habits."),
    ("Where data lives", ["Customer records", "Shared drives and e-mail", "Laptops and phones"],
     "Personal information is not only in the customer database. It sits in shared folders, in old e-mail "
     "threads, and on the laptops and phones we carry around. "
     "Knowing where it is comes first, because you cannot protect what you cannot find."),
    ("Who may see it", ["Only those who need it", "Access is reviewed", "Ask before sharing"],
     "Only the people who need a record for their work should be able to open it. Access is reviewed "
     "regularly, and when in doubt, ask before you share anything. "
     "A short question to the owner of the data is always better than a long apology afterwards."),
    ("When something goes wrong", ["Report it at once", "Do not try to hide it", "Keep the evidence"],
     "Mistakes happen. If a file goes to the wrong person, report it straight away. Reporting quickly "
     "limits the harm, and nobody is blamed for being honest. "
     "Keep the messages and files involved, so the team can see exactly what happened."),
    ("Thank you", ["Questions: privacy team", "Next: the short quiz"],
     "That is all for now. Thank you for listening, and good luck with the short quiz that follows. "
     "See you in the next lesson."),
]

# the issue's targets (issue 10)
TARGETS = {
    "end_to_end_speed": 3.0,  # x real time, warm caches
    "end_to_end_over_floor": 1.3,  # at most, warm caches
    "cold_speed": 1.0,  # x real time, first render on a fresh install
    "presenter_one_core": 150.0,  # frames/s at 512 px
    "peak_memory_10_min_bytes": 1 << 30,
    "help_seconds": 1.0,
    "first_frame_seconds": 3.0,  # warm cache
}


# --------------------------------------------------------------------------------------------
# Pieces: each measures one stage with the product's own functions
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def cache_dir(path: Path) -> Iterator[Path]:
    """AVATAR_CACHE_DIR set to `path` inside the block (speech, rigs and segments are kept there)."""
    before = os.environ.get("AVATAR_CACHE_DIR")
    os.environ["AVATAR_CACHE_DIR"] = str(path)
    try:
        yield path
    finally:
        if before is None:
            os.environ.pop("AVATAR_CACHE_DIR", None)
        else:
            os.environ["AVATAR_CACHE_DIR"] = before


def speaking_values(n: int) -> np.ndarray:
    """A speaking-like motion (the jaw opening and closing under a slow head turn), (n, parameters)."""
    from avatar.motion.track import PARAMETERS

    t = np.arange(n)
    values = np.zeros((n, len(PARAMETERS)), np.float32)
    values[:, PARAMETERS.index("jaw_open")] = np.clip(0.5 + 0.5 * np.sin(t / 3), 0, 1)
    values[:, PARAMETERS.index("yaw")] = 6 * np.sin(t / 17)
    return values


def warp_fps(size: int = 512, batch: int = 8, seconds: float = 3.0, threads: int = 0,
             portrait: Path | None = None) -> tuple[float, str]:
    """Presenter frames per second (warp, mouth interior and seam) for a speaking-like motion.
    `threads=1` measures one core (onnxruntime and OpenCV both held to one thread)."""
    import cv2

    from avatar.api import DEFAULT_PORTRAIT
    from avatar.face.rig import build_rig
    from avatar.presenter.renderer import PresenterRenderer

    previous = cv2.getNumThreads()
    if threads:
        cv2.setNumThreads(threads)
    try:
        renderer = PresenterRenderer(build_rig(portrait or DEFAULT_PORTRAIT, size=size), threads=threads)
        values = speaking_values(max(batch * 8, 64))
        renderer.render(values[:batch])
        frames, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            first = frames % (len(values) - batch + 1)
            renderer.render(values[first:first + batch])
            frames += batch
        return frames / (time.perf_counter() - start), renderer.provider
    finally:
        cv2.setNumThreads(previous)


def speech_rtf(text: str = SPEECH_TEXT, engines: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Per engine: real-time factor (seconds of speech per second of synthesis) of `speech.speak`
    on `text`, with an empty speech cache (so nothing is reused); the engine's load is timed apart.
    An engine that is not installed is skipped with the reason."""
    from speech.errors import SpeechError
    from speech.speak import speak
    from speech.tts import get_engine

    engines = engines or {"espeak": "en-us", "piper": "en_US-joe-medium"}
    out: dict[str, dict[str, Any]] = {}
    for engine, voice in engines.items():
        with tempfile.TemporaryDirectory() as folder, cache_dir(Path(folder)):
            try:
                t = time.perf_counter()
                get_engine(engine).synthesize("Hello.", voice=voice)  # loads the voice
                load = time.perf_counter() - t
            except SpeechError as exc:
                out[engine] = {"voice": voice, "skipped": str(exc)}
                continue
            t = time.perf_counter()
            utterance = speak(text, engine=engine, voice=voice)
            seconds = time.perf_counter() - t
        audio = len(utterance.samples) / utterance.sample_rate
        out[engine] = {"voice": voice, "audio_seconds": round(audio, 2), "synthesis_seconds": round(seconds, 3),
                       "real_time_factor": round(audio / seconds, 1), "load_seconds": round(load, 3)}
    return out


def rig_seconds(portraits: list[Path], size: int = 512) -> dict[str, float]:
    """Seconds to build the face rig of each portrait from nothing (no rig cache)."""
    from avatar.face.rig import build_rig

    out = {}
    for portrait in portraits:
        t = time.perf_counter()
        build_rig(portrait, size=size, warn=lambda message: None, use_cache=False)
        out[Path(portrait).name] = round(time.perf_counter() - t, 3)
    return out


def bullets_slide(title: str = "Where data lives"):
    from avatar.script import Slide

    return Slide(title=title, bullets=["Customer records and the CRM", "Shared drives, e-mail threads and chat",
                                       "Laptops, phones and printed copies"], narration="(benchmark)")


def slide_ms(count: int = 6, size: tuple[int, int] = SIZE_1080, theme: str = "default") -> float:
    """Median ms to draw one bullets slide of `theme` (SVG + rasterising). Each slide has its own
    number, so none comes from the raster cache."""
    from avatar.slides import load_theme, render_slide

    loaded, slide = load_theme(theme), bullets_slide()
    times = []
    for index in range(1, count + 1):
        t = time.perf_counter()
        render_slide(slide, theme=loaded, size=size, index=index, count=count, deck_title="Benchmark",
                     base_dir=Path("."))
        times.append(time.perf_counter() - t)
    return round(1000 * statistics.median(times), 1)


def premade(size: tuple[int, int] = SIZE_1080, cycle: int = FPS, portrait: Path | None = None,
            theme: str = "default") -> tuple[np.ndarray, tuple[int, int, int, int], list[np.ndarray]]:
    """What compositing starts from, made once: a default-theme bullets slide (RGB), the presenter's
    box on it, and `cycle` presenter frames of speaking motion for that box."""
    from avatar.api import DEFAULT_PORTRAIT
    from avatar.face.rig import build_rig
    from avatar.presenter.renderer import PresenterRenderer
    from avatar.slides import load_theme, render_slide

    loaded = load_theme(theme)
    slide = render_slide(bullets_slide(), theme=loaded, size=size, index=1, count=1, deck_title="Benchmark",
                         base_dir=Path("."))
    box = loaded.presenter_box(size)
    renderer = PresenterRenderer(build_rig(portrait or DEFAULT_PORTRAIT, size=box[2], warn=lambda message: None))
    return slide, box, list(renderer.render(speaking_values(cycle)))


def compose_encode_fps(frames: int, made: tuple, size: tuple[int, int] = SIZE_1080) -> float:
    """Frames/s of the product's compose + segment encode (avatar.compose.compose into
    avatar.encode.encode_segment) on pre-made slide and presenter frames."""
    from avatar.compose import compose
    from avatar.encode import encode_segment
    slide, box, presenter = made
    people = itertools.islice(itertools.cycle(presenter), frames)
    with tempfile.TemporaryDirectory() as folder:
        t = time.perf_counter()
        encode_segment(compose(slide, people, box), Path(folder) / "segment.mp4", width=size[0], height=size[1],
                       fps=FPS)
        return frames / (time.perf_counter() - t)


def encoder_settings() -> dict[str, Any]:
    """preset, crf and threads of a render at the defaults: encode_segment's defaults (a render
    passes only its preset, "veryfast" unless it is a preview)."""
    import inspect

    from avatar.encode import PRESET_TUNING, encode_segment

    parameters = inspect.signature(encode_segment).parameters
    settings = {name: parameters[name].default for name in ("preset", "crf", "threads")}
    return {**settings, "tuning": ":".join(PRESET_TUNING.get(settings["preset"], ()))}


def floor_frames(made: tuple, cycle: int = FPS) -> list[np.ndarray]:
    """`cycle` finished I420 1080p frames (slide + moving presenter), made before the floor's clock starts."""
    from avatar.compose import compose

    slide, box, presenter = made
    return [frame.copy() for frame in compose(slide, presenter[:cycle], box)]


def floor_fps(frames: int, yuv: list[np.ndarray], size: tuple[int, int] = SIZE_1080, keep: Path | None = None) -> float:
    """The floor: PyAV alone encoding `frames` pre-made I420 frames (cycled) into an MP4 with the
    stream the product's segments use (avatar.encode.add_h264_stream(segment=True): codec, preset,
    crf, x264 params, pix_fmt, threads, colour tags), and nothing else. `keep`: where to leave the file."""
    import av

    from avatar.encode import add_h264_stream, video_frame

    with tempfile.TemporaryDirectory() as folder:
        t = time.perf_counter()
        with av.open(str(keep or Path(folder) / "floor.mp4"), "w", format="mp4") as container:
            settings = encoder_settings()
            stream = add_h264_stream(container, size[0], size[1], Fraction(FPS), settings["preset"], settings["crf"],
                                     settings["threads"], segment=True)
            base = stream.codec_context.time_base
            for pts, frame in enumerate(itertools.islice(itertools.cycle(yuv), frames)):
                container.mux(stream.encode(video_frame(frame, pts, base)))
            container.mux(stream.encode(None))
        return frames / (time.perf_counter() - t)


# --------------------------------------------------------------------------------------------
# End to end: the benchmark's own deck rendered in a fresh process
# --------------------------------------------------------------------------------------------


def write_deck(path: Path, repeat: int = 1, size: str | None = None) -> Path:
    """A Markdown script of DECK_SLIDES (about 60 s of speech), `repeat` times over (a longer deck)."""
    front = ["---", "title: Benchmark deck", *([f"size: {size}"] if size else []), "---", ""]
    blocks = []
    for n in range(repeat):
        for title, bullets, narration in DECK_SLIDES:
            heading = title if repeat == 1 else f"{title} ({n + 1})"
            blocks.append("\n".join([f"# {heading}", "", *(f"- {b}" for b in bullets), "", f"<!--\n{narration}\n-->", ""]))
    path.write_text("\n".join(front) + "\n---\n\n".join(blocks), encoding="utf-8")
    return path


def _child(script: str, output: str) -> None:
    """Inside the render's own process: render, and print what happened as one JSON line."""
    import avatar

    first: list[float] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "render" and not first:
            first.append(time.time())

    result = avatar.render(script, output, progress=progress)
    print(json.dumps({"duration": result.duration, "wall_time": result.wall_time, "timings": result.timings,
                      "reused_slides": result.reused_slides, "slides": result.slides,
                      "first_render_epoch": first[0] if first else None, "provider": result.provider}))


def render_in_process(script: Path, output: Path, cache: Path) -> dict[str, Any]:
    """Render `script` with `python -m avatar.bench --child` in a new process using the cache folder
    `cache`: its figures, the process's wall time, its peak memory (ru_maxrss of that process
    alone, by wait4) and the time from launch to the first "render" progress event (the first ten
    frames drawn or copied)."""
    env = {**os.environ, "AVATAR_CACHE_DIR": str(cache)}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started, epoch = time.perf_counter(), time.time()
        child = subprocess.Popen([sys.executable, "-m", "avatar.bench", "--child", str(script), str(output)],
                                 env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)  # reaped here, so the usage is this process's alone
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode:
        raise RuntimeError(f"the benchmark render failed ({child.returncode}): {stderr[-2000:]}")
    report = json.loads(stdout.strip().splitlines()[-1])
    report["process_seconds"] = wall
    report["speed"] = report["duration"] / wall
    report["peak_memory_bytes"] = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    first = report.pop("first_render_epoch")
    report["first_frame_seconds"] = None if first is None else first - epoch
    return report


def end_to_end(folder: Path, repeat: int = 1, size: str | None = None) -> dict[str, dict[str, Any]]:
    """The deck rendered three times in fresh processes, one cache folder: cold (nothing cached),
    warm with nothing changed (every slide's segment is reused), and warm caches with the segment
    cache cleared (speech and rigs reused, every frame drawn and encoded: a render after editing
    every slide)."""
    script = write_deck(folder / "deck.md", repeat=repeat, size=size)
    cache = folder / "cache"
    runs = {"cold": render_in_process(script, folder / "cold.mp4", cache)}
    runs["warm_unchanged"] = render_in_process(script, folder / "warm.mp4", cache)
    from avatar.segments import segments_dir

    with cache_dir(cache):
        shutil.rmtree(segments_dir(), ignore_errors=True)
    runs["warm_segments_cleared"] = render_in_process(script, folder / "edited.mp4", cache)
    return runs


def help_seconds(runs: int = 3) -> tuple[float, str]:
    """Median wall time of `avatar --help` in a new process (the console script beside this Python,
    else the CLI module run the same way)."""
    script = Path(sys.executable).parent / "avatar"
    command = [str(script)] if script.is_file() else [sys.executable, "-c", "from avatar.cli import run; run()"]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([*command, "--help"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times), " ".join(Path(command[0]).name if i == 0 else c for i, c in enumerate(command))


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def measure(portraits: list[Path] | None = None, long: bool = False, warp_seconds: float = 2.0,
            log=lambda message: print(message, file=sys.stderr)) -> dict[str, Any]:
    """Every figure, in one run."""
    import platform

    from avatar.api import DEFAULT_PORTRAIT

    report: dict[str, Any] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
                              "python": platform.python_version(), "date": time.strftime("%Y-%m-%d")}
    log("speech ...")
    report["speech"] = speech_rtf()
    log("rigs ...")
    report["rig_seconds"] = rig_seconds([DEFAULT_PORTRAIT, *(portraits or [])])
    log("presenter ...")
    presenter: dict[str, dict[str, float]] = {}
    for label, threads in (("one_core", 1), ("all_cores", 0)):
        presenter[label] = {}
        for batch in (1, 4, 8, 16):
            fps, provider = warp_fps(batch=batch, threads=threads, seconds=warp_seconds)
            presenter[label][str(batch)] = round(fps, 1)
    report["presenter_fps_512"] = presenter
    report["provider"] = provider
    log("slides ...")
    report["slide_ms_1080p"] = slide_ms()
    with tempfile.TemporaryDirectory(prefix="avatar-bench-") as folder:
        log("end to end: cold, warm unchanged, warm with segments cleared ...")
        runs = end_to_end(Path(folder))
        report["end_to_end"] = {name: {k: (round(v, 3) if isinstance(v, float) else v) for k, v in run.items()}
                                for name, run in runs.items()}
        if long:
            log("ten-minute deck at 1080p25 ...")
            long_dir = Path(folder) / "long"
            long_dir.mkdir()
            script = write_deck(long_dir / "deck.md", repeat=10)
            run = render_in_process(script, long_dir / "long.mp4", long_dir / "cache")
            report["long"] = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in run.items()}
    frames = round(runs["warm_segments_cleared"]["duration"] * FPS)
    log(f"compositing + encoding and the floor ({frames} frames) ...")
    made = premade()
    report["compose_encode_fps_1080p"] = round(compose_encode_fps(frames, made), 1)
    yuv = floor_frames(made)
    floor = floor_fps(frames, yuv)
    del yuv, made
    report["floor"] = {"frames": frames, "fps": round(floor, 1), "seconds": round(frames / floor, 2),
                       "settings": {**encoder_settings(), "segment": True}}
    log("avatar --help ...")
    seconds, command = help_seconds()
    report["help"] = {"seconds": round(seconds, 3), "command": command}
    report["targets"] = check_targets(report)
    return report


def check_targets(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each of the issue's targets: the figure, the target and whether it passes."""
    warm = report["end_to_end"]["warm_segments_cleared"]
    cold = report["end_to_end"]["cold"]
    one_core = report["presenter_fps_512"]["one_core"]
    best_batch = max(one_core, key=one_core.get)
    if "long" in report:
        memory, memory_how = report["long"]["peak_memory_bytes"], "measured: the 10-minute deck, 1080p25, cold"
    else:
        memory = max(run["peak_memory_bytes"] for run in report["end_to_end"].values())
        memory_how = "extrapolated from the 60 s deck (frames stream; run --long to measure)"
    over_floor = warm["process_seconds"] / report["floor"]["seconds"]
    t = TARGETS
    rows = {
        "end_to_end_speed": (warm["speed"], f">= {t['end_to_end_speed']}x real time", warm["speed"] >= t["end_to_end_speed"],
                             "warm caches, segments cleared"),
        "end_to_end_over_floor": (over_floor, f"<= {t['end_to_end_over_floor']}x the floor",
                                  over_floor <= t["end_to_end_over_floor"], "warm caches, segments cleared"),
        "cold_speed": (cold["speed"], f">= {t['cold_speed']}x real time", cold["speed"] >= t["cold_speed"],
                       "nothing cached"),
        "presenter_one_core": (one_core[best_batch], f">= {t['presenter_one_core']:.0f} frames/s",
                               one_core[best_batch] >= t["presenter_one_core"], f"batch {best_batch}"),
        "peak_memory_10_min": (memory, "< 1 GiB", memory < t["peak_memory_10_min_bytes"], memory_how),
        "help_seconds": (report["help"]["seconds"], f"< {t['help_seconds']} s", report["help"]["seconds"] < t["help_seconds"], ""),
        "first_frame_seconds": (warm["first_frame_seconds"], f"< {t['first_frame_seconds']} s",
                                warm["first_frame_seconds"] is not None and warm["first_frame_seconds"] < t["first_frame_seconds"],
                                "warm caches, segments cleared; launch to the first 10 frames"),
    }
    return {name: {"value": round(v, 3) if isinstance(v, float) else v, "target": target, "pass": bool(ok), "note": note}
            for name, (v, target, ok, note) in rows.items()}


def _verdict(targets: dict[str, dict[str, Any]], name: str) -> tuple[str, str]:
    row = targets.get(name)
    return ("", "") if row is None else (row["target"], "**pass**" if row["pass"] else "**miss**")


def markdown(report: dict[str, Any]) -> str:
    """The report as a Markdown table (what, figure, target, pass/miss) for the README."""
    targets = report.get("targets", {})
    rows: list[tuple[str, str, str, str]] = []

    def row(what: str, figure: str, target: str = "") -> None:
        rows.append((what, figure, *(_verdict(targets, target) if target else ("", ""))))

    for engine, s in report.get("speech", {}).items():
        if "skipped" in s:
            row(f"speech: {engine} ({s['voice']})", f"skipped: {s['skipped']}")
        else:
            row(f"speech: {engine} ({s['voice']}), {s['audio_seconds']:.1f} s of speech",
                f"{s['real_time_factor']:g}x real time ({s['synthesis_seconds']:.2f} s; voice load {s['load_seconds']:.2f} s)")
    for portrait, seconds in report.get("rig_seconds", {}).items():
        row(f"face rig, {portrait} (no cache)", f"{seconds:.2f} s")
    for label, name in (("one_core", "one core"), ("all_cores", "all cores")):
        fps = report.get("presenter_fps_512", {}).get(label)
        if fps:
            row(f"presenter 512 px, {name}, batch {' / '.join(fps)}", " / ".join(f"{v:.0f}" for v in fps.values())
                + " frames/s", "presenter_one_core" if label == "one_core" else "")
    if "slide_ms_1080p" in report:
        row("slide rasterising, default theme bullets, 1080p", f"{report['slide_ms_1080p']:.0f} ms per slide")
    if "compose_encode_fps_1080p" in report:
        row("compose + encode (pre-made frames), 1080p", f"{report['compose_encode_fps_1080p']:.0f} frames/s")
    floor = report.get("floor")
    if floor:
        s = floor["settings"]
        tuning = f" {s['tuning']}" if s.get("tuning") else ""
        row(f"**floor**: PyAV libx264 {s['preset']}{tuning} crf {s['crf']} (segment settings), {floor['frames']} frames 1080p",
            f"{floor['fps']:.0f} frames/s ({floor['seconds']:.1f} s)")
    names = {"cold": ("end to end, cold (nothing cached)", "cold_speed"),
             "warm_unchanged": ("end to end, warm, nothing changed (segments reused)", ""),
             "warm_segments_cleared": ("end to end, warm caches, segments cleared", "end_to_end_speed")}
    for name, run in report.get("end_to_end", {}).items():
        what, target = names[name]
        row(f"{what}: {run['duration']:.1f} s deck, 1080p25",
            f"{run['process_seconds']:.1f} s: **{run['speed']:.2f}x real time** ({run['wall_time']:.1f} s inside render())",
            target)
    if "end_to_end_over_floor" in targets:
        inside = report["end_to_end"]["warm_segments_cleared"]["wall_time"] / floor["seconds"]
        row("end to end (warm, segments cleared) / floor", f"{targets['end_to_end_over_floor']['value']:.2f}x"
            f" ({inside:.2f}x inside render())", "end_to_end_over_floor")
    if "peak_memory_10_min" in targets:
        m = targets["peak_memory_10_min"]
        row(f"peak memory (ru_maxrss), {m['note']}", f"{m['value'] / 2**20:.0f} MiB", "peak_memory_10_min")
    if "long" in report:
        run = report["long"]
        row(f"ten-minute deck, 1080p25, cold: {run['duration']:.0f} s", f"{run['process_seconds']:.0f} s: {run['speed']:.2f}x real time")
    if "help" in report:
        row(f"`{report['help']['command']} --help`", f"{report['help']['seconds']:.2f} s", "help_seconds")
    if "first_frame_seconds" in targets:
        row("first frame, warm caches (launch to the first 10 frames)", f"{targets['first_frame_seconds']['value']:.2f} s",
            "first_frame_seconds")
    lines = ["| what | figure | target | |", "| --- | --- | --- | --- |"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def render_script(script: str, size: str | None = None, portrait: Path | None = None) -> dict[str, Any]:
    """A user's script rendered here, with its stages (the figures `avatar.bench SCRIPT` gave before)."""
    import avatar

    with tempfile.TemporaryDirectory() as folder:
        result = avatar.render(script, Path(folder) / "bench.mp4", size=size, portrait=portrait)
    return {"script": script, "video_seconds": round(result.duration, 2), "wall_seconds": round(result.wall_time, 2),
            "faster_than_real_time": round(result.speed, 2), "stages_seconds": result.timings}


def main(argv: list[str] | None = None, default_script: str | Path | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--child"]:
        _child(*argv[1:3])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("script", nargs="?", default=None if default_script is None else str(default_script),
                        help="also render this script and report its stages"
                        + (f" (default: {default_script})" if default_script else ""))
    parser.add_argument("--size", default=None, help="size for SCRIPT's render")
    parser.add_argument("--portrait", type=Path, action="append", default=[],
                        help="another portrait for the rig figures (repeatable)")
    parser.add_argument("--long", action="store_true", help="also render a 10-minute deck at 1080p25, cold, for the memory figure (several minutes)")
    parser.add_argument("--json", action="store_true", help="print the JSON report")
    parser.add_argument("--markdown", action="store_true", help="print the Markdown table")
    args = parser.parse_args(argv)
    report = measure(args.portrait, long=args.long)
    if args.script:
        report["script"] = render_script(args.script, args.size, args.portrait[0] if args.portrait else None)
    if args.json or not args.markdown:
        print(json.dumps(report, indent=2))
    if args.markdown:
        print(markdown(report))


if __name__ == "__main__":
    main()
