"""Lip-sync and render quality, measured on rendered frames.

Renders sentences on portraits, re-detects the face on every rendered frame and compares what the
face does with what the motion track commanded: with the product's own 468-point mesh (this
module) and with an independent model, dlib's 68 points (`avatar.eval.independent`).

    python -m avatar.eval [--portraits NAME|SET|PATH ...] [--sentences ID ...] [--recording WAV
                          --transcript TEXT_OR_FILE] [--contact-sheet PNG] [--out results.json] [--markdown]

Portraits: the shipped Grace Hopper photo, the test astronaut (upscaled 2x: her face is under the
96 px minimum otherwise) and variants generated at run time in a temporary folder (flipped,
rotated +-10 degrees on a canvas that crops nothing, darker/lighter skin tone in LAB, a smaller
face in a larger canvas, an off-centre crop); sets and folders: `avatar.eval.portraits`.
Sentences: `SENTENCES` below (espeak-ng voices), and recordings of real speech (`Recording`).

For every portrait x sentence the utterance is padded with `LEAD` s of silence before and `TAIL`
after, turned into a MotionTrack, rendered at `SIZE` px, and the 468-point mesh is re-detected on
every frame (detector once on the rest frame, then the mesh model on that fixed region: the head
moves a few degrees at most). Mouth opening = inner-lip gap (points 13-14) / mouth width (61-291),
minus its value on the rest frame. Metrics (see `metric_rows` for the targets):

- correlation of measured opening with the commanded jaw_open, over all frames;
- p/b/m: share of bilabial segments whose closure window (the frames the motion model forces shut,
  avatar.motion.lipsync CLOSURE_LEAD rule) holds a closed frame, allowing one frame either side;
- silence: share of frames more than 150 ms into a pause (gap >= 0.3 s between phones, and the
  added lead-in and tail) whose opening is under the closed threshold;
- open vowels: share of segments whose viseme has jaw_open >= 0.6 where the opening exceeds the
  open threshold in the segment's frames (+-1 frame);
- SSIM of the face outside mouth and eyes: a second render of the track with head motion (yaw,
  pitch, roll, tx, ty) zeroed, each frame against the portrait crop the rig was made from, on the
  face oval minus the (dilated) lip and eye regions of the rest pose and of the frame's re-detected
  mesh; so the number covers the rest-pose warp, jaw/lip deformation spilling outside the mouth,
  blinks spilling outside the eye region, brow raises and the painted interior;
- jitter in still segments: (a) 50 frames of a constant pose rendered twice over (pixel-identical?)
  with the face detected afresh on each frame, landmark std in px; (b) in the speech renders, the
  pause frames (head damped, mouth shut): noise estimated from second differences of the
  re-detected non-eye landmarks, sqrt(mean(d2^2) / 6) px (white noise of std s has var(d2) = 6 s^2;
  the slow sway contributes almost nothing);
- phone timing: median |engine phone start - forced-alignment phone start| in ms, via
  speech.align (pocketsphinx) when it can be imported, English sentences only.

Thresholds: "closed" and "open" are set from the re-detection noise, measured by running the mesh
model on the rest frame with its crop region jittered (as a moving head shifts it): closed =
max(CLOSED_FLOOR, 4 sigma), open = max(OPEN_FLOOR, 10 sigma), in mouth widths. The floors are 1 px
and 3.5 px of a 45 px-wide mouth at 256 px.
"""
from __future__ import annotations

import argparse
import difflib
import importlib
import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from avatar.plan import DEFAULT_PORTRAIT

HOPPER = DEFAULT_PORTRAIT  # the bundled portrait

FPS = 25.0
SIZE = 256
SEED = 0
LEAD, TAIL = 0.6, 0.6  # s of silence added before and after each sentence
PAUSE_GAP = 0.3  # s: a gap between phones at least this long is a pause for the silence metric
SILENT_AFTER = 0.15  # s into a pause from which the mouth must be shut
OPEN_VISEME_JAW = 0.6  # visemes with at least this jaw_open are "open vowels"
SLACK = 1  # frames of tolerance either side of a closure / vowel window
CLOSED_FLOOR, OPEN_FLOOR = 0.022, 0.078  # mouth widths (~1 px and ~3.5 px at 256 px)
CLOSED_SIGMAS, OPEN_SIGMAS = 4.0, 10.0
STILL_FRAMES = 50
HEAD = ("yaw", "pitch", "roll", "tx", "ty")

TARGETS = {
    "bilabial_closure": (">=", 0.95),
    "silence_closed": (">=", 0.95),
    "open_vowels_open": (">=", 0.90),
    "ssim_face": (">=", 0.90),
    "jitter_px": ("<", 0.5),
    "phone_timing_median_ms": ("<", 20.0),
}

# (id, espeak voice, text): bilabials, labiodentals, open vowels, pauses ("..."), questions
SENTENCES: list[tuple[str, str, str]] = [
    ("en_bilabial", "en-us", "Please bring my map back before the big bus comes."),
    ("en_labiodental", "en-us", "Five very fine violins fell off the van."),
    ("en_open", "en-us", "Father saw a large dark car at the farm... far, far away."),
    ("en_question", "en-us", "Why are you so calm? Are you not worried at all?"),
    ("en_pause", "en-us", "Maybe the problem... is bigger than we thought."),
    ("en_welcome", "en-us", "Hello everyone, and welcome to the team. Let's get started."),
    ("en_pangram", "en-us", "The quick brown fox jumps over the lazy dog."),
    ("en_mixed", "en-us", "Remember: profits matter, but people matter more... much more, don't they?"),
    ("de", "de", "Guten Morgen, mein Name ist Paula, und das ist mein Bruder."),
    ("es", "es", "Buenos días, me llamo Pablo y vivo en Barcelona."),
]

# the shipped portraits speak every sentence; the generated variants this subset (keeps a default run
# to a few minutes on 2 cores; --full runs everything on everything)
BASE_PORTRAITS = ("hopper", "astronaut_2x")
VARIANT_SENTENCES = ("en_bilabial", "en_open", "en_pause", "es")
SSIM_STRIDE = 2


# ----------------------------------------------------------------------------- portraits

def _rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate on a canvas large enough that no corner of the photo is cut off."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    c, s = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(math.ceil(h * s + w * c)), int(math.ceil(h * c + w * s))
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(image, m, (nw, nh), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def _tone(image: np.ndarray, l_scale: float, l_shift: float, a_shift: float, b_shift: float) -> np.ndarray:
    lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB).astype(np.float32)
    lab[..., 0] = lab[..., 0] * l_scale + l_shift
    lab[..., 1] += a_shift
    lab[..., 2] += b_shift
    return cv2.cvtColor(np.clip(lab, 0, 255).astype(np.uint8), cv2.COLOR_LAB2BGR)


def make_portraits(folder: Path, astronaut: Path) -> dict[str, Path]:
    """The evaluation portraits (name -> path) written to `folder`: the bundled photo, the astronaut
    photo (the test portrait, `tests/data/astronaut.png` in the checkout) upscaled 2x, and variants
    generated from the two."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    hopper = cv2.imread(str(HOPPER))
    astro = cv2.imread(str(astronaut))
    if astro is None:
        raise ValueError(f"{astronaut}: not an image (the astronaut portrait)")
    astro2 = cv2.resize(astro, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    h2, w2 = astro2.shape[:2]
    # the hopper photo at 0.75x (face ~140 px wide) on a 1.5x larger grey canvas, off the centre line
    small = cv2.resize(hopper, None, fx=0.75, fy=0.75, interpolation=cv2.INTER_AREA)
    canvas = np.full((int(hopper.shape[0] * 1.1), int(hopper.shape[1] * 1.2), 3), 128, np.uint8)
    y, x = canvas.shape[0] - small.shape[0], int(0.1 * canvas.shape[1])
    canvas[y:y + small.shape[0], x:x + small.shape[1]] = small
    images = {
        "hopper": hopper,
        "astronaut_2x": astro2,
        "hopper_flip": hopper[:, ::-1],
        "hopper_rot-10": _rotate(hopper, -10),
        "astronaut_rot+10": _rotate(astro2, 10),
        "hopper_darker": _tone(hopper, 0.72, 0, 6, 10),
        "astronaut_lighter": _tone(astro2, 0.85, 45, -4, -8),
        "hopper_small": canvas,
        # face towards the right edge and the top: crop away the left 35% and the bottom 30%
        "astronaut_offcentre": astro2[: int(0.7 * h2), int(0.35 * w2):],
    }
    paths = {}
    for name, image in images.items():
        path = folder / f"{name}.png"
        cv2.imwrite(str(path), np.ascontiguousarray(image))
        paths[name] = path
    return paths


# ----------------------------------------------------------------------------- speech

def pad_utterance(utt, lead: float = LEAD, tail: float = TAIL):
    """The utterance with `lead` s of silence before and `tail` s after (phones and words shifted)."""
    from dataclasses import replace

    from speech.types import Utterance

    sr = utt.sample_rate
    samples = np.concatenate([np.zeros(int(round(lead * sr)), np.float32), np.asarray(utt.samples, np.float32),
                              np.zeros(int(round(tail * sr)), np.float32)])
    shift = int(round(lead * sr)) / sr
    phones = [replace(p, start=p.start + shift, end=p.end + shift) for p in utt.phones]
    words = [replace(w, start=w.start + shift, end=w.end + shift) for w in utt.words]
    return Utterance(samples, sr, phones, words, utt.text)


# ----------------------------------------------------------------------------- measurement

def mouth_opening(points: np.ndarray) -> np.ndarray:
    """(..., 468, >=2) mesh points -> (...) inner-lip gap (13-14) over mouth width (61-291)."""
    points = np.asarray(points, np.float64)
    gap = np.linalg.norm(points[..., 14, :2] - points[..., 13, :2], axis=-1)
    width = np.linalg.norm(points[..., 291, :2] - points[..., 61, :2], axis=-1)
    # a gap measured with the lower lip above the upper one is no opening
    sign = np.sign(points[..., 14, 1] - points[..., 13, 1])
    return sign * gap / np.maximum(width, 1e-6)


def mouth_width_px(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[291, :2] - points[61, :2]))


def rest_roi(frame: np.ndarray):
    """The mesh crop region for a rendered presenter frame (largest detected face)."""
    from avatar.face.detect import detect_faces
    from avatar.face.mesh import roi_from_box

    boxes = detect_faces(frame)
    if not boxes:
        raise RuntimeError("no face detected on the rendered rest frame")
    return roi_from_box(boxes[0])


def redetect(frames, roi) -> np.ndarray:
    """(N, 468, 2) mesh points re-detected on each frame inside the fixed crop region `roi`."""
    from avatar.face.mesh import run_mesh

    return np.stack([run_mesh(frame, roi).points[:, :2] for frame in frames])


def redetect_fresh(frames) -> np.ndarray:
    """(N, 468, 2) mesh points with the face detected afresh on every frame (no tracking)."""
    from avatar.face.mesh import run_mesh

    return np.stack([run_mesh(frame, rest_roi(frame)).points[:, :2] for frame in frames])


def redetection_noise(frame: np.ndarray, roi, n: int = 24, seed: int = 0) -> tuple[float, float]:
    """Std of the mouth opening (mouth widths) and mean landmark std (px) when the mesh runs on the
    same frame with its crop region moved as a moving head moves it: +-3% of the side in position,
    +-4% in size, +-3 degrees of roll."""
    from avatar.face.mesh import Roi, run_mesh

    rng = np.random.default_rng(seed)
    points = []
    for _ in range(n):
        jitter = Roi(roi.cx + rng.uniform(-0.03, 0.03) * roi.side, roi.cy + rng.uniform(-0.03, 0.03) * roi.side,
                     roi.side * rng.uniform(0.96, 1.04), roi.roll + math.radians(rng.uniform(-3, 3)))
        points.append(run_mesh(frame, jitter).points[:, :2])
    points = np.stack(points)
    return float(mouth_opening(points).std()), float(points.std(0).mean())


def thresholds(sigma: float) -> tuple[float, float]:
    """(closed, open) thresholds on the rest-relative opening, in mouth widths."""
    return max(CLOSED_FLOOR, CLOSED_SIGMAS * sigma), max(OPEN_FLOOR, OPEN_SIGMAS * sigma)


# ----------------------------------------------------------------------------- windows

def widen(frames: np.ndarray, slack: int, n_frames: int) -> np.ndarray:
    if len(frames) == 0:
        return frames
    return np.arange(max(frames[0] - slack, 0), min(frames[-1] + slack, n_frames - 1) + 1)


@dataclass
class Window:
    label: str  # phone symbol
    start: float
    end: float
    frames: np.ndarray


def closure_windows(utterance, fps: float, n_frames: int) -> list[Window]:
    """For each bilabial segment, the frames the motion model closes the lips in: from
    CLOSURE_LEAD (clipped to the segment length) before the segment's end to 10 ms before it."""
    from avatar.motion.lipsync import CLOSURE_LEAD, frames_in, phone_segments

    out = []
    for seg in phone_segments(utterance):
        if seg.viseme.closure and seg.start < n_frames / fps:
            lead = float(np.clip(seg.end - seg.start, *CLOSURE_LEAD))
            start = min(seg.start, seg.end - lead)
            out.append(Window(seg.viseme.name, start, seg.end, frames_in(start, seg.end - 0.01, fps, n_frames)))
    return out


def open_vowel_windows(utterance, fps: float, n_frames: int) -> list[Window]:
    """Segments whose viseme opens the jaw at least OPEN_VISEME_JAW, with their frames."""
    from avatar.motion.lipsync import frames_in, phone_segments

    return [Window(seg.viseme.name, seg.start, seg.end, frames_in(seg.start, seg.end, fps, n_frames))
            for seg in phone_segments(utterance)
            if seg.viseme.target("jaw_open") >= OPEN_VISEME_JAW and seg.start < n_frames / fps]


def pauses(utterance, min_gap: float = PAUSE_GAP) -> list[tuple[float, float]]:
    """Silent spans: the lead-in before the first phone, gaps >= min_gap, the tail after the last."""
    spans, cursor = [], 0.0
    for phone in utterance.phones:
        if phone.start - cursor >= min_gap or (not spans and cursor == 0.0 and phone.start >= min_gap):
            spans.append((cursor, phone.start))
        cursor = max(cursor, phone.end)
    if utterance.duration - cursor >= min_gap:
        spans.append((cursor, utterance.duration))
    return spans


def silent_frames(utterance, fps: float, n_frames: int, after: float = SILENT_AFTER) -> np.ndarray:
    """Frames whose centre lies more than `after` s into a pause (and still inside it)."""
    times = (np.arange(n_frames) + 0.5) / fps
    mask = np.zeros(n_frames, bool)
    for start, end in pauses(utterance):
        mask |= (times >= start + after) & (times <= end)
    return np.flatnonzero(mask)


# ----------------------------------------------------------------------------- metrics

def closure_hits(opening: np.ndarray, windows: list[Window], closed: float, slack: int = SLACK) -> np.ndarray:
    """Per window: does the opening drop under `closed` in some frame of it (+- slack frames)?"""
    n = len(opening)
    return np.array([bool((opening[widen(w.frames, slack, n)] < closed).any()) for w in windows if len(w.frames)],
                    bool)


def open_hits(opening: np.ndarray, windows: list[Window], open_: float, slack: int = SLACK) -> np.ndarray:
    n = len(opening)
    return np.array([bool((opening[widen(w.frames, slack, n)] > open_).any()) for w in windows if len(w.frames)],
                    bool)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if len(a) < 2 or a.std() < 1e-12 or b.std() < 1e-12:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def second_difference_noise(points: np.ndarray, runs: list[np.ndarray]) -> float:
    """Noise std (px) of landmark tracks estimated from second differences within runs of
    consecutive frames: sqrt(mean(|d2|^2 per coordinate) / 6)."""
    d2 = [np.diff(points[run], n=2, axis=0) for run in runs if len(run) >= 3]
    if not d2:
        return float("nan")
    d2 = np.concatenate(d2)
    return float(np.sqrt(np.mean(d2 ** 2) / 6.0))


def consecutive_runs(frames: np.ndarray) -> list[np.ndarray]:
    if len(frames) == 0:
        return []
    cuts = np.flatnonzero(np.diff(frames) != 1) + 1
    return np.split(frames, cuts)


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-pixel SSIM of two grayscale images (Wang et al. 2004: Gaussian window sigma 1.5, K1 0.01,
    K2 0.03, range 255)."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(x):
        return cv2.GaussianBlur(x, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a ** 2
    var_b = blur(b * b) - mu_b ** 2
    cov = blur(a * b) - mu_a * mu_b
    return ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))


def gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)


def _polygon(points: np.ndarray, upper, lower) -> np.ndarray:
    return np.concatenate([points[list(upper), :2], points[list(lower), :2][::-1]])


def exclusion_mask(points: np.ndarray, size: int, dilate_px: int) -> np.ndarray:
    """uint8 mask of the lip region and both eye regions (with lids up to the lid-skin ring), dilated."""
    from avatar.face import landmarks as lm

    mask = np.zeros((size, size), np.uint8)
    polys = [_polygon(points, lm.LIPS_OUTER_UPPER, lm.LIPS_OUTER_LOWER),
             _polygon(points, lm.RIGHT_EYE_LID_SKIN, lm.RIGHT_EYE_LOWER),
             _polygon(points, lm.LEFT_EYE_LID_SKIN, lm.LEFT_EYE_LOWER)]
    for poly in polys:
        cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 255)
    if dilate_px > 0:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * dilate_px + 1, 2 * dilate_px + 1))
        mask = cv2.dilate(mask, kernel)
    return mask


def face_mask(points: np.ndarray, size: int) -> np.ndarray:
    from avatar.face import landmarks as lm

    mask = np.zeros((size, size), np.uint8)
    cv2.fillPoly(mask, [np.round(points[list(lm.FACE_OVAL), :2]).astype(np.int32)], 255)
    return mask


def masked_ssim(frame: np.ndarray, reference: np.ndarray, mask: np.ndarray) -> float:
    m = mask > 0
    if not m.any():
        return float("nan")
    return float(ssim_map(gray(frame), gray(reference))[m].mean())


def portrait_crop(rig) -> np.ndarray:
    """The portrait crop the rig samples from (uint8 RGB, size x size)."""
    from avatar.face.rig import PAD

    src = rig.source[0, :, PAD:PAD + rig.size, PAD:PAD + rig.size].transpose(1, 2, 0)
    return np.clip(np.round(src), 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- phone timing

_ARPABET = {
    "AA": "ɑ", "AE": "æ", "AH": "ʌ", "AO": "ɔ", "AW": "aʊ", "AY": "aɪ", "B": "b", "CH": "tʃ", "D": "d",
    "DH": "ð", "EH": "ɛ", "ER": "ɚ", "EY": "eɪ", "F": "f", "G": "ɡ", "HH": "h", "IH": "ɪ", "IY": "i",
    "JH": "dʒ", "K": "k", "L": "l", "M": "m", "N": "n", "NG": "ŋ", "OW": "oʊ", "OY": "ɔɪ", "P": "p",
    "R": "ɹ", "S": "s", "SH": "ʃ", "T": "t", "TH": "θ", "UH": "ʊ", "UW": "u", "V": "v", "W": "w",
    "Y": "j", "Z": "z", "ZH": "ʒ",
}


def _phone_fields(phone) -> tuple[str, float]:
    if hasattr(phone, "symbol"):
        return str(phone.symbol), float(phone.start)
    return str(phone[0]), float(phone[1])


def _phone_class(symbol: str) -> str:
    """A coarse class for matching engine phones with aligner phones: the viseme of the first part."""
    from speech.phonemes import segments, viseme_class

    sym = symbol.strip()
    if sym.isascii() and sym.upper() == sym and sym.rstrip("012") in _ARPABET:
        sym = "ə" if sym == "AH0" else _ARPABET[sym.rstrip("012")]
    parts = segments(sym)
    return viseme_class(parts[0]) if parts else ""


def timing_errors(engine_phones, aligned_phones) -> np.ndarray:
    """|start difference| in seconds for engine and aligner phones matched in order by class."""
    a = [(c, s) for c, s in ((_phone_class(sym), start) for sym, start in map(_phone_fields, engine_phones)) if c]
    b = [(c, s) for c, s in ((_phone_class(sym), start) for sym, start in map(_phone_fields, aligned_phones)) if c]
    matcher = difflib.SequenceMatcher(None, [c for c, _ in a], [c for c, _ in b], autojunk=False)
    errors = []
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            errors.append(abs(a[block.a + k][1] - b[block.b + k][1]))
    return np.array(errors, np.float64)


def aligner():
    """speech.align.align, or (None, reason)."""
    try:
        module = importlib.import_module("speech.align")
    except Exception as exc:  # noqa: BLE001 - any import failure makes the metric unavailable
        return None, f"speech.align not importable ({type(exc).__name__}: {exc})"
    fn = getattr(module, "align", None)
    if fn is None:
        return None, "speech.align has no align()"
    return fn, ""


# ----------------------------------------------------------------------------- the run

@dataclass
class PortraitSetup:
    name: str
    rig: object
    renderer: object
    roi: object
    rest_frame: np.ndarray
    rest_opening: float
    mouth_px: float
    sigma: float
    landmark_sigma_px: float
    closed: float
    open: float
    reference: np.ndarray  # portrait crop
    rest_points: np.ndarray
    dlib: object = None  # independent.DlibRest when the independent measurement runs
    mouth_box: tuple = ()  # (x0, y0, side) of the contact-sheet close-up


def setup_portrait(name: str, path: Path, size: int = SIZE, threads: int = 0, independent=None) -> PortraitSetup:
    """Rig, renderer, rest frame and thresholds of one portrait. Raises AvatarError when the product
    refuses the portrait, RuntimeError when the rendered rest frame shows no face to our detector."""
    from avatar.eval import contact
    from avatar.face.rig import build_rig
    from avatar.motion.track import PARAMETERS
    from avatar.presenter.renderer import PresenterRenderer

    rig = build_rig(path, size=size)
    renderer = PresenterRenderer(rig, threads=threads)
    rest = renderer.render(np.zeros((1, len(PARAMETERS)), np.float32))[0]
    roi = rest_roi(rest)
    points = redetect([rest], roi)[0]
    sigma, landmark_sigma = redetection_noise(rest, roi)
    closed, open_ = thresholds(sigma)
    dlib_rest = None
    centre, width = (points[61, :2] + points[291, :2]) / 2, mouth_width_px(points)
    if independent is not None:
        from avatar.eval import dlib68
        from avatar.eval.independent import rest_measure

        dlib_rest = rest_measure(independent, rest, points)
        lips = dlib_rest.points[list(dlib68.OUTER_LIPS)]
        centre, width = lips.mean(0), float(np.linalg.norm(dlib_rest.points[54] - dlib_rest.points[48]))
    return PortraitSetup(name, rig, renderer, roi, rest, float(mouth_opening(points)), mouth_width_px(points),
                         sigma, landmark_sigma, closed, open_, portrait_crop(rig), points, dlib_rest,
                         contact.mouth_box(centre, width, rig.size))


def still_jitter(setup: PortraitSetup, n: int = STILL_FRAMES) -> dict:
    """A constant pose rendered n times (in batches, as a video is): identical frames? And the
    landmarks with the face detected afresh on each frame: std and largest displacement in px."""
    from avatar.motion.track import PARAMETERS, MotionTrack

    values = np.zeros((n, len(PARAMETERS)), np.float32)
    values[:, PARAMETERS.index("jaw_open")] = 0.3  # a mid pose, mouth painted, off the key maps
    values[:, PARAMETERS.index("yaw")] = 1.3
    values[:, PARAMETERS.index("pitch")] = -0.7
    frames = np.stack(list(setup.renderer.frames(MotionTrack(FPS, values))))
    max_diff = int(np.abs(frames.astype(np.int16) - frames[:1].astype(np.int16)).max())
    points = redetect_fresh(frames)
    std = points.std(0)  # (468, 2)
    disp = np.linalg.norm(points - points.mean(0), axis=-1)
    return {"frames": n, "pixel_identical": max_diff == 0, "max_pixel_diff": max_diff,
            "landmark_std_px": float(np.linalg.norm(std, axis=-1).mean()), "landmark_max_disp_px": float(disp.max())}


@dataclass(frozen=True)
class Recording:
    """A real recording with its transcript, narrated instead of a synthesised sentence (forced
    alignment gives the phones: English, pocketsphinx). Any audio file soundfile reads works."""
    path: Path
    transcript: str
    id: str = ""

    @property
    def voice(self) -> str:
        return "recording"

    @property
    def sid(self) -> str:
        return self.id or f"rec:{Path(self.path).stem}"

    def describe(self) -> list[str]:
        return [self.sid, self.voice, self.transcript, str(self.path)]

    def utterance(self):
        """The loudness-normalised recording with aligned phones (cached per process)."""
        return _recording_utterance(str(Path(self.path).resolve()), self.transcript)


_RECORDINGS: dict = {}


def _recording_utterance(path: str, transcript: str):
    key = (path, transcript)
    if key not in _RECORDINGS:
        from avatar.errors import AvatarError
        from avatar.narration import recording_utterance

        warnings: list[str] = []
        utt = recording_utterance(Path(path), transcript, warnings.append)
        if not utt.phones:
            raise AvatarError(path, "no phones from forced alignment" + (f" ({warnings[0]})" if warnings else "")
                              + ": the lip metrics need them (pip install pocketsphinx)")
        _RECORDINGS[key] = utt
    return _RECORDINGS[key]


def sentence_id(sentence) -> str:
    return sentence.sid if isinstance(sentence, Recording) else sentence[0]


def narrate(sentence):
    """(id, voice, text, utterance) of a synthesised sentence (id, voice, text) or a Recording."""
    if isinstance(sentence, Recording):
        return sentence.sid, sentence.voice, sentence.transcript, sentence.utterance()
    from speech.tts import synthesize

    sid, voice, text = sentence
    return sid, voice, text, synthesize(text, voice)


def evaluate_pair(setup: PortraitSetup, sentence, align_fn=None, ssim_stride: int = 1,
                  keep_frames: bool = False, independent=None, contact: bool = False) -> dict:
    """One portrait x one narration (a sentence tuple or a Recording). With `independent` (a
    dlib68.DlibLandmarks) the dlib metrics are added under "dlib"; with `contact` the close-ups of
    the contact sheet under "_contact"."""
    from avatar.face import landmarks as lm
    from avatar.motion import build_motion
    from avatar.motion.track import PARAMETERS
    from speech.features import frame_features

    sid, voice, text, raw = narrate(sentence)
    utt = pad_utterance(raw)
    features = frame_features(utt, FPS)
    n = features.n_frames
    track = build_motion(utt, features, FPS, n, seed=SEED)
    frames = np.stack(list(setup.renderer.frames(track)))
    points = redetect(frames, setup.roi)
    opening = mouth_opening(points) - setup.rest_opening
    jaw = track["jaw_open"]

    closures = closure_windows(utt, FPS, n)
    closure_ok = closure_hits(opening, closures, setup.closed)
    # strict variant: every frame of the window (no slack) closed
    closure_frames = np.concatenate([w.frames for w in closures]) if closures else np.zeros(0, int)
    silent = silent_frames(utt, FPS, n)
    silent_ok = opening[silent] < setup.closed
    vowels = open_vowel_windows(utt, FPS, n)
    vowel_ok = open_hits(opening, vowels, setup.open)

    # SSIM: head motion zeroed, against the portrait crop, outside dilated mouth and eye regions
    still_values = track.values.copy()
    for name in HEAD:
        still_values[:, PARAMETERS.index(name)] = 0.0
    idx = np.arange(0, n, ssim_stride)
    still_values = still_values[idx]
    still_frames = np.concatenate([setup.renderer.render(still_values[i:i + 8]) for i in range(0, len(idx), 8)])
    dilate = max(2, int(round(0.12 * setup.mouth_px)))
    base_excl = exclusion_mask(setup.rest_points, setup.rig.size, dilate)
    base_face = face_mask(setup.rig.mesh[:, :2], setup.rig.size)
    still_points = redetect(still_frames, setup.roi)
    ssims = []
    for k in range(len(idx)):
        excl = cv2.bitwise_or(base_excl, exclusion_mask(still_points[k], setup.rig.size, dilate))
        ssims.append(masked_ssim(still_frames[k], setup.reference, cv2.bitwise_and(base_face, cv2.bitwise_not(excl))))
    ssims = np.array(ssims)

    dlib_result, gap = None, None
    if independent is not None and setup.dlib is not None:
        from avatar.eval import independent as ind

        dlib_result, gap = ind.measure_pair(independent, setup.dlib, frames, utt, FPS, closures, silent)
        dlib_ssims = np.array([masked_ssim(still_frames[k], setup.reference, mask) for k, mask in
                               enumerate(ind.ssim_mask(independent, setup.dlib, still_frames, base_face, dilate))])
        dlib_result["ssim"] = {"mean": float(np.nanmean(dlib_ssims)), "min": float(np.nanmin(dlib_ssims))}

    # jitter in pauses: non-eye landmarks
    eyes = set(lm.RIGHT_EYE_UPPER + lm.RIGHT_EYE_LOWER + lm.LEFT_EYE_UPPER + lm.LEFT_EYE_LOWER + lm.RIGHT_EYE_CREASE
               + lm.LEFT_EYE_CREASE + lm.RIGHT_EYE_LID_SKIN + lm.LEFT_EYE_LID_SKIN + lm.RIGHT_BROW + lm.LEFT_BROW)
    keep = np.array([i for i in range(468) if i not in eyes])
    runs = consecutive_runs(silent)
    pause_jitter = second_difference_noise(points[:, keep], runs)
    pause_d2 = [np.diff(points[run][:, keep], n=2, axis=0) for run in runs if len(run) >= 3]
    pause_d2_max = float(np.abs(np.concatenate(pause_d2)).max()) if pause_d2 else float("nan")

    result = {
        "portrait": setup.name, "sentence": sid, "voice": voice, "frames": n, "seconds": round(utt.duration, 3),
        "correlation": correlation(opening, jaw),
        "bilabial": {"n": int(len(closure_ok)), "closed": int(closure_ok.sum()),
                     "missed": [{"phone": w.label, "t": round(w.start, 3), "frames": w.frames.tolist(),
                                 "min_opening": round(float(opening[widen(w.frames, SLACK, n)].min()), 4)}
                                for w, ok in zip([w for w in closures if len(w.frames)], closure_ok) if not ok],
                     "window_frames": int(len(closure_frames)),
                     "window_frames_closed": int((opening[closure_frames] < setup.closed).sum())},
        "silence": {"n": int(len(silent)), "closed": int(silent_ok.sum()),
                    "open_frames": silent[~silent_ok].tolist()},
        "open_vowels": {"n": int(len(vowel_ok)), "open": int(vowel_ok.sum()),
                        "missed": [{"viseme": w.label, "t": round(w.start, 3), "frames": w.frames.tolist(),
                                    "max_opening": round(float(opening[widen(w.frames, SLACK, n)].max()), 4),
                                    "max_jaw": round(float(jaw[widen(w.frames, SLACK, n)].max()), 3)}
                                   for w, ok in zip([w for w in vowels if len(w.frames)], vowel_ok) if not ok]},
        "ssim": {"mean": float(np.nanmean(ssims)), "min": float(np.nanmin(ssims)),
                 "min_frame": int(idx[int(np.nanargmin(ssims))]), "rest": masked_ssim(
                     setup.rest_frame, setup.reference,
                     cv2.bitwise_and(base_face, cv2.bitwise_not(base_excl)))},
        "pause_jitter_px": pause_jitter, "pause_d2_max_px": pause_d2_max,
        "opening_max": float(opening.max()), "jaw_max": float(jaw.max()),
    }
    if dlib_result is not None:
        result["dlib"] = dlib_result
    if contact:
        from avatar.eval import contact as sheet

        result["_contact"] = sheet.candidates(utt, track, frames, FPS, setup.mouth_box, gap, sid)
    if align_fn is not None and voice.startswith("en"):
        try:
            aligned = align_fn(raw.samples, raw.sample_rate, text)
            aligned_phones = aligned[0] if isinstance(aligned, tuple) else aligned
            errors = timing_errors(raw.phones, aligned_phones)
            result["timing"] = {"matched": int(len(errors)), "engine_phones": len(raw.phones),
                                "errors_ms": (errors * 1000).round(1).tolist()}
        except Exception as exc:  # noqa: BLE001 - recorded, the metric is reported unavailable for it
            result["timing"] = {"error": f"{type(exc).__name__}: {exc}"}
    if keep_frames:
        result["_frames"] = frames
        result["_opening"] = opening
        result["_jaw"] = jaw
        result["_still_frames"] = still_frames
        result["_still_index"] = idx
    return result


def _share(num: int, den: int) -> float:
    return num / den if den else float("nan")


def aggregate(pairs: list[dict]) -> dict:
    """Sums and means over a list of pair results."""
    bil_n = sum(p["bilabial"]["n"] for p in pairs)
    bil_c = sum(p["bilabial"]["closed"] for p in pairs)
    sil_n = sum(p["silence"]["n"] for p in pairs)
    sil_c = sum(p["silence"]["closed"] for p in pairs)
    vow_n = sum(p["open_vowels"]["n"] for p in pairs)
    vow_o = sum(p["open_vowels"]["open"] for p in pairs)
    win_n = sum(p["bilabial"]["window_frames"] for p in pairs)
    win_c = sum(p["bilabial"]["window_frames_closed"] for p in pairs)
    jit = [p["pause_jitter_px"] for p in pairs if np.isfinite(p["pause_jitter_px"])]
    errors = [e for p in pairs for e in p.get("timing", {}).get("errors_ms", [])]
    return {
        "pairs": len(pairs),
        "correlation": float(np.nanmean([p["correlation"] for p in pairs])) if pairs else float("nan"),
        "bilabial_closure": _share(bil_c, bil_n), "bilabial_n": bil_n,
        "bilabial_window_frames_closed": _share(win_c, win_n),
        "silence_closed": _share(sil_c, sil_n), "silence_n": sil_n,
        "open_vowels_open": _share(vow_o, vow_n), "open_vowels_n": vow_n,
        "ssim_face": float(np.mean([p["ssim"]["mean"] for p in pairs])) if pairs else float("nan"),
        "ssim_face_min": float(np.min([p["ssim"]["min"] for p in pairs])) if pairs else float("nan"),
        "ssim_rest": float(np.mean([p["ssim"]["rest"] for p in pairs])) if pairs else float("nan"),
        "pause_jitter_px": float(np.sqrt(np.mean(np.square(jit)))) if jit else float("nan"),
        "phone_timing_median_ms": float(np.median(errors)) if errors else float("nan"),
        "phone_timing_n": len(errors),
    }


def evaluate(portraits: dict[str, Path], sentences=SENTENCES, size: int = SIZE, threads: int = 0,
             ssim_stride: int = SSIM_STRIDE, progress=None, sentences_for=None, independent=None,
             contact: bool = False, independent_note: str = "") -> dict:
    """Run every portrait x sentence; returns the JSON-ready results (see `markdown`).

    `sentences` are (id, voice, text) tuples and/or `Recording`s. `sentences_for(name)`, when given,
    picks the sentences of each portrait (default: `sentences`). Phone timing depends on the
    sentence only; it is measured once per sentence. `independent` (a dlib68.DlibLandmarks) adds the
    dlib metrics (results["dlib"]); `independent_note` says why they are missing when it is None.
    `contact` collects the contact sheet's rows (results["_contact"], not JSON). A portrait the
    product refuses is listed under results["skipped"] with the product's reason."""
    from avatar.errors import AvatarError
    from avatar.eval import contact as sheet
    from avatar.eval import independent as ind

    started = time.perf_counter()
    align_fn, align_reason = aligner()
    per_portrait, pairs, setups, skipped = {}, [], {}, {}
    dlib_per_portrait, rows = {}, {}
    timed: set[str] = set()
    all_sentences: dict[str, object] = {}
    for name, path in portraits.items():
        t0 = time.perf_counter()
        try:
            setup = setup_portrait(name, path, size, threads, independent)
        except AvatarError as exc:
            skipped[name] = exc.problem
        except RuntimeError as exc:  # our detector finds no face on the rendered rest frame
            skipped[name] = f"evaluation: {exc}"
        if name in skipped:
            rows[name] = sheet.Row(name, skipped=skipped[name])
            if progress:
                progress(f"{name}: skipped: {skipped[name]}")
            continue
        still = still_jitter(setup)
        results = []
        row = sheet.Row(name)
        if contact:
            caption = "" if setup.dlib is None else f"gap {setup.dlib.gap:.3f}"
            row.cells["rest"] = sheet.Cell(sheet.crop(setup.rest_frame, setup.mouth_box), caption)
        for sentence in (sentences_for(name) if sentences_for else sentences):
            sid = sentence_id(sentence)
            all_sentences[sid] = sentence
            fn = None if sid in timed else align_fn
            timed.add(sid)
            result = evaluate_pair(setup, sentence, fn, ssim_stride, independent=independent, contact=contact)
            for column, cell in result.pop("_contact", {}).items():
                row.cells[column] = sheet.better(row.cells.get(column), cell)
            results.append(result)
        rows[name] = row
        pairs.extend(results)
        per_portrait[name] = {
            **aggregate(results),
            "closed_threshold": setup.closed, "open_threshold": setup.open, "redetect_sigma": setup.sigma,
            "landmark_sigma_px": setup.landmark_sigma_px, "mouth_width_px": setup.mouth_px,
            "rest_opening": setup.rest_opening, "still": still, "seconds": round(time.perf_counter() - t0, 1),
        }
        if setup.dlib is not None:
            rest = {"gap": setup.dlib.gap, "box_source": setup.dlib.box_source, "box": list(setup.dlib.box),
                    "eye_px": setup.dlib.eye_px, "open_threshold": setup.dlib.open_threshold}
            agg = ind.aggregate(results)
            dlib_per_portrait[name] = {**agg, "rest": rest, "why": ind.why(agg, rest)}
        setups[name] = setup
        if progress:
            progress(f"{name}: {per_portrait[name]['seconds']} s")
    overall = aggregate(pairs)
    stills = [p["still"] for p in per_portrait.values()]
    overall["still_jitter_px"] = float(max(s["landmark_std_px"] for s in stills)) if stills else float("nan")
    overall["still_pixel_identical"] = all(s["pixel_identical"] for s in stills) if stills else None
    if align_fn is None:
        timing_note = align_reason
    elif overall["phone_timing_n"] == 0:
        errs = [p["timing"]["error"] for p in pairs if "error" in p.get("timing", {})]
        timing_note = f"alignment failed: {errs[0]}" if errs else "no phones matched"
    else:
        timing_note = ""
    provider = next(iter(setups.values())).renderer.provider if setups else ""
    out = {
        "settings": {"fps": FPS, "size": size, "seed": SEED, "lead_s": LEAD, "tail_s": TAIL, "pause_gap_s": PAUSE_GAP,
                     "silent_after_s": SILENT_AFTER, "slack_frames": SLACK, "open_viseme_jaw": OPEN_VISEME_JAW,
                     "closed_floor": CLOSED_FLOOR, "open_floor": OPEN_FLOOR, "closed_sigmas": CLOSED_SIGMAS,
                     "open_sigmas": OPEN_SIGMAS, "provider": provider,
                     "ssim_stride": ssim_stride,
                     "sentences": [s.describe() if isinstance(s, Recording) else list(s)
                                   for s in all_sentences.values()],
                     "portraits": {name: [p["sentence"] for p in pairs if p["portrait"] == name]
                                   for name in portraits if name not in skipped}},
        "overall": overall,
        "phone_timing_note": timing_note,
        "per_portrait": per_portrait,
        "skipped": skipped,
        "dlib": {"available": independent is not None,
                 "note": "" if independent is not None else (independent_note or "not requested"),
                 "model": str(getattr(independent, "model", "")),
                 "closed_gap": None, "open_gap": None, "open_over_rest": None,
                 "overall": ind.aggregate(pairs) if independent is not None else {},
                 "per_portrait": dlib_per_portrait},
        "pairs": pairs,
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    if independent is not None:
        from avatar.eval import dlib68

        out["dlib"].update(closed_gap=dlib68.CLOSED_GAP, open_gap=dlib68.OPEN_GAP,
                           open_over_rest=dlib68.OPEN_OVER_REST, open_vowels=list(ind.OPEN_VOWELS))
    if contact:
        out["_contact"] = [rows[name] for name in portraits]
    return out


# ----------------------------------------------------------------------------- report

def _fmt(value: float, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    return f"{value:.{digits}f}"


def _verdict(key: str, value: float) -> str:
    if key not in TARGETS:
        return "-"
    if value is None or not np.isfinite(value):
        return "n/a"
    op, target = TARGETS[key]
    ok = value >= target if op == ">=" else value < target
    return "pass" if ok else "FAIL"


def metric_rows(results: dict) -> list[tuple[str, str, str, str]]:
    o = results["overall"]
    timing_value = o["phone_timing_median_ms"]
    timing_label = (f"{_fmt(timing_value, 1)} ms ({o['phone_timing_n']} phones)" if np.isfinite(timing_value)
                    else f"n/a: {results['phone_timing_note']}")
    return [
        ("Opening follows jaw_open (Pearson r, mean over renders)", _fmt(o["correlation"]), "report", "-"),
        (f"Lips close on p/b/m (+-{SLACK} frame; {o['bilabial_n']} segments)", _fmt(o["bilabial_closure"]),
         ">= 0.95", _verdict("bilabial_closure", o["bilabial_closure"])),
        ("  closure-window frames closed (strict, info)", _fmt(o["bilabial_window_frames_closed"]), "report", "-"),
        (f"Mouth closed > 150 ms into a pause ({o['silence_n']} frames)", _fmt(o["silence_closed"]), ">= 0.95",
         _verdict("silence_closed", o["silence_closed"])),
        (f"Open vowels visibly open (+-{SLACK} frame; {o['open_vowels_n']} segments)", _fmt(o["open_vowels_open"]),
         ">= 0.90", _verdict("open_vowels_open", o["open_vowels_open"])),
        ("SSIM face outside mouth+eyes vs portrait (head motion zeroed; mean)", _fmt(o["ssim_face"]), ">= 0.90",
         _verdict("ssim_face", o["ssim_face"])),
        ("  worst frame SSIM (info)", _fmt(o["ssim_face_min"]), "report", "-"),
        ("  rest frame SSIM (info)", _fmt(o["ssim_rest"]), "report", "-"),
        ("Jitter in pauses (2nd-difference noise of re-detected landmarks, px)", _fmt(o["pause_jitter_px"]),
         "< 0.5", _verdict("jitter_px", o["pause_jitter_px"])),
        ("Jitter, constant pose x50 (landmark std, fresh detection per frame, px)", _fmt(o["still_jitter_px"]),
         "< 0.5", _verdict("jitter_px", o["still_jitter_px"])),
        ("  constant-pose frames pixel-identical", str(o["still_pixel_identical"]), "True",
         "pass" if o["still_pixel_identical"] else "FAIL"),
        ("Phone timing vs forced alignment (median abs start error)", timing_label, "< 20 ms",
         _verdict("phone_timing_median_ms", timing_value)),
    ]


def _cell(agg: dict, key: str, count: str) -> str:
    from avatar.eval import independent as ind

    value = agg.get(key)
    ok = ind.passes(key, value)
    mark = "" if ok is None else (" pass" if ok else " **FAIL**")
    n = f" ({agg[count]})" if count else ""
    return f"{_fmt(value)}{n}{mark}"


def dlib_markdown(results: dict) -> list[str]:
    """The independent (dlib 68-point) table: one row per portrait, pass/fail per target, and a line
    per portrait that missed a target or was skipped, saying why."""
    from avatar.eval import independent as ind

    d = results.get("dlib") or {}
    skipped = results.get("skipped", {})
    lines = ["Measured with an independent landmark model (dlib 68-point, evaluation only); inner-lip gap "
             "over the outer-eye-corner distance.", ""]
    if not d.get("available"):
        lines += [f"Independent measurement not run: {d.get('note') or 'not requested'}.", ""]
    else:
        t = ind.TARGETS
        lines += [
            f"| Portrait | p/b/m closed (n) >= {t['bilabial_closed']:.2f} | rest in silence (frames) >= "
            f"{t['silence_closed']:.2f} | open vowels open (n) >= {t['open_vowels_open']:.2f} "
            f"| SSIM outside mouth+eyes >= {t['ssim_face']:.2f} (min) | rest gap | open thr | dlib box | Result |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, p in d["per_portrait"].items():
            ok = all(ind.passes(k, p.get(k)) is not False for k in ind.TARGETS)
            rest = p["rest"]
            sources = p.get("box_sources", {})
            fallback = sources.get("rest_box", 0)
            box = rest["box_source"] + (f", {fallback} frames rest box" if fallback else "")
            lines.append(
                f"| {name} | {_cell(p, 'bilabial_closed', 'bilabial_n')} | {_cell(p, 'silence_closed', 'silence_n')} "
                f"| {_cell(p, 'open_vowels_open', 'open_vowels_n')} | {_cell(p, 'ssim_face', '')} "
                f"({_fmt(p['ssim_face_min'])}) | {_fmt(rest['gap'])} | {_fmt(rest['open_threshold'])} | {box} "
                f"| {'pass' if ok else '**FAIL**'} |")
        for name, reason in skipped.items():
            lines.append(f"| {name} | - | - | - | - | - | - | - | skipped |")
        o = d.get("overall") or {}
        if o.get("renders"):
            ok = all(ind.passes(k, o.get(k)) is not False for k in ind.TARGETS)
            lines.append(
                f"| **all** | {_cell(o, 'bilabial_closed', 'bilabial_n')} | {_cell(o, 'silence_closed', 'silence_n')} "
                f"| {_cell(o, 'open_vowels_open', 'open_vowels_n')} | {_cell(o, 'ssim_face', '')} "
                f"({_fmt(o['ssim_face_min'])}) | | | | {'pass' if ok else '**FAIL**'} |")
        lines += ["", f"Closed: gap < {d['closed_gap']}; open: gap > max({d['open_gap']}, rest gap + "
                      f"{d['open_over_rest']}); open vowels: {' '.join(d['open_vowels'])}.", ""]
    notes = [f"- {name}: {p['why']}" for name, p in d.get("per_portrait", {}).items() if p.get("why")]
    notes += [f"- {name}: skipped: {reason}" for name, reason in skipped.items()]
    if notes:
        lines += ["Why:", "", *notes, ""]
    return lines


def markdown(results: dict) -> str:
    s = results["settings"]
    lines = [
        f"Presenter size {s['size']} px, {s['fps']:g} fps, seed {s['seed']}, {len(s['portraits'])} portraits"
        + (f" ({len(results['skipped'])} more skipped)" if results.get("skipped") else "") + " x "
        f"{len(s['sentences'])} sentences ({results['overall']['pairs']} renders), provider {s['provider']}, "
        f"wall {results['wall_seconds']} s.",
        "",
        *dlib_markdown(results),
        "Re-detected with the product's own face mesh:",
        "",
        "| Metric | Value | Target | Result |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in metric_rows(results)]
    lines += [
        "",
        "Per portrait (closed / open thresholds in mouth widths, from the re-detection noise sigma):",
        "",
        "| Portrait | r | p/b/m closed | silence closed | open vowels | SSIM mean (min) | pause jitter px "
        "| still std px | sigma | closed / open thr | rest opening | mouth px |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, p in results["per_portrait"].items():
        lines.append(
            f"| {name} | {_fmt(p['correlation'])} | {_fmt(p['bilabial_closure'])} | {_fmt(p['silence_closed'])} "
            f"| {_fmt(p['open_vowels_open'])} | {_fmt(p['ssim_face'])} ({_fmt(p['ssim_face_min'])}) "
            f"| {_fmt(p['pause_jitter_px'])} | {_fmt(p['still']['landmark_std_px'])} | {_fmt(p['redetect_sigma'], 4)} "
            f"| {_fmt(p['closed_threshold'])} / {_fmt(p['open_threshold'])} | {_fmt(p['rest_opening'])} "
            f"| {_fmt(p['mouth_width_px'], 1)} |")
    lines += [
        "",
        "Openings are in mouth widths (inner-lip gap 13-14 over corner distance 61-291) relative to the "
        "rest frame's reading ('rest opening', which should be near 0 for closed lips). Thresholds: closed = "
        f"max({CLOSED_FLOOR}, {CLOSED_SIGMAS:g} sigma), open = max({OPEN_FLOOR}, {OPEN_SIGMAS:g} sigma), sigma = "
        "std of the opening when the mesh runs on the rest frame with its crop jittered. SSIM: head motion "
        "zeroed, every frame (stride %d) against the portrait crop, face oval minus dilated lips and eyes; "
        "jaw-driven chin motion and brow raises count against it." % s["ssim_stride"],
    ]
    return "\n".join(lines) + "\n"


def _finite(value):
    """NaN and infinities -> None, so the JSON is standard."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, (float, np.floating)) and not np.isfinite(value):
        return None
    return value


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(type(value).__name__)

