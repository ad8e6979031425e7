import pytest

from speech.phonemes import PHONE_VISEMES, UNKNOWN_CLASS, is_vowel, segments, viseme_class
from speech.tts import synthesize

SENTENCES = {
    "en-us": "The quick brown fox jumps over the lazy dog; measure the thin vision of church bells, wow.",
    "de": "Ich möchte über schöne Grüße sprechen, zwölf Boxkämpfer jagen Viktor quer über den Sylter Deich.",
    "fr": "Bonjour, je voudrais un croissant, du vin et une brioche chez le boulanger.",
    "es": "El pingüino Wenceslao hizo kilómetros bajo exhaustiva lluvia y frío, añoraba a su querido cachorro.",
}


@pytest.mark.parametrize("voice", list(SENTENCES))
def test_every_phone_the_engine_speaks_has_a_viseme(voice):
    utterance = synthesize(SENTENCES[voice], voice=voice)
    unknown = {p.symbol for p in utterance.phones for part in segments(p.symbol) if part not in PHONE_VISEMES}
    empty = {p.symbol for p in utterance.phones if not segments(p.symbol)}
    assert not unknown and not empty


def test_classes_of_single_symbols():
    assert {viseme_class(s) for s in "pbm"} == {"bilabial"}
    assert viseme_class("f") == viseme_class("v") == "labiodental"
    assert viseme_class("?") == UNKNOWN_CLASS
    assert is_vowel("a") and is_vowel("ə") and not is_vowel("m") and not is_vowel("?")


def test_compound_units_split_into_parts():
    assert segments("aɪɚ") == ["aɪ", "ɪ", "ɚ"]
    assert segments("ɔːɹ") == ["ɔ", "ɹ"]
    assert segments("œ̃") == ["œ"]
    assert segments("ˈa") == ["a"]

