"""Loudness (ITU-R BS.1770-4 / EBU R 128), true peak, loudness normalisation and click-free joins.

* :func:`integrated_loudness` -- gated integrated loudness in LUFS of a mono signal: K-weighting
  (the two biquads of BS.1770, computed for any sample rate from their analogue prototypes the way
  libebur128 does, so 48 kHz gives the standard's exact coefficients), 400 ms blocks with 75 %
  overlap, absolute gate -70 LUFS, relative gate -10 LU.
* :func:`true_peak` -- dBTP: the peak of the signal oversampled 4x (polyphase FIR).
* :func:`normalize_loudness` -- gain to a target loudness, then a look-ahead peak limiter (smooth
  gain, no hard clipping) so the true peak stays under a ceiling.
* :func:`join` / :func:`join_utterances` -- concatenate chunks with short raised-cosine fades at
  every edge and silence between them, so joins never click.
"""
from __future__ import annotations

import math
from typing import Sequence, Union

import numpy as np

from speech.errors import SpeechError
from speech.types import Phone, Utterance, Word

__all__ = [
    "DEFAULT_PEAK_DBTP",
    "DEFAULT_TARGET_LUFS",
    "integrated_loudness",
    "join",
    "join_utterances",
    "k_weighting",
    "normalize_loudness",
    "sample_peak",
    "true_peak",
]

DEFAULT_TARGET_LUFS = -16.0
DEFAULT_PEAK_DBTP = -1.0
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
BLOCK_S = 0.4
STEP_S = 0.1  # 75 % overlap
OVERSAMPLE = 4


CHUNK = 1 << 20  # samples per block: the measures and the limiter work block by block, so memory
# stays a few blocks whatever the length (an hour of narration is 80 M samples)
_ENV_PAD = 64  # input samples of context each side: the 4x oversampling filter reaches about 10


def _as_mono(samples: np.ndarray) -> np.ndarray:
    x = np.asarray(samples)
    x = x if x.dtype in (np.float32, np.float64) else x.astype(np.float64)
    if x.ndim == 2:  # (n, channels) -> BS.1770 sums channel powers; we speak mono, so average
        x = x.mean(axis=1)
    if x.ndim != 1:
        raise SpeechError(f"expected mono samples (1-D), got shape {np.shape(samples)}")
    return x


def k_weighting(rate: int) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The two K-weighting biquads (pre-filter shelf, RLB high-pass) as ((b, a), (b, a))."""
    if rate <= 0:
        raise SpeechError(f"sample rate must be positive, not {rate}")
    # stage 1: high shelf (+4 dB above ~1.7 kHz), models the head
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh ** 0.4996667741545416
    a0 = 1.0 + k / q + k * k
    b1 = np.array([(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0,
                   (vh - vb * k / q + k * k) / a0])
    a1 = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    # stage 2: RLB high-pass (~38 Hz)
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1.0 + k / q + k * k
    b2 = np.array([1.0, -2.0, 1.0])
    a2 = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    return (b1, a1), (b2, a2)


def _blocks(n: int, size: int = CHUNK):
    for start in range(0, n, size):
        yield start, min(n, start + size)


def _block_powers(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mean square of the K-weighted signal per 400 ms gating block (75 % overlap), filtered and
    summed block by block (the filters carry their state across blocks)."""
    from scipy import signal  # (imported when needed: it takes a second and a cached render needs none)

    x = _as_mono(samples)
    if x.size == 0:
        return np.zeros(0)
    (b1, a1), (b2, a2) = k_weighting(rate)
    block = int(round(BLOCK_S * rate))
    step = int(round(STEP_S * rate))
    short = x.size < block  # shorter than one block: measure it as one (BS.1770 leaves this open)
    starts = np.zeros(1, np.int64) if short else np.arange(0, x.size - block + 1, step)
    ends = np.full(1, x.size) if short else starts + block
    wanted = np.concatenate([starts, ends])  # running sums of z^2 wanted after this many samples
    sums = np.zeros(wanted.size)
    state1 = np.zeros(max(len(a1), len(b1)) - 1)
    state2 = np.zeros(max(len(a2), len(b2)) - 1)
    total = 0.0
    for lo, hi in _blocks(x.size):
        z, state1 = signal.lfilter(b1, a1, np.asarray(x[lo:hi], np.float64), zi=state1)
        z, state2 = signal.lfilter(b2, a2, z, zi=state2)
        running = total + np.cumsum(z * z)
        inside = (wanted > lo) & (wanted <= hi)
        sums[inside] = running[wanted[inside] - lo - 1]
        total = float(running[-1])
    return (sums[starts.size:] - sums[:starts.size]) / (x.size if short else block)


def _lufs(power: float | np.ndarray) -> float | np.ndarray:
    with np.errstate(divide="ignore"):
        return -0.691 + 10.0 * np.log10(power)


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """Gated integrated loudness (LUFS) per ITU-R BS.1770-4; ``-inf`` for silence.

    A full-scale 997 Hz sine reads -3.01 LUFS; a sine of peak amplitude A reads about
    -3.01 + 20*log10(A)."""
    powers = _block_powers(samples, rate)
    if powers.size == 0:
        return float("-inf")
    loud = _lufs(powers)
    gated = powers[loud > ABSOLUTE_GATE_LUFS]
    if gated.size == 0:
        return float("-inf")
    relative_gate = float(_lufs(gated.mean())) + RELATIVE_GATE_LU
    final = gated[_lufs(gated) > relative_gate]
    if final.size == 0:
        return float("-inf")
    return float(_lufs(final.mean()))


def _oversample(x: np.ndarray) -> np.ndarray:
    """``x`` at 4x the rate; output sample 4n sits at input sample n."""
    from scipy import signal

    return signal.resample_poly(x, OVERSAMPLE, 1)


def _to_db(value: float) -> float:
    return 20.0 * math.log10(value) if value > 0 else float("-inf")


def sample_peak(samples: np.ndarray) -> float:
    """Largest absolute sample value in dBFS."""
    x = _as_mono(samples)
    return _to_db(float(np.max(np.abs(x)))) if x.size else float("-inf")


def _envelope(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """The true-peak envelope of x[lo:hi] (float64): per input sample, the largest oversampled
    value within one sample either side, never less than the sample itself."""
    a, b = max(0, lo - _ENV_PAD), min(x.size, hi + _ENV_PAD)
    seg = np.asarray(x[a:b], np.float64)
    m = seg.size
    up = np.abs(_oversample(seg))
    up = np.concatenate([up, np.zeros(OVERSAMPLE * m - up.size + OVERSAMPLE)])[: OVERSAMPLE * m]
    per = up.reshape(m, OVERSAMPLE).max(axis=1)  # peaks within [n, n+1)
    env = np.maximum(per, np.concatenate([[0.0], per[:-1]]))  # ... and within (n-1, n]
    env = np.maximum(env, np.abs(seg))
    return env[lo - a: lo - a + (hi - lo)]


def true_peak(samples: np.ndarray, rate: int | None = None) -> float:
    """True peak in dBTP (BS.1770-4 Annex 2): the peak of the signal oversampled 4x, never less
    than the sample peak. ``rate`` is accepted for symmetry; 4x oversampling needs no rate."""
    x = _as_mono(samples)
    if x.size == 0:
        return float("-inf")
    return _to_db(max(float(_envelope(x, lo, hi).max()) for lo, hi in _blocks(x.size)))


def _limit(x: np.ndarray, ceiling: float, rate: int, window_s: float) -> np.ndarray:
    """Look-ahead limiter: a smooth gain curve that keeps the oversampled peak under ``ceiling``
    (linear). The required gain per sample is min-filtered over +-L and then box-smoothed over
    +-L, which keeps the gain at or below what every sample needs while ramping over L. Block by
    block, each with 2L of context either side, so the result is the same as in one piece."""
    n = x.size
    if max(float(_envelope(x, lo, hi).max()) for lo, hi in _blocks(n)) <= ceiling:
        return x
    from scipy import ndimage

    half = max(1, int(round(window_s * rate)))
    out = np.empty(n, np.float32)
    for lo, hi in _blocks(n):
        a, b = max(0, lo - 2 * half), min(n, hi + 2 * half)
        need = np.minimum(1.0, ceiling / np.maximum(_envelope(x, a, b), 1e-12))
        gain = ndimage.minimum_filter1d(need, size=2 * half + 1, mode="nearest")
        gain = ndimage.uniform_filter1d(gain, size=2 * half + 1, mode="nearest")
        gain = np.minimum(gain, need)[lo - a: lo - a + (hi - lo)]  # float rounding of the smoothing
        out[lo:hi] = x[lo:hi] * gain
    return out


def normalize_loudness(
    samples: np.ndarray,
    rate: int,
    target_lufs: float = DEFAULT_TARGET_LUFS,
    peak_dbtp: float = DEFAULT_PEAK_DBTP,
    *,
    max_gain_db: float = 40.0,
    limiter_window_s: float = 0.01,
) -> np.ndarray:
    """``samples`` (float32 mono) brought to ``target_lufs`` with the true peak at or below
    ``peak_dbtp``: static gain, then a smooth look-ahead limiter only where peaks would pass the
    ceiling (a few passes re-trim the gain the limiter took). Silence comes back unchanged; gain
    is capped at ``max_gain_db`` so near-silence is not blown up into noise."""
    x = _as_mono(samples)
    if x.size == 0 or not np.all(np.isfinite(x)):
        if x.size and not np.all(np.isfinite(x)):
            raise SpeechError("audio contains NaN or infinite samples")
        return np.asarray(samples, dtype=np.float32).copy()
    measured = integrated_loudness(x, rate)
    if not math.isfinite(measured):
        return x.astype(np.float32)
    ceiling = 10.0 ** ((peak_dbtp - 0.05) / 20.0)  # a hair of margin for the oversampling filter
    gain_db = min(target_lufs - measured, max_gain_db)
    y = x
    for _ in range(4):
        y = _limit((x * np.float32(10.0 ** (gain_db / 20.0))).astype(np.float32, copy=False), ceiling, rate,
                   limiter_window_s)
        got = integrated_loudness(y, rate)
        if not math.isfinite(got) or abs(got - target_lufs) < 0.05:
            break
        new_gain = min(gain_db + (target_lufs - got), max_gain_db)
        if abs(new_gain - gain_db) < 1e-3:
            break
        gain_db = new_gain
    tp = true_peak(y)
    if tp > peak_dbtp:  # belt and braces: a static trim never fails
        y = y * 10.0 ** ((peak_dbtp - tp - 0.01) / 20.0)
    return y.astype(np.float32)


# ----------------------------------------------------------------------------- joining

Chunk = Union[np.ndarray, Utterance, float, int]


def _fade(x: np.ndarray, n: int) -> np.ndarray:
    """Raised-cosine fade-in over the first ``n`` samples and fade-out over the last ``n``
    (both reach exactly zero at the outer edge)."""
    x = np.array(x, dtype=np.float32, copy=True)
    n = min(n, x.size // 2)
    if n <= 0:
        return x
    k = np.arange(n, dtype=np.float64)
    ramp = (0.5 - 0.5 * np.cos(np.pi * k / n)).astype(np.float32)  # 0 .. just under 1
    x[:n] *= ramp
    x[-n:] *= ramp[::-1]
    return x


def join(
    chunks: Sequence[Chunk],
    rate: int,
    gap_s: float | Sequence[float] = 0.0,
    fade_s: float = 0.005,
) -> np.ndarray:
    """Concatenate audio chunks (arrays or Utterances) with ``fade_s`` raised-cosine fades at each
    chunk's edges and ``gap_s`` of silence between consecutive chunks.

    ``gap_s`` is one length for every join or one per join (``len(audio chunks) - 1``). A float
    in ``chunks`` is an explicit pause of that many seconds (as :func:`speech.text.prepare`
    yields); no ``gap_s`` is added next to it."""
    if rate <= 0:
        raise SpeechError(f"sample rate must be positive, not {rate}")
    audio_count = sum(1 for c in chunks if not isinstance(c, (float, int)))
    if isinstance(gap_s, (int, float)):
        gaps = [float(gap_s)] * max(audio_count - 1, 0)
    else:
        gaps = [float(g) for g in gap_s]
        if len(gaps) != max(audio_count - 1, 0):
            raise SpeechError(
                f"join needs one gap per join ({max(audio_count - 1, 0)}), got {len(gaps)}"
            )
    if any(g < 0 or not math.isfinite(g) for g in gaps):
        raise SpeechError(f"gaps must be non-negative seconds, not {gaps}")
    fade_n = int(round(fade_s * rate))
    parts: list[np.ndarray] = []
    audio_seen = 0
    prev_was_audio = False
    for c in chunks:
        if isinstance(c, (float, int)):
            if c < 0 or not math.isfinite(c):
                raise SpeechError(f"a pause must be non-negative seconds, not {c}")
            parts.append(np.zeros(int(round(float(c) * rate)), np.float32))
            prev_was_audio = False
            continue
        if isinstance(c, Utterance):
            if c.sample_rate != rate:
                raise SpeechError(f"chunk at {c.sample_rate} Hz cannot join audio at {rate} Hz")
            c = c.samples
        x = _as_mono(c)
        if prev_was_audio:
            parts.append(np.zeros(int(round(gaps[audio_seen - 1] * rate)), np.float32))
        parts.append(_fade(x, fade_n))
        audio_seen += 1
        prev_was_audio = True
    if not parts:
        return np.zeros(0, np.float32)
    return np.concatenate(parts).astype(np.float32)


def join_utterances(
    items: Sequence[Utterance | float],
    gap_s: float | Sequence[float] = 0.0,
    fade_s: float = 0.005,
    text: str | None = None,
) -> Utterance:
    """:func:`join` for Utterances (floats are pauses): one Utterance whose phones and words are
    shifted to their place in the joined audio. Word character offsets are kept as they are (map
    them to the whole narration first, e.g. with :func:`speech.text.map_words`)."""
    utts = [u for u in items if isinstance(u, Utterance)]
    if not utts:
        raise SpeechError("join_utterances needs at least one Utterance")
    rate = utts[0].sample_rate
    samples = join(items, rate, gap_s, fade_s)
    # replay the layout of join() to find each utterance's offset
    audio_count = len(utts)
    gaps = [float(gap_s)] * max(audio_count - 1, 0) if isinstance(gap_s, (int, float)) \
        else [float(g) for g in gap_s]
    phones: list[Phone] = []
    words: list[Word] = []
    pos = 0
    seen = 0
    prev_was_audio = False
    for it in items:
        if not isinstance(it, Utterance):
            pos += int(round(float(it) * rate))
            prev_was_audio = False
            continue
        if prev_was_audio:
            pos += int(round(gaps[seen - 1] * rate))
        t0 = pos / rate
        phones += [Phone(p.symbol, p.start + t0, p.end + t0, p.stress) for p in it.phones]
        words += [Word(w.text, w.start + t0, w.end + t0, w.char_start, w.char_end) for w in it.words]
        pos += len(it.samples)
        seen += 1
        prev_was_audio = True
    joined_text = text if text is not None else " ".join(u.text for u in utts)
    return Utterance(samples, rate, phones, words, joined_text)
