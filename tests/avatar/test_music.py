"""A music bed under the narration: looped to the video, at least 10 dB lower under speech than in
pauses, faded at both ends, with the mix's loudness still at the narration's target."""
from __future__ import annotations

import json

import av
import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from avatar.cli import app
from avatar.errors import AvatarError
from avatar.music import MusicBed
from speech.loudness import DEFAULT_TARGET_LUFS, integrated_loudness

DECK = """---
title: Music
size: 640x360
voice: en-us
{music}---
# One
<!-- Welcome to the course. [pause 1.5s] This is the second sentence of the first slide. -->
---
# Two
<!-- And this is the second slide, with a little more to say. -->
"""


def tune(path, seconds=3.0, rate=44100):
    """A short two-note loop (stereo), shorter than the video so it has to loop."""
    t = np.arange(int(seconds * rate)) / rate
    x = 0.3 * np.sin(2 * np.pi * 220 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t)) + 0.2 * np.sin(2 * np.pi * 330 * t)
    soundfile.write(str(path), np.stack([x, x], 1), rate)
    return path


def test_the_bed_loops_is_levelled_ducked_and_faded(tmp_path):
    rate = 8000
    bed = MusicBed(tune(tmp_path / "m.wav", 1.0, rate), rate=rate, duration=10.0, speech=[(4.0, 6.0)],
                   volume_db=-12, duck_db=14)
    samples = bed.bed(0, bed.n_samples)
    assert len(samples) == 10 * rate  # looped ten times, then trimmed to the video

    def level(t0, t1):
        part = samples[int(t0 * rate):int(t1 * rate)]
        return 20 * np.log10(np.sqrt(np.mean(part ** 2)))

    assert level(4.5, 5.5) <= level(2.0, 3.5) - 13  # ducked under speech
    assert abs(level(7.5, 7.6) - level(2.0, 3.5)) < 1.5  # back up in the pause after it
    assert level(0.0, 0.2) < level(2.0, 3.5) - 15 and level(9.85, 10.0) < level(2.0, 3.5) - 15  # fades
    assert abs(integrated_loudness(samples[int(1.6 * rate):int(3.6 * rate)], rate) - (DEFAULT_TARGET_LUFS - 12)) < 1.5


@pytest.mark.parametrize("content, problem", [(b"not audio", "not an audio file"), (None, "not found")])
def test_a_bad_music_file_is_a_one_line_error_before_anything_is_written(tmp_path, content, problem):
    if content is not None:
        (tmp_path / "bed.mp3").write_bytes(content)
    (tmp_path / "deck.md").write_text(DECK.format(music="music: bed.mp3\n"), encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(tmp_path / "deck.md"), "-o", str(tmp_path / "out.mp4")])
    assert result.exit_code == 2 and problem in result.output and "bed.mp3" in result.output
    assert not list(tmp_path.glob("out*"))


def decoded_audio(path):
    with av.open(str(path)) as container:
        return np.concatenate([f.to_ndarray().mean(axis=0) for f in container.decode(audio=0)])


def test_music_under_the_narration_in_a_render(tmp_path):
    tune(tmp_path / "bed.ogg")
    for name, music in (("with", "music: bed.ogg\n"), ("without", "")):
        (tmp_path / f"{name}.md").write_text(DECK.format(music=music), encoding="utf-8")
        result = CliRunner().invoke(app, ["render", str(tmp_path / f"{name}.md"), "-o", str(tmp_path / f"{name}.mp4"),
                                          "--quiet"])
        assert result.exit_code == 0, result.output
    mixed, narration = decoded_audio(tmp_path / "with.mp4"), decoded_audio(tmp_path / "without.mp4")
    n = min(len(mixed), len(narration))
    bed, narration = mixed[:n] - narration[:n], narration[:n]
    rate, hop = 48000, 4800  # 100 ms windows
    windows = n // hop

    def rms_db(x):
        return 10 * np.log10(np.mean(x.reshape(windows, hop) ** 2, axis=1) + 1e-12)

    voice, music = rms_db(narration[:windows * hop]), rms_db(bed[:windows * hop])
    speaking = voice > -35
    silent = np.convolve(voice < -60, np.ones(9), "same") >= 9  # 0.9 s of silence around the window
    silent[:20] = silent[-30:] = False  # not the fades
    assert speaking.sum() > 30 and silent.sum() >= 3
    assert np.median(music[silent]) - np.median(music[speaking]) >= 10
    assert abs(integrated_loudness(mixed[:n].astype(np.float32), rate)
               - integrated_loudness(narration.astype(np.float32), rate)) < 1.0
    manifest = json.loads((tmp_path / "with.json").read_text())
    assert manifest["duration"] > 3.0  # the 3 s tune was looped to the whole video
