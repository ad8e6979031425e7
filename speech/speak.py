"""Narration text -> one Utterance: pauses, lexicon and number reading applied, sentence by
sentence through the synthesis cache, joined without clicks and loudness-normalised.

Word timings come back with character offsets into the narration *as written*, so captions show
the original text ("2026", "[pause 1s]" removed) while the voice says the normalised text.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

import numpy as np

from speech.cache import cached_normalised, cached_synthesize
from speech.loudness import join_utterances
from speech.text import Lexicon, PauseSegment, map_words, prepare
from speech.types import Utterance, Word

SENTENCE_GAP = 0.22  # s of silence between sentences synthesised separately
TARGET_LUFS = -16.0
PEAK_DBTP = -1.0
# a sentence ends at . ! ? … followed by space and a capital (or an opening quote/bracket), not
# after initials and abbreviations ("U.S. Navy", "3 p.m. on", "Wait... what?")
_SENTENCE_END = re.compile(r"(?<![.\s][A-Za-z]\.)(?<!\.\.\.)(?<=[.!?…])[\"')\]]*\s+(?=[\"'(\[¿¡]?[A-ZÀ-ÖØ-ÞА-Я])")
PHONEME_INPUT = {"espeak": "espeak"}  # engines that read [[phonemes]] in their text, and in which alphabet


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, punctuation included, whitespace between them excluded."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def speak(text: str, *, engine: str = "espeak", voice: str | None = None, rate: float = 1.0,
          language: str = "en", lexicon: Lexicon | Mapping[str, str] | str | Path | None = None,
          normalise: bool = True) -> Utterance:
    """Synthesise narration `text` (may hold [pause 600ms] markup) into one loudness-normalised Utterance."""
    pieces: list[Utterance | float] = []
    sample_rate = None
    for segment in prepare(text, language, lexicon, PHONEME_INPUT.get(engine)):
        if isinstance(segment, PauseSegment):
            pieces.append(segment.seconds)
            continue
        spoken = segment.spoken_text
        for k, (s, e) in enumerate(sentence_spans(spoken)):
            utterance = cached_synthesize(spoken[s:e], voice=voice, engine=engine, rate=rate)
            sample_rate = utterance.sample_rate
            words = [Word(w.text, w.start, w.end, w.char_start + s, w.char_end + s) if w.char_start >= 0 else w
                     for w in utterance.words]
            if k:
                pieces.append(SENTENCE_GAP)
            pieces.append(Utterance(utterance.samples, utterance.sample_rate, list(utterance.phones),
                                    map_words(words, segment.span_map, text), spoken[s:e]))
    if sample_rate is None:  # only pauses, or nothing to say
        seconds = sum(p for p in pieces if isinstance(p, float))
        return Utterance(np.zeros(int(round(seconds * 22050)), np.float32), 22050, [], [], text)
    joined = join_utterances(pieces, text=text)
    if normalise:
        joined.samples = cached_normalised(joined.samples, joined.sample_rate, TARGET_LUFS, PEAK_DBTP)
    return joined
