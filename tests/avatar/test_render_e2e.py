"""End to end: a short script rendered to MP4 and checked the way a viewer would."""
import json

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from avatar.cli import app
from avatar.face.rig import build_rig
from avatar.motion.visemes import viseme_of
from speech.phonemes import segments
from speech.speak import speak
from tests.conftest import PORTRAIT

SCRIPT = """---
title: Test deck
learner: Sam
size: 960x540
voice: en-us
---
# Hello {{ learner }}
<!-- Hello {{ learner }}. Mama made maps. -->
---
# Two points
- Point one
- Point two
<!-- Father parked far away. Bob, stop. -->
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    script = folder / "deck.md"
    script.write_text(SCRIPT, encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(script), "-o", str(folder / "out.mp4"), "--json"])
    assert result.exit_code == 0, result.output
    return folder, json.loads(result.stdout)


def test_mp4_has_video_audio_captions_and_chapters(rendered):
    folder, summary = rendered
    manifest = json.loads((folder / "out.json").read_text())
    with av.open(str(folder / "out.mp4")) as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "h264" and (video.width, video.height) == (960, 540)
        assert video.average_rate == 25
        assert container.streams.audio[0].codec_context.name == "aac"
        assert container.streams.subtitles[0].codec_context.name == "mov_text"
        assert [c["metadata"]["title"] for c in container.chapters()] == ["Hello Sam", "Two points"]
        duration = container.duration / 1e6
    speech = sum(speak(t).duration for t in ("Hello Sam. Mama made maps.", "Father parked far away. Bob, stop."))
    assert abs(duration - manifest["duration"]) < 0.05
    assert abs(duration - (speech + 2 * 0.9)) < 0.2  # narration plus each slide's lead-in and tail
    assert summary["provider"] == manifest["provider"] and summary["slides"] == 2
    assert {p.name for p in folder.iterdir()} >= {"out.mp4", "out.srt", "out.vtt", "out.json"}
    assert not [p for p in folder.iterdir() if "partial" in p.name]


def audio_and_frames(path):
    with av.open(str(path)) as container:
        audio = np.concatenate([f.to_ndarray().mean(axis=0) for f in container.decode(audio=0)])
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return audio, frames


def parse_srt(text):
    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        start, end = (sum(float(x) * 60 ** (2 - i) for i, x in enumerate(t.replace(",", ".").split(":")))
                      for t in lines[1].split(" --> "))
        cues.append((start, end, " ".join(lines[2:])))
    return cues


def test_captions_appear_when_their_sentence_is_spoken(rendered):
    folder, _ = rendered
    audio, _ = audio_and_frames(folder / "out.mp4")
    rate = 48000
    cues = parse_srt((folder / "out.srt").read_text())
    assert [c[2] for c in cues][:2] == ["Hello Sam.", "Mama made maps."]

    def loud(t0, t1):
        chunk = audio[int(t0 * rate):int(t1 * rate)]
        return float(np.sqrt(np.mean(chunk ** 2))) if len(chunk) else 0.0

    assert loud(0.0, 0.25) < 0.003  # silent lead-in before the first caption
    for start, end, text in cues:
        assert loud(start, min(start + 0.25, end)) > 0.01, text  # speech under every caption
    assert "Father parked far away." in (folder / "out.vtt").read_text()


def test_lips_close_on_m_and_open_on_vowels_in_the_video(rendered):
    folder, manifest = rendered
    meta = json.loads((folder / "out.json").read_text())
    x, y, w, h = meta["presenter_box"]
    rig = build_rig(PORTRAIT, size=w)
    lips = rig.lips_rest
    (x0, y0), (x1, y1) = lips.min(0).astype(int), lips.max(0).astype(int)
    _, frames = audio_and_frames(folder / "out.mp4")

    def dark(i):
        """Pixels of cavity (dark) or teeth (bright, grey) in the mouth region."""
        mouth = frames[i][y + y0 - 2:y + y1 + 10, x + x0 + 4:x + x1 - 4].astype(int)
        cavity = mouth.max(axis=2) < 60
        teeth = (mouth.min(axis=2) > 150) & (mouth.max(axis=2) - mouth.min(axis=2) < 40)
        return int((cavity | teeth).sum())

    slide = meta["slides"][0]
    utterance = speak("Hello Sam. Mama made maps.")  # the same (cached) speech the render used
    offset = slide["start"] + 0.3
    closed, opened = [], []
    for phone in utterance.phones:
        parts = segments(phone.symbol)
        frame = int((offset + phone.end - 0.02) * 25)
        if viseme_of(parts[0]).closure:
            closed.append(dark(frame))
        elif viseme_of(parts[0]).target("jaw_open") >= 0.6:
            opened.append(max(dark(f) for f in range(frame - 2, frame + 2)))
    assert len(closed) >= 4 and len(opened) >= 3
    assert np.median(closed) <= 3
    assert min(opened) > 3 * np.median(closed) + 10


@pytest.mark.parametrize("setup, args, problem", [
    (lambda d: (d / "s.md").write_text("# A\n<!-- Hi {{ who }} -->\n"), [], "'who'"),
    (lambda d: (d / "s.md").write_text("---\ntitle: x\n---\n"), [], "no slides"),
    (lambda d: (d / "s.md").write_text("---\nsize: [oops\n---\n# A\n<!-- a -->\n"), [], "front matter"),
    (lambda d: (d / "s.md").write_text("# A\n![](missing.png)\n<!-- a -->\n"), [], "image not found"),
    (lambda d: ((d / "s.md").write_text("# A\n<!-- a -->\n"), (d / "blank.png").write_bytes(
        __import__("cv2").imencode(".png", np.full((300, 300, 3), 90, np.uint8))[1].tobytes())),
     ["--portrait", "{d}/blank.png"], "no face"),
    (lambda d: (d / "s.md").write_text("# A\n<!-- a -->\n"), ["-o", "{d}/nope/out.mp4"], "does not exist"),
    (lambda d: (d / "s.md").write_text("# A\n<!-- a -->\n"), ["--voice", "xx-nonsense"], "voice"),
])
def test_bad_input_one_line_exit_2_and_no_output(tmp_path, setup, args, problem):
    setup(tmp_path)
    args = [a.format(d=tmp_path) for a in args]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "out.mp4")]
    result = CliRunner().invoke(app, ["render", str(tmp_path / "s.md"), *args])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and problem in lines[0] and "Traceback" not in result.output
    assert not [p for p in tmp_path.rglob("*") if p.suffix in {".mp4", ".srt", ".vtt", ".json"} or "partial" in p.name]


def test_version_and_help():
    runner = CliRunner()
    assert runner.invoke(app, ["--version"]).stdout.startswith("avatar ")
    assert "--portrait" in runner.invoke(app, ["render", "--help"]).stdout
