"""Per-video-frame acoustic features of an utterance: loudness, pitch, voicing, onsets.

Frame ``i`` covers ``[i / fps, (i + 1) / fps)`` and there are exactly ``ceil(duration * fps)``
frames. Pitch (YIN) and onset strength are :mod:`speech.dsp`'s, which compute what librosa
computes, in NumPy and SciPy: no import time or numba compilation on the first utterance.
"""
from __future__ import annotations

import math

import numpy as np

from speech.dsp import centred_frames, onset_strength, yin
from speech.types import FrameFeatures, Utterance

FEATURES_VERSION = 1  # bump when what frame_features computes changes (speech.cache keeps its results)
FLOOR_DB = -50.0  # RMS at or below this (dBFS) -> loudness 0
TOP_PERCENTILE = 98.0  # the utterance's 98th percentile of frame RMS (dB) -> loudness 1
FMIN, FMAX = 60.0, 500.0  # f0 search range, Hz
PERIODICITY_MIN = 0.5  # normalised autocorrelation at the detected period to count as periodic
VOICED_MIN_DB = -40.0  # analysis frames quieter than this (dBFS) are never voiced
VOICED_REL_DB = 35.0  # ... nor those more than this below the utterance's loud level
ANALYSIS_SR = 8000  # pitch/onsets use sr / (sr // 8000): 11025 Hz for 22050, 8000 for 16000
N_MELS = 40


def n_frames(duration: float, fps: float) -> int:
    """Number of video frames for ``duration`` seconds at ``fps``: ``ceil(duration * fps)``."""
    return int(math.ceil(duration * fps))


def frame_features(utterance: Utterance, fps: float) -> FrameFeatures:
    """Loudness (0..1), f0 (Hz, 0 when unvoiced), voicing and onset strength (0..1) per frame."""
    if not fps or fps <= 0:
        raise ValueError(f"fps must be positive, not {fps}")
    sr = int(utterance.sample_rate)
    y = np.asarray(utterance.samples, dtype=np.float32).reshape(-1)
    n = n_frames(y.size / float(sr), fps) if sr > 0 else 0
    if n == 0:
        empty = np.zeros(0, np.float32)
        return FrameFeatures(fps, empty, empty.copy(), np.zeros(0, bool), empty.copy())
    y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)

    # --- loudness: RMS over each frame's exact sample span
    bounds = np.minimum(np.round(np.arange(n + 1) * (sr / fps)).astype(np.int64), y.size)
    bounds[-1] = y.size
    starts = np.minimum(bounds[:-1], max(y.size - 1, 0))
    counts = np.maximum(bounds[1:] - bounds[:-1], 0)
    sq = np.concatenate([y.astype(np.float64) ** 2, [0.0]])
    sums = np.add.reduceat(sq, starts)[:n] if y.size else np.zeros(n)
    sums = np.where(counts > 0, sums, 0.0)
    rms = np.sqrt(sums / np.maximum(counts, 1))
    db = 20.0 * np.log10(np.maximum(rms, 1e-10))
    top = float(np.percentile(db, TOP_PERCENTILE))
    if top <= FLOOR_DB + 1.0:  # (almost) silent throughout
        loudness = np.zeros(n, np.float32)
    else:
        loudness = np.clip((db - FLOOR_DB) / (top - FLOOR_DB), 0.0, 1.0).astype(np.float32)

    # pitch and onsets: at ~8-11 kHz (f0 <= 500 Hz needs no more; 4x cheaper than 22 kHz),
    # hop of half a video frame (5..20 ms)
    k = max(1, int(sr // ANALYSIS_SR))
    if k > 1 and y.size >= 64:
        from scipy.signal import resample_poly

        y_lo, sr_lo = resample_poly(y, 1, k).astype(np.float32), sr / k
    else:
        y_lo, sr_lo = y, float(sr)
    hop = max(1, int(round(sr_lo * min(max(0.5 / fps, 0.005), 0.02))))
    centres = (np.arange(n) + 0.5) / fps
    f0, voiced = _pitch(y_lo, sr_lo, hop, centres, top)
    onset = _onsets(y_lo, sr_lo, hop, bounds / float(sr), n)
    return FrameFeatures(fps, loudness, f0, voiced, onset)


def _frame_length(sr: float) -> int:
    # librosa wants at least two periods of fmin inside the frame
    return int(2 ** math.ceil(math.log2(2.0 * sr / FMIN + 2)))


def _pitch(y: np.ndarray, sr: float, hop: int, centres: np.ndarray, top_db: float):
    """f0 with YIN; voicing = periodic (normalised autocorrelation at the period) and loud."""
    n = centres.size
    frame_length = _frame_length(sr)
    fmax = min(FMAX, sr / 2.0 - 1.0)
    if y.size < 2 or fmax <= FMIN:
        return np.zeros(n, np.float32), np.zeros(n, bool)
    frames = centred_frames(y, frame_length, hop)
    f0 = yin(frames, fmin=FMIN, fmax=fmax, sr=sr)
    m = f0.size

    # periodicity: normalised cross-correlation of the first window with the window one period on
    win = frame_length // 2
    lag = np.clip(np.round(sr / np.maximum(f0, 1.0)).astype(np.int64), 1, frame_length - win)
    idx = np.arange(win)[None, :] + lag[:, None]
    a = frames[:, :win]
    b = np.take_along_axis(frames, idx, axis=1)
    num = np.einsum("ij,ij->i", a, b)
    den = np.sqrt(np.einsum("ij,ij->i", a, a) * np.einsum("ij,ij->i", b, b)) + 1e-12
    periodicity = num / den

    # loudness of each analysis frame (the centre part, about 20 ms)
    c0 = frame_length // 2 - hop
    core = frames[:, max(c0, 0): frame_length // 2 + hop]
    fdb = 10.0 * np.log10(np.mean(core.astype(np.float64) ** 2, axis=1) + 1e-20)
    loud_enough = fdb > max(VOICED_MIN_DB, top_db - VOICED_REL_DB)
    voiced_a = (periodicity >= PERIODICITY_MIN) & loud_enough & (f0 > 0)

    f0 = _fix_octave_jumps(f0, voiced_a, half=max(2, int(round(0.15 * sr / hop))))

    t = np.arange(m) * hop / sr
    voiced = np.interp(centres, t, voiced_a.astype(np.float64)) >= 0.5
    out = np.zeros(n, np.float32)
    if voiced_a.any():
        tv = t[voiced_a]
        logf = np.log(f0[voiced_a])
        out[voiced] = np.exp(np.interp(centres[voiced], tv, logf)).astype(np.float32)
    voiced &= out > 0
    return out, voiced


def _fix_octave_jumps(f0: np.ndarray, voiced: np.ndarray, half: int) -> np.ndarray:
    """Replace voiced f0 values more than ~half an octave from the median of the voiced values
    around them (+-``half`` frames, 150 ms) by that median: YIN's occasional octave (or worse)
    errors."""
    if voiced.sum() < 3:
        return f0
    logf = np.where(voiced, np.log2(np.maximum(f0, 1e-6)), np.nan)
    padded = np.pad(logf, half, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    # windows centred on voiced frames always hold at least that frame, so no all-NaN slices
    med = logf.copy()
    med[voiced] = np.nanmedian(windows[voiced], axis=1)
    bad = voiced & (np.abs(logf - med) > 0.6)
    out = f0.copy()
    out[bad] = np.exp2(med[bad])
    return out


def _onsets(y: np.ndarray, sr: float, hop: int, bounds_s: np.ndarray, n: int) -> np.ndarray:
    """Onset strength (spectral flux), max-pooled over each video frame, scaled to 0..1."""
    n_fft = int(2 ** math.ceil(math.log2(max(sr * 0.04, 64))))  # ~40 ms window
    if y.size < 2:
        return np.zeros(n, np.float32)
    env = onset_strength(y, sr=sr, n_fft=n_fft, hop=hop, n_mels=N_MELS, fmax=sr / 2.0)
    peak = float(env.max()) if env.size else 0.0
    if peak <= 0.0:
        return np.zeros(n, np.float32)
    env = env / peak
    # analysis frame j is centred at j * hop; assign it to the video frame holding that time
    times = np.arange(env.size) * (hop / sr)
    owner = np.searchsorted(bounds_s, times, side="right") - 1
    keep = (owner >= 0) & (owner < n)
    out = np.zeros(n, np.float64)
    np.maximum.at(out, owner[keep], env[keep])
    # frames shorter than the hop (fps > 100) own no analysis frame: sample at their centre
    centres = (bounds_s[:-1] + bounds_s[1:]) / 2.0
    out = np.maximum(out, np.interp(centres, times, env))
    return np.clip(out, 0.0, 1.0).astype(np.float32)

