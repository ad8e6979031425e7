"""Lip metrics as a viewer sees them: dlib's 68 points (`dlib68`) on every rendered frame.

Measure: inner-lip gap = mean vertical distance of the inner-lip pairs 61-67, 62-66, 63-65 over the
outer-eye-corner distance 36-45 (`dlib68.lip_gap`). Absolute thresholds, the same on every portrait:

- p/b/m closed: share of bilabial closure windows (the motion model's closure rule,
  `core.closure_windows`, +-1 frame) holding a frame with gap < 0.04;
- rest in silence: share of frames more than 150 ms into a pause (`core.silent_frames`) with
  gap < 0.04;
- open vowels open: share of open-vowel windows (+-1 frame) holding a frame with gap >
  max(0.08, rest gap + 0.05), the rest gap read on the portrait's rest frame. Open vowels are the
  phones in `OPEN_VOWELS`, chosen by IPA symbol (the mesh metric of `core` picks visemes with
  jaw_open >= 0.6 instead: a/ɑ/ɒ/ä, æ/ɐ/aɪ/aʊ and ʌ, but not ɔ);
- SSIM of the face outside mouth and eyes, with the mouth and eyes excluded by dlib's points
  (`dlib68.exclusion_mask`) instead of the mesh's.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from avatar.eval import dlib68

# diphthongs count by their first part (as the motion model splits them: aɪ -> aɪ + ɪ glide);
# ɑ and ɒ are how espeak-ng writes "a" in en-us ("father") and en-gb ("lot")
OPEN_VOWELS = ("a", "ɑ", "ɒ", "æ", "ʌ", "ɔ", "aɪ", "aʊ")

TARGETS = {
    "bilabial_closed": 0.95,
    "silence_closed": 0.95,
    "open_vowels_open": 0.90,
    "ssim_face": 0.90,
}
LABELS = {
    "bilabial_closed": "p/b/m closed",
    "silence_closed": "rest in silence",
    "open_vowels_open": "open vowels open",
    "ssim_face": "SSIM outside mouth+eyes",
}


def phone_windows(utterance, fps: float, n_frames: int, symbols) -> list:
    """Windows of the phone parts (as `speech.phonemes.segments` splits a phone, the way the motion
    model does) whose IPA symbol is in `symbols`; the label is the symbol."""
    from avatar.eval.core import Window
    from avatar.motion.lipsync import frames_in
    from speech.phonemes import segments

    wanted = set(symbols)
    out = []
    for phone in utterance.phones:
        parts = segments(phone.symbol)
        if not parts:
            continue
        share = (phone.end - phone.start) / len(parts)
        for k, part in enumerate(parts):
            start = phone.start + k * share
            if part in wanted and start < n_frames / fps:
                out.append(Window(part, start, start + share, frames_in(start, start + share, fps, n_frames)))
    return out


def open_vowel_windows(utterance, fps: float, n_frames: int) -> list:
    return phone_windows(utterance, fps, n_frames, OPEN_VOWELS)


@dataclass
class DlibRest:
    """dlib on a portrait's rendered rest frame."""
    box: tuple[int, int, int, int]
    box_source: str  # "dlib", "dlib_upsampled" or "mesh" (dlib found no face: a box from our mesh)
    points: np.ndarray  # (68, 2)
    gap: float
    eye_px: float

    @property
    def open_threshold(self) -> float:
        return dlib68.open_threshold(self.gap)


def rest_measure(backend: dlib68.DlibLandmarks, rest_frame: np.ndarray, mesh_points: np.ndarray) -> DlibRest:
    box, source = backend.detect(rest_frame)
    if box is None:
        box, source = dlib68.box_from_mesh(mesh_points), "mesh"
    points = backend.landmarks(rest_frame, box)
    eye = float(np.linalg.norm(points[dlib68.EYE_CORNERS[1]] - points[dlib68.EYE_CORNERS[0]]))
    return DlibRest(box, source, points, float(dlib68.lip_gap(points)), eye)


def measure_pair(backend: dlib68.DlibLandmarks, rest: DlibRest, frames, utterance, fps: float, closures,
                 silent: np.ndarray) -> tuple[dict, np.ndarray]:
    """The dlib metrics of one render; returns (JSON-ready dict, per-frame gap)."""
    from avatar.eval.core import SLACK, closure_hits, open_hits, widen

    n = len(frames)
    tracked = backend.track(frames, rest.box)
    gap = dlib68.lip_gap(tracked.points)
    closures = [w for w in closures if len(w.frames)]
    closed_ok = closure_hits(gap, closures, dlib68.CLOSED_GAP)
    silent_ok = gap[silent] < dlib68.CLOSED_GAP
    vowels = [w for w in open_vowel_windows(utterance, fps, n) if len(w.frames)]
    open_thr = rest.open_threshold
    vowel_ok = open_hits(gap, vowels, open_thr)
    result = {
        "bilabial": {"n": int(len(closed_ok)), "closed": int(closed_ok.sum()),
                     "missed": [{"t": round(w.start, 3), "min_gap": round(float(gap[widen(w.frames, SLACK, n)].min()), 4)}
                                for w, ok in zip(closures, closed_ok) if not ok]},
        "silence": {"n": int(len(silent)), "closed": int(silent_ok.sum()),
                    "open_frames": silent[~silent_ok].tolist(),
                    "max_gap": round(float(gap[silent].max()), 4) if len(silent) else None},
        "open_vowels": {"n": int(len(vowel_ok)), "open": int(vowel_ok.sum()), "threshold": round(open_thr, 4),
                        "missed": [{"phone": w.label, "t": round(w.start, 3),
                                    "max_gap": round(float(gap[widen(w.frames, SLACK, n)].max()), 4)}
                                   for w, ok in zip(vowels, vowel_ok) if not ok]},
        "box_sources": dict(Counter(tracked.sources)),
        "gap_max": float(gap.max()) if n else float("nan"),
    }
    return result, gap


def ssim_mask(backend: dlib68.DlibLandmarks, rest: DlibRest, frames, face: np.ndarray, dilate: int):
    """Per still frame: the face mask minus dlib's mouth and eye regions of the rest frame and of the
    frame. Head motion is zeroed in these frames, so the face stays in the rest frame's box: only
    the shape predictor runs on each."""
    import cv2

    shape = face.shape[:2]
    base = dlib68.exclusion_mask(rest.points, shape, dilate)
    for frame in frames:
        points = backend.landmarks(frame, rest.box)
        excl = cv2.bitwise_or(base, dlib68.exclusion_mask(points, shape, dilate))
        yield cv2.bitwise_and(face, cv2.bitwise_not(excl))


def _share(num: int, den: int) -> float:
    return num / den if den else float("nan")


def aggregate(pairs: list[dict]) -> dict:
    """Sums over the `dlib` entries of pair results (pairs without one are ignored)."""
    d = [p["dlib"] for p in pairs if "dlib" in p]
    bil_n = sum(x["bilabial"]["n"] for x in d)
    sil_n = sum(x["silence"]["n"] for x in d)
    vow_n = sum(x["open_vowels"]["n"] for x in d)
    sources: Counter = Counter()
    for x in d:
        sources.update(x["box_sources"])
    misses = {
        "bilabial": sorted(({"sentence": p["sentence"], **m} for p in pairs if "dlib" in p
                            for m in p["dlib"]["bilabial"]["missed"]), key=lambda m: -m["min_gap"]),
        "open_vowels": sorted(({"sentence": p["sentence"], **m} for p in pairs if "dlib" in p
                               for m in p["dlib"]["open_vowels"]["missed"]), key=lambda m: m["max_gap"]),
        "silence_max_gap": max((x["silence"]["max_gap"] for x in d if x["silence"]["max_gap"] is not None),
                               default=None),
    }
    ssims = [x["ssim"]["mean"] for x in d if "ssim" in x]
    return {
        "renders": len(d),
        "bilabial_closed": _share(sum(x["bilabial"]["closed"] for x in d), bil_n), "bilabial_n": bil_n,
        "silence_closed": _share(sum(x["silence"]["closed"] for x in d), sil_n), "silence_n": sil_n,
        "open_vowels_open": _share(sum(x["open_vowels"]["open"] for x in d), vow_n), "open_vowels_n": vow_n,
        "ssim_face": float(np.mean(ssims)) if ssims else float("nan"),
        "ssim_face_min": float(np.min([x["ssim"]["min"] for x in d if "ssim" in x])) if ssims else float("nan"),
        "box_sources": dict(sources),
        "misses": misses,
    }


def passes(key: str, value) -> bool | None:
    if value is None or not np.isfinite(value):
        return None
    return bool(value >= TARGETS[key])


def why(agg: dict, rest: dict | None) -> str:
    """One line: which targets a portrait missed, with the worst examples; '' when all pass."""
    parts = []
    m = agg.get("misses", {})
    for key in TARGETS:
        ok = passes(key, agg.get(key))
        if ok is not False:
            continue
        text = f"{LABELS[key]} {agg[key]:.3f} < {TARGETS[key]:.2f}"
        if key == "bilabial_closed" and m.get("bilabial"):
            w = m["bilabial"][0]
            text += (f" ({len(m['bilabial'])} of {agg['bilabial_n']} missed; worst: gap {w['min_gap']:.3f} "
                     f"at {w['t']:.2f} s in {w['sentence']})")
        elif key == "silence_closed" and m.get("silence_max_gap") is not None:
            text += f" (largest pause gap {m['silence_max_gap']:.3f})"
        elif key == "open_vowels_open" and m.get("open_vowels"):
            w = m["open_vowels"][0]
            text += (f" ({len(m['open_vowels'])} of {agg['open_vowels_n']} missed; smallest: {w['phone']} gap "
                     f"{w['max_gap']:.3f} at {w['t']:.2f} s in {w['sentence']})")
        parts.append(text)
    if rest is not None:
        if rest["gap"] >= dlib68.CLOSED_GAP:
            parts.append(f"the rest frame itself reads open (gap {rest['gap']:.3f})")
        if rest["box_source"] == "mesh":
            parts.append("dlib found no face on the rest frame: measured in a box from our mesh")
    fallback = agg.get("box_sources", {}).get("rest_box", 0)
    total = sum(agg.get("box_sources", {}).values())
    if fallback and total and fallback / total > 0.05:
        parts.append(f"dlib lost the face on {fallback}/{total} frames (rest box used)")
    return "; ".join(parts)
