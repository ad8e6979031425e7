"""The narration timeline: what each slide says, when, and with which captions."""
import numpy as np
import pytest
import soundfile

from avatar.narration import LEAD_IN, TAIL, narrate, voice_for
from avatar.script import load_script
from speech.tts import synthesize


def plans_for(tmp_path, text, **kwargs):
    script = tmp_path / "s.md"
    script.write_text(text, encoding="utf-8")
    presentation = load_script(script)
    engine, voice = voice_for(presentation, kwargs.pop("voice", None))
    return narrate(presentation, 25, engine, voice, warn=kwargs.pop("warn", lambda m: None), **kwargs)


@pytest.mark.parametrize("language, text, phones", [
    ("de", "Ich möchte Grüße über München senden.", {"ç", "øː", "yː", "ʏ"}),
    ("fr", "Bonjour à tous, à bientôt.", {"ʒ", "ɔ̃", "ɑ̃", "y"}),
    ("es", "Mañana llueve en España.", {"ɲ", "ʎ", "ʝ"}),
])
def test_other_languages_speak_their_own_phones_and_captions_keep_accents(tmp_path, language, text, phones):
    plan, = plans_for(tmp_path, f"---\nlanguage: {language}\n---\n# T\n<!-- {text} -->\n")
    spoken = {p.symbol for p in plan.utterance.phones}
    assert spoken & phones, spoken
    assert " ".join(c.text for c in plan.cues).replace("\n", " ") == text


def test_pause_markup_adds_silence_and_stays_out_of_captions(tmp_path):
    plain, = plans_for(tmp_path, "# T\n<!-- One. Two. -->\n")
    paused, = plans_for(tmp_path, "# T\n<!-- One. [pause 1.5s] Two. -->\n")
    assert paused.utterance.duration - plain.utterance.duration == pytest.approx(1.5, abs=0.3)
    assert all("pause" not in c.text for c in paused.cues)
    words = paused.utterance.words
    assert words[1].start - words[0].end > 1.4


def test_lexicon_and_rate_change_the_speech(tmp_path):
    base, = plans_for(tmp_path, "# T\n<!-- We use SQL daily. -->\n")
    lexed, = plans_for(tmp_path, "---\nlexicon:\n  SQL: sequel\n---\n# T\n<!-- We use SQL daily. -->\n")
    assert [p.symbol for p in lexed.utterance.phones] != [p.symbol for p in base.utterance.phones]
    assert lexed.cues[0].text == "We use SQL daily."  # captions keep the written word
    slow, = plans_for(tmp_path, "---\nrate: 0.7\n---\n# T\n<!-- We use SQL daily. -->\n")
    assert slow.utterance.duration > 1.2 * base.utterance.duration


def test_slides_are_whole_frames_laid_end_to_end(tmp_path):
    plans = plans_for(tmp_path, "# A\n<!-- First slide. -->\n---\n# B\n<!-- Second one here. -->\n")
    assert plans[0].start == 0
    assert plans[1].start == pytest.approx(plans[0].n_frames / 25)
    for plan in plans:
        assert plan.n_frames == int(np.ceil((LEAD_IN + plan.utterance.duration + TAIL) * 25))
        assert plan.cues[0].start >= plan.start + LEAD_IN - 0.01


def test_released_audio_comes_back_identical_from_the_cache(tmp_path):
    plan, = plans_for(tmp_path, "# T\n<!-- Bounded memory, sentence by sentence. -->\n")
    before = plan.utterance.samples.copy()
    plan.release()
    assert len(plan.utterance.samples) == 0
    assert np.array_equal(plan.audio().samples, before)


def test_recorded_narration_with_its_transcript(tmp_path):
    take = synthesize("Please open the safety manual.")
    soundfile.write(tmp_path / "take.wav", np.concatenate([np.zeros(8000, np.float32), take.samples]), take.sample_rate)
    warnings = []
    plan, = plans_for(tmp_path, "# T\n![narration](take.wav)\n<!-- Please open the safety manual. -->\n",
                      warn=warnings.append)
    assert plan.utterance.duration == pytest.approx(take.duration + 8000 / take.sample_rate, abs=0.01)
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        assert warnings and "pocketsphinx" in warnings[0]
        return
    assert not warnings
    assert [w.text for w in plan.utterance.words] == ["Please", "open", "the", "safety", "manual"]
    assert plan.utterance.words[0].start == pytest.approx(8000 / take.sample_rate, abs=0.1)
