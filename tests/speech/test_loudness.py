"""BS.1770 loudness, true peak, loudness normalisation and click-free joins."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal

from speech.loudness import (
    integrated_loudness,
    join,
    join_utterances,
    k_weighting,
    normalize_loudness,
    sample_peak,
    true_peak,
)
from speech.types import Phone, Utterance, Word

# ITU-R BS.1770-4 Tables 1 and 2: the K-weighting filters at 48 kHz
BS1770_STAGE1 = ([1.53512485958697, -2.69169618940638, 1.19839281085285],
                 [1.0, -1.69065929318241, 0.73248077421585])
BS1770_STAGE2 = ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621])


def sine(freq: float, amp: float, seconds: float, rate: int, phase: float = 0.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t + phase)).astype(np.float64)


def expected_sine_lufs(freq: float, amp: float) -> float:
    """Loudness of a steady sine from the standard's own 48 kHz coefficients: mean square A^2/2
    times the K-weighting power gain at ``freq``."""
    w = 2 * np.pi * freq / 48000
    g = 1.0
    for b, a in (BS1770_STAGE1, BS1770_STAGE2):
        _, h = signal.freqz(b, a, worN=[w])
        g *= abs(h[0]) ** 2
    return -0.691 + 10 * math.log10(amp**2 / 2 * g)


def test_k_weighting_matches_the_standard_at_48k():
    (b1, a1), (b2, a2) = k_weighting(48000)
    np.testing.assert_allclose(b1, BS1770_STAGE1[0], atol=1e-8)
    np.testing.assert_allclose(a1, BS1770_STAGE1[1], atol=1e-8)
    np.testing.assert_allclose(b2, BS1770_STAGE2[0], atol=1e-8)
    np.testing.assert_allclose(a2, BS1770_STAGE2[1], atol=1e-8)


@pytest.mark.parametrize("rate", [48000, 44100, 22050, 16000])
@pytest.mark.parametrize("amp", [1.0, 0.1])
def test_sine_loudness_matches_reference(rate, amp):
    # BS.1770: a 0 dBFS 997 Hz sine reads -3.01 LUFS; -20 dB lower reads -23.01
    reference = -3.01 + 20 * math.log10(amp)
    assert expected_sine_lufs(997, amp) == pytest.approx(reference, abs=0.005)
    measured = integrated_loudness(sine(997, amp, 3.0, rate), rate)
    assert measured == pytest.approx(reference, abs=0.1)
    if rate == 48000:
        assert measured == pytest.approx(expected_sine_lufs(997, amp), abs=0.005)


def test_gating_ignores_silence_and_quiet_parts():
    rate = 48000
    tone = sine(997, 0.1, 4.0, rate)
    with_silence = np.concatenate([tone, np.zeros(4 * rate)])
    with_quiet = np.concatenate([tone, sine(997, 0.005, 4.0, rate)])  # 26 LU down: relative gate
    ref = integrated_loudness(tone, rate)
    # 37 blocks inside the tone, and 3 straddling its end (75, 50 and 25 % of its power, all
    # within 10 LU, so they pass the relative gate); the blocks of silence are gated out
    expected = ref + 10 * math.log10((37 + 0.75 + 0.5 + 0.25) / 40)
    assert integrated_loudness(with_silence, rate) == pytest.approx(expected, abs=0.01)
    assert integrated_loudness(with_quiet, rate) == pytest.approx(expected, abs=0.02)
    assert integrated_loudness(np.zeros(rate), rate) == float("-inf")
    assert integrated_loudness(np.zeros(0), rate) == float("-inf")


def test_true_peak_finds_intersample_peaks():
    rate = 48000
    # a sine at fs/4 sampled 45 degrees off its peaks: every sample is at 0.707 of the true peak
    x = sine(rate / 4, 1.0, 0.5, rate, phase=np.pi / 4) * np.hanning(rate // 2)
    assert sample_peak(x) == pytest.approx(-3.01, abs=0.05)
    assert true_peak(x) == pytest.approx(0.0, abs=0.1)
    assert true_peak(np.zeros(10)) == float("-inf")


@pytest.fixture(scope="module")
def speech_clip():
    pytest.importorskip("espeakng_loader")
    from speech.tts import synthesize

    return synthesize("Hello and welcome to the team. Today we look at three things to know, "
                      "and where to find help in your first week.")


def test_normalize_espeak_speech(speech_clip):
    u = speech_clip
    y = normalize_loudness(u.samples, u.sample_rate, target_lufs=-16.0, peak_dbtp=-1.0)
    assert y.dtype == np.float32 and y.shape == u.samples.shape
    assert integrated_loudness(y, u.sample_rate) == pytest.approx(-16.0, abs=1.0)
    assert true_peak(y) <= -1.0


def test_normalize_limits_peaks_without_clipping():
    rate = 22050
    x = sine(220, 0.05, 3.0, rate)
    x[rate : rate + 40] += 0.6 * np.hanning(40)  # a sharp transient far above the body
    y = normalize_loudness(x, rate, target_lufs=-14.0, peak_dbtp=-1.0)
    assert integrated_loudness(y, rate) == pytest.approx(-14.0, abs=0.5)
    assert true_peak(y) <= -1.0
    # the limiter works locally: the tone far from the transient keeps its level
    body = y[2 * rate : int(2.5 * rate)]
    assert 20 * np.log10(np.max(np.abs(body)) / 0.05) == pytest.approx(
        -14.0 - integrated_loudness(x, rate), abs=0.5
    )


def test_normalize_leaves_silence_alone():
    z = np.zeros(22050, np.float32)
    assert np.array_equal(normalize_loudness(z, 22050), z)


def _max_step(x: np.ndarray) -> float:
    return float(np.max(np.abs(np.diff(x))))


@pytest.mark.parametrize("gap", [0.0, 0.2])
def test_join_has_no_clicks(gap):
    rate = 22050
    # chunks cut off at full amplitude: butt-joined as is they would click
    a = sine(440, 0.8, 0.5, rate, phase=np.pi / 2)[:-7] + 0.2
    b = -sine(300, 0.8, 0.5, rate, phase=np.pi / 2) - 0.2
    naive = np.concatenate([a, b])
    join_at = len(a)
    own = max(_max_step(a), _max_step(b))
    assert _max_step(naive[join_at - 5 : join_at + 5]) > own  # the problem is real
    y = join([a, b], rate, gap_s=gap)
    assert len(y) == len(a) + len(b) + int(round(gap * rate))
    assert _max_step(y) <= own + 1e-6
    assert y[0] == 0.0 and y[-1] == 0.0
    # away from the edges the audio is untouched
    np.testing.assert_allclose(y[500:join_at - 500], a[500:-500], atol=1e-6)


def test_join_pauses_and_per_join_gaps():
    rate = 1000
    one = np.ones(100, np.float32)
    y = join([one, 0.05, one, one], rate, gap_s=[0.5, 0.01], fade_s=0.0)
    # explicit pause between the first two (no gap added), then 10 ms gap
    assert len(y) == 100 + 50 + 100 + 10 + 100
    assert np.all(y[100:150] == 0) and np.all(y[250:260] == 0)
    with pytest.raises(Exception, match="one gap per join"):
        join([one, one, one], rate, gap_s=[0.1])


def test_join_utterances_shifts_timings():
    rate = 1000
    u1 = Utterance(np.ones(500, np.float32), rate, [Phone("a", 0.1, 0.2)], [Word("x", 0.1, 0.2, 0, 1)], "x")
    u2 = Utterance(np.ones(300, np.float32), rate, [Phone("b", 0.0, 0.1)], [Word("y", 0.0, 0.1, 5, 6)], "y")
    u = join_utterances([u1, 0.25, u2], text="x [pause 250ms] y")
    assert len(u.samples) == 500 + 250 + 300
    assert u.phones[1].start == pytest.approx(0.75) and u.words[1].end == pytest.approx(0.85)
    assert u.words[1].char_start == 5 and u.text == "x [pause 250ms] y"
