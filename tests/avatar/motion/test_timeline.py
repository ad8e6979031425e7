import json

import numpy as np
import soundfile
from typer.testing import CliRunner

from avatar.cli import app
from avatar.motion.track import PARAMETERS
from speech.tts import synthesize


def test_script_timeline_tsv_has_a_row_per_frame_and_closed_shapes_on_m(tmp_path):
    script = tmp_path / "s.md"
    script.write_text("# One\n<!-- Mama made maps. -->\n---\n# Two\n<!-- Far away. -->\n")
    out = tmp_path / "s.tsv"
    result = CliRunner().invoke(app, ["lipsync", str(script), "-f", "tsv", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    header = lines[0].split("\t")
    assert header[:2] == ["time", "shape"] and header[2:] == list(PARAMETERS)
    rows = [line.split("\t") for line in lines[1:]]
    times = [float(r[0]) for r in rows]
    assert np.allclose(np.diff(times), 0.04)
    shapes = [r[1] for r in rows]
    assert set(shapes) <= set("ABCDEFGHX")
    assert shapes[0] == "X" and shapes[-1] == "X"  # silent lead-in and tail
    assert shapes.count("A") >= 4  # the m's of "Mama made maps"
    jaw = np.array([float(r[2]) for r in rows])
    assert all(jaw[i] <= 0.02 for i, s in enumerate(shapes) if s == "A")


def test_audio_timeline_json_without_transcript_follows_loudness(tmp_path):
    utterance = synthesize("Open wide and say ah.")
    audio = tmp_path / "rec.wav"
    silence = np.zeros(int(0.5 * utterance.sample_rate), np.float32)
    soundfile.write(audio, np.concatenate([silence, utterance.samples, silence]), utterance.sample_rate)
    out = tmp_path / "rec.json"
    result = CliRunner().invoke(app, ["lipsync", str(audio), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "no transcript" in result.stderr
    doc = json.loads(out.read_text())
    jaw = np.array(doc["frames"])[:, 0]
    assert len(jaw) == int(np.ceil((utterance.duration + 1.0) * 25))
    assert jaw[:8].max() < 0.05 and jaw[-8:].max() < 0.05 and jaw.max() > 0.3


def test_lipsync_bad_input(tmp_path):
    result = CliRunner().invoke(app, ["lipsync", str(tmp_path / "none.wav"), "-o", str(tmp_path / "x.json")])
    assert result.exit_code == 2 and "audio file not found" in result.stderr
    result = CliRunner().invoke(app, ["lipsync", "x.md", "--format", "xml"])
    assert result.exit_code == 2 and "json or tsv" in result.stderr
