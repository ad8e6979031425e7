"""The hostile corpus: bad portraits, scripts, recordings, paths and options, each refused (or
accepted) with the one line a user should see, the right exit code, and nothing at the destination.

Each case builds its inputs in a fresh folder and runs one command; most fail before anything is
rendered, so the corpus runs in seconds. Cases that must be accepted run `avatar check`.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PIL import Image
from typer.testing import CliRunner

from avatar.cli import app

FACE = Path(__file__).resolve().parents[1] / "data" / "astronaut.png"
NARRATED = "# Hello\n\n- one point\n\n<!-- Hello there, this is a short test. -->\n"


def script(folder: Path, text: str, name: str = "talk.md") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def portrait(folder: Path, image: Image.Image, name: str = "face.png", **save) -> Path:
    path = folder / name
    image.save(path, **save)
    return path


def face_image() -> Image.Image:
    return Image.open(FACE).convert("RGB")


def written(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data) if isinstance(data, bytes) else path.write_text(data)
    return path


def recording(folder: Path, samples: np.ndarray, rate: int, name: str = "voice.wav", **options) -> Path:
    path = folder / name
    soundfile.write(path, samples, rate, **options)
    return path


def speech_like(rate: int, seconds: float = 1.5, channels: int = 1) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    voiced = 0.3 * np.sin(2 * np.pi * 140 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    return np.repeat(voiced[:, None], channels, axis=1) if channels > 1 else voiced


def with_recording(folder: Path, path: Path) -> list:
    return ["render", script(folder, f"# Hello\n\n- a point\n\n![narration]({path.name})\n\n<!-- Hello there. -->\n")]


# --- the cases: name -> (build(folder) -> argv, exit code, text the one line must hold) ---------


def _portrait_case(make):
    def build(folder: Path):
        return ["render", script(folder, NARRATED), "--portrait", make(folder)]
    return build


def _script_case(text: str, name: str = "talk.md"):
    def build(folder: Path):
        return ["render", script(folder, text, name)]
    return build


def _truncated(folder: Path) -> Path:
    buffer = io.BytesIO()
    face_image().save(buffer, "JPEG", quality=90)
    path = folder / "face.jpg"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 3])
    return path


def _exif_rotated(folder: Path) -> Path:
    rotated = face_image().rotate(90, expand=True)  # stored on its side; the EXIF tag says "rotate back"
    exif = Image.Exif()
    exif[0x0112] = 6
    return portrait(folder, rotated, "face.jpg", exif=exif.tobytes(), quality=92)


def _two_faces(folder: Path) -> Path:
    head = face_image().crop((130, 30, 320, 220)).resize((300, 300))  # the astronaut's head and shoulders
    both = Image.new("RGB", (600, 400), "white")
    both.paste(head, (0, 50))
    both.paste(head.resize((260, 260)), (330, 70))
    return portrait(folder, both)


def _huge(folder: Path) -> Path:
    """A 20000x20000 PNG (400 megapixels) that is small on disk: one grey, compressed."""
    path = folder / "face.png"
    Image.new("L", (20000, 20000), 128).save(path, compress_level=1)
    return path


def _large_photo(folder: Path) -> Path:
    """A 12000x12000 photo with the face filling it."""
    return portrait(folder, face_image().resize((12000, 12000), Image.NEAREST), "face.jpg", quality=80)


def _bad_audio(data: bytes):
    def build(folder: Path):
        path = folder / "voice.wav"
        path.write_bytes(data)
        return with_recording(folder, path)
    return build


def _audio(samples_of, rate: int, name: str = "voice.wav", **options):
    def build(folder: Path):
        return with_recording(folder, recording(folder, samples_of(rate), rate, name, **options))
    return build


def _outside(kind: str):
    def build(folder: Path):
        outside = folder.parent / f"outside-{folder.name}"
        outside.mkdir()
        if kind == "image":
            Image.new("RGB", (64, 64), "red").save(outside / "x.png")
            text = f"# A\n\n![chart](../{outside.name}/x.png)\n\n<!-- Hello. -->\n"
        elif kind == "portrait":
            face_image().save(outside / "p.png")
            text = f"---\nportrait: {outside}/p.png\n---\n{NARRATED}"
        else:
            text = f"---\nmusic: /etc/passwd\n---\n{NARRATED}"
        return ["render", script(folder, text)]
    return build


def _output(make_path):
    def build(folder: Path):
        return ["render", script(folder, NARRATED), "-o", make_path(folder)]
    return build


def _overwrite_script(folder: Path):
    talk = script(folder, NARRATED, "talk.txt")  # a script named like the transcript sidecar
    return ["render", talk, "-o", folder / "talk.mp4"]


def _options(*options):
    def build(folder: Path):
        return ["render", script(folder, NARRATED), *options]
    return build


def _existing_folder(folder: Path):
    (folder / "video.mp4").mkdir()
    return ["render", script(folder, NARRATED), "-o", folder / "video.mp4"]


HUGE_BULLETS = "# Everything\n\n" + "".join(f"- point number {i} with words\n" for i in range(2500)) + "\n<!-- All. -->\n"
LAUGHS = ("---\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
          + "".join(f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))
          + f"---\n{NARRATED}")

REJECTED = {
    # portraits
    "portrait without a face": (_portrait_case(lambda f: portrait(f, Image.new("RGB", (400, 400), (90, 140, 200)))), 2,
                                "no face found"),
    "tiny portrait": (_portrait_case(lambda f: portrait(f, face_image().resize((24, 24)))), 2, "no face found"),
    "truncated JPEG": (_portrait_case(_truncated), 2, "face.jpg: the image is damaged or cut short"),
    "empty portrait": (_portrait_case(lambda f: written(f / "face.png", b"")), 2,
                       "face.png: empty file"),
    "portrait that is text": (_portrait_case(lambda f: written(f / "face.png", "hello")), 2,
                              "not an image"),
    "portrait that is a folder": (_portrait_case(lambda f: (f / "faces").mkdir() or f / "faces"), 2, "is a folder"),
    "400-megapixel portrait": (_portrait_case(_huge), 2, "the image is too large"),
    "missing portrait": (_portrait_case(lambda f: f / "nobody.png"), 2, "file not found"),
    # scripts
    "empty script": (_script_case(""), 2, "no slides"),
    "binary script": (lambda f: ["render", written(f / "talk.md", bytes(range(256)) * 4)], 2,
                      "not a UTF-8 text file"),
    "front matter only": (_script_case("---\ntitle: Nothing\n---\n"), 2, "no slides"),
    "no narration": (_script_case("# Hello\n\n- one\n"), 2, "has no narration"),
    "unknown layout": (_script_case("<!-- layout: spiral -->\n" + NARRATED), 2, "spiral"),
    "unknown theme": (_script_case("---\ntemplate: neon\n---\n" + NARRATED), 2, "no such template"),
    "missing image": (_script_case("# A\n\n![x](nothere.png)\n\n<!-- Hello. -->\n"), 2, "image not found"),
    "undefined variable": (_script_case("# Hi {{ learner }}\n\n<!-- Hello. -->\n"), 2, "'learner' is not defined"),
    "bullets that cannot fit": (_script_case(HUGE_BULLETS), 2, "do not fit"),
    "emoji": (_script_case("# Party \N{PARTY POPPER}\n\n<!-- Hello. -->\n"), 2, "U+1F389"),
    "wrong type in front matter": (_script_case("---\nfps: fast\n---\n" + NARRATED), 2, "fps"),
    "YAML billion laughs": (_script_case(LAUGHS), 2, "aliases expand to more than"),
    "template repetition bomb": (_script_case("# {{ 'ha ' * 300000000 }}\n\n<!-- Hello. -->\n"), 2,
                                 "repetition to more than"),
    "template include": (_script_case("# A\n{% include '/etc/passwd' %}\n<!-- Hello. -->\n"), 2,
                         "include, import and extends are not allowed"),
    "template import": (_script_case("{% import 'os' as os %}\n" + NARRATED), 2, "not allowed"),
    "template attribute escape": (_script_case("# {{ ''.__class__.__mro__[1].__subclasses__() }}\n\n<!-- Hi. -->\n"),
                                  2, "template not allowed"),
    "template globals escape": (_script_case("# {{ cycler.__init__.__globals__.os.environ }}\n\n<!-- Hi. -->\n"),
                                2, "template not allowed"),
    "template recursion": (_script_case("{% macro f() %}{{ f() }}{% endmacro %}# {{ f() }}\n\n<!-- Hi. -->\n"), 2,
                           "calls itself"),
    "template loop bomb": (_script_case("{% for i in range(100000) %}{% for j in range(100000) %}{{ '' }}"
                                        "{% endfor %}{% endfor %}" + NARRATED), 2, "template not allowed"),
    "image outside the script's folder": (_outside("image"), 2, "outside the script's folder"),
    "portrait outside the script's folder": (_outside("portrait"), 2, "outside the script's folder"),
    "music from /etc": (_outside("music"), 2, "outside the script's folder"),
    # recordings
    "corrupt recording": (_bad_audio(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk"), 2, "voice.wav"),
    "empty recording": (_bad_audio(b""), 2, "voice.wav"),
    # paths
    "output in a missing folder": (_output(lambda f: f / "missing" / "o.mp4"), 2, "does not exist"),
    "output under /proc": (_output(lambda f: Path("/proc/o.mp4")), 2, "cannot write in folder /proc"),
    "output replaces the script": (_overwrite_script, 2, "would overwrite an input (the script)"),
    "output is a folder": (_existing_folder, 2, "is a folder"),
    "output name too long": (_output(lambda f: f / ("a" * 240 + ".mp4")), 2, "too long"),
    "output is not an mp4": (_output(lambda f: f / "o.mov"), 2, "must be an .mp4 file"),
    "markup in a path": (lambda f: ["render", f / "x[/]y.md"], 2, "x[/]y.md"),
    # options
    "odd size": (_options("--size", "1921x1081"), 2, "--size"),
    "zero size": (_options("--size", "0x0"), 2, "--size"),
    "size that is not a size": (_options("--size", "big"), 2, "--size"),
    "fps 0": (_options("--fps", "0"), 2, "--fps"),
    "fps 1000": (_options("--fps", "1000"), 2, "--fps"),
    "var without =": (_options("--var", "learner"), 2, "--var"),
    "allowed path that is not a folder": (_options("--allow-path", "/nonexistent/x"), 2, "--allow-path"),
    "template folder that is not a theme": (_options("--template", "/etc"), 2, "not a theme folder"),
}


def _one_line(result, code: int, needle: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == code, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert needle in lines[0], lines[0]


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_bad_input_is_refused_in_one_line_and_writes_nothing(tmp_path, name):
    build, code, needle = REJECTED[name]
    folder = tmp_path / "in"
    folder.mkdir()
    argv = [str(a) for a in build(folder)]
    if "-o" not in argv and "--output" not in argv:
        (tmp_path / "out").mkdir()
        argv += ["-o", str(tmp_path / "out" / "video.mp4")]
    before = {p for p in tmp_path.rglob("*")}
    result = CliRunner().invoke(app, argv)
    _one_line(result, code, needle)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p not in before)
    assert written == [], written


def test_the_corpus_covers_at_least_forty_bad_inputs():
    assert len(REJECTED) + len(ACCEPTED) >= 40


# inputs that look odd but are fine: `avatar check` accepts them (warnings allowed, no problems)
ACCEPTED = {
    "grayscale portrait": lambda f: ["--portrait", portrait(f, face_image().convert("L"))],
    "CMYK JPEG portrait": lambda f: ["--portrait", portrait(f, face_image().convert("CMYK"), "face.jpg", quality=92)],
    "16-bit PNG portrait": lambda f: ["--portrait", portrait(f, Image.fromarray(
        (np.asarray(face_image().convert("L"), np.uint16) * 257)), "face.png")],
    "portrait with alpha": lambda f: ["--portrait", portrait(f, face_image().convert("RGBA"))],
    "EXIF-rotated portrait": lambda f: ["--portrait", _exif_rotated(f)],
    "portrait with two faces": lambda f: ["--portrait", _two_faces(f)],
    "12000x12000 portrait": lambda f: ["--portrait", _large_photo(f)],
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_odd_but_valid_portraits_pass_the_check(tmp_path, name):
    argv = ["check", str(script(tmp_path, NARRATED)), *[str(a) for a in ACCEPTED[name](tmp_path)], "--json"]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    if name == "portrait with two faces":
        assert "2 faces found; using the largest" in result.stdout


ACCEPTED_SCRIPTS = {
    "right-to-left text": "# שלום עולם\n\n- مرحبا بالعالم\n\n<!-- Hello there. -->\n",
    "one word": "# A\n\n<!-- Hello -->\n",
    "an hour of narration": "# Long\n\n<!-- " + "This sentence is part of a very long narration. " * 6000 + "-->\n",
    "a 50,000-character slide narration": "# Long\n\n<!-- " + ("word " * 10000) + "-->\n",
}


@pytest.mark.parametrize("name", sorted(ACCEPTED_SCRIPTS))
def test_odd_but_valid_scripts_pass_the_check(tmp_path, name):
    result = CliRunner().invoke(app, ["check", str(script(tmp_path, ACCEPTED_SCRIPTS[name])), "--json"])
    assert result.exit_code == 0, result.output


RECORDINGS = {
    "silent recording": _audio(lambda rate: np.zeros(rate), 16000),
    "clipped recording": _audio(lambda rate: np.clip(speech_like(rate) * 10, -1, 1), 22050),
    "8 kHz recording": _audio(lambda rate: speech_like(rate), 8000),
    "stereo 96 kHz recording": _audio(lambda rate: speech_like(rate, channels=2), 96000),
    "MP3 recording": _audio(lambda rate: speech_like(rate), 44100, "voice.mp3", format="MP3"),
}


@pytest.mark.parametrize("name", sorted(RECORDINGS))
def test_odd_but_valid_recordings_pass_the_check(tmp_path, name):
    argv = RECORDINGS[name](tmp_path)
    result = CliRunner().invoke(app, ["check", str(argv[1]), "--json"])
    assert result.exit_code == 0, result.output


def test_a_transcript_longer_than_its_recording_is_warned_not_fatal(tmp_path):
    pytest.importorskip("pocketsphinx")
    audio = recording(tmp_path, speech_like(16000, seconds=1.0), 16000)
    transcript = "This transcript says far more than the recording does. " * 6
    result = CliRunner().invoke(app, ["lipsync", str(audio), "--text", transcript, "-o", str(tmp_path / "t.json")])
    assert result.exit_code == 0, result.output
    assert "forced alignment failed for" in result.stderr and "spread evenly" in result.stderr
    assert (tmp_path / "t.json").stat().st_size > 0
