import pytest

from speech.phonemes import PHONE_VISEMES, VISEMES, segments, viseme_of
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


def test_bilabials_close_and_labiodentals_tuck():
    for symbol in "pbm":
        assert viseme_of(symbol).closure and viseme_of(symbol).lip_press == 1.0
    assert viseme_of("f").lower_lip_tuck == 1.0 and viseme_of("v").lower_lip_tuck == 1.0
    assert viseme_of("a").jaw_open > viseme_of("i").jaw_open > viseme_of("m").jaw_open
    assert viseme_of("u").lip_round > 0.8


def test_compound_units_split_into_parts():
    assert segments("aɪɚ") == ["aɪ", "ɪ", "ɚ"]
    assert segments("ɔːɹ") == ["ɔ", "ɹ"]
    assert segments("œ̃") == ["œ"]
    assert segments("ˈa") == ["a"]


def test_every_viseme_has_a_shape_letter():
    assert {v.shape for v in VISEMES.values()} <= set("ABCDEFGHX")
