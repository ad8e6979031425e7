"""Phones -> per-frame mouth parameters: dominance blending, closures, loudness, pop-open dynamics.

Rules a viewer checks, in the order they are applied:
1. Each phone (split into table segments, speech.phonemes) pulls the mouth towards its viseme's
   target (avatar.motion.visemes) with a dominance that falls off exponentially outside the
   phone, faster after it (carry-over) than before it (anticipation): Cohen-Massaro
   coarticulation. Gaps between phones are a 'rest' segment, so the mouth closes in pauses and
   before the first word.
2. Loudness (speech.features) scales the jaw: quiet speech opens less.
3. The jaw pops open quickly and closes more slowly (asymmetric one-pole smoothing).
4. Hard constraints, applied last so nothing smooths them away: lips fully closed on p/b/m from
   40-120 ms before the release, lower lip tucked on f/v, mouth shut 150 ms into a pause.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from speech.phonemes import segments
from speech.types import FrameFeatures, Utterance
from avatar.motion.track import MOUTH
from avatar.motion.visemes import VISEMES, Viseme, viseme_of

PAUSE_MIN = 0.06  # s: a gap between phones shorter than this is not a pause
ANTICIPATION = 0.07  # s: dominance decay before a segment
CARRY_OVER = 0.05  # s: dominance decay after a segment
CLOSURE_LEAD = (0.04, 0.12)  # s: bilabial closure starts this long before the release
SILENT_AFTER = 0.15  # s into a pause, the mouth is fully shut
OPEN_TAU, CLOSE_TAU = 0.02, 0.06  # s: jaw attack and release time constants


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    viseme: Viseme
    stress: int = 0


def phone_segments(utterance: Utterance) -> list[Segment]:
    """Phones split into viseme segments, with rest segments in the pauses and at both ends."""
    result: list[Segment] = []
    rest = VISEMES["rest"]
    cursor = 0.0
    for phone in utterance.phones:
        if phone.start - cursor >= PAUSE_MIN or (not result and phone.start > 0):
            result.append(Segment(cursor, phone.start, rest))
        parts = segments(phone.symbol)
        if parts:
            share = (phone.end - phone.start) / len(parts)
            for k, part in enumerate(parts):
                result.append(Segment(phone.start + k * share, phone.start + (k + 1) * share,
                                      viseme_of(part), phone.stress))
        cursor = max(cursor, phone.end)
    result.append(Segment(cursor, max(cursor, utterance.duration) + 1.0, rest))
    return result


def shape_letters(utterance: Utterance, mouth: np.ndarray, fps: float) -> list[str]:
    """Rhubarb-style mouth shape per frame (A-H, X): the viseme of the phone being spoken, with
    closed lips as A and silence as X; without phones, a shape from the jaw opening."""
    times = frame_times(len(mouth), fps)
    jaw = mouth[:, MOUTH.index("jaw_open")]
    press = mouth[:, MOUTH.index("lip_press")]
    letters = []
    segs = [s for s in phone_segments(utterance) if s.viseme.name != "rest"] if utterance.phones else []
    starts = np.array([s.start for s in segs])
    for t, j, p in zip(times, jaw, press):
        if j <= 0.02 and p >= 0.8:
            letters.append("A")
            continue
        k = int(np.searchsorted(starts, t, side="right")) - 1
        if segs and 0 <= k < len(segs) and segs[k].start <= t < segs[k].end and not segs[k].viseme.closure:
            letters.append(segs[k].viseme.shape)
        elif j <= 0.02:
            letters.append("X")
        else:
            letters.append("B" if j < 0.3 else "C" if j < 0.6 else "D")
    return letters


def frame_times(n_frames: int, fps: float) -> np.ndarray:
    return (np.arange(n_frames) + 0.5) / fps


def blend_targets(segs: list[Segment], times: np.ndarray, block: int = 1024) -> np.ndarray:
    """(T, len(MOUTH)) dominance-weighted average of the segments' targets.

    Worked out `block` frames at a time with the segments near them: a segment's dominance falls
    off exponentially, so beyond 40 time constants only its tiny floor is left, which is added for
    all segments at once. Memory stays flat in the narration's length (the whole (segments x
    frames) matrix would be gigabytes for an hour)."""
    if not segs:
        return np.zeros((len(times), len(MOUTH)), np.float32)
    starts = np.array([s.start for s in segs])
    ends = np.array([s.end for s in segs])
    alpha = np.array([s.viseme.dominance for s in segs])
    targets = np.array([s.viseme.targets for s in segs], np.float64)
    floor = 1e-9  # every segment's weight, however far: frames far from all speech average them all
    floor_sum, floor_count = floor * targets.sum(0), floor * len(segs)
    reach = 40 * max(ANTICIPATION, CARRY_OVER)
    out = np.empty((len(times), len(MOUTH)), np.float32)
    for first in range(0, len(times), block):
        t = times[first:first + block]
        near = (ends >= t[0] - reach) & (starts <= t[-1] + reach)
        before = np.clip(starts[near, None] - t[None, :], 0, None)
        after = np.clip(t[None, :] - ends[near, None], 0, None)
        dominance = alpha[near, None] * np.exp(-before / ANTICIPATION - after / CARRY_OVER)
        out[first:first + block] = ((dominance.T @ targets[near] + floor_sum)
                                    / (dominance.sum(0) + floor_count)[:, None])
    return out


def _smooth_jaw(jaw: np.ndarray, fps: float) -> np.ndarray:
    k_open, k_close = 1 - np.exp(-1 / (fps * OPEN_TAU)), 1 - np.exp(-1 / (fps * CLOSE_TAU))
    out = np.empty_like(jaw)
    level = 0.0
    for i, target in enumerate(jaw):
        level += (k_open if target > level else k_close) * (target - level)
        out[i] = level
    return out


def frames_in(start: float, end: float, fps: float, n_frames: int) -> np.ndarray:
    """Frames whose centre lies in [start, end]; at least the nearest one, so short phones still show."""
    first = int(np.ceil(start * fps - 0.5))
    last = int(np.floor(end * fps - 0.5))
    if last < first:
        first = last = int(np.clip(round((start + end) / 2 * fps - 0.5), 0, n_frames - 1))
    return np.arange(max(first, 0), min(last, n_frames - 1) + 1)


def loudness_mouth(features: FrameFeatures, fps: float, n_frames: int) -> np.ndarray:
    """Fallback without phones (a recording with no transcript): the jaw follows voiced loudness."""
    mouth = np.zeros((n_frames, len(MOUTH)), np.float32)
    m = min(n_frames, features.n_frames)
    voiced_loudness = features.loudness[:m] * np.where(features.voiced[:m], 1.0, 0.5)
    jaw = np.clip((voiced_loudness - 0.2) / 0.8, 0, 1) * 0.7
    mouth[:m, MOUTH.index("jaw_open")] = _smooth_jaw(jaw.astype(np.float32), fps)
    return mouth


def mouth_track(utterance: Utterance, features: FrameFeatures, fps: float, n_frames: int) -> np.ndarray:
    """(n_frames, len(MOUTH)) mouth parameters for an utterance starting at frame 0."""
    if not utterance.phones:
        return loudness_mouth(features, fps, n_frames)
    times = frame_times(n_frames, fps)
    segs = phone_segments(utterance)
    mouth = blend_targets(segs, times)
    jaw = MOUTH.index("jaw_open")
    loudness = np.zeros(n_frames, np.float32)
    m = min(n_frames, features.n_frames)
    loudness[:m] = features.loudness[:m]
    mouth[:, jaw] *= np.clip(0.55 + 0.6 * loudness, 0.0, 1.15)
    mouth[:, jaw] = _smooth_jaw(mouth[:, jaw], fps)
    # short vowels between consonants lose their peak to blending and smoothing: every open vowel
    # reaches at least 70% of its target on the frame nearest its middle
    for seg in segs:
        if seg.viseme.target("jaw_open") >= 0.6:
            idx = frames_in((seg.start + seg.end) / 2, (seg.start + seg.end) / 2, fps, n_frames)
            floor = 0.7 * seg.viseme.target("jaw_open") * (0.6 + 0.4 * loudness[idx])
            mouth[idx, jaw] = np.maximum(mouth[idx, jaw], floor)

    closed = np.zeros(len(MOUTH), np.float32)
    for seg in segs:
        if seg.viseme.closure:
            lead = np.clip(seg.end - seg.start, *CLOSURE_LEAD)
            idx = frames_in(min(seg.start, seg.end - lead), seg.end - 0.01, fps, n_frames)
            mouth[idx] = closed
            mouth[idx, MOUTH.index("lip_press")] = np.maximum(mouth[idx, MOUTH.index("lip_press")], 0.9)
        elif seg.viseme.name == "labiodental":
            idx = frames_in(seg.start, seg.end, fps, n_frames)
            mouth[idx, MOUTH.index("lower_lip_tuck")] = np.maximum(mouth[idx, MOUTH.index("lower_lip_tuck")], 0.85)
            mouth[idx, jaw] = np.clip(mouth[idx, jaw], 0.08, 0.2)
        elif seg.viseme.name == "rest" and seg.end - seg.start > SILENT_AFTER:
            idx = frames_in(seg.start + SILENT_AFTER, seg.end, fps, n_frames)
            mouth[idx] = closed
    # the lower lip can only tuck as far as the jaw has opened (it rests against the upper teeth)
    tuck = MOUTH.index("lower_lip_tuck")
    mouth[:, tuck] = np.minimum(mouth[:, tuck], mouth[:, jaw] / 0.12)
    return np.clip(mouth, 0.0, 1.0)
