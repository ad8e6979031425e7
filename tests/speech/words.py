"""Assertions shared by the engine tests."""
import re


def assert_words_cover_text(utterance, text):
    """Every word of `text` is present, in order, with offsets slicing the text and monotonic times."""
    assert [w.text for w in utterance.words] == re.findall(r"[\w'-]+", text)
    prev = 0.0
    for w in utterance.words:
        assert text[w.char_start:w.char_end] == w.text
        assert prev - 1e-9 <= w.start <= w.end <= utterance.duration + 1e-9
        prev = w.end
