"""The synthesis cache: hits skip synthesis, keys separate requests, damage heals."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from speech.cache import (
    cache_dir,
    cache_key,
    cache_stats,
    cached_synthesize,
    clear_cache,
    reset_cache_stats,
)
from speech.types import Phone, Utterance, Word


class CountingSynth:
    def __init__(self):
        self.calls = 0

    def __call__(self, text, voice=None, engine="espeak", rate=1.0):
        self.calls += 1
        rng = np.random.default_rng(len(text))
        samples = (rng.standard_normal(2205) * 0.1).astype(np.float32)
        return Utterance(samples, 22050, [Phone("h", 0.0, 0.05, 2), Phone("ə", 0.05, 0.1)],
                         [Word(text, 0.0, 0.1, 0, len(text))], text)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("AVATAR_CACHE_DIR", str(tmp_path))
    reset_cache_stats()
    return tmp_path / "speech"


def test_cache_dir_follows_env(folder):
    assert cache_dir() == folder


def test_hit_skips_synthesis(folder):
    synth = CountingSynth()
    first = cached_synthesize("Hello there", "en-us", "espeak", 1.0, synth, version="v1")
    second = cached_synthesize("Hello there", "en-us", "espeak", 1.0, synth, version="v1")
    assert synth.calls == 1
    assert np.array_equal(first.samples, second.samples) and second.samples.dtype == np.float32
    assert second.phones == first.phones and second.words == first.words
    assert second.sample_rate == 22050 and second.text == "Hello there"
    stats = cache_stats()
    assert (stats.hits, stats.misses, stats.writes) == (1, 1, 1)
    assert not [p for p in folder.rglob("*") if p.suffix == ".tmp" or "partial" in p.name]


def test_key_separates_requests(folder):
    synth = CountingSynth()
    for args in [("a", None, "espeak", 1.0), ("b", None, "espeak", 1.0), ("a", "de", "espeak", 1.0),
                 ("a", None, "piper", 1.0), ("a", None, "espeak", 1.25)]:
        cached_synthesize(*args, synth, version="v1")
    assert synth.calls == 5
    cached_synthesize("a", None, "espeak", 1.0, synth, version="v2")  # engine upgraded
    assert synth.calls == 6
    assert cache_key("a", None, "espeak", 1.0, "v1") != cache_key("a", None, "espeak", 1.0, "v2")


@pytest.mark.parametrize("damage", ["truncate_npy", "garbage_json", "delete_npy", "flip_sample"])
def test_corrupted_entry_is_resynthesised(folder, damage):
    synth = CountingSynth()
    good = cached_synthesize("Damaged", None, "espeak", 1.0, synth, version="v1")
    npy = next(folder.rglob("*.npy"))
    meta = npy.with_suffix(".json")
    if damage == "truncate_npy":
        npy.write_bytes(npy.read_bytes()[:100])
    elif damage == "garbage_json":
        meta.write_text("{not json")
    elif damage == "delete_npy":
        npy.unlink()
    else:
        arr = np.load(npy)
        arr[10] += 1.0
        np.save(npy, arr)
    again = cached_synthesize("Damaged", None, "espeak", 1.0, synth, version="v1")
    assert synth.calls == 2 and cache_stats().corrupt == 1
    assert np.array_equal(again.samples, good.samples)
    cached_synthesize("Damaged", None, "espeak", 1.0, synth, version="v1")
    assert synth.calls == 2  # the rewritten entry is good again


def test_unwritable_cache_still_synthesises(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("AVATAR_CACHE_DIR", str(blocker))
    reset_cache_stats()
    synth = CountingSynth()
    u = cached_synthesize("x", None, "espeak", 1.0, synth, version="v1")
    assert synth.calls == 1 and u.text == "x" and cache_stats().write_errors == 1


def test_clear_cache(folder):
    cached_synthesize("x", None, "espeak", 1.0, CountingSynth(), version="v1")
    assert clear_cache() == 2
    assert clear_cache(Path(folder) / "nowhere") == 0


def test_real_espeak_round_trip(folder):
    pytest.importorskip("espeakng_loader")
    from speech.tts import synthesize

    calls = []

    def synth(text, **kw):
        calls.append(text)
        return synthesize(text, **kw)

    a = cached_synthesize("Cached speech.", None, "espeak", 1.0, synth)
    b = cached_synthesize("Cached speech.", None, "espeak", 1.0, synth)
    assert len(calls) == 1
    assert np.array_equal(a.samples, b.samples) and a.phones == b.phones and a.words == b.words
    assert os.listdir(folder)


def test_features_are_kept_and_come_back_identical(folder, monkeypatch):
    import speech.features
    from speech.cache import cached_features
    from speech.features import frame_features

    t = np.arange(22050 * 2) / 22050
    voice = Utterance((0.3 * np.sin(2 * np.pi * 140 * t) * (t % 0.5 < 0.3)).astype(np.float32), 22050)
    fresh = frame_features(voice, 25)
    first = cached_features(voice, 25)
    monkeypatch.setattr(speech.features, "frame_features", lambda *a: pytest.fail("computed again"))
    again = cached_features(voice, 25)
    for name in ("loudness", "f0", "voiced", "onset"):
        for got in (first, again):
            assert getattr(got, name).dtype == getattr(fresh, name).dtype
            assert np.array_equal(getattr(got, name), getattr(fresh, name)), name
    assert again.fps == 25.0 and fresh.voiced.any() and not fresh.voiced.all()
    other = Utterance(voice.samples * 0.5, 22050)  # other samples are another entry
    monkeypatch.setattr(speech.features, "frame_features", frame_features)
    assert not np.array_equal(cached_features(other, 25).loudness, np.zeros(0))
    assert len(list((folder / "features").glob("*.npy"))) == 2
