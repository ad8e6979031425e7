"""How a slide's picture changes while it plays: bullets revealed as they are spoken (``[next]``
markers in its narration), and the crossfade into it from the slide before.

A slide whose narration holds markers starts with no bullets; each marker reveals the next bullet
when the word after it starts (word timings from the speech engine, or from forced alignment for a
recording), with a short fade. The markers are never spoken: :func:`split_reveals` blanks them
with spaces, so every character offset in the narration stays where it was.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

from speech.types import Word

MARKER = re.compile(r"\[\s*next\s*\]", re.IGNORECASE)
FADE = 0.25  # s: a revealed bullet fades in over this long


def split_reveals(narration: str) -> tuple[str, list[int]]:
    """The narration with each ``[next]`` replaced by spaces of the same length, and the markers'
    character offsets."""
    marks = [m.start() for m in MARKER.finditer(narration)]
    return MARKER.sub(lambda m: " " * len(m.group(0)), narration), marks


def strip_reveals(narration: str) -> str:
    """The narration as written, without its markers (for manifests and transcripts)."""
    return re.sub(r"[ \t]{2,}", " ", MARKER.sub(" ", narration)).strip()


def reveal_times(marks: Sequence[int], words: Sequence[Word], end: float) -> list[float]:
    """When each marker's bullet appears, in seconds from the start of the utterance: the start of
    the first word at or after the marker (the utterance's `end` when no word follows it)."""
    times = []
    for mark in marks:
        following = [w.start for w in words if w.char_start >= mark]
        times.append(min(following) if following else end)
    return sorted(times)


@dataclass(frozen=True)
class RevealSchedule:
    """A slide's images in order of reveal (``states[k]`` shows k bullets... or all the slide has,
    for the last) and the frame at which each reveal starts fading in."""

    states: Sequence[np.ndarray]  # RGB slides, one more than the reveals
    frames: Sequence[int]         # per reveal, the (slide-relative) frame it starts on
    fade_frames: int

    def backgrounds(self, n_frames: int) -> Iterator[tuple[np.ndarray, bool]]:
        """Per frame: the slide image to show and whether it differs from the previous frame's."""
        current = -1
        for frame in range(n_frames):
            shown = 0
            blend = None
            for k, start in enumerate(self.frames):
                if frame >= start + self.fade_frames - 1:
                    shown = k + 1
                elif frame >= start:
                    shown = k
                    blend = (frame - start + 1) / self.fade_frames
                    break
                else:
                    break
            if blend is not None:
                a, b = self.states[shown].astype(np.float32), self.states[shown + 1].astype(np.float32)
                yield (a + (b - a) * blend).round().astype(np.uint8), True
                current = -1
            else:
                yield self.states[shown], shown != current
                current = shown


def crossfade(previous: np.ndarray, backgrounds: Iterator[tuple[np.ndarray, bool]],
              n_frames: int) -> Iterator[tuple[np.ndarray, bool]]:
    """The first `n_frames` of a slide's backgrounds faded in from the previous slide's last image."""
    for frame, (rgb, changed) in enumerate(backgrounds):
        if frame < n_frames:
            a = (frame + 1) / (n_frames + 1)
            yield (previous.astype(np.float32) * (1 - a) + rgb.astype(np.float32) * a).round().astype(np.uint8), True
        else:
            yield rgb, changed or frame == n_frames


def reveal_frames(times: Sequence[float], slide_start: float, fps: int) -> list[int]:
    """Slide-relative frame numbers of reveal times on the video's clock (the frame showing the
    word's start)."""
    return [max(0, math.floor((t - slide_start) * fps + 1e-6)) for t in times]
