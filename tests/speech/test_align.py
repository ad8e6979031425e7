"""Forced alignment (pocketsphinx): espeak-ng speech aligned back against its own text."""
from __future__ import annotations

import re
import time

import numpy as np
import pytest

pytest.importorskip("pocketsphinx", reason="forced alignment needs pocketsphinx (extra 'align')")
pytest.importorskip("espeakng_loader")

from speech.align import align, utterance_from_recording  # noqa: E402
from speech.errors import SpeechError  # noqa: E402
from speech.phonemes import segments  # noqa: E402
from speech.tts import synthesize  # noqa: E402
from speech.types import Utterance  # noqa: E402

SENTENCES = (
    "Welcome to the team! Here are three things to know in your first week. "
    "The quick brown fox jumps over the lazy dog, while Zanzibar's 1999 budget remains unknown."
)
LONG = (
    "Welcome to the quarterly review. Our team shipped three major features this quarter, "
    "and customer satisfaction rose by twelve percent. The new onboarding flow reduced setup "
    "time from forty minutes to under ten. Next, we will look at the roadmap for the coming "
    "months. We plan to improve reliability, expand into two new markets, and hire four more "
    "engineers. Security remains our top priority, so every release now passes an automated "
    "audit before it reaches production. Finally, thank you all for your hard work; none of "
    "this would have been possible without you. Please send your questions to the usual "
    "channel, and we will answer them at the next meeting."
)


@pytest.fixture(scope="module")
def spoken() -> tuple[Utterance, list, list]:
    u = synthesize(SENTENCES)
    phones, words = align(u.samples, u.sample_rate, u.text)
    return u, phones, words


def word_errors(ref: Utterance, words) -> np.ndarray:
    assert [w.text for w in words] == [w.text for w in ref.words]
    return np.array([w.start - r.start for w, r in zip(words, ref.words)])


def check_structure(u: Utterance, phones, words) -> None:
    assert [w.text for w in words] == re.findall(r"[\w'-]+", u.text)
    prev = 0.0
    for w in words:
        assert u.text[w.char_start:w.char_end] == w.text
        assert prev - 1e-9 <= w.start <= w.end <= u.duration + 1e-9
        prev = w.end
    prev = 0.0
    for p in phones:
        assert segments(p.symbol), f"phone {p.symbol!r} unknown to speech.phonemes"
        assert p.stress in (0, 1, 2)
        assert prev - 1e-9 <= p.start < p.end <= u.duration + 1e-9
        prev = p.end


def test_words_and_phones_are_well_formed(spoken):
    u, phones, words = spoken
    check_structure(u, phones, words)
    assert any(p.stress == 2 for p in phones), "stress comes through from the text"
    assert {"θ", "ð"} & {p.symbol for p in phones}  # "three", "the"


def test_word_starts_match_espeak_timings(spoken):
    u, _phones, words = spoken
    err = np.abs(word_errors(u, words))
    assert np.median(err) < 0.05, err
    assert np.percentile(err, 90) < 0.12, err


def test_phone_starts_match_espeak_timings(spoken):
    u, phones, words = spoken
    errors = []
    for w, r in zip(words, u.words):
        mine = [p for p in phones if w.start - 1e-6 <= p.start and p.end <= w.end + 1e-6]
        ref = [p for p in u.phones if r.start - 1e-6 <= p.start and p.end <= r.end + 1e-6]
        if len(mine) == len(ref):
            errors += [abs(a.start - b.start) for a, b in zip(mine, ref)]
    assert len(errors) > 40
    assert np.median(errors) < 0.025, np.median(errors)


def test_int16_input_and_other_sample_rates(spoken):
    u, _phones, words = spoken
    pcm = (u.samples * 32767).astype(np.int16)
    phones2, words2 = align(pcm, u.sample_rate, u.text)
    assert np.median(np.abs(word_errors(u, words2))) < 0.05
    assert phones2


def test_forty_second_recording_aligns():
    u = synthesize(LONG, rate=0.85)
    assert u.duration > 38
    t0 = time.perf_counter()
    phones, words = align(u.samples, u.sample_rate, u.text)
    elapsed = time.perf_counter() - t0
    check_structure(u, phones, words)
    err = np.abs(word_errors(u, words))
    assert np.median(err) < 0.05, np.median(err)
    assert np.percentile(err, 95) < 0.2, np.percentile(err, 95)
    assert phones[-1].end > u.duration - 1.0
    assert elapsed < 0.5 * u.duration  # well faster than real time


def test_utterance_from_recording(tmp_path):
    import soundfile as sf

    u = synthesize("Record this short sentence, please.")
    stereo = np.stack([u.samples, u.samples], axis=1)
    path = tmp_path / "take.wav"
    sf.write(path, stereo, u.sample_rate, subtype="PCM_16")
    rec = utterance_from_recording(path, u.text)
    assert rec.sample_rate == u.sample_rate and rec.text == u.text
    assert rec.samples.ndim == 1 and abs(rec.duration - u.duration) < 1e-3
    assert [w.text for w in rec.words] == ["Record", "this", "short", "sentence", "please"]
    assert np.median(np.abs(word_errors(u, rec.words))) < 0.05


def test_a_recording_libsndfile_cannot_read_is_decoded_by_ffmpeg(tmp_path):
    import av

    u = synthesize("Record this short sentence, please.")
    path = tmp_path / "take.m4a"  # AAC: not a format libsndfile reads
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=u.sample_rate, layout="stereo")
        frame = av.AudioFrame.from_ndarray(np.stack([u.samples, u.samples]), format="fltp",
                                           layout="stereo")
        frame.sample_rate = u.sample_rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    rec = utterance_from_recording(path, u.text)
    assert rec.sample_rate == u.sample_rate and rec.samples.ndim == 1
    assert abs(rec.duration - u.duration) < 0.1  # the encoder's priming and padding
    assert [w.text for w in rec.words] == ["Record", "this", "short", "sentence", "please"]
    (tmp_path / "noise.m4a").write_bytes(b"not audio at all")
    with pytest.raises(SpeechError, match="cannot read audio file"):
        utterance_from_recording(tmp_path / "noise.m4a", "hello")


def test_english_only_and_clear_errors(tmp_path):
    with pytest.raises(SpeechError, match="English only"):
        align(np.zeros(16000, np.float32), 16000, "Guten Tag", language="de")
    with pytest.raises(SpeechError, match="not found"):
        utterance_from_recording(tmp_path / "missing.wav", "hello")
    assert align(np.zeros(0, np.float32), 16000, "hello") == ([], [])
    assert align(np.zeros(16000, np.float32), 16000, "  ") == ([], [])


def test_a_short_last_sentence_joins_the_one_before():
    """Two sentences whose second is under MIN_CHUNK_S: one chunk (this used to raise IndexError)."""
    from speech.align import _groups, _Token

    tokens = [_Token(f"w{i}", i, i + 1, n_phones=4, sentence_end=i in (9, 11)) for i in range(12)]
    assert _groups(tokens, 0.08) == [list(range(12))]
    # three groups, the last short: it joins the second, the first stays as it was
    tokens = [_Token(f"w{i}", i, i + 1, n_phones=4, sentence_end=i in (29, 59, 61)) for i in range(62)]
    groups = _groups(tokens, 0.08)
    assert groups == [list(range(30)), list(range(30, 62))]
