"""Synthesis cache: the same text, voice, engine and rate are synthesised once per machine.

Entries live in ``platformdirs.user_cache_dir("talking-avatar")/speech`` (``$AVATAR_CACHE_DIR/
speech`` when that variable is set), keyed by a SHA-256 of (cache format, engine, the engine's
``version()``, voice, rate, spoken text). Each entry is two files written atomically (temp file +
``os.replace``):

* ``<key>.npy`` -- the float32 samples, exactly as synthesised;
* ``<key>.json`` -- sample rate, sample count and SHA-256 of the samples, phones, words, text.

The JSON is written last and names the samples' hash, so a reader never accepts a half-written or
mismatched pair. An entry that fails to load or verify is deleted and synthesised again. A cache
directory that cannot be written only costs the speed-up (a warning is logged).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from speech.files import atomic_path, write_bytes_atomic
from speech.types import FrameFeatures, Phone, Utterance, Word

__all__ = [
    "CACHE_FORMAT",
    "CacheStats",
    "cache_dir",
    "cache_key",
    "cache_stats",
    "cached_features",
    "cached_synthesize",
    "clear_cache",
    "engine_version",
    "reset_cache_stats",
]

log = logging.getLogger(__name__)

CACHE_FORMAT = 1  # bump when the stored layout or the meaning of an entry changes
ENV_VAR = "AVATAR_CACHE_DIR"

SynthFn = Callable[..., Utterance]


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0  # synthesised (no entry, or a bad one)
    writes: int = 0
    corrupt: int = 0  # entries found damaged and replaced
    write_errors: int = 0


_stats = CacheStats()
_stats_lock = threading.Lock()
_versions: dict[str, str] = {}


def cache_stats() -> CacheStats:
    """A snapshot of this process's cache counters."""
    with _stats_lock:
        return CacheStats(**vars(_stats))


def reset_cache_stats() -> None:
    with _stats_lock:
        for k in vars(_stats):
            setattr(_stats, k, 0)


def _count(name: str) -> None:
    with _stats_lock:
        setattr(_stats, name, getattr(_stats, name) + 1)


def cache_dir() -> Path:
    """Where synthesis results are kept (not created here)."""
    base = os.environ.get(ENV_VAR)
    if base:
        return Path(base).expanduser() / "speech"
    import platformdirs

    return Path(platformdirs.user_cache_dir("talking-avatar")) / "speech"


def _kept_array(path: Path, make: Callable[[], np.ndarray], fits: Callable[[np.ndarray], bool]) -> np.ndarray:
    """The array stored at `path` where it loads and `fits`; otherwise `make()`, stored there
    atomically (a cache that cannot be written only costs the speed-up)."""
    try:
        cached = np.load(path, allow_pickle=False)
        if fits(cached):
            return cached
    except (OSError, ValueError):
        pass
    out = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, out, allow_pickle=False)
    except OSError:
        _count("write_errors")
    return out


def _samples_key(samples: np.ndarray, settings: str) -> tuple[np.ndarray, str]:
    raw = np.ascontiguousarray(samples, np.float32)
    return raw, hashlib.sha256(raw.tobytes() + settings.encode()).hexdigest()[:32]


def cached_normalised(samples: np.ndarray, rate: int, target_lufs: float, peak_dbtp: float) -> np.ndarray:
    """normalize_loudness(samples, ...), kept by a hash of the samples: the limiter's passes cost
    far more than synthesising from the cache, and a narration is normalised again each time a
    render reloads it."""
    from speech.loudness import normalize_loudness

    raw, key = _samples_key(samples, f"{rate}|{target_lufs}|{peak_dbtp}")
    return _kept_array(cache_dir() / "normalised" / f"{key}.npy",
                       lambda: normalize_loudness(raw, rate, target_lufs, peak_dbtp), lambda a: a.shape == raw.shape)


def cached_features(utterance: Utterance, fps: float) -> FrameFeatures:
    """frame_features(utterance, fps), kept by a hash of the samples: pitch and onsets cost a
    second on a long slide (and scipy.signal's import on the first), and a slide drawn again after
    an edit to its text speaks the same audio."""
    from speech.features import FEATURES_VERSION, frame_features

    raw, key = _samples_key(utterance.samples, f"{utterance.sample_rate}|{float(fps)}|{FEATURES_VERSION}")
    made: list[FrameFeatures] = []

    def make() -> np.ndarray:
        made.append(frame_features(utterance, fps))
        f = made[0]
        return np.stack([f.loudness, f.f0, f.voiced, f.onset]).astype(np.float32)

    rows = _kept_array(cache_dir() / "features" / f"{key}.npy", make, lambda a: a.ndim == 2 and a.shape[0] == 4)
    if made:
        return made[0]
    return FrameFeatures(float(fps), rows[0].copy(), rows[1].copy(), rows[2] > 0.5, rows[3].copy())


def engine_version(engine: str) -> str:
    """The engine's own :meth:`~speech.tts.base.TTSEngine.version` (once per process), or
    ``"unknown"`` for an engine that does not load here (its synthesis then fails anyway)."""
    key = (engine or "").strip().lower()
    if key not in _versions:
        from speech.errors import SpeechError
        from speech.tts import get_engine

        try:
            _versions[key] = get_engine(key).version()
        except SpeechError:
            return "unknown"
    return _versions[key]


def cache_key(text: str, voice: str | None, engine: str, rate: float, version: str) -> str:
    """SHA-256 (hex) over everything that decides the synthesised audio."""
    payload = json.dumps(
        {
            "format": CACHE_FORMAT,
            "engine": (engine or "").strip().lower(),
            "engine_version": version,
            "voice": voice,
            "rate": round(float(rate), 6),
            "text": text,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _paths(folder: Path, key: str) -> tuple[Path, Path]:
    sub = folder / key[:2]
    return sub / f"{key}.npy", sub / f"{key}.json"


def _load(npy: Path, meta_path: Path) -> Utterance | None:
    """The entry, or None if absent. Raises on a damaged entry."""
    if not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("format") != CACHE_FORMAT:
        raise ValueError("cache format changed")
    samples = np.load(npy, allow_pickle=False)
    if samples.dtype != np.float32 or samples.ndim != 1 or samples.size != meta["n_samples"]:
        raise ValueError("samples do not match their metadata")
    if hashlib.sha256(samples.tobytes()).hexdigest() != meta["samples_sha256"]:
        raise ValueError("samples checksum mismatch")
    phones = [Phone(str(s), float(a), float(b), int(st)) for s, a, b, st in meta["phones"]]
    words = [Word(str(t), float(a), float(b), int(cs), int(ce)) for t, a, b, cs, ce in meta["words"]]
    return Utterance(samples, int(meta["sample_rate"]), phones, words, str(meta["text"]))


def _store(npy: Path, meta_path: Path, u: Utterance, key_info: dict) -> None:
    samples = np.ascontiguousarray(np.asarray(u.samples, dtype=np.float32).reshape(-1))
    meta = {
        "format": CACHE_FORMAT,
        **key_info,
        "sample_rate": int(u.sample_rate),
        "n_samples": int(samples.size),
        "samples_sha256": hashlib.sha256(samples.tobytes()).hexdigest(),
        "phones": [[p.symbol, p.start, p.end, p.stress] for p in u.phones],
        "words": [[w.text, w.start, w.end, w.char_start, w.char_end] for w in u.words],
        "text": u.text,
    }
    npy.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(npy, durable=True) as tmp:  # the temporary name ends in .npy: np.save adds nothing
        np.save(tmp, samples, allow_pickle=False)
    write_bytes_atomic(meta_path, json.dumps(meta, ensure_ascii=False).encode("utf-8"), durable=True)


def _remove(*paths: Path) -> None:
    for p in paths:
        try:
            p.unlink()
        except OSError:
            pass


def cached_synthesize(
    text: str,
    voice: str | None = None,
    engine: str = "espeak",
    rate: float = 1.0,
    synth_fn: SynthFn | None = None,
    *,
    version: str | None = None,
    folder: str | Path | None = None,
) -> Utterance:
    """``synth_fn(text, voice=voice, engine=engine, rate=rate)`` (default
    :func:`speech.tts.synthesize`), answered from the cache when the same request was made before.

    ``version`` overrides the engine version in the key (default :func:`engine_version`);
    ``folder`` overrides :func:`cache_dir`."""
    if synth_fn is None:
        from speech.tts import synthesize as synth_fn  # noqa: N813
    if version is None:
        version = engine_version(engine)
    key = cache_key(text, voice, engine, rate, version)
    root = Path(folder) if folder is not None else cache_dir()
    npy, meta_path = _paths(root, key)
    try:
        hit = _load(npy, meta_path)
    except Exception as exc:  # noqa: BLE001 -- any damage: drop the entry, synthesise again
        log.warning("speech cache entry %s is damaged (%s); synthesising again", key[:12], exc)
        _count("corrupt")
        _remove(meta_path, npy)
        hit = None
    if hit is not None:
        _count("hits")
        return hit
    _count("misses")
    utt = synth_fn(text, voice=voice, engine=engine, rate=rate)
    try:
        key_info = {"engine": engine, "engine_version": version, "voice": voice, "rate": rate}
        _store(npy, meta_path, utt, key_info)
        _count("writes")
    except OSError as exc:
        _count("write_errors")
        log.warning("cannot write the speech cache in %s (%s); continuing without it", root, exc)
    return utt


def clear_cache(folder: str | Path | None = None) -> int:
    """Delete every cache entry; returns how many files were removed."""
    root = Path(folder) if folder is not None else cache_dir()
    removed = 0
    if not root.is_dir():
        return 0
    for p in root.glob("*/*"):
        if p.suffix in (".npy", ".json", ".tmp"):  # .tmp: temporary files of older versions
            try:
                p.unlink()
                removed += 1
            except OSError:
                pass
    return removed
