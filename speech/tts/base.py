"""The small interface every text-to-speech engine implements, and what engines share."""
from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from typing import Protocol, runtime_checkable

from speech.errors import SpeechError
from speech.types import Utterance


@dataclass(frozen=True)
class VoiceInfo:
    """One voice an engine offers.

    ``id`` is what ``synthesize(voice=...)`` accepts; ``language`` is a BCP-47-like tag
    (``en-us``, ``de``); ``gives_timings`` says whether the engine reports phone timings itself
    (otherwise they must come from forced alignment).
    """

    id: str
    engine: str
    language: str
    name: str
    sample_rate: int
    licence: str
    gives_timings: bool


@runtime_checkable
class TTSEngine(Protocol):
    """A speech synthesiser: text in, :class:`~speech.types.Utterance` (audio + timings) out."""

    name: str

    def synthesize(self, text: str, voice: str | None = None, rate: float = 1.0) -> Utterance:
        """Speak ``text`` with ``voice`` (engine default when None); ``rate`` 1.0 is normal speed,
        2.0 twice as fast."""
        ...

    def voices(self) -> list[VoiceInfo]:
        """The voices this engine can use here and now."""
        ...

    def version(self) -> str:
        """A string that changes whenever this engine's output for the same request may change
        (the versions of what synthesises, phonemises and post-processes); synthesis caches key
        on it."""
        ...


def checked_rate(text: object, rate: object) -> float:
    """Validate an engine call's arguments the same way for every engine; returns the rate as a float."""
    import math

    if not isinstance(text, str):
        raise SpeechError(f"text to speak must be a string, not {type(text).__name__}")
    try:
        value = float(rate)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SpeechError(f"speech rate must be a number, not {rate!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise SpeechError(f"speech rate must be a positive number (1.0 = normal), not {value}")
    return value


def package_version(package: str) -> str:
    """``package==X.Y`` for an installed distribution, ``package==?`` otherwise (for versions)."""
    try:
        return f"{package}=={metadata.version(package)}"
    except metadata.PackageNotFoundError:
        return f"{package}==?"
