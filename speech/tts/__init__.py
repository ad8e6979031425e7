"""Text-to-speech engines behind one interface, looked up by name.

Each engine lives in its own module (``speech.tts.<name>``) that defines ``create_engine()``
returning a new :class:`~speech.tts.base.TTSEngine`; this registry makes each engine once per
process and hands out that one. Modules are imported only when their engine is asked for, so a
missing optional dependency fails only when that engine is chosen, with a
:class:`~speech.errors.SpeechError` naming the package to install.
"""
from __future__ import annotations

import importlib
import threading

from speech.errors import SpeechError
from speech.tts.base import TTSEngine, VoiceInfo
from speech.types import Utterance

DEFAULT_ENGINE = "espeak"

# name -> (module path, pip package that provides its dependency)
_ENGINES: dict[str, tuple[str, str]] = {
    "espeak": ("speech.tts.espeak", "espeakng-loader"),
    "piper": ("speech.tts.piper", "onnxruntime"),
    "coqui": ("speech.tts.coqui", "coqui-tts"),
}
_instances: dict[str, TTSEngine] = {}
_lock = threading.Lock()


def register_engine(name: str, module: str, package: str) -> None:
    """Make engine ``name`` available: ``module`` defines ``create_engine()``; ``package`` is the
    pip package to suggest when its import fails."""
    with _lock:
        _ENGINES[name] = (module, package)
        _instances.pop(name, None)


def engine_names() -> list[str]:
    """Names of all known engines (installed or not)."""
    return sorted(_ENGINES)


def get_engine(name: str = DEFAULT_ENGINE) -> TTSEngine:
    """The engine called ``name`` (created once per process and reused; the only place engines
    are made)."""
    key = (name or DEFAULT_ENGINE).strip().lower()
    with _lock:
        if key in _instances:
            return _instances[key]
        if key not in _ENGINES:
            raise SpeechError(
                f"unknown TTS engine {name!r}; choose one of: {', '.join(sorted(_ENGINES))}"
            )
        module_path, package = _ENGINES[key]
        try:
            module = importlib.import_module(module_path)
        except ModuleNotFoundError as exc:
            if exc.name and (module_path == exc.name or module_path.startswith(exc.name + ".")):
                raise SpeechError(
                    f"TTS engine {key!r} is not part of this installation (no module {module_path})"
                ) from exc
            raise SpeechError(
                f"TTS engine {key!r} needs the Python package {package!r} "
                f"(missing module {exc.name!r}); install it with: pip install {package}"
            ) from exc
        except ImportError as exc:
            raise SpeechError(
                f"TTS engine {key!r} failed to load ({exc}); "
                f"reinstall it with: pip install {package}"
            ) from exc
        engine = module.create_engine()
        _instances[key] = engine
        return engine


def synthesize(
    text: str, voice: str | None = None, engine: str = DEFAULT_ENGINE, rate: float = 1.0
) -> Utterance:
    """Speak ``text`` with ``engine``/``voice``; returns audio plus phone and word timings."""
    return get_engine(engine).synthesize(text, voice=voice, rate=rate)


def engine_version(engine: str = DEFAULT_ENGINE) -> str:
    """``get_engine(engine).version()``: changes whenever the engine's output may change."""
    return get_engine(engine).version()


def list_voices(engine: str = DEFAULT_ENGINE) -> list[VoiceInfo]:
    """The voices of ``engine``."""
    return get_engine(engine).voices()


def installed_voices() -> tuple[list[VoiceInfo], dict[str, str]]:
    """Voices of every engine that loads here, and why each other engine does not."""
    voices: list[VoiceInfo] = []
    missing: dict[str, str] = {}
    for name in engine_names():
        try:
            voices += list_voices(name)
        except SpeechError as exc:
            missing[name] = str(exc)
    return voices, missing


# The most natural voice we can offer per language when a script names none, best first.
NEURAL_DEFAULTS: dict[str, list[tuple[str, str]]] = {"en": [("piper", "en_US-joe-medium")]}


def default_voice(language: str) -> tuple[str, str]:
    """(engine, voice) for a language: a neural voice where one is installed, else espeak-ng."""
    base = (language or "en").lower().replace("_", "-").split("-")[0]
    for engine, voice in NEURAL_DEFAULTS.get(base, []):
        try:
            if any(v.id == voice for v in list_voices(engine)):
                return engine, voice
        except SpeechError:
            continue
    return "espeak", ("en-us" if base == "en" and language.lower() in {"en", "en-us"} else language)


def resolve_voice(voice: str | None, language: str = "en") -> tuple[str, str]:
    """A user's voice choice -> (engine, voice id).

    ``engine:voice`` names both; a path to a Piper ``.onnx`` file picks Piper, a directory picks
    Coqui; a bare id is looked up among the installed engines' voices (Piper's first, then
    espeak-ng's); nothing picks the language's default voice."""
    if not voice:
        return default_voice(language)
    if ":" in voice and not voice.startswith(("/", "./", "../")) and len(voice.split(":", 1)[0]) > 1:
        engine, _, name = voice.partition(":")
        return engine.strip().lower(), name
    from pathlib import Path

    path = Path(voice)
    if path.suffix == ".onnx":
        return "piper", voice
    if path.is_dir():
        return "coqui", voice
    for engine in ("piper",):
        try:
            if any(voice.lower() in {v.id.lower(), v.name.split()[0].lower()} for v in list_voices(engine)):
                return engine, voice
        except SpeechError:
            continue
    return "espeak", voice


__all__ = [
    "DEFAULT_ENGINE",
    "TTSEngine",
    "VoiceInfo",
    "engine_names",
    "engine_version",
    "get_engine",
    "default_voice",
    "installed_voices",
    "list_voices",
    "resolve_voice",
    "register_engine",
    "synthesize",
]
