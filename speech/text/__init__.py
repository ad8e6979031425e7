"""What the presenter actually says: narration text -> spoken text, with a map back to the source.

Captions show the text the author wrote; the speech engine speaks a *normalised* version of it
("on 24 Nov 2026" -> "on the twenty-fourth of November, twenty twenty-six"). Every rewrite here
therefore also returns a :class:`SpanMap` that traces each character of the spoken text back to a
span of the original, so the engine's word timings (character offsets into the spoken text) can
be turned into word timings over the original text with :func:`map_words`.

The pieces, each usable alone:

* :func:`split_pauses` -- ``[pause 600ms]`` / ``[pause 1.5 s]`` markup -> text chunks and pauses.
* :class:`Lexicon` + :func:`apply_lexicon` -- per-word respellings (``SQL: sequel``) or phonemes
  (``nginx: "[[ˈɛndʒɪnˈɛks]]"``), whole-word and case-insensitive.
* :func:`normalize` / :func:`normalize_with_map` -- numbers, ordinals, years, dates, times, money,
  percentages, units, abbreviations and ID-like tokens read the way a presenter says them
  (English; other languages get their numbers from ``num2words`` when it is installed and knows
  the language, otherwise the engine reads them).
* :func:`prepare` -- all of the above in order: a list of :class:`SpeakSegment` and
  :class:`PauseSegment`.
* :func:`word_spans` -- the words of a text as character spans, the one definition every speech
  engine and the aligner share.

One module per job: ``numbers`` (English number words), ``spans`` (span maps and the rule scanner
that builds them), ``pauses``, ``lexicon``, ``normalize``, ``prepare`` (segments and
:func:`map_words`), ``words``. Everything public is importable from ``speech.text`` itself.

Phoneme entries use espeak-ng's ``[[...]]`` phoneme input, which takes espeak's own ASCII phoneme
names (``[[n'EndZInEks]]``), not IPA, and only when ``espeak_Synth`` is called with the
``espeakPHONEMES`` flag. IPA inside ``[[...]]`` is converted here to espeak's names (English
phoneme set) when ``phoneme_format="espeak"``.
"""
from __future__ import annotations

from speech.text.lexicon import Lexicon, PhonemeFormat, apply_lexicon, ipa_to_espeak
from speech.text.normalize import normalize, normalize_with_map
from speech.text.numbers import cardinal, digits, ordinal, year
from speech.text.pauses import MAX_PAUSE_S, blank_pauses, split_pauses, strip_pauses
from speech.text.prepare import PauseSegment, Segment, SpeakSegment, map_words, prepare
from speech.text.spans import Piece, SpanMap
from speech.text.words import QUIET_EDGES, spoken_form, trim_word, word_spans

__all__ = [
    "Lexicon",
    "MAX_PAUSE_S",
    "PauseSegment",
    "PhonemeFormat",
    "Piece",
    "QUIET_EDGES",
    "Segment",
    "SpanMap",
    "SpeakSegment",
    "apply_lexicon",
    "blank_pauses",
    "cardinal",
    "digits",
    "ipa_to_espeak",
    "map_words",
    "normalize",
    "normalize_with_map",
    "ordinal",
    "prepare",
    "spoken_form",
    "split_pauses",
    "strip_pauses",
    "trim_word",
    "word_spans",
    "year",
]
