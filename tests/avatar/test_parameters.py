import inspect

import numpy as np

from avatar import parameters
from avatar.face import deform
from avatar.face.rig import BASIS_NAMES, JAW_KEYS
from avatar.motion.timeline import timeline
from avatar.motion.track import MOUTH, PARAMETERS, MotionTrack
from speech.types import Utterance


def test_track_columns_come_from_the_registry():
    assert PARAMETERS == tuple(p.name for p in parameters.REGISTRY)
    assert PARAMETERS[0] == "jaw_open" and PARAMETERS[:len(MOUTH)] == MOUTH
    assert MOUTH == ("jaw_open", "lip_wide", "lip_round", "lip_press", "lower_lip_tuck", "teeth_show")
    assert BASIS_NAMES == tuple(f"jaw_{k}" for k in range(len(JAW_KEYS))) + PARAMETERS[1:]


def test_every_parameter_is_realised_by_a_deform_function():
    for p in parameters.REGISTRY:
        assert inspect.getmodule(p.deform) is deform and p.range[0] < p.range[1]
        assert (p.basis_step is not None) == (p.group == "head")
        assert p.reference_jaw is None or p.group == "mouth"


def _track(**values) -> MotionTrack:
    track = MotionTrack.zeros(3, 25)
    for name, value in values.items():
        track.set(name, np.full(3, value))
    return track


def test_values_outside_a_range_are_reported_and_clipped():
    inside = _track(jaw_open=0.5, yaw=-4.0, tx=0.01)
    assert inside.out_of_range() == [] and np.array_equal(inside.clipped().values, inside.values)
    track = _track(jaw_open=1.4, yaw=-25.0, blink_left=-0.2)
    problems = track.out_of_range()
    assert [line.split(":")[0] for line in problems] == ["jaw_open", "blink_left", "yaw"]
    assert "outside -10..10 degrees" in problems[2]
    clipped = track.clipped()
    assert clipped.values.dtype == np.float32 and clipped.out_of_range() == []
    assert clipped["jaw_open"][0] == 1.0 and clipped["yaw"][0] == -10.0 and clipped["blink_left"][0] == 0.0
    assert track["jaw_open"][0] == np.float32(1.4)  # the original is left as it is


def test_timeline_export_keeps_values_in_range():
    utterance = Utterance(samples=np.zeros(1600, np.float32), sample_rate=16000, phones=[], words=[])
    doc = timeline([(0.0, utterance, _track(lip_round=2.0, pitch=12.0))], 25)
    row = dict(zip(doc["parameters"], doc["frames"][0]))
    assert row["lip_round"] == 1.0 and row["pitch"] == 10.0
