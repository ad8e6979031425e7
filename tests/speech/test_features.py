"""Per-frame acoustic features."""
from __future__ import annotations

import math
import warnings

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


# --- speech.dsp against librosa, where it is installed (a dev dependency): what it replaces

def _signals(sr: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(sr)
    t = np.arange(int(1.5 * sr)) / sr
    clicks = np.zeros(t.size)
    clicks[:: int(0.1 * sr)] = 1.0
    signals = {
        "silence": np.zeros(sr),
        "noise": rng.normal(0, 0.1, sr),
        "tone": 0.3 * np.sin(2 * np.pi * 150 * t),
        "chirp": 0.3 * np.sin(2 * np.pi * (80 * t + 100 * t ** 2)),
        "clicks": clicks,
        "short": rng.normal(0, 0.1, 300),
        "two samples": np.array([0.1, -0.2]),
    }
    return {name: y.astype(np.float32) for name, y in signals.items()}


@pytest.mark.parametrize("sr", [8000, 11025, 16000, 22050, 44100, 48000])
def test_yin_and_onset_strength_compute_what_librosa_computes(sr):
    librosa = pytest.importorskip("librosa")
    from speech.dsp import centred_frames, mel_filters, onset_strength, yin
    from speech.features import FMAX, FMIN, N_MELS, _frame_length

    frame_length, fmax = _frame_length(sr), min(FMAX, sr / 2 - 1)
    n_fft = int(2 ** math.ceil(math.log2(sr * 0.04)))
    assert np.array_equal(mel_filters(sr=sr, n_fft=n_fft, n_mels=N_MELS),
                          librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=N_MELS))
    for name, y in _signals(sr).items():
        for hop in (37, 160, 220):
            theirs = librosa.yin(y, fmin=FMIN, fmax=fmax, sr=sr, frame_length=frame_length,
                                 hop_length=hop, center=True)
            ours = yin(centred_frames(y, frame_length, hop), fmin=FMIN, fmax=fmax, sr=sr)
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, err_msg=f"{name}, hop {hop}")
            with warnings.catch_warnings():  # librosa: "n_fft is too large" for the short ones
                warnings.simplefilter("ignore", UserWarning)
                theirs = librosa.onset.onset_strength(y=y, sr=sr, n_fft=n_fft, hop_length=hop,
                                                      n_mels=N_MELS, fmax=sr / 2)
            ours = onset_strength(y, sr=sr, n_fft=n_fft, hop=hop, n_mels=N_MELS, fmax=sr / 2)
            assert ours.shape == theirs.shape
            # float32 throughout; the mel matrix product may sum in another order
            np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5 * max(theirs.max(), 1.0),
                                       err_msg=f"{name}, hop {hop}")


def _librosa_frame_features(utterance, fps, monkeypatch):
    """frame_features with librosa's yin, framing and onset strength, as it was computed before."""
    import speech.features as features

    librosa = pytest.importorskip("librosa")
    framed = {}

    def frames(y, frame_length, hop):
        framed.update(y=y, frame_length=frame_length, hop=hop)
        return librosa.util.frame(np.pad(y, frame_length // 2), frame_length=frame_length,
                                  hop_length=hop, axis=0)

    def yin(frames, *, fmin, fmax, sr):
        return librosa.yin(framed["y"], fmin=fmin, fmax=fmax, sr=sr, center=True,
                           frame_length=framed["frame_length"], hop_length=framed["hop"])

    def onset_strength(y, *, sr, n_fft, hop, n_mels, fmax):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return librosa.onset.onset_strength(y=y, sr=sr, n_fft=n_fft, hop_length=hop,
                                                n_mels=n_mels, fmax=fmax)

    with monkeypatch.context() as m:
        m.setattr(features, "centred_frames", frames)
        m.setattr(features, "yin", yin)
        m.setattr(features, "onset_strength", onset_strength)
        return features.frame_features(utterance, fps)


def _assert_same_features(ours, theirs):
    assert np.array_equal(ours.loudness, theirs.loudness)
    assert np.array_equal(ours.voiced, theirs.voiced)
    np.testing.assert_allclose(ours.f0, theirs.f0, rtol=1e-6)
    np.testing.assert_allclose(ours.onset, theirs.onset, atol=1e-5)


def test_frame_features_match_librosas_on_speech(speech_with_pause, monkeypatch):
    _, joined = speech_with_pause
    for fps in (25, 30, 60):
        _assert_same_features(frame_features(joined, fps),
                              _librosa_frame_features(joined, fps, monkeypatch))


@pytest.mark.parametrize("sr", [8000, 16000, 22050, 44100, 48000])
def test_frame_features_match_librosas_on_synthetic_signals(sr, monkeypatch):
    pytest.importorskip("librosa")
    for name, y in _signals(sr).items():
        u = Utterance(y, sr)
        _assert_same_features(frame_features(u, 25), _librosa_frame_features(u, 25, monkeypatch))


def test_features_need_neither_librosa_nor_numba():
    """Issue 10: nothing is imported or compiled for seconds before the first utterance's features."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    code = ("import sys, numpy as np; from speech.features import frame_features; "
            "from speech.types import Utterance; "
            "frame_features(Utterance(np.random.default_rng(0).normal(0, 0.1, 16000).astype(np.float32), 16000), 25); "
            "print(sorted(m for m in ('librosa', 'numba') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.stdout.strip() == "[]"
