"""Bad input through every command: one line, exit 2 (or 1 for internal errors), nothing left behind."""
import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from avatar.cli import app

OK = "# A\n<!-- Hello there. -->\n"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def one_line(result, code, needle):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == code, result.output
    assert len(lines) == 1 and needle in lines[0], lines
    assert "Traceback" not in result.output


def leftovers(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file() and p.suffix in {".mp4", ".srt", ".vtt", ".json",
                                                                                     ".wav", ".tsv", ".partial"})


@pytest.mark.parametrize("text, needle", [
    ("meta: [1, 2]\nslides: []\n", "meta"),
    ("meta:\n  variables: 3\nslides: []\n", "variables"),
])
def test_yaml_with_wrong_types(tmp_path, text, needle):
    script = tmp_path / "s.yaml"
    script.write_text(text)
    one_line(run("render", script, "-o", tmp_path / "o.mp4"), 2, needle)


def test_options_are_named_and_seed_must_be_positive(tmp_path):
    script = tmp_path / "s.md"
    script.write_text(OK)
    one_line(run("render", script, "-o", tmp_path / "o.mp4", "--fps", "0"), 2, "--fps")
    one_line(run("render", script, "-o", tmp_path / "o.mp4", "--seed", "-5"), 2, "--seed")
    assert leftovers(tmp_path) == []


def test_template_error_reports_the_file_line(tmp_path):
    script = tmp_path / "s.md"
    script.write_text("---\ntitle: x\n---\n# A\n<!-- {% if %} -->\n")
    one_line(run("render", script, "-o", tmp_path / "o.mp4"), 2, "line 5")


def test_sidecar_path_that_is_a_folder_fails_before_any_work(tmp_path):
    script = tmp_path / "s.md"
    script.write_text(OK)
    (tmp_path / "o.srt").mkdir()
    one_line(run("render", script, "-o", tmp_path / "o.mp4"), 2, "is a folder")
    assert leftovers(tmp_path) == []


def test_say_and_lipsync_errors(tmp_path):
    (tmp_path / "dir.wav").mkdir()
    one_line(run("say", "hi", "-o", tmp_path / "dir.wav"), 2, "is a folder")
    one_line(run("say", "  ", "-o", tmp_path / "x.wav"), 2, "nothing to say")
    one_line(run("say", "hi", "-o", tmp_path / "x.mp3"), 2, ".wav")
    empty = tmp_path / "empty.wav"
    soundfile.write(empty, np.zeros(0, np.float32), 16000)
    one_line(run("lipsync", empty, "-o", tmp_path / "e.json"), 2, "empty")
    script = tmp_path / "s.md"
    script.write_text(OK)
    one_line(run("lipsync", script, "-o", tmp_path / "x.json", "--seed", "-1"), 2, "--seed")
    assert leftovers(tmp_path) == ["empty.wav"]  # only the input


def test_lipsync_handles_a_very_short_recording(tmp_path):
    audio = tmp_path / "short.wav"
    rng = np.random.default_rng(0)
    soundfile.write(audio, (0.1 * rng.standard_normal(8000)).astype(np.float32), 16000)  # 0.5 s
    result = run("lipsync", audio, "-o", tmp_path / "short.json", "-q")
    assert result.exit_code == 0, result.output


def test_pause_only_slide_writes_no_empty_caption(tmp_path):
    script = tmp_path / "s.md"
    script.write_text("---\nvoice: en-us\nsize: 640x360\n---\n# A\n<!-- [pause 1s] -->\n---\n# B\n<!-- Hi. -->\n")
    result = run("render", script, "-o", tmp_path / "o.mp4", "-q")
    assert result.exit_code == 0, result.output
    srt = (tmp_path / "o.srt").read_text()
    assert "Hi." in srt and "\n\n\n" not in srt
