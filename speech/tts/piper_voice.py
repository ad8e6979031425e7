"""A Piper voice run in our own onnxruntime session: text -> phonemes -> ids -> audio + alignments.

This does what ``piper-tts`` 1.8's ``PiperVoice`` does for espeak-ng and text voices, without it
(piper-tts requires the CPU ``onnxruntime`` package, which overwrites ``onnxruntime-gpu``):

* phonemes: espeak-ng (our binding, :func:`speech.tts.espeak.phonemize`) with the voice's
  ``espeak.voice``, clause by clause; each clause's punctuation is kept as a phoneme (and a space
  after ``, : ;``); a sentence ends at ``. ? !``; every code point after NFD decomposition is one
  phoneme, then the voice's ``vowel_clusters`` are merged. ``phoneme_type: text`` voices take
  the NFD code points of the text itself, as one sentence.
* ids: ``^`` then ``_``, then each phoneme's ids followed by ``_``, then ``$``
  (``phoneme_id_map``); phonemes the map lacks are dropped (logged once per phoneme).
* inference, one sentence at a time: ``input`` [1, n] int64, ``input_lengths`` [n], ``scales``
  (noise_scale, length_scale, noise_w) float32, ``sid`` for multi-speaker voices.
* audio: peak-normalised per sentence (``audio / max|audio|``), clipped to [-1, 1], float32.
* alignments: VITS voices compute each id's length in frames with a ``Ceil`` node; the graph is
  patched at load time to return that tensor too (samples = frames * ``hop_length``), and each
  phoneme gets the samples of its ids and of the pad after it.

The patch needs no ``onnx`` package: an ONNX file is a protobuf ``ModelProto``, and protobuf
merges a repeated occurrence of a message field into the first, so appending
``graph { output { name: "<ceil tensor>" } }`` to the file's bytes adds one graph output. The
tensor's name is found by walking the graph's nodes in the wire format (a tenth of a second for a
60 MB voice); the patched bytes live only in memory.

Piper's noise is drawn inside the graph (``RandomNormalLike``) from onnxruntime's generator, so two
runs of the same text differ unless both noise scales are 0 or ``onnxruntime.set_seed`` was
called with the same seed before each session was made.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import numpy as np

from speech.errors import SpeechError

_LOG = logging.getLogger(__name__)

PAD, BOS, EOS = "_", "^", "$"
DEFAULT_NOISE_SCALE = 0.667
DEFAULT_LENGTH_SCALE = 1.0
DEFAULT_NOISE_W = 0.8
DEFAULT_HOP_LENGTH = 256
SUPPORTED_PHONEME_TYPES = ("espeak", "text")
_RAW_PHONEMES = re.compile(r"(\[\[.*?\]\])", re.S)


@dataclass(frozen=True)
class VoiceConfig:
    """The parts of a Piper voice's ``.onnx.json`` that synthesis uses."""

    sample_rate: int
    espeak_voice: str
    phoneme_type: str
    phoneme_id_map: Mapping[str, Sequence[int]]
    num_speakers: int = 1
    speaker_id_map: Mapping[str, int] | None = None
    default_speaker_id: int = 0
    noise_scale: float = DEFAULT_NOISE_SCALE
    length_scale: float = DEFAULT_LENGTH_SCALE
    noise_w: float = DEFAULT_NOISE_W
    hop_length: int = DEFAULT_HOP_LENGTH
    vowel_clusters: frozenset[tuple[str, ...]] = frozenset()
    language: str = ""
    dataset: str = ""
    quality: str = ""

    @classmethod
    def from_file(cls, path: Path) -> "VoiceConfig":
        try:
            raw = json.loads(Path(path).read_text("utf-8"))
        except OSError as exc:
            raise SpeechError(f"cannot read Piper voice config {path}: {exc.strerror or exc}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SpeechError(f"Piper voice config {path} is not valid JSON ({exc})") from exc
        try:
            inference = raw.get("inference") or {}
            config = cls(
                sample_rate=int(raw["audio"]["sample_rate"]),
                espeak_voice=str((raw.get("espeak") or {}).get("voice", "")),
                phoneme_type=str(raw.get("phoneme_type") or "espeak"),
                phoneme_id_map={str(k): [int(i) for i in v] for k, v in raw["phoneme_id_map"].items()},
                num_speakers=int(raw.get("num_speakers", 1)),
                speaker_id_map=dict(raw.get("speaker_id_map") or {}),
                default_speaker_id=int(raw.get("default_speaker_id", 0)),
                noise_scale=float(inference.get("noise_scale", DEFAULT_NOISE_SCALE)),
                length_scale=float(inference.get("length_scale", DEFAULT_LENGTH_SCALE)),
                noise_w=float(inference.get("noise_w", DEFAULT_NOISE_W)),
                hop_length=int(raw.get("hop_length", DEFAULT_HOP_LENGTH)),
                vowel_clusters=frozenset(tuple(c) for c in raw.get("vowel_clusters") or ()),
                language=str((raw.get("language") or {}).get("code") or ""),
                dataset=str(raw.get("dataset") or ""),
                quality=str((raw.get("audio") or {}).get("quality") or ""),
            )
        except KeyError as exc:
            raise SpeechError(f"Piper voice config {path} lacks the field {exc}") from exc
        except (TypeError, ValueError, AttributeError) as exc:
            raise SpeechError(f"Piper voice config {path} has a malformed field ({exc})") from exc
        if config.phoneme_type not in SUPPORTED_PHONEME_TYPES:
            raise SpeechError(
                f"Piper voice {path.name} uses phoneme_type {config.phoneme_type!r}; "
                f"only {' and '.join(SUPPORTED_PHONEME_TYPES)} voices are supported"
            )
        if config.phoneme_type == "espeak" and not config.espeak_voice:
            raise SpeechError(f"Piper voice config {path} names no espeak voice")
        for symbol in (PAD, BOS, EOS):
            if symbol not in config.phoneme_id_map:
                raise SpeechError(f"Piper voice config {path}: phoneme_id_map lacks {symbol!r}")
        return config


@dataclass
class Chunk:
    """One sentence: float32 audio in [-1, 1], its phonemes and, when the voice gives them, the
    samples of each phoneme ((phoneme, samples) for ``^``, every phoneme, ``$``)."""

    audio: np.ndarray
    phonemes: list[str]
    phoneme_ids: list[int]
    alignments: list[tuple[str, int]] | None


# ----------------------------------------------------------------------------- the graph patch


def _varint(buf: memoryview, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def _fields(buf: memoryview, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(field number, start, end) of each length-delimited field of the message in buf[start:end];
    other wire types are skipped."""
    i = start
    while i < end:
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, i = _varint(buf, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            n, i = _varint(buf, i)
            if i + n > end:
                raise ValueError("truncated")
            yield number, i, i + n
            i += n
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
    if i > end:
        raise ValueError("truncated")


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _message(number: int, payload: bytes) -> bytes:
    return _encode_varint(number << 3 | 2) + _encode_varint(len(payload)) + payload


# ModelProto.graph = 7; GraphProto.node = 1, .output = 12; NodeProto.output = 2, .op_type = 4;
# ValueInfoProto.name = 1 (onnx.proto3)
def alignment_output_patch(model: bytes) -> tuple[bytes, str | None]:
    """(model bytes that also return the per-id frame counts, the tensor's name), or the model
    unchanged and None when it has no single ``Ceil`` output to expose. A model that already
    returns it is returned unchanged with the name."""
    buf = memoryview(model)
    ceil: set[str] = set()
    outputs: set[str] = set()
    for number, start, end in _fields(buf, 0, len(buf)):
        if number != 7:
            continue
        for g_number, g_start, g_end in _fields(buf, start, end):
            if g_number == 1:
                op, names = "", []
                for n_number, n_start, n_end in _fields(buf, g_start, g_end):
                    if n_number == 4:
                        op = bytes(buf[n_start:n_end]).decode("utf-8")
                    elif n_number == 2:
                        names.append(bytes(buf[n_start:n_end]).decode("utf-8"))
                if op == "Ceil":
                    ceil.update(names)
            elif g_number == 12:
                for v_number, v_start, v_end in _fields(buf, g_start, g_end):
                    if v_number == 1:
                        outputs.add(bytes(buf[v_start:v_end]).decode("utf-8"))
    if len(ceil) != 1:
        return model, None
    (name,) = ceil
    if name in outputs:
        return model, name
    return model + _message(7, _message(12, _message(1, name.encode("utf-8")))), name


# ----------------------------------------------------------------------------- the voice


class PiperVoice:
    """A loaded Piper voice: its config and an onnxruntime session over its (patched) graph."""

    def __init__(self, model: Path, config: VoiceConfig, session, aligned: bool) -> None:
        self.model = model
        self.config = config
        self.session = session
        self.aligned = aligned  # the session returns per-id frame counts
        self._input_names = {i.name for i in session.get_inputs()}
        self._missing_logged: set[str] = set()
        self._lock = threading.Lock()

    @classmethod
    def load(cls, model: str | Path, config: str | Path | None = None,
             providers: list | None = None) -> "PiperVoice":
        """Load ``model`` (``.onnx``) with its config (default: ``<model>.json``) on ``providers``
        (default :func:`speech.runtime.wanted_providers`)."""
        model = Path(model)
        config_path = Path(config) if config is not None else Path(f"{model}.json")
        if not model.is_file():
            raise SpeechError(f"Piper voice model {model} does not exist")
        if not config_path.is_file():
            raise SpeechError(f"Piper voice {model} has no config beside it ({config_path.name} missing)")
        cfg = VoiceConfig.from_file(config_path)
        try:
            data = model.read_bytes()
        except OSError as exc:
            raise SpeechError(f"cannot read Piper voice model {model}: {exc.strerror or exc}") from exc
        try:
            data, tensor = alignment_output_patch(data)
        except (ValueError, IndexError) as exc:
            raise SpeechError(f"Piper voice model {model} is not an ONNX file ({exc})") from exc
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise SpeechError(
                "the piper engine needs onnxruntime; install it with: pip install onnxruntime"
            ) from exc
        from speech.runtime import CUDA, wanted_providers

        if providers is None:
            # variable-length inputs: an exhaustive cuDNN search for every new length costs more
            # than it saves (piper-tts makes the same choice)
            providers = [(p, {"cudnn_conv_algo_search": "HEURISTIC"}) if p == CUDA else p
                         for p in wanted_providers()]
        options = ort.SessionOptions()
        options.log_severity_level = 3  # the GPU build logs an error where CUDA is absent
        try:
            session = ort.InferenceSession(data, sess_options=options, providers=providers)
        except Exception as exc:  # onnxruntime raises its own exception types
            raise SpeechError(f"cannot load Piper voice model {model}: {str(exc).splitlines()[0]}") from exc
        aligned = tensor is not None and len(session.get_outputs()) > 1
        return cls(model, cfg, session, aligned)

    @property
    def provider(self) -> str:
        from speech.runtime import provider_of

        return provider_of(self.session)

    # -- text -> phonemes -> ids

    def phonemize(self, text: str) -> list[list[str]]:
        """Text -> phonemes (one code point each, vowel clusters merged), one list per sentence.

        ``[[...]]`` in the text is IPA spoken as written (one phoneme per code point), joined to
        the sentence around it, as in piper-tts."""
        if self.config.phoneme_type == "text":
            return [list(unicodedata.normalize("NFD", text))] if text else []
        sentences: list[list[str]] = []
        parts = _RAW_PHONEMES.split(text)
        after_raw = False
        for i, part in enumerate(parts):
            if part.startswith("[[") and part.endswith("]]"):
                if not sentences:
                    sentences.append([])
                if i > 0 and parts[i - 1].endswith(" "):
                    sentences[-1].append(" ")
                sentences[-1].extend(part[2:-2].strip())
                if i + 1 < len(parts) and parts[i + 1].startswith(" "):
                    sentences[-1].append(" ")
                after_raw = True
                continue
            spoken = self._espeak_sentences(part)
            if after_raw and spoken:
                sentences[-1].extend(spoken.pop(0))
            sentences.extend(spoken)
            after_raw = False
        return [s for s in sentences if s]

    def _espeak_sentences(self, text: str) -> list[list[str]]:
        from speech.tts.espeak import phonemize

        sentences: list[list[str]] = []
        current: list[str] = []
        for clause in phonemize(text, self.config.espeak_voice):
            part = clause.phonemes + clause.terminator
            if clause.terminator in (",", ":", ";"):
                part += " "
            current.extend(unicodedata.normalize("NFD", part))
            if clause.sentence_end:
                sentences.append(self._merge_clusters(current))
                current = []
        if current:
            sentences.append(self._merge_clusters(current))
        return sentences

    def _merge_clusters(self, phonemes: list[str]) -> list[str]:
        clusters = self.config.vowel_clusters
        if not clusters:
            return phonemes
        longest = max(len(c) for c in clusters)
        out: list[str] = []
        i = 0
        while i < len(phonemes):
            for n in range(min(longest, len(phonemes) - i), 1, -1):
                if tuple(phonemes[i:i + n]) in clusters:
                    out.append("".join(phonemes[i:i + n]))
                    i += n
                    break
            else:
                out.append(phonemes[i])
                i += 1
        return out

    def known(self, phonemes: list[str]) -> list[str]:
        """``phonemes`` without those the voice's id map lacks (each logged once)."""
        id_map = self.config.phoneme_id_map
        for p in phonemes:
            if p not in id_map and p not in self._missing_logged:
                self._missing_logged.add(p)
                _LOG.warning("Piper voice %s has no id for phoneme %r; it is skipped", self.model.name, p)
        return [p for p in phonemes if p in id_map]

    def phoneme_ids(self, phonemes: list[str]) -> list[int]:
        """BOS, PAD, then each phoneme's ids and PAD, then EOS (phonemes must be :meth:`known`)."""
        id_map = self.config.phoneme_id_map
        ids = [*id_map[BOS], *id_map[PAD]]
        for p in phonemes:
            ids += [*id_map[p], *id_map[PAD]]
        return ids + [*id_map[EOS]]

    # -- ids -> audio

    def run(self, ids: list[int], length_scale: float | None = None, noise_scale: float | None = None,
            noise_w: float | None = None, speaker_id: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """The model's raw audio for ``ids`` and the samples of each id (None without alignments)."""
        cfg = self.config
        scales = np.array([
            cfg.noise_scale if noise_scale is None else noise_scale,
            cfg.length_scale if length_scale is None else length_scale,
            cfg.noise_w if noise_w is None else noise_w,
        ], dtype=np.float32)
        feeds = {
            "input": np.array([ids], dtype=np.int64),
            "input_lengths": np.array([len(ids)], dtype=np.int64),
            "scales": scales,
        }
        if cfg.num_speakers > 1 and "sid" in self._input_names:
            sid = cfg.default_speaker_id if speaker_id is None else speaker_id
            feeds["sid"] = np.array([sid], dtype=np.int64)
        names = [o.name for o in self.session.get_outputs()[: 2 if self.aligned else 1]]
        with self._lock:
            result = self.session.run(names, feeds)
        audio = np.asarray(result[0]).squeeze()
        if not self.aligned:
            return audio, None
        samples = (np.asarray(result[1]).squeeze() * cfg.hop_length).astype(np.int64).reshape(-1)
        return audio, samples

    def _alignments(self, phonemes: list[str], ids: list[int], id_samples: np.ndarray | None):
        """(phoneme, samples) for BOS, each phoneme (with the pad after it) and EOS; None when the
        model gave no alignments or they do not fit the ids."""
        if id_samples is None or len(id_samples) != len(ids):
            return None
        id_map = self.config.phoneme_id_map
        out: list[tuple[str, int]] = []
        k = 0
        for p in [BOS, *phonemes, EOS]:
            n = len(id_map[p]) + (len(id_map[PAD]) if p != EOS else 0)
            out.append((p, int(id_samples[k:k + n].sum())))
            k += n
        return out if k == len(ids) else None

    def synthesize(self, text: str, length_scale: float | None = None, noise_scale: float | None = None,
                   noise_w: float | None = None, speaker_id: int | None = None) -> list[Chunk]:
        """One :class:`Chunk` per sentence of ``text``."""
        chunks = []
        for sentence in self.phonemize(text):
            phonemes = self.known(sentence)
            if not phonemes:
                continue
            ids = self.phoneme_ids(phonemes)
            audio, id_samples = self.run(ids, length_scale, noise_scale, noise_w, speaker_id)
            peak = float(np.max(np.abs(audio))) if audio.size else 0.0
            audio = np.zeros_like(audio) if peak < 1e-8 else audio / peak
            audio = np.clip(audio, -1.0, 1.0).astype(np.float32)
            chunks.append(Chunk(audio, phonemes, ids, self._alignments(phonemes, ids, id_samples)))
        return chunks
