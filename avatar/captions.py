"""Caption cues from narration text and word timings; SRT and WebVTT writers.

A cue is one sentence, or one chunk of a long sentence (split at ``;``/``:`` first, then at word
boundaries, preferring commas), at most ``max_chars`` characters on at most two lines. Each cue is
timed from the first spoken word's start to the last spoken word's end, shifted by the slide's
start time in the video. Cues never overlap and stay on screen for a minimum time where the next
cue leaves room.
"""
from __future__ import annotations

import os
import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from avatar.errors import AvatarError
from avatar.files import write_text_atomic

if TYPE_CHECKING:  # pragma: no cover
    from speech.types import Word

MIN_DISPLAY = 0.7  # seconds a cue stays up when the next cue leaves room
MAX_LINES = 2

# A sentence ends at ., ! or ? (possibly repeated, possibly followed by closing quotes/brackets)
# followed by whitespace or the end of the text.
_SENTENCE_END = re.compile(r"""[.!?\u2026]+["'\u2019\u201d)\]]*(?=\s|$)""")
_CLAUSE_END = re.compile(r"""[;:]["'\u2019\u201d)\]]*(?=\s|$)""")
_TOKEN = re.compile(r"\S+")
_WORDCHARS = re.compile(r"[\W_]+", re.UNICODE)


@dataclass
class Cue:
    """One caption: times in seconds from the start of the video; lines separated by '\\n'."""

    start: float
    end: float
    text: str


# --------------------------------------------------------------------------------------------
# Splitting text into spans
# --------------------------------------------------------------------------------------------


def _strip_span(text: str, a: int, b: int) -> tuple[int, int] | None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return (a, b) if a < b else None


def _split_at(text: str, a: int, b: int, pattern: re.Pattern) -> list[tuple[int, int]]:
    """Split text[a:b] after each match of pattern; returns stripped, non-empty spans."""
    spans = []
    pos = a
    for m in pattern.finditer(text, a, b):
        span = _strip_span(text, pos, m.end())
        if span:
            spans.append(span)
        pos = m.end()
    span = _strip_span(text, pos, b)
    if span:
        spans.append(span)
    return spans


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    return _split_at(text, 0, len(text), _SENTENCE_END)


def _norm_len(text: str, a: int, b: int) -> int:
    """Length of text[a:b] once whitespace runs are collapsed to single spaces."""
    return len(" ".join(text[a:b].split()))


def _chunk_tokens(text: str, a: int, b: int, max_chars: int) -> list[tuple[int, int]]:
    """Split text[a:b] at word boundaries into as few chunks of <= max_chars as possible, with
    balanced lengths and a preference for breaking after commas (dynamic programming)."""
    toks = [(m.start(), m.end()) for m in _TOKEN.finditer(text, a, b)]
    n = len(toks)
    if n == 0:
        return []
    # length of tokens i..j-1 joined by single spaces
    lens = [t[1] - t[0] for t in toks]
    prefix = [0]
    for ln in lens:
        prefix.append(prefix[-1] + ln)

    def length(i: int, j: int) -> int:
        return prefix[j] - prefix[i] + (j - i - 1)

    total = length(0, n)
    k_min = max(1, -(-total // max_chars))
    target = total / k_min
    INF = float("inf")
    # best[j] = (n_chunks, cost, prev) for tokens[0:j]
    best: list[tuple[float, float, int]] = [(0, 0.0, -1)] + [(INF, INF, -1)] * n
    for j in range(1, n + 1):
        for i in range(j - 1, -1, -1):
            ln = length(i, j)
            if ln > max_chars and j - i > 1:
                break  # longer spans only get longer
            if best[i][0] == INF:
                continue
            cost = ((ln - target) / max(target, 1.0)) ** 2
            last = text[toks[j - 1][1] - 1]
            if j < n and last in ",\u2013\u2014-":
                cost -= 0.15  # a comma or dash is a natural place to break
            cand = (best[i][0] + 1, best[i][1] + cost, i)
            if cand[:2] < best[j][:2]:
                best[j] = cand
    spans = []
    j = n
    while j > 0:
        i = best[j][2]
        spans.append((toks[i][0], toks[j - 1][1]))
        j = i
    spans.reverse()
    return spans


def _chunk_spans(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Sentences, with long ones split at ; and : and then at word boundaries."""
    out: list[tuple[int, int]] = []
    for a, b in _sentence_spans(text):
        if _norm_len(text, a, b) <= max_chars:
            out.append((a, b))
            continue
        for ca, cb in _split_at(text, a, b, _CLAUSE_END):
            if _norm_len(text, ca, cb) <= max_chars:
                out.append((ca, cb))
            else:
                out.extend(_chunk_tokens(text, ca, cb, max_chars))
    return out


def wrap_lines(text: str, max_chars: int = 84) -> str:
    """Collapse whitespace and break text longer than max_chars/2 into two balanced lines at a
    word boundary ('\\n' between them)."""
    words = text.split()
    flat = " ".join(words)
    line_max = max(1, max_chars // MAX_LINES)
    if len(flat) <= line_max or len(words) < 2:
        return flat
    best = None
    for k in range(1, len(words)):
        first = " ".join(words[:k])
        second = " ".join(words[k:])
        over = max(0, len(first) - line_max) + max(0, len(second) - line_max)
        # prefer fits, then balance; a slightly longer first line reads better (the "pyramid")
        key = (over, abs(len(first) - len(second)), len(second) > len(first))
        if best is None or key < best[0]:
            best = (key, first + "\n" + second)
    return best[1]


# --------------------------------------------------------------------------------------------
# Words -> character positions
# --------------------------------------------------------------------------------------------


def _word_positions(text: str, words: Sequence["Word"]) -> list[int]:
    """A character position in text for each word: its char_start when valid, else found by
    searching for the word forward from the previous word (word order), else the position just
    after the previous word."""
    positions: list[int] = []
    cursor = 0
    n = len(text)
    for w in words:
        cs = getattr(w, "char_start", -1)
        ce = getattr(w, "char_end", -1)
        if cs is not None and 0 <= cs < n:
            positions.append(cs)
            cursor = max(cursor, ce if ce is not None and cs < ce <= n else cs + 1)
            continue
        found = -1
        key = _WORDCHARS.sub("", w.text).lower()
        if key:
            # match word-by-word from the cursor, comparing letters and digits only
            for m in _TOKEN.finditer(text, cursor):
                if m.start() - cursor > 400:
                    break
                if _WORDCHARS.sub("", m.group()).lower() == key:
                    found = m.start()
                    cursor = m.end()
                    break
        if found < 0:
            # unknown word (e.g. spoken form of a number): the next token in order
            m = _TOKEN.search(text, cursor)
            if m:
                found = m.start()
                cursor = m.end()
            else:
                found = max(0, min(cursor, n - 1))
        positions.append(found)
    return positions


# --------------------------------------------------------------------------------------------
# Cues
# --------------------------------------------------------------------------------------------


def cues_from_words(
    text: str,
    words: Sequence["Word"],
    offset: float = 0.0,
    max_chars: int = 84,
) -> list[Cue]:
    """Caption cues for one slide's narration.

    ``text`` is the narration as written; ``words`` the spoken words with times (seconds from the
    start of the slide's audio) and character offsets into ``text`` (-1 where unknown: then the
    words are matched to the text in order). ``offset`` is the slide's start time in the video.
    """
    if max_chars < 8:
        raise ValueError("max_chars must be at least 8")
    timed = [w for w in words if w.end >= w.start]
    if not text.strip() or not timed:
        return []
    spans = _chunk_spans(text, max_chars)
    if not spans:
        return []
    starts = [a for a, _ in spans]
    positions = _word_positions(text, timed)

    # group words by span
    first: list[float | None] = [None] * len(spans)
    last: list[float | None] = [None] * len(spans)
    for w, pos in zip(timed, positions):
        i = bisect_right(starts, pos) - 1
        if i < 0:
            i = 0
        elif pos >= spans[i][1] and i + 1 < len(spans):
            # between spans (whitespace or punctuation): belongs to the next one
            i += 1
        s, e = float(w.start), float(w.end)
        first[i] = s if first[i] is None else min(first[i], s)
        last[i] = e if last[i] is None else max(last[i], e)

    # chunk texts; untimed chunks (no spoken word fell in them) join a neighbour
    pieces: list[list] = []  # [start, end, text]
    pending_text = ""
    for (a, b), s, e in zip(spans, first, last):
        chunk = " ".join(text[a:b].split())
        if s is None:
            if pieces:
                pieces[-1][2] += " " + chunk
            else:
                pending_text = (pending_text + " " + chunk).strip()
            continue
        if pending_text:
            chunk = pending_text + " " + chunk
            pending_text = ""
        pieces.append([s + offset, e + offset, chunk])
    if not pieces:
        return []

    pieces.sort(key=lambda p: p[0])
    # merge pieces that could not be shown for any time (next starts at or before this start)
    merged: list[list] = []
    for p in pieces:
        if merged and p[0] <= merged[-1][0] + 1e-6:
            merged[-1][1] = max(merged[-1][1], p[1])
            merged[-1][2] += " " + p[2]
        else:
            merged.append(p)

    cues: list[Cue] = []
    for i, (s, e, chunk) in enumerate(merged):
        nxt = merged[i + 1][0] if i + 1 < len(merged) else None
        end = max(e, s + MIN_DISPLAY)
        if nxt is not None:
            end = min(end, nxt)
        cues.append(Cue(start=round(s, 3), end=round(end, 3), text=wrap_lines(chunk, max_chars)))
    return cues


def shift_cues(cues: Iterable[Cue], offset: float) -> list[Cue]:
    """Copies of cues moved by offset seconds."""
    return [Cue(c.start + offset, c.end + offset, c.text) for c in cues]


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------


def _timestamp(seconds: float, sep: str) -> str:
    ms = max(0, int(round(seconds * 1000)))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _cue_lines(text: str) -> list[str]:
    # blank lines would end a cue early in both formats
    return [ln.strip() for ln in text.splitlines() if ln.strip()] or [""]


def _vtt_escape(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _showable(cues: Sequence[Cue]) -> list[Cue]:
    """Cues with text and a positive duration (an empty SRT block is invalid)."""
    return [c for c in cues if c.text.strip() and c.end > c.start]


def srt_text(cues: Sequence[Cue]) -> str:
    blocks = []
    for i, c in enumerate(_showable(cues), 1):
        body = "\n".join(_cue_lines(c.text))
        blocks.append(f"{i}\n{_timestamp(c.start, ',')} --> {_timestamp(c.end, ',')}\n{body}\n")
    return "\n".join(blocks)


def vtt_text(cues: Sequence[Cue]) -> str:
    blocks = ["WEBVTT\n"]
    for c in _showable(cues):
        body = "\n".join(_vtt_escape(ln) for ln in _cue_lines(c.text))
        blocks.append(f"{_timestamp(c.start, '.')} --> {_timestamp(c.end, '.')}\n{body}\n")
    return "\n".join(blocks)


def _write_atomic(path: str | os.PathLike, content: str) -> Path:
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise AvatarError(path, f"folder {folder} does not exist")
    return write_text_atomic(path, content)


def write_srt(cues: Sequence[Cue], path: str | os.PathLike) -> Path:
    """Write cues as SubRip (UTF-8), atomically."""
    return _write_atomic(path, srt_text(cues))


def write_vtt(cues: Sequence[Cue], path: str | os.PathLike) -> Path:
    """Write cues as WebVTT (UTF-8, with &, < and > escaped), atomically."""
    return _write_atomic(path, vtt_text(cues))


__all__ = [
    "Cue",
    "MIN_DISPLAY",
    "cues_from_words",
    "shift_cues",
    "srt_text",
    "vtt_text",
    "wrap_lines",
    "write_srt",
    "write_vtt",
]
