"""YIN pitch and spectral-flux onset strength in NumPy and SciPy, computed as librosa 0.11 computes
``librosa.yin`` and ``librosa.onset.onset_strength`` for the arguments :mod:`speech.features` uses
(the tests compare the two where librosa is installed). Importing this costs nothing and nothing is
compiled, so the first utterance of a process is as fast as the rest.

Frames are rows here (``frames[i]`` is centred on ``y[i * hop]``), and long inputs are transformed a
block of frames at a time, a few MB each, with the same values.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.fft

BLOCK_BYTES = 1 << 22  # the largest transform buffer one block of frames may use


def centred_frames(y: np.ndarray, frame_length: int, hop: int) -> np.ndarray:
    """Frames of ``y`` zero padded by ``frame_length // 2`` on both sides, one per row (a view):
    ``librosa.util.frame(np.pad(y, frame_length // 2), ...).T``, the frames of ``center=True``."""
    padded = np.pad(y, frame_length // 2)
    if padded.size < frame_length:
        raise ValueError(f"{y.size} samples are too few for frames of {frame_length}")
    return np.lib.stride_tricks.sliding_window_view(padded, frame_length)[::hop]


def _block_rows(row_bytes: int) -> int:
    return max(1, BLOCK_BYTES // max(row_bytes, 1))


def yin(frames: np.ndarray, *, fmin: float, fmax: float, sr: float,
        trough_threshold: float = 0.1) -> np.ndarray:
    """f0 (Hz) of each frame (row) with YIN, as ``librosa.yin``: the smallest period whose
    cumulative mean normalised difference is a trough below ``trough_threshold`` (the global
    minimum where there is none), refined by parabolic interpolation."""
    frame_length = frames.shape[1]
    if not 0 < fmin < fmax <= sr / 2:
        raise ValueError(f"need 0 < fmin < fmax <= sr / 2, not fmin={fmin}, fmax={fmax}, sr={sr}")
    if sr / fmin >= frame_length - 1:
        raise ValueError(f"frames of {frame_length} hold no period of fmin={fmin} at sr={sr}")
    min_period = int(math.floor(sr / fmax))
    max_period = min(int(math.ceil(sr / fmin)), frame_length - 1)
    n_pad = scipy.fft.next_fast_len(2 * frame_length - 1, real=True)
    f0 = np.empty(frames.shape[0], np.float64)
    step = _block_rows(n_pad * 16)
    for s in range(0, frames.shape[0], step):
        cmnd = _cumulative_mean_normalised_difference(frames[s:s + step], min_period, max_period, n_pad)
        index, shift = _trough(cmnd, trough_threshold)
        f0[s:s + step] = sr / (min_period + index + shift)
    return f0


def _cumulative_mean_normalised_difference(frames, min_period, max_period, n_pad):
    """d'(tau) for tau = min_period..max_period (equation 8 of de Cheveigné and Kawahara 2002), with
    the difference function from the FFT autocorrelation: d(tau) = 2 (r(0) - r(tau)) - E(tau - 1),
    E the running energy."""
    spec = scipy.fft.rfft(frames, n=n_pad, axis=1)
    acf = scipy.fft.irfft(spec.real ** 2 + spec.imag ** 2, n=n_pad, axis=1)[:, :max_period + 1]
    energy = np.cumsum(np.square(frames[:, :max_period]), axis=1)
    # librosa zeroes the running energy's first term before using it, so d(1) = 2 (r(0) - r(1));
    # it only enters the cumulative mean
    energy[:, 0] = 0
    diff = 2 * (acf[:, :1] - acf[:, 1:]) - energy  # d(1..max_period), float32
    mean = np.cumsum(diff, axis=1) / np.arange(1, max_period + 1)  # float64, as librosa's
    lo = min_period - 1
    return diff[:, lo:] / (mean[:, lo:] + np.finfo(np.float64).tiny)


def _trough(d: np.ndarray, threshold: float) -> np.ndarray:
    """Per row: the index of the first local minimum below ``threshold`` (else of the global
    minimum), and the shift to the vertex of the parabola through it and its neighbours."""
    prev, mid, nxt = d[:, :-2], d[:, 1:-1], d[:, 2:]
    trough = np.zeros(d.shape, bool)
    trough[:, 1:-1] = (mid < prev) & (mid <= nxt)
    trough[:, -1] = d[:, -1] < d[:, -2]
    trough[:, 0] = d[:, 0] < d[:, 1]
    below = trough & (d < threshold)
    index = np.where(below.any(axis=1), np.argmax(below, axis=1), np.argmin(d, axis=1))

    a = nxt + prev - 2 * mid
    b = (nxt - prev) / 2
    shift = np.zeros(d.shape, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        # a vertex more than a bin away is no refinement: librosa keeps the bin
        shift[:, 1:-1] = np.where(np.abs(b) >= np.abs(a), 0.0, -b / a)
    return index, shift[np.arange(d.shape[0]), index]


def onset_strength(y: np.ndarray, *, sr: float, n_fft: int, hop: int, n_mels: int,
                   fmax: float | None = None) -> np.ndarray:
    """Spectral flux onset envelope, one value per centred frame, as
    ``librosa.onset.onset_strength(y=y, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=n_mels,
    fmax=fmax)``: the mean over mel bands of the rise (lag 1, negatives dropped) of the dB mel
    power spectrogram (floored 80 dB under its peak), delayed by 1 + n_fft // (2 hop) frames."""
    db = 10.0 * np.log10(np.maximum(1e-10, mel_power(y, sr=sr, n_fft=n_fft, hop=hop,
                                                     n_mels=n_mels, fmax=fmax)))
    db = np.maximum(db, db.max() - 80.0)
    rise = np.maximum(0.0, db[:, 1:] - db[:, :-1])
    env = rise.mean(axis=0)
    return np.pad(env, (1 + n_fft // (2 * hop), 0))[:db.shape[1]]


def mel_power(y: np.ndarray, *, sr: float, n_fft: int, hop: int, n_mels: int,
              fmax: float | None = None) -> np.ndarray:
    """Mel power spectrogram (n_mels, n_frames), float32, as ``librosa.feature.melspectrogram``
    with its defaults: periodic Hann window, centred zero-padded frames, power 2, Slaney mel."""
    frames = centred_frames(np.asarray(y, np.float32), n_fft, hop)
    from scipy.signal import get_window  # here: scipy.signal takes 0.6 s to import, and a cached render needs none of this

    window = get_window("hann", n_fft, fftbins=True)
    basis = mel_filters(sr=sr, n_fft=n_fft, n_mels=n_mels, fmax=fmax)
    out = np.empty((n_mels, frames.shape[0]), np.float32)
    step = _block_rows(n_fft * 16)
    for s in range(0, frames.shape[0], step):
        # librosa windows in float64 and keeps the spectrum in complex64
        spec = scipy.fft.rfft(window * frames[s:s + step], axis=1).astype(np.complex64)
        out[:, s:s + step] = basis @ (np.abs(spec) ** 2).T
    return out


def mel_filters(*, sr: float, n_fft: int, n_mels: int, fmin: float = 0.0,
                fmax: float | None = None) -> np.ndarray:
    """Triangular mel filters (n_mels, 1 + n_fft // 2), float32, as ``librosa.filters.mel``'s
    defaults: Slaney's mel scale (linear to 1 kHz, logarithmic above) and Slaney's area norm."""
    fmax = float(sr) / 2 if fmax is None else fmax
    fft_freqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fft_freqs)
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper)).astype(np.float32)
    weights *= (2.0 / (mel_f[2:] - mel_f[:-2]))[:, None]
    return weights


_MEL_LINEAR = 200.0 / 3  # Hz per mel below 1 kHz
_MEL_KNEE = 1000.0 / _MEL_LINEAR  # 15 mel = 1 kHz
_MEL_LOGSTEP = np.log(6.4) / 27.0


def _hz_to_mel(hz: float) -> float:
    if hz >= 1000.0:
        return _MEL_KNEE + np.log(hz / 1000.0) / _MEL_LOGSTEP
    return hz / _MEL_LINEAR


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    log_part = 1000.0 * np.exp(_MEL_LOGSTEP * (mels - _MEL_KNEE))
    return np.where(mels >= _MEL_KNEE, log_part, _MEL_LINEAR * mels)
