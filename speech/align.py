"""Forced alignment of English speech against its transcript with pocketsphinx 5.

``align(samples, sample_rate, text)`` returns the phones (IPA, as :mod:`speech.phonemes` knows
them) and words (with character offsets into ``text``) of a recording whose words are known.
English only: pocketsphinx ships the US-English acoustic model and CMU dictionary; other languages
raise :class:`~speech.errors.SpeechError`.

How it works:

* Audio is mixed to mono, resampled to 16 kHz, and a faint seeded noise floor (-60 dBFS) is
  added. Synthetic speech contains runs of exact digital silence, and pocketsphinx's features
  degenerate there: alignments then stop early and leave the remaining words out.
* The text is split into words (whitespace-delimited, edge punctuation stripped, at least one
  letter or digit) and the words into sentences. Each word becomes one or more dictionary
  entries: itself, its hyphen/slash parts, or, for words the CMU dictionary lacks (names,
  numbers), a pronunciation spelled from espeak-ng's phonemes mapped to ARPAbet. Words that
  cannot be spelled at all are left out of the alignment and later given the gap around them.
* Whole utterances of 40 s do not align (the search loses its way), so the recording is cut into
  chunks of one sentence (several short ones together, long ones split at commas or words), each
  at most ``MAX_CHUNK_S``. A cut goes at the pause nearest to where the chunk should end, predicted
  from its share of phones in the remaining speech; the prediction restarts from each cut, so
  errors do not accumulate.
* Each chunk is decoded twice: ``set_align_text`` + decode (word alignment), then
  ``set_alignment`` + decode (phone alignment). ``bestpath`` is off: with it on, the lattice step
  may end the path before the last word ("... words to" instead of "... words to say").
* CMU phones carry no stress in pocketsphinx's dictionary; stress comes from espeak-ng's reading of
  the same text (matched word by word through the character offsets). Unstressed AH becomes ə,
  stressed ʌ; ER becomes ɝ or ɚ.

A chunk whose alignment fails (or comes back incomplete) keeps its words, spread over its voiced
span in proportion to their phone counts, so the result always covers every word of the text.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from speech.errors import SpeechError
from speech.text.words import spoken_form, trim_word
from speech.types import Phone, Utterance, Word

_LOG = logging.getLogger(__name__)

SAMPLE_RATE = 16000  # what the pocketsphinx en-us model expects
FRAME_S = 0.01  # pocketsphinx frame step (frate 100)
MAX_CHUNK_S = 15.0  # longest chunk handed to the decoder (longer ones fail)
TARGET_CHUNK_S = 10.0  # sentences are grouped up to about this long
MIN_CHUNK_S = 2.0  # a sentence shorter than this is aligned together with the next one
_NOISE_FLOOR = 1e-3  # RMS of the added noise (-60 dBFS)
_SILENCE_DB = 35.0  # a 10 ms frame this far below the loud frames counts as silence
_MIN_PAUSE_S = 0.08  # shortest silence run treated as a pause between words
# pocketsphinx stamps a frame with the start of its 25.6 ms analysis window; the sound it
# describes is centred half a window later. Measured against espeak-ng's own phone events on four
# sentences (201 phones), uncorrected alignment ran 12 ms early (median), matching this offset.
WINDOW_OFFSET_S = 0.0128
_FILLERS = {"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "[noise]", "[speech]"}

# CMU ARPAbet (stress-free, as the pocketsphinx dictionary spells it) -> IPA that speech.phonemes
# knows. AH and ER depend on stress (see _ipa).
ARPABET_IPA: dict[str, str] = {
    "AA": "ɑ", "AE": "æ", "AH": "ʌ", "AO": "ɔ", "AW": "aʊ", "AY": "aɪ", "B": "b", "CH": "tʃ",
    "D": "d", "DH": "ð", "EH": "ɛ", "ER": "ɝ", "EY": "eɪ", "F": "f", "G": "ɡ", "HH": "h",
    "IH": "ɪ", "IY": "i", "JH": "dʒ", "K": "k", "L": "l", "M": "m", "N": "n", "NG": "ŋ",
    "OW": "oʊ", "OY": "ɔɪ", "P": "p", "R": "ɹ", "S": "s", "SH": "ʃ", "T": "t", "TH": "θ",
    "UH": "ʊ", "UW": "u", "V": "v", "W": "w", "Y": "j", "Z": "z", "ZH": "ʒ",
}
_ARPABET_VOWELS = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY",
                   "UH", "UW"}

# espeak-ng IPA -> ARPAbet, for words the dictionary lacks (longest match first)
_IPA_ARPABET: dict[str, tuple[str, ...]] = {
    "aɪ": ("AY",), "aʊ": ("AW",), "eɪ": ("EY",), "oʊ": ("OW",), "əʊ": ("OW",), "ɔɪ": ("OY",),
    "tʃ": ("CH",), "dʒ": ("JH",), "ɑ": ("AA",), "ɒ": ("AA",), "a": ("AA",), "æ": ("AE",),
    "ʌ": ("AH",), "ə": ("AH",), "ɐ": ("AH",), "ɜ": ("ER",), "ɝ": ("ER",), "ɚ": ("ER",),
    "ɔ": ("AO",), "o": ("OW",), "ɛ": ("EH",), "e": ("EH",), "ɪ": ("IH",), "ᵻ": ("IH",),
    "ɨ": ("IH",), "i": ("IY",), "ʊ": ("UH",), "u": ("UW",), "y": ("UW",), "b": ("B",),
    "d": ("D",), "ð": ("DH",), "f": ("F",), "ɡ": ("G",), "g": ("G",), "h": ("HH",),
    "j": ("Y",), "k": ("K",), "x": ("K",), "l": ("L",), "ɫ": ("L",), "m": ("M",), "n": ("N",),
    "ŋ": ("NG",), "p": ("P",), "ɹ": ("R",), "r": ("R",), "ɾ": ("T",), "ʔ": ("T",), "s": ("S",),
    "ʃ": ("SH",), "t": ("T",), "θ": ("TH",), "v": ("V",), "w": ("W",), "z": ("Z",),
    "ʒ": ("ZH",), "ç": ("HH",),
}
_IPA_MAX = max(len(k) for k in _IPA_ARPABET)

_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_CLAUSE_END = re.compile(r"[,;:—–][\"'”’)\]]*$")


@dataclass
class _Token:
    text: str
    char_start: int
    char_end: int
    keys: list[str] = field(default_factory=list)  # dictionary entries, in order
    n_phones: int = 0
    sentence_end: bool = False
    clause_end: bool = False


# ----------------------------------------------------------------------------- decoder


_lock = threading.RLock()
_decoder = None
_wide_decoder = None
_added: dict[str, str] = {}  # dictionary key -> ARPAbet, words added to the decoders
_oov: dict[str, str | None] = {}  # normalised word -> dictionary key (None: cannot be spelled)


def _get_decoder(wide: bool = False):
    """The process-wide pocketsphinx decoder (call with ``_lock`` held). ``wide``: a second one
    with much wider beams, created only when an alignment needs a retry."""
    global _decoder, _wide_decoder
    if (_wide_decoder if wide else _decoder) is not None:
        return _wide_decoder if wide else _decoder
    try:
        import pocketsphinx
    except ImportError as exc:
        raise SpeechError(
            "forced alignment needs the Python package 'pocketsphinx' (5.x, it ships the "
            "English model); install it with: pip install pocketsphinx"
        ) from exc
    if not wide:
        _decoder = pocketsphinx.Decoder(loglevel="FATAL", bestpath=False)
        return _decoder
    _wide_decoder = pocketsphinx.Decoder(
        loglevel="FATAL", bestpath=False, beam=1e-80, pbeam=1e-80, wbeam=1e-60
    )
    for word, pron in _added.items():  # words spelled so far
        _wide_decoder.add_word(word, pron, True)
    return _wide_decoder


def _lookup(decoder, word: str) -> str | None:
    try:
        return decoder.lookup_word(word)
    except (RuntimeError, KeyError, ValueError):
        return None


def _ipa_to_arpabet(symbols: list[str]) -> list[str]:
    out: list[str] = []
    for sym in symbols:
        text = unicodedata.normalize("NFD", sym)
        text = "".join(c for c in text if not unicodedata.combining(c) and c not in "ːˑˈˌ-_'")
        i = 0
        while i < len(text):
            for size in range(min(_IPA_MAX, len(text) - i), 0, -1):
                if text[i:i + size] in _IPA_ARPABET:
                    out.extend(_IPA_ARPABET[text[i:i + size]])
                    i += size
                    break
            else:
                i += 1
    return out


def _espeak_arpabet(word: str) -> list[str]:
    """ARPAbet spelling of ``word`` from espeak-ng's en-us reading; [] when unavailable."""
    try:
        from speech.tts import get_engine
    except ImportError:  # pragma: no cover - espeakng-loader is a core dependency
        return []
    try:
        utt = get_engine("espeak").synthesize(word, voice="en-us")
    except SpeechError:
        return []
    return _ipa_to_arpabet([p.symbol for p in utt.phones])


def _keys_for(decoder, word: str) -> list[str]:
    """Dictionary entries that spell ``word`` (adding a pronunciation if need be); [] if none."""
    norm = unicodedata.normalize("NFKC", word).lower().replace("’", "'").replace("‘", "'")
    norm = norm.strip("'\"")
    if not norm:
        return []
    if _lookup(decoder, norm):
        return [norm]
    parts = [p for p in re.split(r"[-/–—_]+", norm) if p]
    if len(parts) > 1 and all(_lookup(decoder, p) for p in parts):
        return parts
    if norm not in _oov:
        arpabet = _espeak_arpabet(word)
        key = None
        if arpabet:
            key = "oov_" + hashlib.sha1(norm.encode("utf-8")).hexdigest()[:12]
            if not _lookup(decoder, key):
                _added[key] = " ".join(arpabet)
                for dec in (_decoder, _wide_decoder):
                    if dec is not None:
                        dec.add_word(key, _added[key], True)
        else:
            _LOG.warning("forced alignment: cannot spell %r; it is left unaligned", word)
        _oov[norm] = key
    key = _oov[norm]
    return [key] if key else []


# ----------------------------------------------------------------------------- text


def _tokens(decoder, text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for m in re.finditer(r"\S+", text):
        raw = m.group(0)
        if not any(c.isalnum() for c in raw):
            if tokens and _SENTENCE_END.search(raw):
                tokens[-1].sentence_end = True
            continue
        s, e = trim_word(text, m.start(), m.end())
        tok = _Token(text[s:e], s, e)
        # pronounce symbols that are read out ("12%", "$5") but not sentence punctuation
        spoken = spoken_form(text, s, e)
        tok.keys = _keys_for(decoder, spoken)
        tok.n_phones = sum(len((_lookup(decoder, k) or "").split()) for k in tok.keys)
        if not tok.n_phones:
            tok.n_phones = max(1, len(tok.text) // 2)  # unalignable: its share of time still counts
        tok.sentence_end = bool(_SENTENCE_END.search(raw))
        tok.clause_end = bool(_CLAUSE_END.search(raw))
        tokens.append(tok)
    if tokens:
        tokens[-1].sentence_end = True
    return tokens


# ----------------------------------------------------------------------------- audio


def _to_16k(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    x = np.asarray(samples)
    if x.ndim == 2:  # (n, channels) or (channels, n): mix down
        x = x.mean(axis=1 if x.shape[0] > x.shape[1] else 0)
    if x.ndim != 1:
        raise SpeechError(f"audio to align must be mono or stereo samples, not shape {x.shape}")
    if np.issubdtype(x.dtype, np.integer):
        x = x.astype(np.float32) / float(np.iinfo(x.dtype).max)
    x = x.astype(np.float32, copy=False)
    sample_rate = int(sample_rate)
    if sample_rate <= 0:
        raise SpeechError(f"sample rate must be positive, not {sample_rate}")
    if sample_rate != SAMPLE_RATE:
        from math import gcd

        from scipy.signal import resample_poly

        g = gcd(SAMPLE_RATE, sample_rate)
        x = resample_poly(x, SAMPLE_RATE // g, sample_rate // g).astype(np.float32)
    return x


def _frame_db(x: np.ndarray) -> np.ndarray:
    hop = int(SAMPLE_RATE * FRAME_S)
    n = len(x) // hop
    if n == 0:
        return np.zeros(0)
    rms = np.sqrt(np.mean(x[: n * hop].reshape(n, hop).astype(np.float64) ** 2, axis=1))
    return 20.0 * np.log10(np.maximum(rms, 1e-7))


def _pauses(db: np.ndarray) -> tuple[list[tuple[float, float]], float, float]:
    """Silence runs (start_s, end_s) between speech, plus the first and last voiced times."""
    if db.size == 0:
        return [], 0.0, 0.0
    loud = float(np.percentile(db, 95))
    silent = db < loud - _SILENCE_DB
    voiced = np.nonzero(~silent)[0]
    if voiced.size == 0:
        return [], 0.0, db.size * FRAME_S
    first, last = int(voiced[0]), int(voiced[-1]) + 1
    runs: list[tuple[float, float]] = []
    i = first
    while i < last:
        if silent[i]:
            j = i
            while j < last and silent[j]:
                j += 1
            if (j - i) * FRAME_S >= _MIN_PAUSE_S:
                runs.append((i * FRAME_S, j * FRAME_S))
            i = j
        else:
            i += 1
    return runs, first * FRAME_S, last * FRAME_S


# ----------------------------------------------------------------------------- chunking


def _groups(tokens: list[_Token], sec_per_phone: float) -> list[list[int]]:
    """Token indices per chunk: sentences, short ones merged, long ones split."""
    sentences: list[list[int]] = [[]]
    for i, tok in enumerate(tokens):
        sentences[-1].append(i)
        if tok.sentence_end and i + 1 < len(tokens):
            sentences.append([])
    est = lambda idx: sum(tokens[i].n_phones for i in idx) * sec_per_phone  # noqa: E731

    pieces: list[list[int]] = []
    for sent in sentences:  # split sentences that are too long: at clauses, else at words
        if est(sent) <= TARGET_CHUNK_S:
            pieces.append(sent)
            continue
        n_parts = int(np.ceil(est(sent) / TARGET_CHUNK_S))
        goal = est(sent) / n_parts
        cur: list[int] = []
        for i in sent:
            cur.append(i)
            at_clause = tokens[i].clause_end and est(cur) >= 0.6 * goal
            if (at_clause or est(cur) >= goal) and i != sent[-1]:
                pieces.append(cur)
                cur = []
        if cur:
            pieces.append(cur)

    groups: list[list[int]] = []
    for piece in pieces:  # merge short pieces forward while the chunk stays small
        if groups and est(groups[-1]) < MIN_CHUNK_S and est(groups[-1] + piece) <= TARGET_CHUNK_S:
            groups[-1] = groups[-1] + piece
        else:
            groups.append(piece)
    if (len(groups) > 1 and est(groups[-1]) < MIN_CHUNK_S
            and est(groups[-2] + groups[-1]) <= MAX_CHUNK_S):
        last = groups.pop()  # (popping inside `groups[-2] = ...` would assign to the wrong group)
        groups[-1] = groups[-1] + last
    return groups


def _cut_times(
    groups: list[list[int]], tokens: list[_Token], db: np.ndarray
) -> list[tuple[float, float]]:
    """(start_s, end_s) of the audio for each group."""
    total = len(db) * FRAME_S
    pauses, v0, v1 = _pauses(db)
    if len(groups) == 1:
        return [(0.0, total)]
    phones = [sum(tokens[i].n_phones for i in g) for g in groups]
    cuts = [0.0]
    cursor = v0
    for k in range(len(groups) - 1):
        remaining = sum(phones[k:])
        pred = cursor + (v1 - cursor) * phones[k] / max(remaining, 1)
        window = max(1.0, 0.35 * (pred - cursor))
        lo_limit = cursor + 0.25 * (pred - cursor)
        best, best_score = None, -np.inf
        for s, e in pauses:
            mid = 0.5 * (s + e)
            if mid <= lo_limit or abs(mid - pred) > window or mid <= cuts[-1]:
                continue
            score = min(e - s, 0.6) - 0.5 * abs(mid - pred) / window
            if score > best_score:
                best, best_score = mid, score
        if best is None:  # no pause: the quietest frame near the prediction
            a = int(max(cursor, pred - 0.5) / FRAME_S)
            b = int(min(v1, pred + 0.5) / FRAME_S)
            best = (a + int(np.argmin(db[a:b]))) * FRAME_S if b > a else pred
            best = float(best + 0.5 * FRAME_S)
        # never leave a later chunk less room than it needs
        best = min(best, v1 - 0.3 * sum(phones[k + 1:]) * (v1 - v0) / max(sum(phones), 1))
        best = max(best, cuts[-1] + FRAME_S)
        cuts.append(best)
        cursor = best
    cuts.append(total)
    return list(zip(cuts[:-1], cuts[1:]))


# ----------------------------------------------------------------------------- decoding


def _decode_chunk(decoder, pcm: bytes, keys: list[str]):
    """[(key, [(arpabet, start_frame, n_frames), ...]), ...] or None when alignment fails."""
    try:
        decoder.set_align_text(" ".join(keys))
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        if hyp is None or len(hyp.hypstr.split()) != len(keys):
            return None
        decoder.set_alignment()
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        alignment = decoder.get_alignment()
        if alignment is None:
            return None
        out = []
        for w in alignment:
            name = w.name
            if name in _FILLERS or name.startswith("+"):
                continue
            out.append((name, [(p.name, int(p.start), int(p.duration)) for p in w]))
    except RuntimeError as exc:
        _LOG.debug("pocketsphinx alignment failed: %s", exc)
        return None
    if len(out) != len(keys):
        return None
    return out


# (decoder with wide beams?, noise floor RMS): tried in order until one aligns every word. The
# search sometimes loses its way on one setting and not on the next.
_ATTEMPTS = ((False, _NOISE_FLOOR), (False, 3 * _NOISE_FLOOR), (True, _NOISE_FLOOR))


def _align_chunk(chunk: np.ndarray, keys: list[str]):
    """Align one chunk of 16 kHz audio (call with ``_lock`` held); None when every try fails."""
    for n, (wide, noise) in enumerate(_ATTEMPTS):
        noisy = chunk + np.random.default_rng(n).normal(0.0, noise, chunk.shape).astype(np.float32)
        pcm = (np.clip(noisy, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        result = _decode_chunk(_get_decoder(wide), pcm, keys)
        if result is not None:
            return result
    return None


def _spread(tokens: list[_Token], idx: list[int], t0: float, t1: float, words: dict) -> None:
    """Fallback: spread the group's words over [t0, t1] by phone count (no phones)."""
    total = sum(tokens[i].n_phones for i in idx) or 1
    t = t0
    for i in idx:
        d = (t1 - t0) * tokens[i].n_phones / total
        words[i] = (t, t + d, [])
        t += d


def _espeak_stress(text: str) -> list[tuple[int, int, list[int]]]:
    """(char_start, char_end, [stress of each vowel]) per word of espeak-ng's reading of text."""
    try:
        from speech.phonemes import is_vowel, segments
        from speech.tts import get_engine

        utt = get_engine("espeak").synthesize(text, voice="en-us")
    except (ImportError, SpeechError, RuntimeError):
        return []
    out = []
    for w in utt.words:
        stresses = []
        for p in utt.phones:
            if p.start >= w.start - 1e-6 and p.end <= w.end + 1e-6:
                segs = segments(p.symbol)
                if segs and is_vowel(segs[0]):
                    stresses.append(p.stress)
        out.append((w.char_start, w.char_end, stresses))
    return out


def _trim_pauses(
    phs: list[tuple[str, float, float]], silent: np.ndarray
) -> list[tuple[str, float, float]]:
    """Move a word's first phone start (last phone end) off a pause it swallowed: the aligner
    sometimes stretches a weak consonant (ð, f, h) over the silence before or after it."""
    n = silent.size

    def frame(t: float) -> int:
        return min(max(int(t / FRAME_S), 0), n)

    out = list(phs)
    name, s, e = out[0]
    a, b = frame(s), frame(e)
    j = a
    while j < b and silent[j]:
        j += 1
    if (j - a) * FRAME_S >= _MIN_PAUSE_S and (b - j) * FRAME_S >= 0.03:
        out[0] = (name, j * FRAME_S, e)
    name, s, e = out[-1]
    a, b = frame(s), frame(e)
    j = b
    while j > a and silent[j - 1]:
        j -= 1
    if (b - j) * FRAME_S >= _MIN_PAUSE_S and (j - a) * FRAME_S >= 0.03:
        out[-1] = (name, s, j * FRAME_S)
    return out


def _ipa(arpabet: str, stress: int) -> str:
    if arpabet == "AH":
        return "ʌ" if stress else "ə"
    if arpabet == "ER":
        return "ɝ" if stress else "ɚ"
    return ARPABET_IPA.get(arpabet, "ə")


def _check_language(language: str) -> None:
    lang = (language or "en").strip().lower().replace("_", "-")
    if not (lang == "en" or lang.startswith("en-")):
        raise SpeechError(
            f"forced alignment supports English only (pocketsphinx's en-us model), not "
            f"{language!r}; synthesise other languages with the espeak engine instead"
        )


def align(
    samples: np.ndarray, sample_rate: int, text: str, language: str = "en",
    warn: Callable[[str], None] | None = None,
) -> tuple[list[Phone], list[Word]]:
    """Align English speech ``samples`` with its transcript ``text``.

    Returns phones (IPA symbols, stress 0/1/2) and words (character offsets into ``text``), times
    in seconds from the start of ``samples``. Silence between words is left as gaps. Parts of the
    transcript that cannot be aligned (not spoken, or a transcript longer than the recording) get
    their words spread evenly over their stretch of audio, and one message to ``warn`` (default: the
    log) says so. Raises :class:`SpeechError` for other languages or when pocketsphinx is not
    installed.
    """
    _check_language(language)
    if not isinstance(text, str):
        raise SpeechError(f"transcript must be a string, not {type(text).__name__}")
    x = _to_16k(samples, sample_rate)
    if x.size == 0 or not text.strip():
        return [], []
    db = _frame_db(x)
    stress_words = _espeak_stress(text)
    duration = x.size / SAMPLE_RATE

    with _lock:
        decoder = _get_decoder()
        tokens = _tokens(decoder, text)
        if not tokens:
            return [], []
        _, v0, v1 = _pauses(db)
        sec_per_phone = max(v1 - v0, FRAME_S) / max(sum(t.n_phones for t in tokens), 1)
        groups = _groups(tokens, sec_per_phone)
        spans = _cut_times(groups, tokens, db)
        # token index -> (start_s, end_s, [(arpabet, start_s, end_s), ...])
        words: dict[int, tuple[float, float, list[tuple[str, float, float]]]] = {}
        failed: list[str] = []
        for idx, (c0, c1) in zip(groups, spans):
            a, b = int(round(c0 * SAMPLE_RATE)), int(round(c1 * SAMPLE_RATE))
            keyed = [(i, k) for i in idx for k in tokens[i].keys]
            result = None
            if keyed and (b - a) / SAMPLE_RATE <= MAX_CHUNK_S + 5.0:
                result = _align_chunk(x[a:b], [k for _, k in keyed])
            if result is None:
                if keyed:
                    failed.append(" ".join(tokens[i].text for i in idx))
                sub_db = db[int(c0 / FRAME_S): int(c1 / FRAME_S)]
                _, s0, s1 = _pauses(sub_db)
                _spread(tokens, idx, c0 + s0, c0 + max(s1, s0), words)
                continue
            for (i, _key), (_name, phs) in zip(keyed, result):
                t0 = c0 + WINDOW_OFFSET_S
                ph = [(n, t0 + s * FRAME_S, t0 + (s + d) * FRAME_S) for n, s, d in phs]
                if not ph:
                    continue
                if i in words:  # a word spelled by several dictionary entries
                    s, _e, prev = words[i]
                    words[i] = (s, ph[-1][2], prev + ph)
                else:
                    words[i] = (ph[0][1], ph[-1][2], ph)
            # words the dictionary could not spell: the gap between their neighbours
            missing = [i for i in idx if i not in words]
            for i in missing:
                before = max((words[j][1] for j in idx if j < i and j in words), default=c0)
                after = min((words[j][0] for j in idx if j > i and j in words), default=c1)
                words[i] = (before, max(before, after), [])

    if failed:
        first = failed[0] if len(failed[0]) <= 60 else failed[0][:57] + "..."
        message = (f"forced alignment failed for {len(failed)} of {len(groups)} parts of the transcript "
                   f"(first: {first!r}); their words are spread evenly (is it what the recording says?)")
        (warn or _LOG.warning)(message)
    silent = db < (float(np.percentile(db, 95)) - _SILENCE_DB if db.size else 0.0)
    phones: list[Phone] = []
    out_words: list[Word] = []
    prev_end = 0.0
    for i, tok in enumerate(tokens):
        start, end, phs = words[i]
        if phs:
            phs = _trim_pauses(phs, silent)
            start, end = phs[0][1], phs[-1][2]
        stresses = next(
            (st for cs, ce, st in stress_words if cs < tok.char_end and tok.char_start < ce), []
        )
        vowel_ix = 0
        n_vowels = sum(1 for n, _s, _e in phs if n in _ARPABET_VOWELS)
        for name, ps_, pe in phs:
            stress = 0
            if name in _ARPABET_VOWELS:
                if stresses:
                    j = vowel_ix if n_vowels == len(stresses) else int(
                        round(vowel_ix * (len(stresses) - 1) / max(n_vowels - 1, 1))
                    )
                    stress = stresses[min(j, len(stresses) - 1)]
                vowel_ix += 1
            ps_, pe = max(ps_, prev_end), min(pe, duration)
            if pe - ps_ < 1e-6:
                continue
            phones.append(Phone(_ipa(name, stress), ps_, pe, stress))
            prev_end = pe
        start = min(max(start, out_words[-1].end if out_words else 0.0), duration)
        end = min(max(end, start), duration)
        out_words.append(Word(tok.text, start, end, tok.char_start, tok.char_end))
    return phones, out_words


def _read_audio(path: Path) -> tuple[np.ndarray, int]:
    try:
        import soundfile as sf

        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
        return data.mean(axis=1).astype(np.float32), int(sr)
    except Exception as first:  # formats libsndfile cannot read (AAC, M4A, ...): FFmpeg's
        try:
            return _decode_with_av(path)
        except Exception:
            raise SpeechError(f"cannot read audio file {path}: {first}") from first


def _decode_with_av(path: Path) -> tuple[np.ndarray, int]:
    """The first audio stream of a file FFmpeg decodes, channels averaged, at its own rate."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        # planar float, same layout and rate; the channels are averaged here, as for soundfile
        resampler = av.AudioResampler(format="fltp", layout=stream.layout, rate=stream.rate)
        chunks = [out.to_ndarray() for frame in container.decode(stream)
                  for out in resampler.resample(frame)]
        chunks += [out.to_ndarray() for out in resampler.resample(None)]
        sr = int(stream.rate)
    if not chunks:
        raise SpeechError(f"no audio in {path}")
    return np.concatenate(chunks, axis=1).mean(axis=0).astype(np.float32), sr


def utterance_from_recording(
    path: str | Path, transcript: str, language: str = "en"
) -> Utterance:
    """Load a recording (WAV, FLAC, OGG, MP3, ...) and align it with its transcript."""
    _check_language(language)
    p = Path(path)
    if not p.is_file():
        raise SpeechError(f"recording not found: {p}")
    samples, sr = _read_audio(p)
    phones, words = align(samples, sr, transcript, language=language)
    return Utterance(samples, sr, phones, words, transcript)


__all__ = ["ARPABET_IPA", "MAX_CHUNK_S", "align", "utterance_from_recording"]
