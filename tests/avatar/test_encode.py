"""Mp4Writer: streams, timing, captions, chapters, metadata, colour round trip, atomic output."""
from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from avatar.captions import Cue
from avatar.encode import (
    Chapter,
    Mp4Writer,
    paste_rgb_into_yuv420,
    yuv420_from_rgb,
    yuv420_planes,
)
from avatar.errors import AvatarError

W, H, FPS = 640, 360, 25
IN_RATE = 22050
COLOURS = [(200, 40, 40), (40, 180, 90)]  # one per second
CUES = [Cue(0.2, 0.9, "Hello & <world>"), Cue(1.1, 1.8, "Second cue\nline two")]
CHAPTERS = [Chapter("Intro", 0.0, 1.0), Chapter("Part two", 1.0, 2.0)]


def _tone(seconds: float, rate: int = IN_RATE, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(round(seconds * rate))) / rate
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    path = tmp_path_factory.mktemp("enc") / "out.mp4"
    with Mp4Writer(path, width=W, height=H, fps=FPS, cues=CUES, chapters=CHAPTERS,
                   metadata={"title": "Demo video"}) as w:
        for colour in COLOURS:  # slide by slide: its audio, then its frames
            w.write_audio(_tone(1.0), IN_RATE)
            frame = yuv420_from_rgb(np.full((H, W, 3), colour, np.uint8))
            for _ in range(FPS):
                w.write_frame(frame)
    return path


def test_streams_and_duration(video):
    with av.open(str(video)) as c:
        v = c.streams.video[0]
        assert v.codec_context.name == "h264"
        assert v.codec_context.pix_fmt == "yuv420p"
        assert (v.codec_context.width, v.codec_context.height) == (W, H)
        assert v.average_rate == FPS
        a = c.streams.audio[0]
        assert a.codec_context.name == "aac"
        assert a.codec_context.sample_rate == 48000
        s = c.streams.subtitles[0]
        assert s.codec_context.name == "mov_text"
        assert s.metadata.get("language") == "eng"
        assert abs(c.duration / 1e6 - 2.0) < 0.1
        assert abs(float(v.duration * v.time_base) - 2.0) < 0.1
        assert abs(float(a.duration * a.time_base) - 2.0) < 1024 / 48000 + 1e-6
        assert v.frames == 2 * FPS


def test_bt601_tags_and_colour_round_trip(video):
    with av.open(str(video)) as c:
        frames = list(c.decode(video=0))
    assert len(frames) == 2 * FPS
    f = frames[FPS // 2]
    assert (f.colorspace, f.color_range) == (6, 1)  # smpte170m, tv range
    assert (f.color_primaries, f.color_trc) == (6, 6)
    for idx, colour in ((FPS // 2, COLOURS[0]), (FPS + FPS // 2, COLOURS[1])):
        # decode with the matrix the file declares (PyAV uses the frame's tags)
        rgb = frames[idx].to_ndarray(format="rgb24")
        got = rgb[H // 4 : 3 * H // 4, W // 4 : 3 * W // 4].reshape(-1, 3).mean(axis=0)
        assert np.abs(got - np.array(colour)).max() < 5, (idx, got, colour)


def test_audio_is_the_resampled_tone(video):
    with av.open(str(video)) as c:
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(audio=0)])
    assert abs(len(samples) - 96000) <= 1024 + 1024  # padded to whole AAC frames
    mid = samples[12000:84000]
    spectrum = np.abs(np.fft.rfft(mid * np.hanning(len(mid))))
    peak = np.fft.rfftfreq(len(mid), 1 / 48000)[np.argmax(spectrum)]
    assert abs(peak - 440) < 2
    assert 0.15 < np.sqrt(np.mean(mid**2)) < 0.25  # 0.3 / sqrt(2) = 0.21


def test_captions_embedded(video):
    got = []
    with av.open(str(video)) as c:
        s = c.streams.subtitles[0]
        for p in c.demux(s):
            if p.pts is None or p.size <= 2:  # flush packet / empty gap sample
                continue
            subs = p.decode()
            t0 = float(p.pts * p.time_base)
            t1 = t0 + float(p.duration * p.time_base)
            got.append((round(t0, 3), round(t1, 3), subs[0].dialogue))
    assert got == [
        (0.2, 0.9, b"Hello & <world>"),
        (1.1, 1.8, b"Second cue\nline two"),
    ]


def test_chapters_and_metadata(video):
    with av.open(str(video)) as c:
        chapters = c.chapters()
        assert [ch["metadata"]["title"] for ch in chapters] == ["Intro", "Part two"]
        starts = [float(ch["start"] * ch["time_base"]) for ch in chapters]
        assert starts == pytest.approx([0.0, 1.0], abs=0.01)
        assert c.metadata["title"] == "Demo video"
        assert "talking-avatar" in c.metadata["comment"]


def test_faststart(video):
    data = video.read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")
    assert not list(video.parent.glob(".*partial*"))


def test_exception_leaves_nothing(tmp_path):
    path = tmp_path / "broken.mp4"
    frame = yuv420_from_rgb(np.zeros((64, 64, 3), np.uint8))
    with pytest.raises(RuntimeError, match="boom"):
        with Mp4Writer(path, width=64, height=64, fps=25) as w:
            for _ in range(5):
                w.write_frame(frame)
            w.write_audio(_tone(0.2), IN_RATE)
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_missing_folder(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(AvatarError) as err:
        Mp4Writer(missing / "a.mp4", width=64, height=64, fps=25)
    assert str(missing) in str(err.value)
    assert "does not exist" in str(err.value)
    assert not missing.exists()


def test_frames_first_then_audio_and_placement(tmp_path):
    """Frames before audio; audio placed with `at`; audio padded/trimmed to the video."""
    path = tmp_path / "order.mp4"
    frame = yuv420_from_rgb(np.full((64, 64, 3), 128, np.uint8))
    with Mp4Writer(path, width=64, height=64, fps=Fraction(25), audio_rate=48000) as w:
        for _ in range(25):
            w.write_frame(frame)
        w.write_audio(_tone(0.5, 48000), 48000)  # shorter than its slide
        for _ in range(25):
            w.write_frame(frame)
        w.write_audio(_tone(1.5, 16000), 16000, at=1.0)  # longer than the video: trimmed
    with av.open(str(path)) as c:
        a = c.streams.audio[0]
        assert abs(float(a.duration * a.time_base) - 2.0) < 1024 / 48000 + 1e-6
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(audio=0)])
    rms = lambda a, b: float(np.sqrt(np.mean(samples[int(a * 48000) : int(b * 48000)] ** 2)))
    assert rms(0.1, 0.4) > 0.15  # tone
    assert rms(0.6, 0.95) < 0.01  # silence filling the gap up to `at`
    assert rms(1.1, 1.9) > 0.15  # second tone starts at 1.0 s


def test_paste_patch_matches_full_conversion():
    rng = np.random.default_rng(0)
    slide = rng.integers(0, 256, (120, 160, 3), np.uint8)
    patch = rng.integers(0, 256, (40, 50, 3), np.uint8)
    yuv = yuv420_from_rgb(slide)
    out = paste_rgb_into_yuv420(yuv, patch, 20, 30)
    assert out is yuv
    composed = slide.copy()
    composed[30:70, 20:70] = patch
    np.testing.assert_array_equal(yuv, yuv420_from_rgb(composed))
    y, u, v = yuv420_planes(yuv)
    assert y.shape == (120, 160) and u.shape == v.shape == (60, 80)
    with pytest.raises(ValueError):
        paste_rgb_into_yuv420(yuv, patch, 21, 30)
    with pytest.raises(ValueError):
        paste_rgb_into_yuv420(yuv, patch, 140, 30)


def test_one_buffer_changed_between_frames_encodes_each_frame_as_it_was(tmp_path):
    """Frames share their buffer's memory with the encoder's input: changing the buffer after a
    frame is encoded must not reach that frame (compose reuses one buffer for a whole slide)."""
    from avatar.encode import encode_segment

    w, h = 320, 240
    rng = np.random.default_rng(5)
    pictures = [rng.integers(0, 255, (h * 3 // 2, w), dtype=np.uint8) for _ in range(12)]

    def reused():
        buffer = np.empty_like(pictures[0])
        for picture in pictures:
            buffer[...] = picture
            yield buffer
        buffer[...] = 0

    encode_segment(reused(), tmp_path / "shared.mp4", width=w, height=h, fps=25, crf=0)
    encode_segment((p.copy() for p in pictures), tmp_path / "copied.mp4", width=w, height=h, fps=25, crf=0)
    assert (tmp_path / "shared.mp4").read_bytes() == (tmp_path / "copied.mp4").read_bytes()
    with av.open(str(tmp_path / "shared.mp4")) as video:
        decoded = [f.to_ndarray(format="yuv420p") for f in video.decode(video=0)]
    assert len(decoded) == 12 and all(np.array_equal(d, p) for d, p in zip(decoded, pictures))
