"""avatar.eval's independent measurement (dlib 68 points), portrait sets, recordings and contact sheet."""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from avatar.eval import contact, core, dlib68, independent, portraits
from speech.types import Phone, Utterance
from tests.conftest import REPO

DLIB_MISSING = dlib68.availability()


def _utterance(phones, duration):
    return Utterance(np.zeros(int(duration * 22050), np.float32), 22050, [Phone(*p) for p in phones], [], "")


def _face68(gap: float, eye: float = 100.0, angle_deg: float = 0.0) -> np.ndarray:
    """68 points with the outer eye corners `eye` px apart and the inner lips `gap` px apart, rotated."""
    p = np.zeros((68, 2))
    p[36], p[45] = (0.0, 0.0), (eye, 0.0)
    for (upper, lower), x in zip(dlib68.INNER_LIP_PAIRS, (40.0, 50.0, 60.0)):
        p[upper] = (x, 80.0)
        p[lower] = (x, 80.0 + gap)
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return p @ rot.T + (300.0, 200.0)


def test_lip_gap_is_inner_lip_distance_over_eye_corners():
    assert dlib68.lip_gap(_face68(4.0)) == pytest.approx(0.04)
    assert dlib68.lip_gap(_face68(0.0)) == pytest.approx(0.0)
    assert dlib68.lip_gap(_face68(-3.0)) == pytest.approx(-0.03)  # lower lip above the upper: pressed
    assert dlib68.lip_gap(_face68(12.0, eye=60.0)) == pytest.approx(0.2)
    assert dlib68.lip_gap(_face68(8.0, angle_deg=25.0)) == pytest.approx(0.08)  # vertical of the face
    uneven = _face68(0.0)
    uneven[67, 1] += 3.0
    uneven[66, 1] += 6.0
    uneven[65, 1] += 9.0
    assert dlib68.lip_gap(uneven) == pytest.approx(0.06)  # the mean of the three pairs
    assert dlib68.lip_gap(np.stack([_face68(1.0), _face68(9.0)])).tolist() == pytest.approx([0.01, 0.09])


def test_open_threshold_follows_the_rest_gap():
    assert dlib68.open_threshold(0.0) == pytest.approx(0.08)
    assert dlib68.open_threshold(0.02) == pytest.approx(0.08)
    assert dlib68.open_threshold(0.06) == pytest.approx(0.11)


def test_open_vowels_are_chosen_by_ipa_symbol():
    utt = _utterance([("m", 0.0, 0.1), ("ɑː", 0.1, 0.3), ("ɔː", 0.3, 0.5), ("oʊ", 0.5, 0.7), ("aɪ", 0.7, 0.9),
                      ("ə", 0.9, 1.0), ("i", 1.0, 1.1), ("æ", 1.1, 1.3), ("ʌ", 1.3, 1.4)], 1.6)
    windows = independent.open_vowel_windows(utt, 25.0, 40)
    assert [w.label for w in windows] == ["ɑ", "ɔ", "aɪ", "æ", "ʌ"]
    assert windows[2].start == pytest.approx(0.7) and windows[2].end == pytest.approx(0.8)  # aɪ: its first half
    # the mesh metric's viseme rule (jaw_open >= 0.6) takes the same vowels (ɔ has its open-back viseme)
    assert [w.start for w in core.open_vowel_windows(utt, 25.0, 40)] == pytest.approx([0.1, 0.3, 0.7, 1.1, 1.3])


def test_measure_pair_counts_against_absolute_thresholds():
    class FakeBackend:
        def __init__(self, gaps):
            self.gaps = gaps

        def track(self, frames, fallback):
            points = np.stack([_face68(100.0 * g) for g in self.gaps])
            return dlib68.FrameLandmarks(points, ["dlib"] * (len(self.gaps) - 1) + ["rest_box"])

    # 25 fps: lead-in silence, m (closure), ɑ (open vowel), tail
    utt = _utterance([("m", 0.4, 0.52), ("ɑ", 0.52, 0.8)], 1.4)
    n = 35
    gaps = np.full(n, 0.01)
    gaps[13:20] = 0.07  # the vowel opens to 0.07: not enough (rest gap 0.03 -> threshold 0.08)
    rest = independent.DlibRest((0, 0, 10, 10), "dlib", _face68(3.0), 0.03, 100.0)
    closures = core.closure_windows(utt, 25.0, n)
    silent = core.silent_frames(utt, 25.0, n)
    result, gap = independent.measure_pair(FakeBackend(gaps), rest, np.zeros((n, 4, 4, 3)), utt, 25.0, closures,
                                           silent)
    assert gap == pytest.approx(gaps)
    assert result["bilabial"] == {"n": 1, "closed": 1, "missed": []}
    assert result["silence"]["n"] == len(silent) and result["silence"]["closed"] == len(silent)
    assert result["open_vowels"]["n"] == 1 and result["open_vowels"]["open"] == 0
    assert result["open_vowels"]["missed"][0]["phone"] == "ɑ"
    assert result["box_sources"] == {"dlib": n - 1, "rest_box": 1}
    agg = independent.aggregate([{"sentence": "s", "dlib": {**result, "ssim": {"mean": 0.97, "min": 0.9}}}])
    assert agg["open_vowels_open"] == 0.0 and agg["bilabial_closed"] == 1.0
    line = independent.why(agg, {"gap": 0.03, "box_source": "dlib"})
    assert line.startswith("open vowels open 0.000 < 0.90") and "ɑ gap 0.070" in line


@pytest.fixture(scope="module")
def hopper_frames(hopper_rig):
    """The shipped portrait rendered at rest and with the jaw fully open (256 px)."""
    from avatar.motion.track import PARAMETERS
    from avatar.presenter.renderer import PresenterRenderer

    values = np.zeros((2, len(PARAMETERS)), np.float32)
    values[1, PARAMETERS.index("jaw_open")] = 1.0
    return PresenterRenderer(hopper_rig).render(values)


@pytest.mark.skipif(bool(DLIB_MISSING), reason=DLIB_MISSING or "")
def test_dlib_sees_rendered_hopper_closed_at_rest_and_open_with_the_jaw_open(hopper_rig, hopper_frames):
    backend = dlib68.shared()
    rest, open_ = hopper_frames
    rest_info = independent.rest_measure(backend, rest, hopper_rig.mesh)
    assert rest_info.box_source == "dlib"
    assert rest_info.gap < dlib68.CLOSED_GAP
    tracked = backend.track([rest, open_], rest_info.box)
    gaps = dlib68.lip_gap(tracked.points)
    assert gaps[0] < dlib68.CLOSED_GAP
    assert gaps[1] > rest_info.open_threshold
    # a strided view reads the same as a contiguous copy (dlib-bin misreads them unless copied)
    flipped = open_[:, ::-1][:, ::-1]
    assert dlib68.lip_gap(backend.landmarks(flipped, rest_info.box)) == pytest.approx(gaps[1], abs=1e-9)
    # the fallback box from our mesh measures the same mouth
    mesh_box = dlib68.box_from_mesh(hopper_rig.mesh)
    assert dlib68.lip_gap(backend.landmarks(rest, mesh_box)) < dlib68.CLOSED_GAP
    assert dlib68.lip_gap(backend.landmarks(open_, mesh_box)) > rest_info.open_threshold


def test_dlib_missing_is_a_clear_message(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "face_recognition_models" else real(name, *a))
    with pytest.raises(dlib68.DlibUnavailable, match="pip install dlib-bin face-recognition-models"):
        dlib68.model_path()


def test_contact_candidates_pick_the_frames_of_each_shape():
    fps, n = 25.0, 40
    utt = _utterance([("m", 0.2, 0.32), ("ɑ", 0.32, 0.6), ("f", 0.6, 0.72), ("oʊ", 0.72, 1.0), ("i", 1.0, 1.2),
                      ("b", 1.2, 1.3)], 1.6)
    track = {name: np.zeros(n) for name in ("jaw_open", "lower_lip_tuck", "lip_round", "lip_wide")}
    track["jaw_open"][11] = 0.9
    track["lower_lip_tuck"][16] = 1.0
    track["lip_round"][20] = 0.8
    track["lip_wide"][27] = 0.7
    frames = np.stack([np.full((64, 64, 3), k, np.uint8) for k in range(n)])  # frame k has value k
    cells = contact.candidates(utt, track, frames, fps, (8, 8, 32), np.linspace(0, 0.39, n), "s")
    chosen = {column: int(cell.image[0, 0, 0]) for column, cell in cells.items()}
    # m: the middle of the closure window 0.20-0.31 (frames 5-7), not the fallback b
    assert chosen == {"m": 6, "a": 11, "f": 16, "o": 20, "i": 27}
    assert cells["m"].info["phone"] == "m" and cells["o"].info["phone"] == "oʊ"
    assert cells["a"].caption == "ɑ  gap 0.110" and cells["a"].image.shape == (32, 32, 3)


def test_contact_sheet_has_one_row_per_portrait(tmp_path):
    tile = np.full((40, 40, 3), 128, np.uint8)
    rows = [contact.Row("hopper", {c: contact.Cell(tile, f"{c}  gap 0.010") for c in contact.COLUMNS}),
            contact.Row("st_sad", {"rest": contact.Cell(tile), "a": contact.Cell(tile, "ɑ  gap 0.120")}),
            contact.Row("s10", skipped="the face is turned too far to the side (profile view)")]
    image = contact.sheet(rows, "title")
    assert image.shape == (contact.sheet_height(3), contact.LABEL_W + 6 * (contact.CELL + contact.PAD)
                           + contact.PAD, 3)
    assert contact.sheet(rows[:1]).shape[0] == contact.sheet_height(1, title=False)
    path = contact.write(tmp_path / "sheet.png", rows)
    assert cv2.imread(str(path)).shape[0] == contact.sheet_height(3, title=False)


def test_mouth_box_stays_inside_the_frame():
    assert contact.mouth_box(np.array([128.0, 170.0]), 45.0, 256) == (74, 130, 108)
    x0, y0, side = contact.mouth_box(np.array([250.0, 250.0]), 45.0, 256)
    assert x0 + side <= 256 and y0 + side <= 256


def test_portrait_sets(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    for name in ("b.png", "a.jpg", "notes.txt"):
        (shared / name).write_bytes(b"x")
    builtin = {"hopper": tmp_path / "hopper.png", "astronaut_2x": tmp_path / "astronaut_2x.png",
               "hopper_flip": tmp_path / "hopper_flip.png"}
    assert list(portraits.resolve(None, builtin, shared)) == list(builtin)
    assert list(portraits.resolve(["shipped"], builtin, shared)) == ["hopper", "astronaut_2x"]
    assert list(portraits.resolve(["variants"], builtin, shared)) == ["hopper_flip"]
    assert portraits.resolve(["shared"], builtin, shared) == {"a": shared / "a.jpg", "b": shared / "b.png"}
    assert list(portraits.resolve(["hopper", str(shared / "b.png"), str(shared)], builtin, shared)) == [
        "hopper", "b", "a"]
    with pytest.raises(ValueError, match="portrait folder not found"):
        portraits.resolve(["shared"], builtin, tmp_path / "nowhere")
    with pytest.raises(ValueError, match="neither a set"):
        portraits.resolve(["nobody"], builtin, shared)
    with pytest.raises(ValueError, match="no folder given"):
        portraits.resolve(["shared"], builtin)
    from benchmarks import evaluate

    assert evaluate.default_portrait_dir() == REPO.parent / "shared" / "portraits"


def test_a_refused_portrait_is_skipped_with_the_products_reason(tmp_path):
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((300, 300, 3), 200, np.uint8))
    results = core.evaluate({"blank": blank}, [("en_short", "en-us", "Bob.")], contact=True,
                            independent_note="test")
    assert results["skipped"] == {"blank": "no face found in the portrait (use a front-facing photo of one person)"}
    assert results["per_portrait"] == {} and results["pairs"] == []
    assert [row.skipped for row in results["_contact"]] == [results["skipped"]["blank"]]
    text = core.markdown(results)
    assert "- blank: skipped: no face found" in text and "Independent measurement not run: test." in text


def test_recording_narration_and_cli_checks(tmp_path):
    pytest.importorskip("pocketsphinx")
    import soundfile

    from benchmarks import evaluate as cli
    from speech.tts import synthesize

    spoken = synthesize("Bob may park the car.", "en-us")
    wav = tmp_path / "take.wav"
    soundfile.write(str(wav), spoken.samples, spoken.sample_rate)
    (tmp_path / "take.txt").write_text("Bob may park the car.\n")
    assert cli.transcript_text(str(tmp_path / "take.txt")) == "Bob may park the car."
    assert cli.transcript_text("Bob may park the car.") == "Bob may park the car."
    rec = core.Recording(wav, "Bob may park the car.")
    sid, voice, text, utt = core.narrate(rec)
    assert (sid, voice, text) == ("rec:take", "recording", "Bob may park the car.")
    assert [p.symbol for p in utt.phones][:3] == ["b", "ɑ", "b"]
    with pytest.raises(SystemExit):
        cli.main(["--recording", str(wav)])  # no transcript
    with pytest.raises(SystemExit):
        cli.main(["--sentences", "none"])  # nothing to narrate


def test_the_product_never_imports_dlib():
    """dlib's 68-point model forbids commercial use: only avatar/eval/ may import it."""
    import re

    pattern = re.compile(r"^\s*(import dlib|from dlib|import face_recognition_models|from face_recognition_models)",
                         re.M)
    for folder in ("avatar", "speech"):
        for path in (REPO / folder).rglob("*.py"):
            if path.is_relative_to(REPO / "avatar" / "eval"):
                continue
            assert not pattern.search(path.read_text(encoding="utf-8")), path
