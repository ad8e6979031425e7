"""Narration text -> spoken text: normalisation, span maps, pauses, lexicon, prepare()."""
from __future__ import annotations

import re

import pytest

from speech.errors import SpeechError
from speech.text import (
    Lexicon,
    PauseSegment,
    SpanMap,
    SpeakSegment,
    apply_lexicon,
    cardinal,
    ipa_to_espeak,
    map_words,
    normalize,
    normalize_with_map,
    ordinal,
    prepare,
    split_pauses,
    strip_pauses,
    year,
)
from speech.types import Word

# ----------------------------------------------------------------------------- normalisation

CASES = [
    ("on 24 Nov 2026", "on the twenty-fourth of November, twenty twenty-six"),
    ("2026-11-24", "the twenty-fourth of November, twenty twenty-six"),
    ("Nov 24, 2026", "November twenty-fourth, twenty twenty-six"),
    ("in March 2026", "in March twenty twenty-six"),
    ("at 3:30 pm", "at three thirty p.m."),
    ("at 9:05", "at nine oh five"),
    ("15:00", "fifteen hundred"),
    ("$3.50", "three dollars and fifty cents"),
    ("$1", "one dollar"),
    ("$0.99", "ninety-nine cents"),
    ("€20", "twenty euros"),
    ("£5.20", "five pounds and twenty pence"),
    ("$3.5 million", "three point five million dollars"),
    ("50%", "fifty percent"),
    ("3.5%", "three point five percent"),
    ("5 km", "five kilometers"),
    ("1 km", "one kilometer"),
    ("10 kg", "ten kilograms"),
    ("3 GB", "three gigabytes"),
    ("100 ms", "one hundred milliseconds"),
    ("1.5 GHz", "one point five gigahertz"),
    ("20°C", "twenty degrees Celsius"),
    ("e.g. this", "for example this"),
    ("Dr. Smith", "Doctor Smith"),
    ("apples, pears, etc.", "apples, pears, et cetera."),
    ("A vs. B", "A versus B"),
    ("the 1st, 2nd, 3rd and 24th", "the first, second, third and twenty-fourth"),
    ("1,234,567", "one million two hundred thirty-four thousand five hundred sixty-seven"),
    ("in 1999", "in nineteen ninety-nine"),
    ("since 2005", "since two thousand five"),
    ("2026 users", "two thousand twenty-six users"),
    ("2020–2026", "twenty twenty to twenty twenty-six"),
    ("pages 10-20", "pages ten to twenty"),
    ("the 1990s", "the nineteen nineties"),
    ("v2.0", "version two point zero"),
    ("release 1.2.3", "release one point two point three"),
    ("3.14", "three point one four"),
    ("-5", "minus five"),
    ("code 007", "code zero zero seven"),
    ("MP3 and COVID-19", "MP three and COVID nineteen"),
    ("GPT-4", "GPT four"),
    ("1920x1080", "one thousand nine hundred twenty by one thousand eighty"),
    ("3x faster", "three times faster"),
    ("R&D", "R and D"),
    ("#1", "number one"),
    ("3/4", "three quarters"),
]


@pytest.mark.parametrize("text,spoken", CASES)
def test_normalize_reads_like_a_presenter(text, spoken):
    assert normalize(text) == spoken


def test_number_words():
    assert cardinal(0) == "zero"
    assert cardinal(115) == "one hundred fifteen"
    assert cardinal(2_000_001) == "two million one"
    assert ordinal(12) == "twelfth" and ordinal(40) == "fortieth" and ordinal(101) == "one hundred first"
    assert year(1905) == "nineteen oh five" and year(1900) == "nineteen hundred"
    assert year(2000) == "two thousand" and year(2010) == "twenty ten"


def test_plain_text_is_untouched():
    text = "Hello, world! Nothing to change here."
    spoken, span_map = normalize_with_map(text)
    assert spoken == text
    assert span_map.to_original(7, 12) == (7, 12)


def test_other_languages_leave_words_alone():
    text = "Ich habe 3 Katzen, z.B. Tom."
    spoken = normalize(text, "de")
    # either num2words spelled the number or the engine will; German words never get English
    assert spoken in (text, text.replace("3", "drei"))


# ----------------------------------------------------------------------------- span maps


def _spoken_words(spoken: str) -> list[Word]:
    """Whitespace-delimited words of the spoken text with edge punctuation stripped, timed 1 s
    apart (what an engine reports, minus the audio)."""
    out = []
    for i, m in enumerate(re.finditer(r"\S+", spoken)):
        s, e = m.span()
        while s < e and not spoken[s].isalnum() and spoken[s] != "[":
            s += 1
        while e > s and not spoken[e - 1].isalnum() and spoken[e - 1] != "]":
            e -= 1
        if e > s:
            out.append(Word(spoken[s:e], float(i), i + 0.5, s, e))
    return out


def test_every_spoken_word_maps_to_its_original_token():
    original = "On 24 Nov 2026, we paid $3.50 for 5 km of cable (e.g. 10 kg) at 3:30 pm."
    spoken, span_map = normalize_with_map(original)
    assert spoken == (
        "On the twenty-fourth of November, twenty twenty-six, we paid three dollars and fifty "
        "cents for five kilometers of cable (for example ten kilograms) at three thirty p.m."
    )
    for w in _spoken_words(spoken):
        s, e = span_map.to_original(w.char_start, w.char_end)
        assert 0 <= s < e <= len(original)
    mapped = map_words(_spoken_words(spoken), span_map, original)
    assert [w.text for w in mapped] == [
        "On", "24", "Nov", "2026", "we", "paid", "$3.50", "for", "5 km", "of", "cable",
        "e.g", "10 kg", "at", "3:30 pm",
    ]
    for w in mapped:
        assert original[w.char_start : w.char_end] == w.text
    # merged words span the times of all the spoken words they came from
    money = next(w for w in mapped if w.text == "$3.50")
    at = spoken.index("three dollars")
    spoken_money = [w for w in _spoken_words(spoken)
                    if at <= w.char_start < spoken.index(" for five")]
    assert [w.text for w in spoken_money] == ["three", "dollars", "and", "fifty", "cents"]
    assert money.start == spoken_money[0].start and money.end == spoken_money[-1].end


def test_span_map_composes_through_lexicon_and_normalisation():
    original = "Our SQL server handles 3 GB in 100 ms."
    segments = prepare(original, "en", {"sql": "sequel"})
    assert len(segments) == 1 and isinstance(segments[0], SpeakSegment)
    seg = segments[0]
    assert seg.spoken_text == "Our sequel server handles three gigabytes in one hundred milliseconds."
    mapped = map_words(_spoken_words(seg.spoken_text), seg.span_map, original)
    assert [w.text for w in mapped] == ["Our", "SQL", "server", "handles", "3 GB", "in", "100 ms"]


def test_span_map_offsets_are_global_across_pauses():
    original = "First 2 items. [pause 500ms] Then 3 more."
    segments = prepare(original)
    assert isinstance(segments[1], PauseSegment) and segments[1].seconds == pytest.approx(0.5)
    texts = []
    for seg in segments:
        if isinstance(seg, SpeakSegment):
            texts += [w.text for w in map_words(_spoken_words(seg.spoken_text), seg.span_map, original)]
            assert original[seg.original_start : seg.original_end].strip() in ("First 2 items.", "Then 3 more.")
    assert texts == ["First", "2", "items", "Then", "3", "more"]


def test_span_map_identity_and_shift():
    m = SpanMap.identity("hello").shifted(10)
    assert m.to_original(1, 4) == (11, 14)
    assert m.to_original(2, 2) == (12, 12)


def test_words_without_offsets_pass_through():
    w = Word("x", 0.0, 1.0)
    assert map_words([w], SpanMap.identity("x"), "x") == [w]


# ----------------------------------------------------------------------------- pauses


def test_split_pauses():
    assert split_pauses("Hello. [pause 600ms] World [pause 1s] again [PAUSE 1.5 s]") == [
        "Hello. ", 0.6, " World ", 1.0, " again ", 1.5,
    ]
    assert split_pauses("a [pause 1s] [pause 250 ms] b") == ["a ", 1.25, " b"]
    assert split_pauses("no pauses here") == ["no pauses here"]
    assert split_pauses("[pause 0.5s]") == [0.5]
    assert strip_pauses("a [pause 1s] b") == "a b"


@pytest.mark.parametrize("bad", ["[pause]", "[pause soon]", "[pause 5 min]", "[pause -1s]",
                                 "[pause 1s", "[pause 90s]"])
def test_bad_pause_markup_is_named(bad):
    with pytest.raises(SpeechError) as err:
        split_pauses(f"Hello {bad} world")
    assert bad.split()[0] in str(err.value) and "pause" in str(err.value)


# ----------------------------------------------------------------------------- lexicon


def test_lexicon_whole_word_case_insensitive():
    lex = Lexicon({"SQL": "sequel", "C++": "see plus plus", "Node.js": "node jay ess"})
    spoken, span_map = apply_lexicon("sql and SQL's, not MySQL; C++ and node.js.", lex)
    assert spoken == "sequel and sequel's, not MySQL; see plus plus and node jay ess."
    assert span_map.to_original(0, 6) == (0, 3)


def test_lexicon_phonemes_ipa_converted_for_espeak():
    lex = {"nginx": "[[ˈɛndʒɪnˈɛks]]", "kubectl": "[[k'u:b,kVntr@Ul]]"}
    assert apply_lexicon("nginx", lex)[0] == "[['EndZIn'Eks]]"
    assert apply_lexicon("kubectl", lex)[0] == "[[k'u:b,kVntr@Ul]]"  # espeak names kept
    assert apply_lexicon("nginx", lex, phoneme_format="ipa")[0] == "[[ˈɛndʒɪnˈɛks]]"
    assert apply_lexicon("nginx", lex, phoneme_format=None)[0] == "nginx"
    assert ipa_to_espeak("həˈloʊ") == "h@'loU"
    # normalisation leaves phoneme input alone
    assert normalize("[[h@l'oU]] 2 times") == "[[h@l'oU]] two times"


def test_lexicon_files(tmp_path):
    (tmp_path / "lex.yaml").write_text("lexicon:\n  SQL: sequel\n  GIF: jif\n", encoding="utf-8")
    (tmp_path / "lex.csv").write_text("word,pronunciation\nSQL,sequel\n# comment\nGIF,jif\n")
    (tmp_path / "lex.tsv").write_text("SQL\tsequel\nGIF\tjif\n")
    for name in ("lex.yaml", "lex.csv", "lex.tsv"):
        lex = Lexicon.load(tmp_path / name)
        assert lex.lookup("gif") == "jif" and lex.lookup("Sql") == "sequel" and len(lex) == 2
    (tmp_path / "bad.csv").write_text("SQL\n")
    with pytest.raises(SpeechError, match="line 1"):
        Lexicon.load(tmp_path / "bad.csv")
    with pytest.raises(SpeechError, match="cannot read"):
        Lexicon.load(tmp_path / "missing.yaml")
    with pytest.raises(SpeechError, match="needs a pronunciation"):
        Lexicon({"SQL": ""})


def _phones(text: str) -> list[str]:
    from speech.tts import synthesize

    return [p.symbol for p in synthesize(text).phones]


def test_lexicon_changes_what_espeak_says():
    pytest.importorskip("espeakng_loader")
    plain = prepare("SQL", "en")[0].spoken_text
    lexed = prepare("SQL", "en", {"SQL": "sequel"})[0].spoken_text
    assert _phones(plain) != _phones(lexed)
    assert _phones(lexed) == _phones("sequel")


def test_phoneme_entries_reach_espeak():
    pytest.importorskip("espeakng_loader")
    if _phones("[[h@l'oU]]") != ["h", "ə", "l", "oʊ"]:
        pytest.skip("the espeak engine does not pass espeakPHONEMES, so [[...]] is read as text")
    spoken = prepare("nginx", "en", {"nginx": "[[ˈɛndʒɪnˈɛks]]"})[0].spoken_text
    assert _phones(spoken) == ["ɛ", "n", "dʒ", "ɪ", "n", "ɛ", "k", "s"]


def test_prepare_with_espeak_words_maps_back_to_original():
    pytest.importorskip("espeakng_loader")
    from speech.tts import synthesize

    original = "Meet Dr. Smith on 24 Nov 2026 [pause 300ms] at 3:30 pm for $3.50."
    words = []
    for seg in prepare(original):
        if isinstance(seg, SpeakSegment):
            u = synthesize(seg.spoken_text)
            words += map_words(u.words, seg.span_map, original)
    assert [w.text for w in words] == [
        "Meet", "Dr", "Smith", "on", "24", "Nov", "2026", "at", "3:30 pm", "for", "$3.50",
    ]
    for w in words:
        assert original[w.char_start : w.char_end] == w.text


def test_word_spans_are_the_words_every_engine_reports():
    from speech.text import spoken_form, word_spans

    text = "(Well-known) $5, didn't — 12%... e-mail!"
    assert [text[s:e] for s, e in word_spans(text)] == ["Well-known", "5", "didn't", "12", "e-mail"]
    s, e = word_spans(text)[1]
    assert spoken_form(text, s, e) == "$5" and spoken_form(text, *word_spans(text)[3]) == "12%"
