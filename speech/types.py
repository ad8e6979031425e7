"""Plain data objects passed between the speech stages and the motion model."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Phone:
    """One phone as the engine spoke it: IPA symbol (stress marks stripped), times in seconds."""

    symbol: str
    start: float
    end: float
    stress: int = 0  # 0 unstressed, 1 secondary, 2 primary


@dataclass(frozen=True)
class Word:
    """One spoken word, its time span, and where it sits in the source text (character offsets)."""

    text: str
    start: float
    end: float
    char_start: int = -1
    char_end: int = -1


@dataclass
class Utterance:
    """Mono float32 audio plus the phone and word timings that produced it."""

    samples: np.ndarray
    sample_rate: int
    phones: list[Phone] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    text: str = ""

    @property
    def duration(self) -> float:
        return len(self.samples) / float(self.sample_rate)


@dataclass
class FrameFeatures:
    """Per-video-frame acoustic features. All arrays have one value per frame."""

    fps: float
    loudness: np.ndarray  # 0..1, RMS in dB mapped so that -50 dBFS -> 0 and the utterance peak -> 1
    f0: np.ndarray  # Hz, 0 where unvoiced
    voiced: np.ndarray  # bool
    onset: np.ndarray  # 0..1 onset strength

    @property
    def n_frames(self) -> int:
        return len(self.loudness)
