"""Words of a text as character spans: the one definition the speech engines and the aligner share.

A word is a whitespace-delimited run that holds a letter or digit, with the characters at its
edges that are neither stripped ("(well-known)," -> "well-known", "$5" -> "5", "12%" -> "12");
inner punctuation stays ("didn't", "e-mail", "3.50").
"""
from __future__ import annotations

import re

# sentence punctuation around a word; read-out symbols ($, %, #, +) are not among them
QUIET_EDGES = ".,;:!?\"'()[]{}«»“”‘’…—–-"

_RUN = re.compile(r"\S+")


def trim_word(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` shrunk past the characters at its edges that are not letters or digits
    (an empty span where it holds none)."""
    s, e = start, end
    while s < e and not text[s].isalnum():
        s += 1
    while e > s and not text[e - 1].isalnum():
        e -= 1
    return s, e


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every word of ``text``, in order."""
    out = []
    for m in _RUN.finditer(text):
        s, e = trim_word(text, m.start(), m.end())
        if s < e:
            out.append((s, e))
    return out


def spoken_form(text: str, start: int, end: int) -> str:
    """The whitespace-delimited run around ``text[start:end]`` with sentence punctuation stripped
    but read-out symbols kept ("12%", "$5"): what to phonemise for the word alone."""
    s, e = start, end
    while s > 0 and not text[s - 1].isspace():
        s -= 1
    while e < len(text) and not text[e].isspace():
        e += 1
    return text[s:e].strip(QUIET_EDGES) or text[start:end]
