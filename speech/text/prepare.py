"""Narration -> segments to speak and pauses, and engine words mapped back to the narration."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Union

from speech.text.lexicon import Lexicon, PhonemeFormat, apply_lexicon
from speech.text.normalize import normalize_with_map
from speech.text.pauses import pause_spans
from speech.text.spans import SpanMap
from speech.types import Word

@dataclass(frozen=True)
class SpeakSegment:
    """Text to speak (``spoken_text``) and its map back to the *whole* narration's offsets."""

    spoken_text: str
    span_map: SpanMap
    original_start: int = 0
    original_end: int = 0


@dataclass(frozen=True)
class PauseSegment:
    """Silence of ``seconds``."""

    seconds: float


Segment = Union[SpeakSegment, PauseSegment]


def prepare(
    text: str,
    language: str = "en",
    lexicon: Lexicon | Mapping[str, str] | str | Path | None = None,
    phoneme_format: PhonemeFormat = "espeak",
) -> list[Segment]:
    """Narration -> what to speak and where to pause: pause markup split out, lexicon applied,
    numbers/dates/units/abbreviations normalised. Each :class:`SpeakSegment`'s ``span_map``
    maps into ``text`` itself (pause markup included), so :func:`map_words` with ``text`` gives
    caption words with offsets into the narration as written."""
    lex = Lexicon.load(lexicon)
    segments: list[Segment] = []
    for item in pause_spans(text):
        if isinstance(item, float):
            segments.append(PauseSegment(item))
            continue
        chunk, offset = item
        lexed, map1 = apply_lexicon(chunk, lex, phoneme_format)
        spoken, map2 = normalize_with_map(lexed, language)
        if not spoken.strip():
            continue
        segments.append(SpeakSegment(spoken, map1.then(map2).shifted(offset), offset,
                                     offset + len(chunk)))
    return segments


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    """Shrink a span past surrounding whitespace and edge punctuation (not $, %, #, etc.)."""
    while s < e and (text[s].isspace() or text[s] in ",.;:!?\"'“”‘’()[]{}"):
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] in ",.;:!?\"'“”‘’()[]{}"):
        e -= 1
    return s, e


def map_words(words: list[Word], span_map: SpanMap, original_text: str) -> list[Word]:
    """Engine words (offsets into the spoken text) -> words over ``original_text``.

    Spoken words that come from the same original token ("twenty", "twenty-six" from "2026") are
    merged into one word spanning their times; ``text`` becomes the original characters."""
    out: list[Word] = []
    for w in words:
        if w.char_start < 0 or w.char_end < w.char_start:
            out.append(w)
            continue
        s, e = span_map.to_original(w.char_start, w.char_end)
        ts, te = _trim(original_text, s, e)
        if te > ts:
            s, e = ts, te
        if out and out[-1].char_start >= 0 and s < out[-1].char_end and e > out[-1].char_start:
            prev = out[-1]
            s, e = min(s, prev.char_start), max(e, prev.char_end)
            out[-1] = Word(original_text[s:e], prev.start, max(prev.end, w.end), s, e)
            continue
        out.append(Word(original_text[s:e], w.start, w.end, s, e))
    return out
