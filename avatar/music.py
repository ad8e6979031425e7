"""A music bed under the narration: looped or trimmed to the video, ducked while the presenter
speaks, faded in at the start and out at the end.

The bed is levelled by loudness (BS.1770) relative to the narration's target: ``volume`` dB in the
pauses, and ``duck`` dB lower still under speech, with a short attack and a slower release so the
music never pumps on every word. The narration dominates the mix, so its loudness stays at the
target.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np

from avatar.audio import read_mono
from avatar.errors import AvatarError
from speech.loudness import DEFAULT_TARGET_LUFS, integrated_loudness

MIX_RATE = 48000  # Hz: the bed is mixed at the video's audio rate
ATTACK = 0.12   # s: how fast the bed dips when speech starts
RELEASE = 0.45  # s: how slowly it comes back in a pause
HOLD = 0.25     # s: gaps between words shorter than this keep the bed down
FADE_IN, FADE_OUT = 1.5, 2.5  # s, at the start and the end of the video


def load_music(path: str | Path, rate: int) -> np.ndarray:
    """The file as mono float32 at `rate` (WAV, FLAC, MP3, OGG, AIFF)."""
    path = Path(path)
    mono, source_rate = read_mono(path, "music file")
    if len(mono) < source_rate * 0.5:
        raise AvatarError(path, "the music is shorter than half a second")
    if int(source_rate) != rate:
        g = math.gcd(rate, int(source_rate))
        from scipy.signal import resample_poly  # (slow to import; only decks with music need it)

        mono = resample_poly(mono, rate // g, int(source_rate) // g).astype(np.float32)
    return mono


def speech_gain(spans: Sequence[tuple[float, float]], n_samples: int, rate: int, duck_db: float) -> np.ndarray:
    """Per sample, the bed's gain in dB from ducking alone: 0 in pauses, -duck_db under speech."""
    hop = max(1, rate // 100)  # the envelope runs at 100 Hz, then is interpolated
    n = n_samples // hop + 2
    active = np.zeros(n, np.float32)
    for start, end in spans:
        a, b = int(max(0.0, start - ATTACK) * 100), int(math.ceil((end + HOLD) * 100))
        active[max(0, a):max(0, min(n, b))] = 1.0
    smooth = np.empty_like(active)  # rise over ATTACK, fall over RELEASE
    level, up, down = 0.0, 1.0 / max(1, ATTACK * 100), 1.0 / max(1, RELEASE * 100)
    for i, target in enumerate(active):
        level = min(target, level + up) if target > level else max(target, level - down)
        smooth[i] = level
    from scipy.ndimage import uniform_filter1d

    smooth = uniform_filter1d(smooth, size=5)
    return np.interp(np.arange(n_samples) / hop, np.arange(n), -duck_db * smooth).astype(np.float32)


class MusicBed:
    """The levelled, ducked and faded bed for a whole video; :meth:`mix` adds it to a piece of narration."""

    def __init__(self, path: str | Path, *, rate: int, duration: float, speech: Sequence[tuple[float, float]],
                 volume_db: float = -12.0, duck_db: float = 14.0, target_lufs: float = DEFAULT_TARGET_LUFS):
        music = load_music(path, rate)
        loudness = integrated_loudness(music, rate)
        if not math.isfinite(loudness):
            raise AvatarError(path, "the music is silent")
        self.rate = rate
        self.n_samples = int(round(duration * rate))
        self.music = music * np.float32(10 ** ((target_lufs + volume_db - loudness) / 20))
        gain_db = speech_gain(speech, self.n_samples, rate, duck_db)
        fade = np.ones(self.n_samples, np.float32)
        n_in, n_out = min(self.n_samples, int(FADE_IN * rate)), min(self.n_samples, int(FADE_OUT * rate))
        fade[:n_in] *= np.linspace(0, 1, n_in, dtype=np.float32) ** 2
        if n_out:
            fade[-n_out:] *= np.linspace(1, 0, n_out, dtype=np.float32) ** 2
        self.gain = (10 ** (gain_db / 20)).astype(np.float32) * fade

    def bed(self, start: int, n: int) -> np.ndarray:
        """Samples [start, start + n) of the bed (the music looped as often as needed)."""
        n = max(0, min(n, self.n_samples - start))
        index = (np.arange(start, start + n) % len(self.music))
        return self.music[index] * self.gain[start:start + n]

    def mix(self, narration: np.ndarray, at: float) -> np.ndarray:
        """`narration` (mono at the bed's rate, placed at `at` s) with the bed under it."""
        start = int(round(at * self.rate))
        out = np.asarray(narration, np.float32).copy()
        bed = self.bed(start, len(out))
        out[:len(bed)] += bed
        return np.clip(out, -1.0, 1.0)
