"""RenderJob: validated once where a render is asked for; errors name the field or the file; it pickles."""
import pickle
from pathlib import Path

import pytest

from avatar.errors import AvatarError
from avatar.job import RenderJob, make_job


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "deck.md"
    path.write_text("# A\n<!-- Hello. -->\n", encoding="utf-8")
    return path


def test_a_job_pickles_with_every_option(script, tmp_path):
    job = make_job(script, tmp_path / "out.mp4", variables={"learner": "Ada", "n": 3}, portrait=script,
                   voice="en-us", template="default", fps=30, size="1280x720", seed=7, captions=False,
                   landmarks="mediapipe")
    assert job.size == (1280, 720) and job.captions is False
    copy = pickle.loads(pickle.dumps(job))
    assert copy == job and isinstance(copy, RenderJob)
    assert copy.overrides() == {"portrait": script, "template": "default", "fps": 30, "size": (1280, 720),
                                "seed": 7, "captions": False}


def test_options_left_out_come_from_the_script_and_the_output_defaults_to_the_current_folder(script, tmp_path,
                                                                                              monkeypatch):
    monkeypatch.chdir(tmp_path)
    job = make_job(script)
    assert job.output == tmp_path / "deck.mp4" and job.overrides() == {} and job.variables == {}
    assert make_job(script, None, fps=None, captions=None) == job


@pytest.mark.parametrize("options, message", [
    ({"portrait": "x.jpg"}, "portrait: file not found: x.jpg"),
    ({"fps": 0}, "fps: Input should be greater than or equal to 10"),
    ({"seed": -1}, "seed: Input should be greater than or equal to 0"),
    ({"size": "huge"}, "size: size must look like 1920x1080, got 'huge'"),
    ({"size": "641x360"}, "size: size 641x360 must have even width and height"),
    ({"landmarks": "dlib"}, "landmarks: unknown landmark backend 'dlib'"),
    ({"variables": ["a=b"]}, "variables: Input should be a valid dictionary"),
    ({"colour": "red"}, "colour: Extra inputs are not permitted"),
])
def test_errors_name_the_field_never_a_flag(script, tmp_path, options, message):
    with pytest.raises(AvatarError) as error:
        make_job(script, tmp_path / "out.mp4", **options)
    assert str(error.value).startswith(message)
    assert "--" not in str(error.value)


def test_errors_about_files_name_the_file(script, tmp_path):
    with pytest.raises(AvatarError, match=r"^script: file not found: .*nope\.md$"):
        make_job(tmp_path / "nope.md", tmp_path / "out.mp4")
    with pytest.raises(AvatarError, match=r"^output: folder .*missing does not exist$"):
        make_job(script, tmp_path / "missing" / "out.mp4")
    with pytest.raises(AvatarError, match=r"^output: must be an \.mp4 file, got .*out\.mov$"):
        make_job(script, tmp_path / "out.mov")
    (tmp_path / "out.vtt").mkdir()
    with pytest.raises(AvatarError, match=r"^output: .*out\.vtt: is a folder, not a file name$"):
        make_job(script, tmp_path / "out.mp4")


def test_a_job_is_frozen(script, tmp_path):
    job = make_job(script, tmp_path / "out.mp4")
    with pytest.raises(Exception):
        job.fps = 30
    assert Path(job.script) == script
