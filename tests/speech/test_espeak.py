"""espeak-ng engine: phone and word timings, voices, rate, errors."""
from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("espeakng_loader")

from speech.errors import SpeechError  # noqa: E402
from speech.tts import get_engine, synthesize  # noqa: E402
from speech.tts.base import TTSEngine, VoiceInfo  # noqa: E402
from speech.types import Utterance  # noqa: E402

ENGLISH = "Hello world. Mama mia, it's a fine day for a well-known presentation!"
GERMAN = "Ich möchte Grüße senden."


def voiced_end(u: Utterance) -> float:
    block = u.sample_rate // 100
    n = len(u.samples) // block
    rms = np.sqrt(np.mean(u.samples[: n * block].reshape(n, block) ** 2, axis=1))
    loud = np.nonzero(rms > rms.max() * 0.01)[0]
    return (loud[-1] + 1) * block / u.sample_rate


@pytest.fixture(scope="module")
def english() -> Utterance:
    return synthesize(ENGLISH)


@pytest.fixture(scope="module")
def german() -> Utterance:
    return synthesize(GERMAN, voice="de")


def check_phones(u: Utterance) -> None:
    assert u.phones
    prev_end = 0.0
    for p in u.phones:
        assert p.symbol and not any(m in p.symbol for m in "ˈˌ")
        assert p.stress in (0, 1, 2)
        assert 0.0 <= p.start < p.end <= u.duration + 1e-9
        assert p.start >= prev_end - 1e-9, "phones overlap or go backwards"
        prev_end = p.end
    assert u.phones[0].start < 0.3
    assert abs(u.phones[-1].end - voiced_end(u)) < 0.3


def check_words(u: Utterance) -> None:
    expected = re.findall(r"[\w'-]+", u.text)
    assert [w.text for w in u.words] == expected
    prev = 0.0
    for w in u.words:
        assert u.text[w.char_start : w.char_end] == w.text
        assert prev - 1e-9 <= w.start <= w.end <= u.duration + 1e-9
        prev = w.end


def test_engine_interface(english):
    engine = get_engine("espeak")
    assert isinstance(engine, TTSEngine) and engine.name == "espeak"
    assert english.samples.dtype == np.float32 and english.samples.ndim == 1
    assert english.sample_rate == 22050
    assert 1.0 < english.duration < 10.0
    assert 0.05 < np.abs(english.samples).max() <= 1.0
    assert english.text == ENGLISH


def test_english_phones_and_words(english):
    check_phones(english)
    check_words(english)
    assert any(p.stress == 2 for p in english.phones)
    # each word's span holds its phones
    hello = english.words[0]
    assert hello.start == english.phones[0].start


def test_mama_mia_has_bilabials():
    u = synthesize("mama mia")
    check_phones(u)
    assert [p.symbol for p in u.phones].count("m") >= 3
    assert [w.text for w in u.words] == ["mama", "mia"]


def test_german_phones_and_character_offsets(german):
    check_phones(german)
    check_words(german)  # offsets are characters, not UTF-8 bytes ("möchte", "Grüße")
    symbols = {p.symbol for p in german.phones}
    assert symbols & {"ç", "ʏ", "øː", "yː", "œ"}, symbols
    assert [w.text for w in german.words] == ["Ich", "möchte", "Grüße", "senden"]


def test_sentence_break_leaves_a_silence_gap():
    u = synthesize("This is one. This is two.")
    gaps = [b.start - a.end for a, b in zip(u.phones, u.phones[1:])]
    one = next(w for w in u.words if w.text == "one")
    two = next(w for w in u.words if w.text == "two")
    assert max(gaps) > 0.1
    # the biggest gap sits between the sentences
    i = int(np.argmax(gaps))
    assert one.end <= u.phones[i].end + 1e-9 and u.phones[i + 1].start < two.start + 0.5
    start, end = int(u.phones[i].end * u.sample_rate), int(u.phones[i + 1].start * u.sample_rate)
    assert np.sqrt(np.mean(u.samples[start:end] ** 2)) < 0.01


def test_slower_rate_is_longer():
    text = "The quick brown fox jumps over the lazy dog."
    normal, slow = synthesize(text), synthesize(text, rate=0.6)
    assert slow.duration > normal.duration * 1.3
    check_phones(slow)


def test_voice_variants_and_ids():
    u = synthesize("Good morning.", voice="en-gb+f3")
    check_phones(u)
    assert synthesize("Good morning.", voice="EN-US").phones


def test_unknown_voice_raises():
    with pytest.raises(SpeechError, match="voice"):
        synthesize("hello", voice="xx-nope")
    with pytest.raises(SpeechError, match="variant"):
        synthesize("hello", voice="en-us+nonexistent")
    with pytest.raises(SpeechError):
        synthesize("hello", rate=0)


def test_unknown_engine_raises():
    with pytest.raises(SpeechError, match="espeak"):
        get_engine("nope")


def test_voices_list():
    voices = get_engine("espeak").voices()
    assert len(voices) > 100
    assert all(isinstance(v, VoiceInfo) and v.gives_timings for v in voices)
    ids = [v.id for v in voices]
    assert len(ids) == len(set(ids))
    assert {"en-us", "en-gb", "de", "fr-fr", "es"} <= set(ids)
    assert all(v.licence.startswith("GPL-3.0") and v.engine == "espeak" for v in voices)


def test_empty_text():
    u = synthesize("   ")
    assert u.duration == 0 and u.phones == [] and u.words == []


def test_registry_names_missing_package(tmp_path, monkeypatch):
    import speech.tts as tts

    (tmp_path / "fake_tts_engine.py").write_text("import surely_not_installed_pkg\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(tts._ENGINES, "fake", ("fake_tts_engine", "fake-tts-package"))
    with pytest.raises(SpeechError, match="pip install fake-tts-package"):
        get_engine("fake")
    monkeypatch.setitem(tts._ENGINES, "ghost", ("speech.tts.ghost_engine", "ghost"))
    with pytest.raises(SpeechError, match="not part of this installation"):
        get_engine("ghost")
