import numpy as np
import pytest

from avatar.motion import build_motion
from avatar.motion.lipsync import CLOSURE_LEAD
from avatar.motion.visemes import viseme_of
from speech.features import frame_features
from speech.phonemes import segments
from speech.tts import synthesize
from speech.types import Phone, Utterance

FPS = 25


def motion_for(text, voice="en-us", seed=0):
    utterance = synthesize(text, voice=voice)
    features = frame_features(utterance, FPS)
    return utterance, build_motion(utterance, features, FPS, features.n_frames + 10, seed=seed)


def frames_of(start, end):
    """Frames whose centre lies within [start, end]."""
    return [i for i in range(int(end * FPS) + 2) if start <= (i + 0.5) / FPS <= end]


@pytest.mark.parametrize("voice, text", [
    ("en-us", "Bob made maps of a big problem, maybe more. Please be patient, Pam."),
    ("de", "Mama möchte bitte Brot mit Butter."),
    ("es", "Pablo me mira por la ventana abierta."),
])
def test_lips_close_on_every_bilabial(voice, text):
    utterance, track = motion_for(text, voice)
    bilabials = [p for p in utterance.phones if any(viseme_of(s).closure for s in segments(p.symbol))]
    assert len(bilabials) >= 3
    for phone in bilabials:
        window = range(int((phone.start - CLOSURE_LEAD[1]) * FPS), int(phone.end * FPS) + 1)
        assert min(track["jaw_open"][i] for i in window) <= 0.02, phone
        assert max(track["lip_press"][i] for i in window) >= 0.8, phone


def test_closure_starts_before_the_release():
    utterance, track = motion_for("a pa")
    p = next(ph for ph in utterance.phones if ph.symbol == "p")
    closed = [i for i in range(len(track)) if track["jaw_open"][i] <= 0.02 and track["lip_press"][i] >= 0.8
              and (i + 0.5) / FPS < p.end + 0.02 and (i + 0.5) / FPS > p.start - 0.2]
    assert closed, "no closed frame around the p"
    assert p.end - (closed[0] + 0.5) / FPS >= CLOSURE_LEAD[0] - 0.5 / FPS


def test_mouth_closed_in_pauses_and_open_on_vowels():
    utterance, track = motion_for("Father, wait. ... Now hear this! Car park.")
    jaw = track["jaw_open"]
    first, last = utterance.phones[0], utterance.phones[-1]
    cursor = 0.0
    pause_frames = []
    for phone in utterance.phones:
        if phone.start - cursor > 0.3:
            pause_frames += frames_of(cursor + 0.15, phone.start - 0.12)
        cursor = phone.end
    assert pause_frames
    assert max(jaw[i] for i in pause_frames) <= 0.02, [(i, jaw[i]) for i in pause_frames]
    assert jaw[-1] <= 0.02 and last.end < len(jaw) / FPS - 0.2  # closed after speaking
    open_vowels = [p for p in utterance.phones if segments(p.symbol) and viseme_of(segments(p.symbol)[0]).target("jaw_open") >= 0.6]
    assert open_vowels
    opened = [max(jaw[i] for i in frames_of(p.start, p.end + 0.04) or [int(p.start * FPS)]) > 0.2 for p in open_vowels]
    assert np.mean(opened) >= 0.9


def test_quiet_speech_opens_less():
    """The same sentence twice, the second time at a tenth of the level: the jaw opens less."""
    once = synthesize("Large dark cars are far apart.")
    n = len(once.samples)
    shift = n / once.sample_rate
    twice = Utterance(np.concatenate([once.samples, once.samples * 0.1]), once.sample_rate,
                      once.phones + [Phone(p.symbol, p.start + shift, p.end + shift, p.stress) for p in once.phones])
    track = build_motion(twice, frame_features(twice, FPS), FPS, int(2 * shift * FPS))
    half = int(shift * FPS)
    assert track["jaw_open"][half:].max() < 0.8 * track["jaw_open"][:half].max()


def test_same_seed_same_motion_other_seed_other_blinks():
    utterance = synthesize("One. Two. Three. " * 8)
    features = frame_features(utterance, FPS)
    a, b, c = (build_motion(utterance, features, FPS, features.n_frames, seed=seed) for seed in (1, 1, 2))
    assert np.array_equal(a.values, b.values)
    assert not np.array_equal(a["blink_left"], c["blink_left"])


def test_blinks_every_two_to_six_seconds_and_head_stays_small():
    _, track = motion_for("This sentence keeps going for a while so that we can count the blinks. " * 4)
    blink = track["blink_left"]
    starts = [i for i in range(1, len(blink)) if blink[i] > 0 and blink[i - 1] == 0]
    duration = len(track) / FPS
    assert len(starts) >= duration / 6 - 1
    gaps = np.diff(starts) / FPS
    assert gaps.min() >= 1.0 and gaps.max() <= 7.5
    assert blink.max() > 0.8
    for axis in ("yaw", "pitch", "roll"):
        assert np.abs(track[axis]).max() <= 4.0
    # smooth: no frame-to-frame jumps bigger than a fraction of a degree
    assert np.abs(np.diff(track["yaw"])).max() < 0.3


def test_no_phones_means_a_closed_mouth():
    silence = Utterance(np.zeros(22050, np.float32), 22050, [], [])
    track = build_motion(silence, frame_features(silence, FPS), FPS, 25)
    assert track["jaw_open"].max() == 0
