"""Sidecars: written beside the finished video, all of them or (with the video) none."""
from pathlib import Path

import pytest

from avatar.execute import RenderResult
from avatar.exporters import SIDECARS, Sidecar, write_sidecars
from avatar.files import write_text_atomic


def result_for(output: Path) -> RenderResult:
    return RenderResult(output=output, captions=[], manifest=output.with_suffix(".json"), duration=1.0,
                        wall_time=0.5, provider="CPUExecutionProvider", slides=1)


def test_every_render_writes_srt_vtt_a_transcript_and_a_manifest_beside_the_video():
    assert [s.suffix for s in SIDECARS] == [".srt", ".vtt", ".txt", ".json"]
    assert SIDECARS[0].path_for(Path("/v/talk.mp4")) == Path("/v/talk.srt")


def test_a_failing_sidecar_removes_the_video_and_the_sidecars_before_it(tmp_path):
    video = tmp_path / "talk.mp4"
    video.write_bytes(b"video")

    def fails(plan, result, path):
        raise OSError("disk full")

    notes = Sidecar(".txt", lambda plan, result, path: write_text_atomic(path, "notes"))
    with pytest.raises(OSError, match="disk full"):
        write_sidecars(None, result_for(video), [notes, Sidecar(".json", fails)])
    assert list(tmp_path.iterdir()) == []


def test_written_sidecars_are_returned_in_order(tmp_path):
    video = tmp_path / "talk.mp4"
    video.write_bytes(b"video")
    sidecars = [Sidecar(s, lambda plan, result, path: write_text_atomic(path, path.suffix)) for s in (".a", ".b")]
    assert write_sidecars(None, result_for(video), sidecars) == [tmp_path / "talk.a", tmp_path / "talk.b"]
    assert (tmp_path / "talk.b").read_text() == ".b" and video.exists()
