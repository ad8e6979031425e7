"""Coqui TTS (``coqui-tts`` 0.28, or ``TTS`` 0.22) from a model folder the user supplies.

Voice id = the path of a folder holding a Coqui ``config.json`` and a model checkpoint
(``model.pth``, ``model_file.pth``, ``best_model.pth`` or the newest ``checkpoint_*.pth``); a
``vocoder/`` subfolder with its own ``config.json`` and checkpoint is used when present (for
spectrogram models such as Tacotron 2). Named models (``tts_models/...``) are not offered: they
download on first use and fail offline.

Coqui reports no phone timings, so the audio is aligned against the text with pocketsphinx
(:mod:`speech.align`, English only). For a model whose config names another language the
utterance comes back without phones or words (the motion then follows loudness only).

Installing beside torch 2.13 (checked with coqui-tts 0.28.0, Python 3.11)::

    pip install coqui-tts==0.28.0
    pip install --no-deps torchaudio==2.11.0 torchcodec==0.17.0

``coqui-tts`` refuses to import without ``torchaudio`` and, with torch >= 2.9, ``torchcodec``.
No ``torchaudio`` wheel on the registry matches torch 2.13 (``--no-deps`` stops pip replacing
torch), and its compiled extension then fails to load (``OSError: Could not load this library:
.../_torchaudio.abi3.so``). Inference needs none of that extension, so this module imports
torchaudio with a stand-in for ``torchaudio._extension`` when (and only when) the real one fails
to load; torchaudio's pure-Python parts keep working. ``torchcodec`` is only imported by Coqui
when it reads audio files (voice cloning), which this engine never does.
"""
from __future__ import annotations

import json
import logging
import sys
import threading
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speech.errors import SpeechError
from speech.tts.base import VoiceInfo, checked_rate, package_version
from speech.types import Utterance

_LOG = logging.getLogger(__name__)

ENGINE_NAME = "coqui"
INSTALL_HINT = (
    "pip install coqui-tts==0.28.0 && pip install --no-deps torchaudio==2.11.0 torchcodec==0.17.0"
)
_CHECKPOINT_NAMES = ("model.pth", "model_file.pth", "best_model.pth", "model.pt")


# ----------------------------------------------------------------------------- import


def _torchaudio_stand_in() -> types.ModuleType:
    """A replacement for ``torchaudio._extension`` saying "no compiled extension"."""
    stub = types.ModuleType("torchaudio._extension")
    stub.__doc__ = "Stand-in installed by speech.tts.coqui: torchaudio's extension did not load."
    stub._IS_TORCHAUDIO_EXT_AVAILABLE = False
    stub._IS_ALIGN_AVAILABLE = False

    def fail_if_no_align(func):
        def unavailable(*args, **kwargs):
            raise RuntimeError("torchaudio's compiled extension is not available (torch mismatch)")

        return unavailable

    stub.fail_if_no_align = fail_if_no_align
    stub._check_cuda_version = lambda: None
    stub.__all__ = ["_check_cuda_version", "_IS_TORCHAUDIO_EXT_AVAILABLE"]
    return stub


def _import_torchaudio() -> None:
    try:
        import torchaudio  # noqa: F401
        return
    except ImportError:
        raise
    except OSError as exc:  # its compiled extension was built for another torch
        _LOG.info("torchaudio's extension failed to load (%s); using its pure-Python parts", exc)
    for name in [n for n in sys.modules if n == "torchaudio" or n.startswith("torchaudio.")]:
        del sys.modules[name]
    sys.modules["torchaudio._extension"] = _torchaudio_stand_in()
    import torchaudio  # noqa: F401,F811


_TTS_CLASS = None
_import_lock = threading.Lock()


def _load_coqui():
    """Coqui's ``TTS.api.TTS`` class; SpeechError with install instructions when unavailable."""
    global _TTS_CLASS
    with _import_lock:
        if _TTS_CLASS is not None:
            return _TTS_CLASS
        try:
            import torch  # noqa: F401
        except ImportError as exc:
            raise SpeechError(
                f"the coqui engine needs PyTorch and Coqui TTS; install them with: {INSTALL_HINT}"
            ) from exc
        import importlib.util

        if importlib.util.find_spec("TTS") is None:
            raise SpeechError(
                f"the coqui engine needs the Python package 'coqui-tts'; install it with: "
                f"{INSTALL_HINT}"
            )
        try:
            _import_torchaudio()
            from TTS.api import TTS
        except ImportError as exc:
            missing = getattr(exc, "name", None) or str(exc).splitlines()[0][:120]
            raise SpeechError(
                f"the coqui engine cannot import Coqui TTS ({missing}); install it with: "
                f"{INSTALL_HINT}"
            ) from exc
        except OSError as exc:
            raise SpeechError(
                f"Coqui TTS failed to load ({str(exc).splitlines()[0][:160]}); reinstall with: "
                f"{INSTALL_HINT}"
            ) from exc
        _TTS_CLASS = TTS
        return TTS


# ----------------------------------------------------------------------------- model folders


def _checkpoint(folder: Path) -> Path | None:
    for name in _CHECKPOINT_NAMES:
        if (folder / name).is_file():
            return folder / name
    steps = sorted(folder.glob("checkpoint_*.pth"), key=lambda p: p.stat().st_mtime)
    if steps:
        return steps[-1]
    others = sorted(
        p for p in folder.glob("*.pth") if not p.name.startswith(("speakers", "config"))
    )
    return others[0] if len(others) == 1 else None


@dataclass(frozen=True)
class _ModelFiles:
    folder: Path
    config: Path
    checkpoint: Path
    vocoder_config: Path | None
    vocoder_checkpoint: Path | None


def _model_files(voice: str | None) -> _ModelFiles:
    if not voice:
        raise SpeechError(
            "the coqui engine needs a voice: the path of a Coqui model folder "
            "(config.json and a model checkpoint such as model.pth); named models are not "
            "downloaded"
        )
    folder = Path(voice).expanduser()
    if folder.is_file():
        folder = folder.parent
    if not folder.is_dir():
        raise SpeechError(f"Coqui model folder not found: {voice}")
    config = folder / "config.json"
    ckpt = _checkpoint(folder)
    if not config.is_file() or ckpt is None:
        raise SpeechError(
            f"{folder} is not a Coqui model folder: it needs config.json and a checkpoint "
            f"({', '.join(_CHECKPOINT_NAMES)} or checkpoint_*.pth)"
        )
    voc_cfg = voc_ckpt = None
    vocoder = folder / "vocoder"
    if (vocoder / "config.json").is_file() and _checkpoint(vocoder) is not None:
        voc_cfg, voc_ckpt = vocoder / "config.json", _checkpoint(vocoder)
    return _ModelFiles(folder.resolve(), config, ckpt, voc_cfg, voc_ckpt)


def _config_language(config: dict) -> str:
    for key in ("phoneme_language", "language"):
        val = config.get(key)
        if isinstance(val, str) and val:
            return val.replace("_", "-").lower()
    for ds in config.get("datasets") or []:
        if isinstance(ds, dict) and isinstance(ds.get("language"), str) and ds["language"]:
            return ds["language"].replace("_", "-").lower()
    return "en"


def _is_english(lang: str) -> bool:
    return lang == "en" or lang.startswith("en-")


@dataclass
class _Loaded:
    tts: object  # TTS.api.TTS
    info: VoiceInfo
    speaker: str | None
    language: str | None


# ----------------------------------------------------------------------------- engine


class CoquiEngine:
    """Coqui TTS from a local model folder; phone timings from forced alignment (English)."""

    name = ENGINE_NAME

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._models: dict[str, _Loaded] = {}

    def version(self) -> str:
        """The Coqui package that synthesises (``coqui-tts``, or ``TTS`` 0.22)."""
        coqui = package_version("coqui-tts")
        return coqui if not coqui.endswith("?") else package_version("TTS")

    def _load(self, voice: str | None) -> _Loaded:
        files = _model_files(voice)
        key = str(files.folder)
        with self._lock:
            if key in self._models:
                return self._models[key]
            TTS = _load_coqui()
            try:
                config = json.loads(files.config.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                raise SpeechError(f"cannot read Coqui config {files.config}: {exc}") from exc
            kwargs = dict(model_path=str(files.checkpoint), config_path=str(files.config),
                          progress_bar=False)
            if files.vocoder_checkpoint is not None:
                kwargs.update(vocoder_path=str(files.vocoder_checkpoint),
                              vocoder_config_path=str(files.vocoder_config))
            try:
                tts = TTS(**kwargs)
            except Exception as exc:  # Coqui raises many kinds; the user must see which file
                raise SpeechError(
                    f"Coqui could not load the model in {files.folder}: {exc}"
                ) from exc
            speakers = list(getattr(tts, "speakers", None) or [])
            languages = list(getattr(tts, "languages", None) or [])
            lang = _config_language(config)
            language = None
            if languages:
                language = next(
                    (x for x in languages if x.lower().startswith(lang[:2])), languages[0]
                )
            sr = int(getattr(tts.synthesizer, "output_sample_rate", 0) or
                     config.get("audio", {}).get("sample_rate", 22050))
            info = VoiceInfo(
                id=key,
                engine=ENGINE_NAME,
                language=lang,
                name=config.get("run_name") or config.get("model") or files.folder.name,
                sample_rate=sr,
                licence=_folder_licence(files.folder),
                gives_timings=False,
            )
            loaded = _Loaded(tts, info, speakers[0] if speakers else None, language)
            self._models[key] = loaded
            return loaded

    def voices(self) -> list[VoiceInfo]:
        """The model folders loaded so far (Coqui has no voices of its own offline)."""
        with self._lock:
            return [m.info for m in self._models.values()]

    def synthesize(self, text: str, voice: str | None = None, rate: float = 1.0) -> Utterance:
        rate = checked_rate(text, rate)
        loaded = self._load(voice)
        sr = loaded.info.sample_rate
        if not text.strip():
            return Utterance(np.zeros(0, np.float32), sr, [], [], text)
        with self._lock:
            samples = self._speak(loaded, text, rate)
        phones, words = [], []
        if _is_english(loaded.info.language):
            from speech.align import align

            phones, words = align(samples, sr, text)
        else:
            _LOG.warning(
                "Coqui voice %s speaks %s: forced alignment is English only, so this utterance "
                "has no phone timings", loaded.info.id, loaded.info.language,
            )
        return Utterance(samples, sr, phones, words, text)

    @staticmethod
    def _speak(loaded: _Loaded, text: str, rate: float) -> np.ndarray:
        tts = loaded.tts
        model = getattr(getattr(tts, "synthesizer", None), "tts_model", None)
        scale_attr = None
        for attr in ("length_scale",):  # VITS-family models: duration multiplier
            if model is not None and isinstance(getattr(model, attr, None), (int, float)):
                scale_attr = attr
        old = getattr(model, scale_attr) if scale_attr else None
        kwargs = {}
        if loaded.speaker:
            kwargs["speaker"] = loaded.speaker
        if loaded.language:
            kwargs["language"] = loaded.language
        try:
            if scale_attr:
                setattr(model, scale_attr, old / rate)
            wav = tts.tts(text=text, **kwargs)
        except Exception as exc:
            raise SpeechError(f"Coqui failed to speak the text: {exc}") from exc
        finally:
            if scale_attr:
                setattr(model, scale_attr, old)
        samples = np.asarray(wav, dtype=np.float32).reshape(-1)
        if rate != 1.0 and not scale_attr:
            import librosa

            samples = librosa.effects.time_stretch(samples, rate=rate).astype(np.float32)
        return samples


def _folder_licence(folder: Path) -> str:
    for name in ("LICENSE", "LICENSE.txt", "LICENCE", "MODEL_CARD", "README.md", "model_card.md"):
        p = folder / name
        if p.is_file():
            first = next((ln.strip() for ln in p.read_text("utf-8", "replace").splitlines()
                          if ln.strip()), "")
            return f"see {p.name}: {first[:60]}"
    return "unknown (no licence file in the model folder)"


def create_engine() -> CoquiEngine:
    """The registry's hook (:func:`speech.tts.get_engine` makes and keeps the one engine); raises
    SpeechError without Coqui."""
    _load_coqui()
    return CoquiEngine()
