"""``[pause 600ms]`` markup: split out, blanked, stripped, validated."""
from __future__ import annotations

import re

from speech.errors import SpeechError

_PAUSE_RE = re.compile(r"\[\s*pause\b([^\]\[]*)\]", re.IGNORECASE)
_PAUSE_OPEN_RE = re.compile(r"\[\s*pause\b[^\]\[]*(?=\[|$)", re.IGNORECASE)
_PAUSE_VALUE_RE = re.compile(
    r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|msec|milliseconds?|s|secs?|seconds?)\s*$", re.IGNORECASE
)
MAX_PAUSE_S = 60.0


def _pause_seconds(token: str, inner: str) -> float:
    m = _PAUSE_VALUE_RE.match(inner)
    if not m:
        raise SpeechError(
            f"invalid pause markup {token!r} in the narration; write it like [pause 600ms], "
            "[pause 1s] or [pause 1.5 s]"
        )
    value = float(m.group(1))
    seconds = value / 1000.0 if m.group(2).lower().startswith("m") else value
    if seconds > MAX_PAUSE_S:
        raise SpeechError(
            f"pause {token!r} is too long ({seconds:g} s); the longest pause is {MAX_PAUSE_S:g} s"
        )
    return seconds


def pause_spans(text: str) -> list[tuple[str, int] | float]:
    """Like :func:`split_pauses` but text chunks come with their offset into ``text``."""
    bad = _PAUSE_OPEN_RE.search(text)
    if bad and not _PAUSE_RE.match(text, bad.start()):
        raise SpeechError(
            f"unclosed pause markup {bad.group(0).strip()!r} in the narration; "
            "write it like [pause 600ms]"
        )
    raw: list[tuple[str, int] | float] = []
    pos = 0
    for m in _PAUSE_RE.finditer(text):
        seconds = _pause_seconds(m.group(0), m.group(1))
        if m.start() > pos:
            raw.append((text[pos : m.start()], pos))
        if seconds > 0:
            raw.append(seconds)
        pos = m.end()
    if pos < len(text):
        raw.append((text[pos:], pos))
    items: list[tuple[str, int] | float] = []
    for it in raw:  # drop blank chunks, then sum pauses that end up adjacent
        if isinstance(it, tuple) and not it[0].strip():
            continue
        if isinstance(it, float) and items and isinstance(items[-1], float):
            items[-1] += it
        else:
            items.append(it)
    return items


def split_pauses(text: str) -> list[str | float]:
    """Split narration at ``[pause 600ms]`` / ``[pause 1s]`` / ``[pause 1.5 s]`` markup.

    Returns text chunks (as written, whitespace kept) and pause lengths in seconds, in order;
    adjacent pauses are summed and empty chunks dropped. Malformed markup (``[pause]``,
    ``[pause soon]``, an unclosed ``[pause 1s``) raises :class:`SpeechError` naming it."""
    return [it if isinstance(it, float) else it[0] for it in pause_spans(text)]


def blank_pauses(text: str) -> str:
    """The text with each pause token replaced by spaces of the same length (offsets unchanged)."""
    out = [" "] * len(text)
    for item in pause_spans(text):
        if not isinstance(item, float):
            chunk, offset = item
            out[offset:offset + len(chunk)] = chunk
    return "".join(out)


def strip_pauses(text: str) -> str:
    """``text`` without its pause markup (for places that show the narration as written)."""
    pause_spans(text)  # validate
    return re.sub(r"[ \t]{2,}", " ", _PAUSE_RE.sub(" ", text)).strip()
