import pytest

from avatar.motion.track import MOUTH
from avatar.motion.visemes import VISEMES, Viseme, _viseme, viseme_of
from avatar.parameters import BY_NAME
from speech.phonemes import PHONE_VISEMES, UNKNOWN_CLASS


def test_every_class_speech_can_emit_has_a_viseme():
    emitted = set(PHONE_VISEMES.values()) | {UNKNOWN_CLASS}
    assert emitted <= set(VISEMES) and "rest" in VISEMES
    assert all(viseme_of(symbol).name == name for symbol, name in PHONE_VISEMES.items())
    assert viseme_of("?") is VISEMES[UNKNOWN_CLASS]


def test_bilabials_close_and_labiodentals_tuck():
    for symbol in "pbm":
        assert viseme_of(symbol).closure and viseme_of(symbol).target("lip_press") == 1.0
    assert viseme_of("f").target("lower_lip_tuck") == 1.0 and viseme_of("v").target("lower_lip_tuck") == 1.0
    jaw = {s: viseme_of(s).target("jaw_open") for s in "aim"}
    assert jaw["a"] > jaw["i"] > jaw["m"]
    assert viseme_of("u").target("lip_round") > 0.8


def test_every_viseme_has_a_shape_letter():
    assert {v.shape for v in VISEMES.values()} <= set("ABCDEFGHX")


def test_targets_follow_the_mouth_columns_and_lie_in_range():
    v = _viseme("test", "B", jaw_open=0.3, teeth_show=0.7)
    assert v.targets == tuple(0.3 if n == "jaw_open" else 0.7 if n == "teeth_show" else 0.0 for n in MOUTH)
    for v in VISEMES.values():
        assert len(v.targets) == len(MOUTH)
        assert all(BY_NAME[n].range[0] <= t <= BY_NAME[n].range[1] for n, t in zip(MOUTH, v.targets))


def test_bad_visemes_are_refused():
    with pytest.raises(ValueError, match="not mouth parameters"):
        _viseme("bad", "B", jaw_opn=0.3)
    with pytest.raises(ValueError, match="outside"):
        _viseme("bad", "B", lip_round=1.5)
    with pytest.raises(ValueError, match="targets"):
        Viseme("bad", "B", (0.1, 0.2))
