"""avatar.eval: the metric functions on hand-made inputs, and one small real run."""
from __future__ import annotations

import math

import numpy as np
import pytest

from avatar import eval as ev
from speech.types import Phone, Utterance


def _utterance(phones, duration):
    return Utterance(np.zeros(int(duration * 22050), np.float32), 22050, [Phone(*p) for p in phones], [], "")


def _mesh(gap: float, width: float = 40.0) -> np.ndarray:
    points = np.zeros((468, 2))
    points[61] = (100, 200)
    points[291] = (100 + width, 200)
    points[13] = (120, 200)
    points[14] = (120, 200 + gap)
    return points


def test_mouth_opening_is_gap_over_width_and_signed():
    assert ev.mouth_opening(_mesh(4.0)) == pytest.approx(0.1)
    assert ev.mouth_opening(_mesh(0.0)) == pytest.approx(0.0)
    assert ev.mouth_opening(_mesh(-2.0)) == pytest.approx(-0.05)  # crossed lips are no opening
    assert ev.mouth_opening(np.stack([_mesh(2.0), _mesh(8.0)])).shape == (2,)


def test_closure_hits_allow_one_frame_of_slack():
    opening = np.full(20, 0.2)
    opening[5] = 0.0  # closed one frame after the window [3, 4]
    opening[14] = 0.0  # closed two frames after the window [11, 12]
    windows = [ev.Window("p", 0, 0, np.array([3, 4])), ev.Window("b", 0, 0, np.array([11, 12])),
               ev.Window("m", 0, 0, np.array([15]))]
    hits = ev.closure_hits(opening, windows, closed=0.03)
    assert hits.tolist() == [True, False, True]
    assert ev.closure_hits(opening, windows, closed=0.03, slack=2).tolist() == [True, True, True]


def test_open_hits():
    opening = np.zeros(10)
    opening[4] = 0.2
    windows = [ev.Window("open", 0, 0, np.array([3])), ev.Window("open", 0, 0, np.array([8]))]
    assert ev.open_hits(opening, windows, 0.08).tolist() == [True, False]


def test_closure_windows_follow_the_motion_model_rule():
    # "ə b ə" at 25 fps: the b segment 0.30-0.36 closes from 0.36 - 0.06 (lead clipped to 40-120 ms)
    utt = _utterance([("ə", 0.1, 0.3), ("b", 0.3, 0.36), ("ə", 0.36, 0.6)], 0.8)
    windows = ev.closure_windows(utt, 25.0, 20)
    assert len(windows) == 1
    assert windows[0].frames.tolist() == [7, 8]  # frame centres 0.30, 0.34 lie in [0.30, 0.35]


def test_silent_frames_are_150ms_into_pauses():
    # lead-in 0-0.5, a 0.4 s gap 1.0-1.4, a 0.1 s gap (no pause), tail 2.0-2.5
    utt = _utterance([("a", 0.5, 1.0), ("a", 1.4, 1.8), ("a", 1.9, 2.0)], 2.5)
    assert ev.pauses(utt) == [(0.0, 0.5), (1.0, 1.4), (2.0, 2.5)]
    frames = ev.silent_frames(utt, 10.0, 25)  # centres 0.05, 0.15, ...
    times = (frames + 0.5) / 10.0
    assert times.tolist() == pytest.approx([0.15, 0.25, 0.35, 0.45, 1.15, 1.25, 1.35, 2.15, 2.25, 2.35, 2.45])


def test_open_vowel_windows_pick_open_visemes():
    utt = _utterance([("m", 0.0, 0.1), ("ɑː", 0.1, 0.3), ("i", 0.3, 0.4), ("aɪ", 0.4, 0.6)], 0.8)
    names = [w.label for w in ev.open_vowel_windows(utt, 25.0, 20)]
    assert names == ["open", "open_front"]  # ɑ, and the first half of aɪ; not i or the ɪ glide


def test_ssim_map_and_masked_ssim():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
    mask = np.zeros((64, 64), np.uint8)
    mask[10:50, 10:50] = 255
    assert ev.masked_ssim(image, image, mask) == pytest.approx(1.0)
    noisy = np.clip(image.astype(int) + rng.integers(-60, 60, image.shape), 0, 255).astype(np.uint8)
    assert ev.masked_ssim(noisy, image, mask) < 0.9
    assert math.isnan(ev.masked_ssim(image, image, np.zeros_like(mask)))


def test_second_difference_noise():
    t = np.arange(30, dtype=float)
    smooth = np.stack([np.stack([t * 0.3, t * 0.1], 1)] * 5, 1)  # (30, 5, 2) constant velocity
    assert ev.second_difference_noise(smooth, [np.arange(30)]) == pytest.approx(0.0, abs=1e-12)
    noisy = smooth + np.random.default_rng(1).normal(0, 0.4, smooth.shape)
    assert ev.second_difference_noise(noisy, [np.arange(30)]) == pytest.approx(0.4, rel=0.2)
    assert [r.tolist() for r in ev.consecutive_runs(np.array([1, 2, 3, 7, 8]))] == [[1, 2, 3], [7, 8]]


def test_thresholds_have_floors():
    assert ev.thresholds(0.0) == (ev.CLOSED_FLOOR, ev.OPEN_FLOOR)
    closed, open_ = ev.thresholds(0.02)
    assert closed == pytest.approx(0.08) and open_ == pytest.approx(0.2)


def test_timing_errors_match_phones_in_order():
    engine = [Phone("h", 0.00, 0.05), Phone("ə", 0.05, 0.1), Phone("l", 0.1, 0.2), Phone("oʊ", 0.2, 0.4)]
    aligned = [("HH", 0.01), ("AH0", 0.07), ("L", 0.1), ("OW1", 0.23)]  # ARPAbet tuples work too
    assert sorted(np.round(ev.timing_errors(engine, aligned) * 1000).tolist()) == [0, 10, 20, 30]


def test_pad_utterance_shifts_phones():
    utt = _utterance([("a", 0.1, 0.2)], 0.5)
    padded = ev.pad_utterance(utt, 0.5, 0.25)
    assert padded.duration == pytest.approx(1.25, abs=1e-4)
    assert padded.phones[0].start == pytest.approx(0.6, abs=1e-4)


def test_one_real_render(tmp_path):
    """1 portrait x 1 short sentence end to end: every metric present and in range."""
    from tests.conftest import PORTRAIT

    from avatar.eval import dlib68

    sentence = ("en_short", "en-us", "Bob may park the car.")
    missing = dlib68.availability()
    backend = None if missing else dlib68.shared()
    results = ev.evaluate({"hopper": PORTRAIT}, [sentence], independent=backend, contact=True,
                          independent_note=missing)
    o = results["overall"]
    for key in ("correlation", "bilabial_closure", "silence_closed", "open_vowels_open", "ssim_face",
                "pause_jitter_px", "still_jitter_px", "phone_timing_median_ms"):
        assert key in o
    assert o["bilabial_n"] >= 3 and o["silence_n"] > 10 and o["open_vowels_n"] >= 1
    for key in ("bilabial_closure", "silence_closed", "open_vowels_open"):
        assert 0.0 <= o[key] <= 1.0
    assert 0.5 < o["correlation"] <= 1.0
    assert 0.5 < o["ssim_face"] <= 1.0
    assert 0.0 <= o["pause_jitter_px"] < 5.0
    assert o["still_pixel_identical"] is True
    p = results["per_portrait"]["hopper"]
    assert 0 < p["closed_threshold"] < p["open_threshold"] < 0.5
    assert results["phone_timing_note"] or np.isfinite(o["phone_timing_median_ms"])
    text = ev.markdown(results)
    assert "| Metric | Value | Target | Result |" in text and "hopper" in text
    rows = results.pop("_contact")
    assert [row.name for row in rows] == ["hopper"]
    assert {"rest", "m", "a"} <= set(rows[0].cells)  # no f, o or i in this sentence
    if backend is None:
        assert missing in text
        return
    d = results["dlib"]["per_portrait"]["hopper"]
    assert d["rest"]["box_source"] == "dlib" and d["rest"]["gap"] < dlib68.CLOSED_GAP
    assert d["bilabial_n"] == o["bilabial_n"] and d["silence_n"] == o["silence_n"]
    assert d["open_vowels_n"] >= 1
    for key in ("bilabial_closed", "silence_closed", "open_vowels_open"):
        assert 0.0 <= d[key] <= 1.0
    assert 0.5 < d["ssim_face"] <= 1.0
    assert "| hopper | " in text.split("Re-detected with")[0]  # the dlib table comes first
    import json

    json.dumps(ev._finite(results), default=ev._json_default)  # JSON-ready
