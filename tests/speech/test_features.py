"""Per-frame acoustic features."""
from __future__ import annotations

import math

import numpy as np
import pytest

from speech.features import frame_features
from speech.types import Utterance


def test_frame_count_and_silence_edges():
    sr = 16000
    for dur, fps in [(1.0, 25), (1.01, 25), (0.5, 29.97), (2.3, 30), (0.01, 60)]:
        u = Utterance(np.zeros(int(round(dur * sr)), np.float32), sr)
        f = frame_features(u, fps)
        n = math.ceil(u.duration * fps)
        assert f.n_frames == n
        for a in (f.loudness, f.f0, f.voiced, f.onset):
            assert a.shape == (n,)
        assert not f.voiced.any() and np.all(f.loudness == 0) and np.all(f.f0 == 0)
    empty = frame_features(Utterance(np.zeros(0, np.float32), sr), 25)
    assert empty.n_frames == 0


def test_synthetic_tone_pitch_and_loudness():
    sr, fps = 22050, 25
    t = np.arange(sr) / sr
    tone = (0.3 * np.sin(2 * np.pi * 150 * t)).astype(np.float32)
    y = np.concatenate([np.zeros(sr // 2, np.float32), tone, np.zeros(sr // 2, np.float32)])
    f = frame_features(Utterance(y, sr), fps)
    mid = slice(15, 35)  # 0.6 .. 1.4 s
    assert f.voiced[mid].all()
    assert np.allclose(f.f0[mid], 150, rtol=0.02)
    assert np.all(f.loudness[mid] > 0.95)
    assert np.all(f.loudness[:10] == 0) and not f.voiced[:10].any()
    assert f.onset.max() == pytest.approx(1.0) and f.onset.min() >= 0
    assert np.argmax(f.onset) in (12, 13)  # the tone starts at 0.5 s


@pytest.fixture(scope="module")
def speech_with_pause():
    pytest.importorskip("espeakng_loader")
    from speech.tts import synthesize

    u = synthesize("Hello there. This is a short test of the feature extractor, with some pitch.")
    pause = np.zeros(u.sample_rate, np.float32)  # 1 s of silence
    samples = np.concatenate([u.samples, pause, u.samples])
    return u, Utterance(samples, u.sample_rate)


def test_speech_features(speech_with_pause):
    u, joined = speech_with_pause
    fps = 30
    f = frame_features(joined, fps)
    assert f.n_frames == math.ceil(joined.duration * fps)
    lo, hi = int(u.duration * fps) + 2, int((u.duration + 1.0) * fps) - 1
    assert np.all(f.loudness[lo:hi] < 0.02)  # the silence we inserted
    assert not f.voiced[lo:hi].any() and np.all(f.f0[lo:hi] == 0)
    speechy = f.loudness[: int(u.duration * fps)]
    assert np.percentile(speechy, 75) > 0.6 and speechy.max() == pytest.approx(1.0, abs=0.05)
    assert 0.3 < f.voiced.mean() < 0.9
    f0 = f.f0[f.voiced]
    assert np.all(f0 > 0) and np.all(f.f0[~f.voiced] == 0)
    # espeak's default en-us voice speaks around 100 Hz; its sentence-final fall dips to ~75
    assert 80 <= np.median(f0) <= 300
    assert np.percentile(f0, 5) >= 70 and np.percentile(f0, 95) <= 300
    assert f.onset.min() >= 0 and f.onset.max() <= 1
