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

Phoneme entries use espeak-ng's ``[[...]]`` phoneme input, which takes espeak's own ASCII phoneme
names (``[[n'EndZInEks]]``), not IPA, and only when ``espeak_Synth`` is called with the
``espeakPHONEMES`` flag. IPA inside ``[[...]]`` is converted here to espeak's names (English
phoneme set) when ``phoneme_format="espeak"``.
"""
from __future__ import annotations

import csv
import io
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Union

from speech.errors import SpeechError
from speech.types import Word

__all__ = [
    "Lexicon",
    "PauseSegment",
    "Piece",
    "Segment",
    "SpanMap",
    "SpeakSegment",
    "apply_lexicon",
    "cardinal",
    "ipa_to_espeak",
    "map_words",
    "normalize",
    "normalize_with_map",
    "ordinal",
    "prepare",
    "split_pauses",
    "strip_pauses",
    "year",
]

# ============================================================================ English number words

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (10**3, "thousand"))
_ORDINAL_IRREGULAR = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}


def digits(s: str) -> str:
    """Read a digit string one digit at a time: "007" -> "zero zero seven"."""
    return " ".join(_ONES[int(c)] for c in s if c.isdigit())


def cardinal(n: int) -> str:
    """English cardinal, American style (no "and"): 1234 -> "one thousand two hundred thirty-four"."""
    if n < 0:
        return "minus " + cardinal(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        t, o = divmod(n, 10)
        return _TENS[t] + ("-" + _ONES[o] if o else "")
    if n < 1000:
        h, r = divmod(n, 100)
        return _ONES[h] + " hundred" + (" " + cardinal(r) if r else "")
    if n >= 10**15:
        return digits(str(n))
    for value, name in _SCALES:
        if n >= value:
            q, r = divmod(n, value)
            return cardinal(q) + " " + name + (" " + cardinal(r) if r else "")
    raise AssertionError(n)  # pragma: no cover


def _ordinal_word(word: str) -> str:
    if word in _ORDINAL_IRREGULAR:
        return _ORDINAL_IRREGULAR[word]
    if word.endswith("y"):
        return word[:-1] + "ieth"
    return word + "th"


def ordinal(n: int) -> str:
    """English ordinal: 24 -> "twenty-fourth", 100 -> "one hundredth"."""
    words = cardinal(n)
    i = max(words.rfind(" "), words.rfind("-"))
    return words[: i + 1] + _ordinal_word(words[i + 1 :])


def year(n: int) -> str:
    """A year the way it is said: 2026 -> "twenty twenty-six", 1905 -> "nineteen oh five",
    2005 -> "two thousand five", 1900 -> "nineteen hundred"."""
    if not 1000 <= n <= 9999:
        return cardinal(n)
    if 2000 <= n <= 2009:
        return cardinal(n)
    hi, lo = divmod(n, 100)
    if lo == 0:
        return cardinal(hi) + " hundred"
    if lo < 10:
        return cardinal(hi) + " oh " + _ONES[lo]
    return cardinal(hi) + " " + cardinal(lo)


def _plural_word(words: str) -> str:
    head, _, last = words.rpartition(" ")
    head2, dash, last2 = last.rpartition("-")
    last2 = last2[:-1] + "ies" if last2.endswith("y") else last2 + "s"
    last = head2 + dash + last2
    return (head + " " + last) if head else last


def _decimal(number: str) -> str:
    """"1,234.05" -> "one thousand two hundred thirty-four point zero five"."""
    number = number.replace(",", "")
    neg = number[:1] in "-−"
    if neg:
        number = number[1:]
    whole, _, frac = number.partition(".")
    if len(whole) > 1 and whole.startswith("0"):
        out = digits(whole)
    else:
        out = cardinal(int(whole or "0"))
    if frac:
        out += " point " + digits(frac)
    return ("minus " + out) if neg else out


def _is_one(number: str) -> bool:
    return number.replace(",", "") in ("1", "+1", "-1", "−1")


# ============================================================================ span maps


@dataclass(frozen=True)
class Piece:
    """Spoken text ``[spoken_start, spoken_end)`` comes from original ``[orig_start, orig_end)``.

    ``kind`` is ``"keep"`` (copied verbatim: both spans have the same length and map character by
    character), ``"sub"`` (a rewrite: every spoken character maps to the whole original span) or
    ``"gap"`` (a space joining two rewritten parts; maps to what lay between them)."""

    spoken_start: int
    spoken_end: int
    orig_start: int
    orig_end: int
    kind: str = "keep"


@dataclass(frozen=True)
class SpanMap:
    """Pieces covering the spoken text in order; see :meth:`to_original`."""

    pieces: tuple[Piece, ...] = ()

    @classmethod
    def identity(cls, text: str, offset: int = 0) -> SpanMap:
        if not text:
            return cls(())
        return cls((Piece(0, len(text), offset, offset + len(text), "keep"),))

    @property
    def spoken_length(self) -> int:
        return self.pieces[-1].spoken_end if self.pieces else 0

    def shifted(self, offset: int) -> SpanMap:
        """The same map with original offsets moved by ``offset`` (a chunk inside a longer text)."""
        if not offset:
            return self
        return SpanMap(tuple(
            Piece(p.spoken_start, p.spoken_end, p.orig_start + offset, p.orig_end + offset, p.kind)
            for p in self.pieces
        ))

    def _overlapping(self, start: int, end: int) -> list[Piece]:
        starts = [p.spoken_start for p in self.pieces]
        i = max(bisect_right(starts, start) - 1, 0)
        out = []
        while i < len(self.pieces) and self.pieces[i].spoken_start < end:
            p = self.pieces[i]
            if p.spoken_end > start:
                out.append(p)
            i += 1
        return out

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span that spoken ``[start, end)`` came from (an empty range maps to the
        position it sits at)."""
        if not self.pieces:
            return (start, end)
        if end <= start:
            pieces = self._overlapping(start, start + 1) or [self.pieces[-1]]
            p = pieces[0]
            if p.kind == "keep":
                pos = p.orig_start + min(max(start - p.spoken_start, 0), p.orig_end - p.orig_start)
                return (pos, pos)
            return (p.orig_start, p.orig_start) if start <= p.spoken_start else (p.orig_end, p.orig_end)
        pieces = self._overlapping(start, end)
        if not pieces:
            last = self.pieces[-1]
            return (last.orig_end, last.orig_end)
        solid = [p for p in pieces if p.kind != "gap"] or pieces
        lo, hi = None, None
        for p in solid:
            if p.kind == "keep":
                s = p.orig_start + (max(start, p.spoken_start) - p.spoken_start)
                e = p.orig_start + (min(end, p.spoken_end) - p.spoken_start)
            else:
                s, e = p.orig_start, p.orig_end
            lo = s if lo is None else min(lo, s)
            hi = e if hi is None else max(hi, e)
        return (lo, hi)

    def then(self, later: SpanMap) -> SpanMap:
        """Compose: ``self`` maps text1 -> text0, ``later`` maps text2 -> text1; the result maps
        text2 -> text0."""
        out: list[Piece] = []
        for b in later.pieces:
            if b.kind != "keep":
                s0, e0 = self.to_original(b.orig_start, b.orig_end)
                out.append(Piece(b.spoken_start, b.spoken_end, s0, e0, b.kind))
                continue
            for a in self._overlapping(b.orig_start, b.orig_end):
                x, y = max(a.spoken_start, b.orig_start), min(a.spoken_end, b.orig_end)
                if y <= x:
                    continue
                s2, e2 = b.spoken_start + (x - b.orig_start), b.spoken_start + (y - b.orig_start)
                if a.kind == "keep":
                    out.append(Piece(s2, e2, a.orig_start + (x - a.spoken_start),
                                     a.orig_start + (y - a.spoken_start), "keep"))
                else:
                    out.append(Piece(s2, e2, a.orig_start, a.orig_end, a.kind))
        return SpanMap(tuple(out))


# (original start, original end, spoken) -- absolute offsets into the text being rewritten
Part = tuple[int, int, str]
Handler = Callable[[re.Match, str], Union[str, list[Part], None]]


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: re.Pattern
    handler: Handler
    token_start: bool = True  # only tried where the previous character is not a letter/digit


def _rewrite(text: str, rules: Iterable[_Rule]) -> tuple[str, SpanMap]:
    """Scan ``text`` left to right; at each position the first rule whose pattern matches and
    whose handler accepts rewrites that span; the rest is copied verbatim."""
    rules = list(rules)
    out: list[str] = []
    pieces: list[Piece] = []
    n_out = 0

    def emit(s: str, o0: int, o1: int, kind: str) -> None:
        nonlocal n_out
        if not s:
            return
        out.append(s)
        pieces.append(Piece(n_out, n_out + len(s), o0, o1, kind))
        n_out += len(s)

    i = keep_from = 0
    n = len(text)
    while i < n:
        at_token = i == 0 or not text[i - 1].isalnum()
        matched = False
        for rule in rules:
            if rule.token_start and not at_token:
                continue
            m = rule.pattern.match(text, i)
            if not m or m.end() <= i:
                continue
            res = rule.handler(m, text)
            if res is None:
                continue
            parts = [(m.start(), m.end(), res)] if isinstance(res, str) else list(res)
            parts = [p for p in parts if p[2]]
            emit(text[keep_from:i], keep_from, i, "keep")
            ordered = all(
                m.start() <= s <= e <= m.end() for s, e, _ in parts
            ) and all(parts[k][1] <= parts[k + 1][0] for k in range(len(parts) - 1))
            if not ordered:  # parts out of source order (ISO dates): one block
                parts = [(m.start(), m.end(), " ".join(p[2] for p in parts))]
            if parts:
                parts[0] = (m.start(), parts[0][1], parts[0][2])
                parts[-1] = (parts[-1][0], m.end(), parts[-1][2])
            for k, (s, e, spoken) in enumerate(parts):
                if k:
                    prev_e = parts[k - 1][1]
                    emit(" ", prev_e, s, "gap")
                emit(spoken, s, e, "sub")
            i = keep_from = m.end()
            matched = True
            break
        if not matched:
            i += 1
    emit(text[keep_from:], keep_from, n, "keep")
    return "".join(out), SpanMap(tuple(pieces))


# ============================================================================ pauses

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


def _split_pauses_spans(text: str) -> list[tuple[str, int] | float]:
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
    return [it if isinstance(it, float) else it[0] for it in _split_pauses_spans(text)]


def blank_pauses(text: str) -> str:
    """The text with each pause token replaced by spaces of the same length (offsets unchanged)."""
    out = [" "] * len(text)
    for item in _split_pauses_spans(text):
        if not isinstance(item, float):
            chunk, offset = item
            out[offset:offset + len(chunk)] = chunk
    return "".join(out)


def strip_pauses(text: str) -> str:
    """``text`` without its pause markup (for places that show the narration as written)."""
    _split_pauses_spans(text)  # validate
    return re.sub(r"[ \t]{2,}", " ", _PAUSE_RE.sub(" ", text)).strip()


# ============================================================================ lexicon

# IPA -> espeak-ng phoneme names (English set), longest symbols first
_IPA_TO_ESPEAK = {
    "tʃ": "tS", "dʒ": "dZ", "eɪ": "eI", "aɪ": "aI", "aʊ": "aU", "ɔɪ": "OI", "oʊ": "oU",
    "əʊ": "oU", "ɪə": "i@", "eə": "e@", "ɛə": "e@", "ʊə": "U@", "iː": "i:", "uː": "u:",
    "ɑː": "A:", "ɔː": "O:", "ɜː": "3:", "ɑɹ": "A@", "ɔɹ": "O@",
    "i": "i", "ɪ": "I", "e": "e", "ɛ": "E", "æ": "a", "ɑ": "A:", "ɒ": "0", "ɔ": "O:", "o": "o",
    "ʊ": "U", "u": "u:", "ʌ": "V", "ə": "@", "ɚ": "3", "ɜ": "3:", "ɝ": "3:", "ᵻ": "I2",
    "ɐ": "a#", "a": "a",
    "ʃ": "S", "ʒ": "Z", "θ": "T", "ð": "D", "ŋ": "N", "ɹ": "r", "r": "r", "ɾ": "t#",
    "ɡ": "g", "ʔ": "?", "ɫ": "l", "x": "x", "ç": "C", "j": "j",
    "ˈ": "'", "ˌ": ",", "ː": ":", ".": "", "‿": "", " ": " ",
}
_IPA_KEYS = sorted(_IPA_TO_ESPEAK, key=len, reverse=True)
_ASCII_CONSONANTS = set("pbtdkfvszhmnlwg")


def ipa_to_espeak(ipa: str) -> str:
    """Convert an IPA transcription (English phonemes) to espeak-ng's phoneme names, for its
    ``[[...]]`` input: ``"ˈɛndʒɪnˈɛks"`` -> ``"'EndZIn'Eks"``."""
    out = []
    i = 0
    s = ipa.strip().strip("/[]")
    while i < len(s):
        for key in _IPA_KEYS:
            if s.startswith(key, i):
                out.append(_IPA_TO_ESPEAK[key])
                i += len(key)
                break
        else:
            c = s[i]
            if c in _ASCII_CONSONANTS:
                out.append(c)
                i += 1
            else:
                raise SpeechError(
                    f"IPA symbol {c!r} in {ipa!r} has no espeak-ng equivalent here; "
                    "write the entry with espeak's phoneme names instead, e.g. [[h@l'oU]]"
                )
    return "".join(out)


def _is_phonemes(value: str) -> bool:
    return value.startswith("[[") and value.endswith("]]")


@dataclass(frozen=True)
class Lexicon:
    """Pronunciations per word: a respelling (``"SQL": "sequel"``) or phonemes in espeak's
    ``[[...]]`` syntax (IPA, ``"[[ˈɛndʒɪnˈɛks]]"``, or espeak names, ``"[[n'EndZInEks]]"``).

    Matching is whole-word and case-insensitive; a key may contain punctuation (``C++``,
    ``.NET``, ``Node.js``) and spaces."""

    entries: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clean: dict[str, str] = {}
        for key, value in dict(self.entries).items():
            if not isinstance(key, str) or not key.strip():
                raise SpeechError(f"lexicon words must be non-empty text, not {key!r}")
            if not isinstance(value, str) or not value.strip():
                raise SpeechError(
                    f"lexicon entry {key!r} needs a pronunciation (a respelling like 'sequel' "
                    f"or phonemes like '[[ˈsiːkwəl]]'), not {value!r}"
                )
            value = value.strip()
            if ("[[" in value or "]]" in value) and not (
                _is_phonemes(value) and value.count("[[") == 1 and value.count("]]") == 1
            ):
                raise SpeechError(
                    f"lexicon entry {key!r}: phonemes must be the whole value inside [[ and ]], "
                    f"not {value!r}"
                )
            clean[key.strip().casefold()] = value
        object.__setattr__(self, "entries", clean)
        pattern = None
        if clean:
            alts = "|".join(re.escape(k) for k in sorted(clean, key=len, reverse=True))
            pattern = re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.IGNORECASE)
        object.__setattr__(self, "_pattern", pattern)

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, word: str) -> str | None:
        return self.entries.get(word.strip().casefold())

    @classmethod
    def load(cls, source: Lexicon | Mapping[str, str] | str | Path | None) -> Lexicon:
        """A lexicon from a mapping (front matter ``lexicon:``), a file path (``.yaml``/``.yml``,
        ``.csv``, ``.tsv``/``.txt``), another Lexicon, or None (empty)."""
        if source is None:
            return cls({})
        if isinstance(source, Lexicon):
            return source
        if isinstance(source, Mapping):
            return cls(dict(source))
        if isinstance(source, (str, Path)):
            return cls.from_file(source)
        raise SpeechError(
            f"a lexicon must be a mapping of word -> pronunciation or a file path, "
            f"not {type(source).__name__}"
        )

    @classmethod
    def from_file(cls, path: str | Path) -> Lexicon:
        path = Path(path)
        try:
            raw = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise SpeechError(f"cannot read lexicon file {str(path)!r}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise SpeechError(f"lexicon file {str(path)!r} is not UTF-8 text") from None
        suffix = path.suffix.lower()
        if suffix in (".yaml", ".yml", ".json"):
            import yaml

            try:
                data = yaml.safe_load(raw) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f" (line {mark.line + 1})" if mark is not None else ""
                problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
                raise SpeechError(f"lexicon file {str(path)!r} is not valid YAML{where}: {problem}") from None
            if isinstance(data, Mapping) and isinstance(data.get("lexicon"), Mapping):
                data = data["lexicon"]
            if not isinstance(data, Mapping):
                raise SpeechError(f"lexicon file {str(path)!r} must hold a mapping word: pronunciation")
            return cls({str(k): str(v) if v is not None else "" for k, v in data.items()})
        if suffix in (".csv", ".tsv", ".txt"):
            delim = "," if suffix == ".csv" else "\t"
            entries: dict[str, str] = {}
            rows = csv.reader(io.StringIO(raw), delimiter=delim)
            for lineno, row in enumerate(rows, 1):
                if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                    continue
                if len(row) < 2:
                    raise SpeechError(
                        f"lexicon file {str(path)!r} line {lineno}: expected word{delim!r}"
                        f"pronunciation, got {delim.join(row)!r}"
                    )
                word, pron = row[0].strip(), row[1].strip()
                if lineno == 1 and word.lower() == "word":
                    continue  # header
                entries[word] = pron
            return cls(entries)
        raise SpeechError(
            f"unknown lexicon file type {path.suffix!r} for {str(path)!r}; use .yaml, .csv or .tsv"
        )


PhonemeFormat = Union[str, None]  # "espeak" | "ipa" | None


def apply_lexicon(
    text: str, lexicon: Lexicon | Mapping[str, str] | str | Path | None,
    phoneme_format: PhonemeFormat = "espeak",
) -> tuple[str, SpanMap]:
    """Replace lexicon words in ``text``; returns the new text and its map back to ``text``.

    ``phoneme_format`` says what the engine takes inside ``[[...]]``: ``"espeak"`` (espeak's
    phoneme names; IPA entries are converted), ``"ipa"`` (kept as written) or ``None`` (the engine
    takes no phoneme input: phoneme entries are skipped and the word is spoken as written)."""
    lex = Lexicon.load(lexicon)
    pattern = getattr(lex, "_pattern", None)
    if pattern is None:
        return text, SpanMap.identity(text)

    def handle(m: re.Match, _text: str) -> str | None:
        value = lex.entries[m.group(0).casefold()]
        if not _is_phonemes(value):
            return value
        if phoneme_format is None:
            return None
        inner = value[2:-2].strip()
        if phoneme_format == "espeak" and not inner.isascii():
            inner = ipa_to_espeak(inner)
        return f"[[{inner}]]"

    rules = [_Rule("protect", re.compile(r"\[\[.*?\]\]", re.S), lambda m, t: m.group(0)),
             _Rule("lexicon", pattern, handle, token_start=False)]
    return _rewrite(text, rules)


# ============================================================================ English normalisation

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_NAMES = ["", "January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"]
_MONTH_RE = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_YEAR_CUES = {
    "in", "since", "by", "until", "till", "from", "of", "year", "during", "before", "after",
    "around", "circa", "early", "late", "mid", "spring", "summer", "autumn", "fall", "winter",
    "q1", "q2", "q3", "q4", "h1", "h2", "fy", "to", "and", "through", "between", "back",
}
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"

_CURRENCIES = {  # symbol/code -> (one, many, sub-unit one, sub-unit many)
    "$": ("dollar", "dollars", "cent", "cents"),
    "US$": ("dollar", "dollars", "cent", "cents"),
    "USD": ("dollar", "dollars", "cent", "cents"),
    "€": ("euro", "euros", "cent", "cents"),
    "EUR": ("euro", "euros", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "GBP": ("pound", "pounds", "penny", "pence"),
    "¥": ("yen", "yen", "", ""),
    "JPY": ("yen", "yen", "", ""),
    "₹": ("rupee", "rupees", "paisa", "paise"),
    "INR": ("rupee", "rupees", "paisa", "paise"),
    "CHF": ("franc", "francs", "centime", "centimes"),
}
_MONEY_SCALES = {
    "k": "thousand", "K": "thousand", "thousand": "thousand", "m": "million", "M": "million",
    "mn": "million", "million": "million", "b": "billion", "B": "billion", "bn": "billion",
    "billion": "billion", "tn": "trillion", "trillion": "trillion",
}

# unit symbol -> (singular, plural); matched case-sensitively, longest first
_UNITS: dict[str, tuple[str, str]] = {}


def _unit(symbols: str, one: str, many: str | None = None) -> None:
    for s in symbols.split():
        _UNITS[s] = (one, many or one + "s")


_unit("km", "kilometer")
_unit("m", "meter")
_unit("cm", "centimeter")
_unit("mm", "millimeter")
_unit("µm μm", "micrometer")
_unit("nm", "nanometer")
_unit("mi", "mile")
_unit("ft", "foot", "feet")
_unit("kg", "kilogram")
_unit("g", "gram")
_unit("mg", "milligram")
_unit("lb lbs", "pound")
_unit("oz", "ounce")
_unit("ms", "millisecond")
_unit("µs μs", "microsecond")
_unit("ns", "nanosecond")
_unit("s sec secs", "second")
_unit("min mins", "minute")
_unit("h hr hrs", "hour")
_unit("KB kB", "kilobyte")
_unit("MB", "megabyte")
_unit("GB", "gigabyte")
_unit("TB", "terabyte")
_unit("PB", "petabyte")
_unit("KiB", "kibibyte")
_unit("MiB", "mebibyte")
_unit("GiB", "gibibyte")
_unit("TiB", "tebibyte")
_unit("kbps kbit/s", "kilobit per second", "kilobits per second")
_unit("Mbps Mbit/s Mb/s", "megabit per second", "megabits per second")
_unit("Gbps Gbit/s Gb/s", "gigabit per second", "gigabits per second")
_unit("KB/s kB/s", "kilobyte per second", "kilobytes per second")
_unit("MB/s", "megabyte per second", "megabytes per second")
_unit("GB/s", "gigabyte per second", "gigabytes per second")
_unit("Hz", "hertz", "hertz")
_unit("kHz", "kilohertz", "kilohertz")
_unit("MHz", "megahertz", "megahertz")
_unit("GHz", "gigahertz", "gigahertz")
_unit("W", "watt")
_unit("kW", "kilowatt")
_unit("kWh", "kilowatt hour")
_unit("V", "volt")
_unit("mA", "milliamp")
_unit("mAh", "milliamp hour")
_unit("°C ℃", "degree Celsius", "degrees Celsius")
_unit("°F ℉", "degree Fahrenheit", "degrees Fahrenheit")
_unit("°", "degree")
_unit("fps", "frame per second", "frames per second")
_unit("px", "pixel")
_unit("dpi", "dot per inch", "dots per inch")
_unit("L", "liter")
_unit("ml mL", "milliliter")
_unit("km/h kph", "kilometer per hour", "kilometers per hour")
_unit("mph", "mile per hour", "miles per hour")
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))

_ABBREVIATIONS: list[tuple[str, str, bool, bool]] = [
    # (pattern, spoken, case-insensitive, may end a sentence)
    (r"e\.\s?g\.", "for example", True, False),
    (r"i\.\s?e\.", "that is", True, False),
    (r"etc\.", "et cetera", True, True),
    (r"et al\.", "et al", True, True),
    (r"vs\.?", "versus", True, False),
    (r"approx\.", "approximately", True, False),
    (r"Dr\.", "Doctor", False, False),
    (r"Mr\.", "Mister", False, False),
    (r"Mrs\.", "Missus", False, False),
    (r"Ms\.", "Mizz", False, False),
    (r"Prof\.", "Professor", False, False),
    (r"Fig\.", "figure", False, False),
    (r"Jr\.", "Junior", False, True),
    (r"Sr\.", "Senior", False, True),
    (r"Ltd\.", "Limited", False, True),
    (r"No\.(?=\s?\d)", "number", False, False),
    (r"w/(?=\s)", "with", True, False),
]


def _prev_word(text: str, pos: int) -> str:
    m = re.search(r"([A-Za-z0-9]+)[\s(,]*$", text[max(0, pos - 40) : pos])
    return m.group(1).lower() if m else ""


def _sentence_ends_after(text: str, end: int) -> bool:
    rest = text[end:]
    return not rest.strip() or bool(re.match(r"\s*(\n|[A-Z])", rest))


def _number_words(number: str) -> str:
    """Plain number as a cardinal/decimal; leading zeros and long digit strings digit by digit."""
    plain = number.replace(",", "").lstrip("-−")
    neg = number[:1] in "-−"
    if "." in plain:
        out = _decimal(plain)
    elif len(plain) > 1 and plain.startswith("0"):
        out = digits(plain)
    else:
        out = cardinal(int(plain))
    return ("minus " + out) if neg else out


def _looks_like_year(text: str, m: re.Match, number: str) -> bool:
    if not re.fullmatch(r"\d{4}", number) or not 1100 <= int(number) <= 2099:
        return False
    prev = _prev_word(text, m.start())
    if prev in _YEAR_CUES or prev in _MONTHS:
        return True
    before = text[: m.start()].rstrip()
    after = text[m.end() :]
    if before.endswith("(") and after.startswith(")"):
        return True
    # the first year of a range of years: "2020-2026", "2020 to 2026"
    return bool(re.match(r"\s?(?:[–—-]|to)\s?\d{4}\b", after))


def _h_iso_date(m: re.Match, text: str):
    y, mo, d = int(m["y"]), int(m["mo"]), int(m["d"])
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return [(m.start("d"), m.end("d"), "the " + ordinal(d)),
            (m.start("mo"), m.end("mo"), "of " + _MONTH_NAMES[mo] + ","),
            (m.start("y"), m.end("y"), year(y))]


def _h_day_month(m: re.Match, text: str):
    d = int(m["d"])
    mo = _MONTHS[m["month"].lower()]
    if not 1 <= d <= 31:
        return None
    parts = [(m.start("d"), m.end("d"), "the " + ordinal(d)),
             (m.start("month"), m.end(), "of " + _MONTH_NAMES[mo] + ("," if m["y"] else ""))]
    if m["y"]:
        parts[-1] = (m.start("month"), m.start("y"), parts[-1][2])
        parts.append((m.start("y"), m.end("y"), year(int(m["y"]))))
    return parts


def _h_month_day(m: re.Match, text: str):
    mo = _MONTHS[m["month"].lower()]
    d = int(m["d"])
    if not 1 <= d <= 31:
        return None
    parts = [(m.start("month"), m.start("d"), _MONTH_NAMES[mo]),
             (m.start("d"), m.start("y") if m["y"] else m.end(), ordinal(d) + ("," if m["y"] else ""))]
    if m["y"]:
        parts.append((m.start("y"), m.end("y"), year(int(m["y"]))))
    return parts


def _h_month_year(m: re.Match, text: str):
    mo = _MONTHS[m["month"].lower()]
    return [(m.start("month"), m.start("y"), _MONTH_NAMES[mo]), (m.start("y"), m.end(), year(int(m["y"])))]


def _clock(h: int, mi: int) -> str:
    if mi == 0:
        return cardinal(h)
    return cardinal(h) + (" oh " + _ONES[mi] if mi < 10 else " " + cardinal(mi))


def _h_time(m: re.Match, text: str):
    h, mi = int(m["h"]), int(m["mi"] or 0)
    ampm = (m["ampm"] or "").lower()
    if mi > 59 or h > 23 or (ampm and not 1 <= h <= 12):
        return None
    if m["sec"] is not None:
        sec = int(m["sec"])
        if sec > 59:
            return None
        out = _clock(h, mi) if mi else cardinal(h) + " hundred" if h > 12 else cardinal(h) + " o'clock"
        out += " and " + cardinal(sec) + (" second" if sec == 1 else " seconds")
        return out + (" a.m." if ampm == "a" else " p.m." if ampm == "p" else "")
    if ampm:
        return _clock(h, mi) + (" a.m." if ampm == "a" else " p.m.")
    if m["mi"] is None:
        return None
    if mi == 0:
        if h == 0:
            return "midnight"
        return cardinal(h) + (" o'clock" if h <= 12 else " hundred")
    return _clock(h, mi)


def _h_money(m: re.Match, text: str):
    groups = m.groupdict()
    cur = groups.get("cur") or groups.get("cur2")
    one, many, sub_one, sub_many = _CURRENCIES[cur]
    number = m["num"].replace(",", "")
    scale = _MONEY_SCALES.get(m["scale"] or "", "")
    if scale:
        return f"{_number_words(number)} {scale} {many}"
    whole, _, frac = number.partition(".")
    if frac and len(frac) <= 2 and sub_many:
        cents = int(frac.ljust(2, "0"))
        w = int(whole or "0")
        if w == 0 and cents:
            return cardinal(cents) + " " + (sub_one if cents == 1 else sub_many)
        out = cardinal(w) + " " + (one if w == 1 else many)
        if cents:
            out += " and " + cardinal(cents) + " " + (sub_one if cents == 1 else sub_many)
        return out
    words = _number_words(number)
    return words + " " + (one if number == "1" else many)


def _range_words(m: re.Match) -> tuple[str, bool]:
    a = m["a"]
    b = m["b"]
    if b is not None:
        return _number_words(a) + " to " + _number_words(b), False
    return _number_words(a), _is_one(a)


def _h_percent(m: re.Match, text: str):
    words, _ = _range_words(m)
    return ("minus " if m["neg"] else "") + words + " percent"


def _h_unit(m: re.Match, text: str):
    words, single = _range_words(m)
    one, many = _UNITS[m["unit"]]
    return ("minus " if m["neg"] else "") + words + " " + (one if single else many)


def _h_ordinal(m: re.Match, text: str):
    n = int(m["n"].replace(",", ""))
    suffix = m["suf"].lower()
    last2 = n % 100
    expected = "th" if 11 <= last2 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    if suffix != expected:
        return None
    return ordinal(n)


def _h_version(m: re.Match, text: str):
    comps = m["v"].split(".")
    spoken = " point ".join(_number_words(c) for c in comps)
    return ("version " if m["pre"] else "") + spoken


def _h_dotted(m: re.Match, text: str):
    comps = m.group(0).split(".")
    if len(comps) == 4 and all(len(c) <= 3 and int(c) <= 255 for c in comps):
        return " dot ".join(_number_words(c) for c in comps)  # IP address
    return " point ".join(_number_words(c) for c in comps)


_FRACTIONS = {2: ("half", "halves"), 4: ("quarter", "quarters")}


def _h_phone(m: re.Match, text: str):
    """Phone numbers digit by digit, a short pause between groups: "555-1234"."""
    groups = re.findall(r"\+?\d+", m.group(0))
    return ", ".join(("plus " if g.startswith("+") else "") + digits(g) for g in groups)


def _h_fraction(m: re.Match, text: str):
    a, b = int(m["a"]), int(m["b"])
    if (a, b) == (24, 7):
        return "twenty-four seven"
    if not (0 < a < b <= 10):
        return None
    one, many = _FRACTIONS.get(b, (ordinal(b), ordinal(b) + "s"))
    return cardinal(a) + " " + (one if a == 1 else many)


def _h_decade(m: re.Match, text: str):
    if m["century"]:
        n = int(m["century"] + m["tens"])
        if not 1000 <= n <= 2090:
            return None
        return _plural_word(year(n))
    if not (m["apos"] or _prev_word(text, m.start()) == "the"):
        return None
    return _plural_word(cardinal(int(m["tens"])))


def _h_number(m: re.Match, text: str):
    number = m["num"]
    neg = bool(m["neg"])
    b = m["b"] or m["b2"]
    if b is not None:  # a range "10-20", "2020–2026"
        if not neg and re.fullmatch(r"\d{4}", number) and re.fullmatch(r"\d{4}", b) \
                and 1100 <= int(number) <= 2099 and 1100 <= int(b) <= 2099:
            return year(int(number)) + " to " + year(int(b))
        return ("minus " if neg else "") + _number_words(number) + " to " + _number_words(b)
    if not neg and _looks_like_year(text, m, number):
        return year(int(number))
    words = _number_words(number)
    return ("minus " + words) if neg else words


def _h_id(m: re.Match, text: str):
    """Letters and digits mixed in one token: "MP3" -> "MP three", "H264" -> "H two six four"."""
    out = []
    for run in re.findall(r"\d+|[^\d]+", m.group(0)):
        run = run.strip("-")
        if run.isdigit():
            out.append(cardinal(int(run)) if len(run) <= 2 and not (len(run) == 2 and run[0] == "0")
                       else digits(run))
        else:
            out.append(run)
    return " ".join(s.strip() for s in out if s.strip())


def _h_dimensions(m: re.Match, text: str):
    return _number_words(m["a"]) + " by " + _number_words(m["b"])


def _h_times(m: re.Match, text: str):
    return _number_words(m["a"]) + " times"


def _h_abbrev(spoken: str, may_end: bool):
    def handle(m: re.Match, text: str):
        if may_end and _sentence_ends_after(text, m.end()):
            return spoken + "."
        return spoken
    return handle


def _english_rules() -> list[_Rule]:
    R = lambda name, pat, h, flags=0, token_start=True: _Rule(  # noqa: E731
        name, re.compile(pat, flags), h, token_start
    )
    end = r"(?![\w])"
    neg = r"(?P<neg>[-−](?=\d))?"
    rng = rf"(?P<a>{_NUM})(?:\s?[–—-]\s?(?P<b>{_NUM}))?"
    cur_sym = r"US\$|[$€£¥₹]"
    cur_code = r"USD|EUR|GBP|JPY|INR|CHF"
    scale = r"(?:\s?(?P<scale>thousand|million|billion|trillion|mn|bn|tn|[kKmMbB])(?![\w]))?"
    rules = [
        R("phonemes", r"\[\[.*?\]\]", lambda m, t: m.group(0), re.S, False),
        R("iso_date", r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})" + end, _h_iso_date),
        R("day_month", r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH_RE
          + r"(?:,?\s+(?P<y>\d{4}))?" + end, _h_day_month),
        R("month_day", _MONTH_RE + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?" + end
          + r"(?:,?\s+(?P<y>\d{4})" + end + ")?", _h_month_day),
        R("month_year", _MONTH_RE + r"\s+(?P<y>\d{4})" + end, _h_month_year),
        R("phone", r"(?:\+\d{1,3}[ -])?(?:\(\d{3}\)\s?|\d{3}[ -])?\d{3}-\d{4}" + end, _h_phone),
        R("time", r"(?P<h>\d{1,2})(?::(?P<mi>\d{2})(?::(?P<sec>\d{2}))?)?(?!:\d)(?:\s?(?P<ampm>[AaPp])\.?\s?[Mm]\.?(?![\w]))?"
          + r"(?![\d:])", _h_time),
        R("money", rf"(?P<cur>{cur_sym})\s?(?P<num>{_NUM}){scale}", _h_money),
        R("money_code", rf"(?P<num>{_NUM}){scale}\s?(?P<cur2>{cur_code}|€|£)" + end, _h_money),
        R("percent", rf"{neg}{rng}\s?(?:%|percent\b|per cent\b)", _h_percent),
        R("decade", r"(?:(?P<century>1\d|20)|(?P<apos>['’]))?(?P<tens>\d0)['’]?s" + end, _h_decade),
        R("ordinal", r"(?P<n>\d{1,3}(?:,\d{3})+|\d+)(?P<suf>st|nd|rd|th)" + end, _h_ordinal,
          re.IGNORECASE),
        R("dimensions", r"(?P<a>\d+)\s?[x×]\s?(?P<b>\d+)" + end, _h_dimensions),
        R("times", rf"(?P<a>{_NUM})[x×]" + end, _h_times),
        R("unit", rf"{neg}{rng}\s?(?P<unit>{_UNIT_RE})(?![\w/])", _h_unit),
        R("version", r"(?P<pre>[vV]\.?)(?P<v>\d+(?:\.\d+)*)" + end, _h_version),
        R("dotted", r"\d+(?:\.\d+){2,}" + end, _h_dotted),
        R("fraction", r"(?P<a>\d+)/(?P<b>\d+)" + end, _h_fraction),
        R("ratio", r"(?P<a>\d+):(?P<b>\d)" + end,
          lambda m, t: cardinal(int(m["a"])) + " to " + cardinal(int(m["b"]))),
        R("number_sign", r"#(?=\d)", lambda m, t: "number "),
        R("number", rf"{neg}(?P<num>{_NUM})(?:\s?[–—]\s?(?P<b>{_NUM})|"
          rf"-(?P<b2>\d{{1,4}})(?![\d.,-]))?" + r"(?![\w])", _h_number),
        R("id", r"[A-Za-z]+(?:-?\d+[A-Za-z]*)+(?![\w])|\d+[A-Za-z]+(?:\d+[A-Za-z]*)*(?![\w])", _h_id),
        R("ampersand", r"\s?&\s?", lambda m, t: " and ", 0, False),
    ]
    for pat, spoken, ci, may_end in _ABBREVIATIONS:
        rules.append(R("abbrev", pat + r"(?![\w])" if not pat.endswith(".") else pat,
                       _h_abbrev(spoken, may_end), re.IGNORECASE if ci else 0))
    return rules


_EN_RULES: list[_Rule] | None = None


def _rules_for(language: str) -> list[_Rule] | None:
    global _EN_RULES
    base = (language or "en").strip().lower().replace("_", "-").split("-")[0]
    if base == "en":
        if _EN_RULES is None:
            _EN_RULES = _english_rules()
        return _EN_RULES
    return _num2words_rules(base)


def _num2words_rules(lang: str) -> list[_Rule] | None:
    """Numbers for other languages through num2words, when installed and it knows ``lang``."""
    try:
        from num2words import CONVERTER_CLASSES, num2words
    except ImportError:
        return None
    if lang not in CONVERTER_CLASSES:
        return None

    def handle(m: re.Match, text: str):
        number = m.group(0)
        try:
            if re.fullmatch(r"\d+", number) and not (len(number) > 1 and number[0] == "0"):
                return num2words(int(number), lang=lang)
            return None
        except Exception:  # noqa: BLE001 -- a converter gap: leave the number to the engine
            return None

    return [
        _Rule("phonemes", re.compile(r"\[\[.*?\]\]", re.S), lambda m, t: m.group(0), False),
        _Rule("number", re.compile(r"\d+(?![\w.,]\d)(?![\w])"), handle),
    ]


def normalize_with_map(text: str, language: str = "en") -> tuple[str, SpanMap]:
    """Spoken text for ``text`` plus the map from spoken characters back to ``text``."""
    rules = _rules_for(language)
    if not rules:
        return text, SpanMap.identity(text)
    return _rewrite(text, rules)


def normalize(text: str, language: str = "en") -> str:
    """What a presenter would say for ``text``: "on 24 Nov 2026" -> "on the twenty-fourth of
    November, twenty twenty-six"; "$3.50" -> "three dollars and fifty cents"; "5 km" -> "five
    kilometers"; "e.g." -> "for example". English; other languages only where num2words helps."""
    return normalize_with_map(text, language)[0]


# ============================================================================ segments


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
    for item in _split_pauses_spans(text):
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
