"""Caption cues from word timings; SRT / WebVTT output."""
from __future__ import annotations

import re

import pytest

from avatar.captions import (
    MIN_DISPLAY,
    Cue,
    cues_from_words,
    srt_text,
    vtt_text,
    wrap_lines,
    write_srt,
    write_vtt,
)
from avatar.errors import AvatarError
from speech.types import Word


def words_for(text: str, step: float = 0.4, dur: float = 0.3, offsets: bool = True):
    out, t = [], 0.0
    for m in re.finditer(r"\S+", text):
        token = m.group().strip(".,;:!?")
        if offsets:
            out.append(Word(token, t, t + dur, m.start(), m.end()))
        else:
            out.append(Word(token, t, t + dur))
        t += step
    return out


def test_sentences_timed_from_words():
    text = "Hello there. How are you? I am fine!"
    ws = words_for(text)
    cues = cues_from_words(text, ws, offset=10.0)
    assert [c.text for c in cues] == ["Hello there.", "How are you?", "I am fine!"]
    assert cues[0].start == pytest.approx(10.0)
    assert cues[0].end == pytest.approx(10.7)  # "there." ends at 0.4 + 0.3
    assert cues[1].start == pytest.approx(10.8)  # third word
    assert cues[1].end == pytest.approx(10.0 + 1.6 + 0.3)
    assert cues[2].end == pytest.approx(10.0 + 2.8 + 0.3)


def test_word_order_fallback_matches_offsets():
    text = "First sentence here. Second one follows; and then a third!"
    with_offsets = cues_from_words(text, words_for(text))
    without = cues_from_words(text, words_for(text, offsets=False))
    assert with_offsets == without
    assert [c.text for c in without] == ["First sentence here.", "Second one follows; and then a third!"]


def test_long_sentence_chunked_at_clauses_and_words():
    text = ("This opening clause is long enough on its own to need a break somewhere; "
            "the second clause continues the thought and is also rather long, "
            "running past the limit that a single caption can hold on two lines of text.")
    cues = cues_from_words(text, words_for(text), max_chars=84)
    assert len(cues) >= 3
    assert cues[0].text.replace("\n", " ").endswith("somewhere;")
    joined = " ".join(c.text.replace("\n", " ") for c in cues)
    assert joined == " ".join(text.split())  # nothing lost, order kept
    for c in cues:
        flat = c.text.replace("\n", " ")
        assert len(flat) <= 84
        lines = c.text.split("\n")
        assert len(lines) <= 2
        assert all(len(line) <= 42 for line in lines), lines


def test_no_overlaps_and_minimum_display():
    text = "A. B. C. Dee eee."
    # very short words packed closely: the minimum display time is cut by the next cue
    ws = [Word("A", 0.0, 0.1, 0, 1), Word("B", 0.3, 0.4, 3, 4), Word("C", 2.0, 2.1, 6, 7),
          Word("Dee", 5.0, 5.2, 9, 12), Word("eee", 5.3, 5.4, 13, 16)]
    cues = cues_from_words(text, ws)
    assert [c.text for c in cues] == ["A.", "B.", "C.", "Dee eee."]
    for a, b in zip(cues, cues[1:]):
        assert a.end <= b.start
    assert cues[0].end == pytest.approx(0.3)  # wanted 0.7, next starts at 0.3
    assert cues[1].end == pytest.approx(0.3 + MIN_DISPLAY)
    assert cues[2].end == pytest.approx(2.0 + MIN_DISPLAY)
    assert cues[3].end == pytest.approx(5.0 + MIN_DISPLAY)


def test_empty_inputs():
    assert cues_from_words("", []) == []
    assert cues_from_words("Some text.", []) == []


def test_wrap_lines_balanced():
    assert wrap_lines("short text") == "short text"
    two = wrap_lines("one two three four five six seven eight nine ten eleven twelve thirteen")
    first, second = two.split("\n")
    assert abs(len(first) - len(second)) <= 8
    assert max(len(first), len(second)) <= 42


def test_srt_and_vtt_format(tmp_path):
    cues = [Cue(1.5, 3.0, "Fish & <chips>\nare > fine"), Cue(3661.25, 3662.0, "Later")]
    srt = srt_text(cues)
    assert srt.startswith("1\n00:00:01,500 --> 00:00:03,000\nFish & <chips>\nare > fine\n\n2\n")
    assert "01:01:01,250 --> 01:01:02,000\nLater\n" in srt
    vtt = vtt_text(cues)
    assert vtt.startswith("WEBVTT\n\n00:00:01.500 --> 00:00:03.000\n")
    assert "Fish &amp; &lt;chips&gt;\nare &gt; fine\n" in vtt
    assert "01:01:01.250 --> 01:01:02.000\nLater\n" in vtt

    p = write_srt(cues, tmp_path / "a.srt")
    assert p.read_text(encoding="utf-8") == srt
    q = write_vtt(cues, tmp_path / "a.vtt")
    assert q.read_text(encoding="utf-8") == vtt
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.srt", "a.vtt"]  # no temp files
    with pytest.raises(AvatarError, match="does not exist"):
        write_srt(cues, tmp_path / "missing" / "a.srt")
