"""Blinks, brow raises and head motion: seeded, reproducible, driven by the speech's rhythm.

- Blinks every 2-6 s, moved into a nearby pause when there is one, never on a stressed vowel.
- Nods (small pitch pulses) on primary-stressed vowels, at most one every 0.6 s.
- Brow raises on stressed vowels whose pitch stands out (f0 peaks), at most one every 1.5 s.
- Idle sway: slow sums of sines in yaw, pitch and roll on the presentation's absolute clock (so it
  continues across slides), damped in pauses so the head settles.
"""
from __future__ import annotations

import numpy as np

from avatar.motion.lipsync import frame_times
from speech.phonemes import is_vowel, segments
from speech.types import FrameFeatures, Utterance

BLINK_INTERVAL = (2.0, 6.0)
BLINK_CLOSE, BLINK_HOLD, BLINK_OPEN = 0.07, 0.04, 0.15  # s
SWAY_DEGREES = {"yaw": 1.6, "pitch": 0.9, "roll": 0.7}
LIMIT_DEGREES = {"yaw": 4.0, "pitch": 4.0, "roll": 3.0}
SWAY_EASE = 0.45  # s over which the sway eases to rest at a slide's start and end


def _stressed_vowels(utterance: Utterance) -> list[tuple[float, float]]:
    spans = []
    for phone in utterance.phones:
        if phone.stress >= 2 and any(is_vowel(part) for part in segments(phone.symbol)):
            spans.append((phone.start, phone.end))
    return spans


def _pauses(utterance: Utterance, min_length: float = 0.2) -> list[tuple[float, float]]:
    pauses, cursor = [], 0.0
    for phone in utterance.phones:
        if phone.start - cursor >= min_length:
            pauses.append((cursor, phone.start))
        cursor = max(cursor, phone.end)
    pauses.append((cursor, np.inf))
    return pauses


def blink_times(utterance: Utterance, duration: float, rng: np.random.Generator) -> list[float]:
    stressed = _stressed_vowels(utterance)
    pauses = _pauses(utterance)
    times: list[float] = []
    t = rng.uniform(0.4, 2.0)
    while t < duration:
        window_end = t + 1.5
        in_pause = [p for p in pauses if p[0] + 0.05 <= window_end and p[1] > t and p[0] + 0.05 < duration]
        if in_pause:
            t = max(t, in_pause[0][0] + 0.05)
        for start, end in stressed:
            if start - 0.05 <= t <= end:
                t = end + 0.02
        if t < duration:
            times.append(t)
        t += rng.uniform(*BLINK_INTERVAL)
    return times


def blink_curve(times: np.ndarray, blinks: list[float]) -> np.ndarray:
    curve = np.zeros_like(times)
    for b in blinks:
        tau = times - b
        closing = np.clip(tau / BLINK_CLOSE, 0, 1)
        opening = np.clip(1 - (tau - BLINK_CLOSE - BLINK_HOLD) / BLINK_OPEN, 0, 1)
        curve = np.maximum(curve, np.where(tau < 0, 0, np.minimum(closing, opening)))
    return curve


def _pulses(times: np.ndarray, centres: list[float], heights: list[float], width: float) -> np.ndarray:
    out = np.zeros_like(times)
    for c, h in zip(centres, heights):
        out += h * np.exp(-0.5 * ((times - c) / width) ** 2)
    return out


def _spaced(candidates: list[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    chosen: list[tuple[float, float]] = []
    for t, h in candidates:
        if not chosen or t - chosen[-1][0] >= gap:
            chosen.append((t, h))
    return chosen


def _activity(features: FrameFeatures, n_frames: int, fps: float) -> np.ndarray:
    loud = np.zeros(n_frames)
    m = min(n_frames, features.n_frames)
    loud[:m] = features.loudness[:m] > 0.15
    width = max(1, int(0.4 * fps))
    kernel = np.hanning(2 * width + 1)
    kernel /= kernel.sum()
    return np.convolve(loud, kernel, mode="full")[width:width + n_frames]  # "same" breaks when n < kernel


def gesture_tracks(utterance: Utterance, features: FrameFeatures, fps: float, n_frames: int, *, seed: int,
                   slide_index: int) -> dict[str, np.ndarray]:
    """Per-frame blink_left/right, brow_raise, yaw, pitch, roll, tx, ty for one slide.

    The head's sway eases to rest at both ends of the slide (in its silent lead-in and tail), so
    motion is continuous across slides while each slide's frames depend only on the slide: a slide
    whose inputs did not change renders the same frames wherever it falls in the video."""
    times = frame_times(n_frames, fps)
    rng = np.random.default_rng([seed, slide_index])
    blinks = blink_curve(times, blink_times(utterance, n_frames / fps, rng))

    idx = np.clip((times * features.fps).astype(int), 0, max(features.n_frames - 1, 0))
    loud = features.loudness[idx] if features.n_frames else np.zeros(n_frames)
    stressed = _stressed_vowels(utterance)
    nods = _spaced([(s + 0.05, 1.1 * (0.5 + 0.5 * float(loud[min(int(s * fps), n_frames - 1)])))
                    for s, _ in stressed], 0.6)
    voiced_f0 = features.f0[features.voiced] if features.n_frames else np.zeros(0)
    brow_candidates = []
    if len(voiced_f0):
        median = float(np.median(voiced_f0))
        for start, end in stressed:
            frames = (np.arange(int(start * features.fps), int(end * features.fps) + 1)).clip(0, features.n_frames - 1)
            f0 = features.f0[frames][features.voiced[frames]]
            if len(f0) and f0.max() > 1.12 * median:
                brow_candidates.append(((start + end) / 2, 0.6))
    brows = _spaced(brow_candidates, 1.5)

    settle = 0.45 + 0.55 * _activity(features, n_frames, fps)
    phase_rng = np.random.default_rng([seed, 7919])
    local = times + np.random.default_rng([seed, slide_index, 31]).uniform(0, 60)
    duration = n_frames / fps
    edge = np.clip(np.minimum(times, duration - times) / SWAY_EASE, 0, 1)
    settle = settle * edge * edge * (3 - 2 * edge)  # smoothstep to rest at the slide's ends
    head = {}
    for axis, amplitude in SWAY_DEGREES.items():
        f1, f2 = phase_rng.uniform(0.06, 0.12), phase_rng.uniform(0.15, 0.25)
        p1, p2 = phase_rng.uniform(0, 2 * np.pi, 2)
        sway = 0.65 * np.sin(2 * np.pi * f1 * local + p1) + 0.35 * np.sin(2 * np.pi * f2 * local + p2)
        head[axis] = amplitude * sway * settle
    head["pitch"] += _pulses(times, [t for t, _ in nods], [h for _, h in nods], 0.11)
    for axis, limit in LIMIT_DEGREES.items():
        head[axis] = np.clip(head[axis], -limit, limit)
    return {
        "blink_left": blinks, "blink_right": blinks,
        "brow_raise": np.clip(_pulses(times, [t for t, _ in brows], [h for _, h in brows], 0.18), 0, 1),
        **head, "tx": np.zeros(n_frames), "ty": 0.0015 * head["pitch"],
    }
