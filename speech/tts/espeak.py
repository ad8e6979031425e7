"""espeak-ng through ctypes, on the library and data that the ``espeakng-loader`` wheel ships.

Synthesis runs in AUDIO_OUTPUT_SYNCHRONOUS mode: ``espeak_Synth`` returns once the whole text is
spoken, after calling our callback with audio chunks (int16) and event lists. PHONEME events give
the IPA symbol and its start; WORD events give the word's 1-based *character* (not byte) offset
into the text. espeak-ng is a process-wide singleton, so every call holds one lock.

Event quirks seen with libespeak-ng 1.52 (and handled here):

* Empty PHONEME events mark pauses; they end the phone before them, so silence is a gap.
* Two PHONEME events can share a time (zero-length phone); such phones are dropped.
* ``length`` of WORD events is unreliable (``didn't`` -> 4, ``e-mail`` -> 1) and numbers produce
  several WORD events ("1999" -> three), some pointing inside the number; words are therefore taken
  from the source text (whitespace-delimited, edge punctuation stripped) and events landing in the
  same source word are merged.
* ``espeak_SetVoiceByName("en-gb")`` fails (it matches names and file names, not languages) and it
  silently ignores unknown ``+variant`` suffixes, so voices are resolved here from espeak's list.
* ``sample`` (documented "internal use") is the exact sample index of the event; ``audio_position``
  is the same time truncated to milliseconds. ``sample`` is used when the two agree.
"""
from __future__ import annotations

import ctypes
import os
import re
import threading
from dataclasses import dataclass, field

import numpy as np

from speech.errors import SpeechError
from speech.text.words import trim_word, word_spans
from speech.tts.base import VoiceInfo, checked_rate, package_version
from speech.types import Phone, Utterance, Word

ENGINE_NAME = "espeak"
DEFAULT_VOICE = "en-us"
LICENCE = "GPL-3.0-or-later (espeak-ng)"
NORMAL_WPM = 175  # espeakRATE_NORMAL
MIN_WPM, MAX_WPM = 80, 450  # espeakRATE_MINIMUM / espeakRATE_MAXIMUM

# speak_lib.h constants
AUDIO_OUTPUT_SYNCHRONOUS = 2
espeakINITIALIZE_PHONEME_EVENTS = 0x0001
espeakINITIALIZE_PHONEME_IPA = 0x0002
espeakINITIALIZE_DONT_EXIT = 0x8000
espeakCHARS_UTF8 = 1
espeakPHONEMES = 0x100  # [[...]] in the text is read as espeak phoneme names (lexicon entries)
POS_CHARACTER = 1
espeakRATE = 1
espeakPITCH = 3
EE_OK = 0

espeakEVENT_LIST_TERMINATED = 0
espeakEVENT_WORD = 1
espeakEVENT_SENTENCE = 2
espeakEVENT_MARK = 3
espeakEVENT_PLAY = 4
espeakEVENT_END = 5
espeakEVENT_MSG_TERMINATED = 6
espeakEVENT_PHONEME = 7
espeakEVENT_SAMPLERATE = 8

_BUFLENGTH_MS = 200
_STRESS_MARKS = {"ˈ": 2, "ˌ": 1}


class _EventId(ctypes.Union):
    _fields_ = [
        ("number", ctypes.c_int),  # WORD, SENTENCE
        ("name", ctypes.c_char_p),  # MARK, PLAY
        ("string", ctypes.c_char * 8),  # PHONEME (UTF-8, NUL-terminated unless 8 bytes long)
    ]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # 1-based, in characters
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # ms
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),  # (priority byte, NUL-terminated name)*, then NUL
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass
class _Collector:
    sample_rate: int
    chunks: list[bytes] = field(default_factory=list)
    # (type, text_position, time_s, phoneme string)
    events: list[tuple[int, int, float, str]] = field(default_factory=list)
    error: BaseException | None = None


@dataclass(frozen=True)
class _VoiceEntry:
    id: str
    identifier: str  # espeak's file name, e.g. "gmw/en-US"; what espeak_SetVoiceByName accepts
    name: str
    languages: tuple[tuple[int, str], ...]


_lock = threading.RLock()
_lib: ctypes.CDLL | None = None
_sample_rate = 0
_collector: _Collector | None = None
_voice_table: list[_VoiceEntry] | None = None
_variants: dict[str, str] | None = None  # lower-case variant name -> name as espeak spells it


def _on_synth(wav, numsamples, events):  # called by espeak inside espeak_Synth
    col = _collector
    if col is None:
        return 0
    try:
        if wav and numsamples > 0:
            col.chunks.append(ctypes.string_at(wav, numsamples * 2))
        i = 0
        sr = col.sample_rate
        while True:
            ev = events[i]
            etype = ev.type
            if etype == espeakEVENT_LIST_TERMINATED:
                break
            if etype in (espeakEVENT_PHONEME, espeakEVENT_WORD, espeakEVENT_END):
                ms = ev.audio_position
                sample = ev.sample
                # prefer the exact sample index when it is consistent with the ms time
                if sample >= 0 and abs(sample * 1000.0 / sr - ms) <= 1.5:
                    t = sample / sr
                else:
                    t = ms / 1000.0
                sym = ""
                if etype == espeakEVENT_PHONEME:
                    sym = bytes(ev.id.string).split(b"\0", 1)[0].decode("utf-8", "ignore")
                col.events.append((etype, ev.text_position, t, sym))
            i += 1
    except BaseException as exc:  # never let an exception cross the C boundary
        col.error = exc
        return 1
    return 0


_callback_ref = _SynthCallback(_on_synth)


# The noise seed is reset before each utterance. espeak-ng also keeps some synthesis state between
# utterances (its pitch flutter runs on), so the same text can differ by a few samples from one call
# to the next within a process; a fresh process always reproduces the same sequence.
RAND_SEED = 1


def _load() -> ctypes.CDLL:
    """Load and initialise libespeak-ng once per process (call with ``_lock`` held)."""
    global _lib, _sample_rate
    if _lib is not None:
        return _lib
    try:
        import espeakng_loader
    except ImportError as exc:
        raise SpeechError(
            "the espeak engine needs the Python package 'espeakng-loader'; "
            "install it with: pip install espeakng-loader"
        ) from exc
    lib_path = espeakng_loader.get_library_path()
    data_path = espeakng_loader.get_data_path()
    try:
        lib = ctypes.CDLL(str(lib_path))
    except OSError as exc:
        raise SpeechError(f"cannot load libespeak-ng from {lib_path}: {exc}") from exc

    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
        ctypes.c_uint, ctypes.POINTER(ctypes.c_uint), ctypes.c_void_p,
    ]
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
    lib.espeak_ListVoices.argtypes = [ctypes.POINTER(_Voice)]
    lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))

    options = espeakINITIALIZE_PHONEME_EVENTS | espeakINITIALIZE_PHONEME_IPA
    options |= espeakINITIALIZE_DONT_EXIT
    sr = lib.espeak_Initialize(
        AUDIO_OUTPUT_SYNCHRONOUS, _BUFLENGTH_MS, os.fsencode(str(data_path)), options
    )
    if sr <= 0:
        raise SpeechError(f"espeak-ng failed to initialise with its data at {data_path}")
    lib.espeak_SetSynthCallback(_callback_ref)
    if hasattr(lib, "espeak_ng_SetRandSeed"):
        lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
        lib.espeak_ng_SetRandSeed.restype = None
    _sample_rate = int(sr)
    _lib = lib
    return lib


def library_version() -> str:
    """libespeak-ng's own version string (``1.52.0``)."""
    with _lock:
        lib = _load()
        lib.espeak_Info.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
        lib.espeak_Info.restype = ctypes.c_char_p
        return (lib.espeak_Info(None) or b"?").decode("utf-8", "replace")


def _parse_languages(ptr: int | None) -> tuple[tuple[int, str], ...]:
    out: list[tuple[int, str]] = []
    if not ptr:
        return ()
    p = ptr
    while True:
        prio = ctypes.c_ubyte.from_address(p).value
        if prio == 0:
            break
        name = ctypes.string_at(p + 1)
        out.append((prio, name.decode("utf-8", "replace")))
        p += 1 + len(name) + 1
    return tuple(out)


def _list(lib: ctypes.CDLL, spec: _Voice | None) -> list[_Voice]:
    arr = lib.espeak_ListVoices(ctypes.byref(spec) if spec is not None else None)
    out = []
    i = 0
    while arr and arr[i]:
        out.append(arr[i].contents)
        i += 1
    return out


def _voices_table() -> list[_VoiceEntry]:
    """espeak's voice list with a stable, unique id per voice (call with ``_lock`` held)."""
    global _voice_table, _variants
    if _voice_table is not None:
        return _voice_table
    lib = _load()
    table: list[_VoiceEntry] = []
    used: set[str] = set()
    for v in _list(lib, None):
        ident = (v.identifier or b"").decode("utf-8", "replace")
        name = (v.name or b"").decode("utf-8", "replace").strip()
        langs = _parse_languages(v.languages)
        vid = langs[0][1].lower() if langs else ident.rsplit("/", 1)[-1].lower()
        if vid in used:
            vid = ident.rsplit("/", 1)[-1].lower()
        used.add(vid)
        table.append(_VoiceEntry(vid, ident, name, langs))
    spec = _Voice()
    spec.languages = ctypes.cast(ctypes.c_char_p(b"variant"), ctypes.c_void_p)
    variants = {}
    for v in _list(lib, spec):
        base = (v.identifier or b"").decode("utf-8", "replace").rsplit("/", 1)[-1]
        if base:
            variants[base.lower()] = base
    _voice_table = table
    _variants = variants
    return table


def _resolve_voice(voice: str | None) -> str:
    """Map a voice id (``en-gb``, ``de``, ``en-us+f3``, an espeak name or file name) to the
    string espeak_SetVoiceByName accepts. Raises SpeechError for unknown ones."""
    requested = (voice or DEFAULT_VOICE).strip()
    base, _, variant = requested.partition("+")
    key = base.strip().lower()
    table = _voices_table()
    found: _VoiceEntry | None = None
    for match in (
        lambda e: e.id == key,
        lambda e: e.identifier.lower() == key,
        lambda e: e.identifier.rsplit("/", 1)[-1].lower() == key,
        lambda e: e.name.lower() == key,
    ):
        found = next((e for e in table if match(e)), None)
        if found is not None:
            break
    if found is None:  # any voice listing the language, best priority first
        best = [(p, i) for i, e in enumerate(table) for p, lang in e.languages if lang == key]
        if best:
            found = table[min(best)[1]]
    if found is None:
        raise SpeechError(
            f"unknown espeak voice {requested!r}; `avatar voices` lists them "
            "(ids like en-us, en-gb, de, fr, es; add a variant with +, e.g. en-us+f3)"
        )
    result = found.identifier
    if variant:
        assert _variants is not None
        vkey = variant.strip().lower()
        if vkey not in _variants:
            raise SpeechError(
                f"unknown espeak voice variant {variant!r} in {requested!r}; "
                f"variants include: {', '.join(sorted(_variants)[:12])}, ..."
            )
        result += "+" + _variants[vkey]
    return result


# ----------------------------------------------------------------------------- synthesis


def _voiced_end(samples: np.ndarray, sr: int) -> float:
    """Time (s) where the last non-silent 10 ms block ends (0 for silence)."""
    if samples.size == 0:
        return 0.0
    block = max(1, sr // 100)
    n = samples.size // block
    if n == 0:
        return samples.size / sr
    rms = np.sqrt(np.mean(samples[: n * block].reshape(n, block) ** 2, axis=1))
    peak = float(rms.max())
    if peak <= 0.0:
        return 0.0
    loud = np.nonzero(rms > max(peak * 0.01, 1e-4))[0]  # within 40 dB of the loudest block
    return float(loud[-1] + 1) * block / sr if loud.size else 0.0


def _is_unspaced(ch: str) -> bool:
    """Characters of scripts written without spaces between words (CJK, kana, Thai, ...)."""
    o = ord(ch)
    return (
        0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF
        or 0xF900 <= o <= 0xFAFF or 0x0E00 <= o <= 0x0EFF or 0x1000 <= o <= 0x109F
        or 0x1780 <= o <= 0x17FF or 0x20000 <= o <= 0x2FFFF
    )


def _word_span(text: str, pos: int, cut_points: list[int]) -> tuple[int, int]:
    """The source word around character ``pos``: its whitespace-delimited run (split further at
    event positions in scripts without spaces), edge punctuation stripped."""
    n = len(text)
    pos = min(max(pos, 0), max(n - 1, 0))
    while pos < n - 1 and text[pos].isspace():
        pos += 1
    s = pos
    while s > 0 and not text[s - 1].isspace():
        s -= 1
    e = pos
    while e < n and not text[e].isspace():
        e += 1
    if any(_is_unspaced(c) for c in text[s:e]):
        before = [c for c in cut_points if s < c <= pos]
        after = [c for c in cut_points if pos < c < e]
        s = max(before) if before else s
        e = min(after) if after else e
    ts, te = trim_word(text, s, e)
    return (ts, te) if ts < te else (s, e)


def _build(samples: np.ndarray, sr: int, events, text: str) -> tuple[list[Phone], list[Word]]:
    duration = samples.size / sr
    voiced_end = min(_voiced_end(samples, sr), duration)

    # Phones: each PHONEME event starts a phone; the next PHONEME event (pauses included) ends it.
    marks: list[tuple[float, str, int, int]] = []  # (time, symbol, stress, word group)
    words_raw: list[tuple[int, float]] = []  # (0-based char position, time)
    pending_stress = 0
    last_t = 0.0
    for etype, text_pos, t, sym in events:
        t = min(max(t, last_t), duration)
        last_t = t
        if etype == espeakEVENT_WORD:
            words_raw.append((text_pos - 1, t))
        elif etype == espeakEVENT_PHONEME:
            stress = max((v for m, v in _STRESS_MARKS.items() if m in sym), default=0)
            clean = sym
            for m in _STRESS_MARKS:
                clean = clean.replace(m, "")
            clean = clean.strip()
            if not clean and stress:  # a bare stress mark: applies to the next phone
                pending_stress = max(pending_stress, stress)
                continue
            if clean:
                stress, pending_stress = max(stress, pending_stress), 0
            marks.append((t, clean, stress, len(words_raw) - 1))
        elif etype == espeakEVENT_END:
            marks.append((t, "", 0, len(words_raw) - 1))

    phones: list[Phone] = []
    phone_group: list[int] = []
    for i, (t, sym, stress, group) in enumerate(marks):
        if not sym:
            continue
        end = marks[i + 1][0] if i + 1 < len(marks) else max(voiced_end, t)
        end = min(end, duration)
        if end - t < 1e-4:
            continue
        phones.append(Phone(sym, t, end, stress))
        phone_group.append(group)

    # Words: events landing in the same source word are merged; times come from their phones.
    cut_points = sorted({p for p, _ in words_raw})
    spans: list[tuple[int, int]] = []
    event_t: list[float] = []
    word_phones: list[list[Phone]] = []
    group_to_word: dict[int, int] = {}
    for g, (pos, t) in enumerate(words_raw):
        if not text:
            break
        span = _word_span(text, pos, cut_points)
        if not (spans and spans[-1] == span):
            spans.append(span)
            event_t.append(t)
            word_phones.append([])
        group_to_word[g] = len(spans) - 1
    for ph, g in zip(phones, phone_group):
        w = group_to_word.get(g)
        if w is not None:
            word_phones[w].append(ph)
    return phones, _words_with_gaps_filled(text, spans, event_t, word_phones)


def _words_with_gaps_filled(
    text: str,
    spans: list[tuple[int, int]],
    event_t: list[float],
    word_phones: list[list[Phone]],
) -> list[Word]:
    """Build Words; source words espeak gave no WORD event for (it speaks "for a" as one word)
    share the phones of the spoken word before them (after them at the start), split in order
    and in proportion to their lengths in characters."""
    # (span, event time, phones, spoken?) in text order
    items = [(sp, t, ph, True) for sp, t, ph in zip(spans, event_t, word_phones)]
    if spans:
        missing = [
            w for w in word_spans(text)
            if not any(s < w[1] and w[0] < e for s, e in spans)
        ]
        for w in missing:
            k = next((i for i, it in enumerate(items) if it[0][0] > w[0]), len(items))
            items.insert(k, (w, -1.0, [], False))

    # groups: one spoken word plus the unspoken ones attached to it
    groups: list[list[int]] = []
    for i, it in enumerate(items):
        if it[3] or not groups:
            groups.append([i])
        else:
            groups[-1].append(i)
    if len(groups) > 1 and not items[groups[0][0]][3]:  # unspoken words before the first spoken
        groups[1] = groups[0] + groups[1]
        groups.pop(0)

    words: list[Word] = []
    prev_end = 0.0
    for grp in groups:
        spoken = next((items[i] for i in grp if items[i][3]), None)
        phones = spoken[2] if spoken else []
        t0 = phones[0].start if phones else (spoken[1] if spoken else prev_end)
        lengths = [max(items[i][0][1] - items[i][0][0], 1) for i in grp]
        # phones per member: proportional to length, at least one each while phones last
        counts = [0] * len(grp)
        if phones:
            total = sum(lengths)
            raw = [len(phones) * n / total for n in lengths]
            counts = [max(1, int(round(r))) for r in raw]
            while sum(counts) > len(phones):
                j = max(range(len(counts)), key=lambda j: (counts[j], -j))
                if counts[j] == 0:
                    break
                counts[j] -= 1
            counts[-1] += len(phones) - sum(counts)
        pi = 0
        cursor = max(t0, prev_end)
        for i, c in zip(grp, counts):
            (s, e) = items[i][0]
            mine = phones[pi : pi + c]
            pi += c
            ws = max(mine[0].start if mine else cursor, prev_end)
            we = max(mine[-1].end if mine else ws, ws)
            words.append(Word(text[s:e], ws, we, s, e))
            prev_end = cursor = we
    return words


# ----------------------------------------------------------------------------- phonemes only

espeakCHARS_AUTO = 0
espeakPHONEMES_IPA = 0x02
# espeak_TextToPhonemes (libespeak-ng 1.52) returns a clause's phonemes but not how the clause
# ended; it is read back from the text the call consumed. Clause-ending punctuation as espeak-ng
# classifies it (readclause.c's punct_chars), as the symbol Piper-style phonemisers append:
# "." "?" "!" end a sentence; "," ":" ";" do not; "" for the rest (the ellipsis, paragraphs).
_CLAUSE_ENDS = {
    ".": ".", "?": "?", "!": "!", ",": ",", ":": ":", ";": ";",
    "\u2013": ";", "\u2014": ";", "\u037e": "?", "\u0387": ";", "\u0964": ".",
    "\u060c": ",", "\u061b": ";", "\u061f": "?", "\u06d4": ".",
    "\u3001": ",", "\u3002": ".", "\uff01": "!", "\uff0c": ",", "\uff0e": ".",
    "\uff1a": ":", "\uff1b": ";", "\uff1f": "?",
}
_SENTENCE_ENDS = {".", "?", "!"}


@dataclass(frozen=True)
class Clause:
    """One clause as espeak-ng phonemises it: IPA (language-switch flags removed), the punctuation
    that ended it ("" when none that matters) and whether it ends a sentence."""

    phonemes: str
    terminator: str
    sentence_end: bool


_FIRST_MARK = re.compile("\\.\\.\\.|\u2026|[" + re.escape("".join(_CLAUSE_ENDS)) + "]")
_LOOKAHEAD = re.compile("(?<=\\s)[^\\s" + re.escape("".join(_CLAUSE_ENDS) + "\u2026") + "]*$")


def _clause_end(consumed: str, at_end: bool) -> tuple[str, bool, str]:
    """(terminator, ends a sentence, look-ahead) of a clause from the text espeak consumed for it
    (with the previous clause's look-ahead in front). Unless the text ended, espeak may have read
    into the next clause: a last run of characters after a space that holds no clause
    punctuation is that look-ahead, and belongs to the next clause."""
    ahead = ""
    if not at_end:
        m = _LOOKAHEAD.search(consumed)
        if m:
            consumed, ahead = consumed[:m.start()], m.group(0)
    term, end = _terminator(consumed, at_end)
    return term, end, ahead


def _terminator(consumed: str, at_end: bool) -> tuple[str, bool]:
    """espeak-ng's clause type from what follows the clause's last word: a blank line ends a
    paragraph (whatever the punctuation); otherwise the first clause punctuation decides, and an
    ellipsis pauses like ";" but is a type of its own; no word at all ends nothing."""
    last = max((i for i, c in enumerate(consumed) if c.isalnum()), default=-1)
    after = consumed[last + 1:]
    if after.count("\n") > 1:
        return "", True
    if last < 0:
        return "", at_end
    m = _FIRST_MARK.search(after)
    if m is None:
        return "", at_end
    if m.group(0) in ("...", "\u2026"):
        return "", False
    term = _CLAUSE_ENDS[m.group(0)]
    return term, term in _SENTENCE_ENDS


def phonemize(text: str, voice: str | None = None) -> list[Clause]:
    """``text`` -> its clauses' IPA phonemes with espeak-ng's ``voice``, no audio synthesised."""
    out: list[Clause] = []
    clean = text.replace("\0", " ")
    if not clean.strip():
        return out
    data = clean.encode("utf-8")
    with _lock:
        lib = _load()
        name = _resolve_voice(voice)
        if lib.espeak_SetVoiceByName(name.encode("utf-8")) != EE_OK:
            raise SpeechError(f"espeak-ng could not load voice {voice!r} ({name})")
        buf = ctypes.create_string_buffer(data)
        base = ctypes.addressof(buf)
        ptr = ctypes.c_void_p(base)
        ahead = ""
        while ptr.value:  # until espeak says the text is done: it keeps what it read ahead
            start = ptr.value - base
            result = lib.espeak_TextToPhonemes(ctypes.byref(ptr), espeakCHARS_AUTO, espeakPHONEMES_IPA)
            at_end = not ptr.value
            consumed = data[start:len(data) if at_end else ptr.value - base].decode("utf-8", "ignore")
            phonemes = re.sub(r"\([^)]+\)", "", (result or b"").decode("utf-8", "replace"))
            term, end, ahead = _clause_end(ahead + consumed, at_end)
            out.append(Clause(phonemes, term, end))
    return out


class EspeakEngine:
    """espeak-ng: fast, robotic, over 100 languages, exact phone and word timings."""

    name = ENGINE_NAME

    @property
    def sample_rate(self) -> int:
        with _lock:
            _load()
            return _sample_rate

    def version(self) -> str:
        """The espeakng-loader package and the libespeak-ng it loads."""
        return f"{package_version('espeakng-loader')}+{library_version()}"

    def voices(self) -> list[VoiceInfo]:
        with _lock:
            table = _voices_table()
            sr = _sample_rate
        return [
            VoiceInfo(
                id=e.id,
                engine=ENGINE_NAME,
                language=e.languages[0][1] if e.languages else e.id,
                name=e.name,
                sample_rate=sr,
                licence=LICENCE,
                gives_timings=True,
            )
            for e in table
        ]

    def synthesize(self, text: str, voice: str | None = None, rate: float = 1.0) -> Utterance:
        global _collector
        rate = checked_rate(text, rate)
        clean = text.replace("\0", " ")
        with _lock:
            lib = _load()
            voice_name = _resolve_voice(voice)
            sr = _sample_rate
            if not clean.strip():
                return Utterance(np.zeros(0, np.float32), sr, [], [], text)
            if lib.espeak_SetVoiceByName(voice_name.encode("utf-8")) != EE_OK:
                raise SpeechError(f"espeak-ng could not load voice {voice!r} ({voice_name})")
            wpm = int(round(min(max(NORMAL_WPM * rate, MIN_WPM), MAX_WPM)))
            lib.espeak_SetParameter(espeakRATE, wpm, 0)
            lib.espeak_SetParameter(espeakPITCH, 50, 0)
            if hasattr(lib, "espeak_ng_SetRandSeed"):  # libespeak-ng >= 1.52: its noise source restarts
                lib.espeak_ng_SetRandSeed(RAND_SEED)
            data = clean.encode("utf-8")
            buf = ctypes.create_string_buffer(data)
            col = _Collector(sr)
            _collector = col
            try:
                err = lib.espeak_Synth(
                    buf, len(data) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8 | espeakPHONEMES, None, None
                )
            finally:
                _collector = None
        if col.error is not None:
            raise RuntimeError(f"espeak-ng callback failed: {col.error!r}") from col.error
        if err != EE_OK:
            raise RuntimeError(f"espeak_Synth failed with error {err}")
        pcm = np.frombuffer(b"".join(col.chunks), dtype="<i2")
        samples = (pcm.astype(np.float32) / 32768.0).copy()
        phones, words = _build(samples, sr, col.events, clean)
        return Utterance(samples, sr, phones, words, text)


def create_engine() -> EspeakEngine:
    """The registry's hook (:func:`speech.tts.get_engine` makes and keeps the one engine)."""
    return EspeakEngine()
