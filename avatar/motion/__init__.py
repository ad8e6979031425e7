"""Utterance + FrameFeatures -> MotionTrack (mouth from phones, gestures from rhythm and pitch)."""
from __future__ import annotations

from avatar.motion.gestures import gesture_tracks
from avatar.motion.lipsync import mouth_track
from avatar.motion.track import MOUTH, PARAMETERS, MotionTrack
from speech.types import FrameFeatures, Utterance

__all__ = ["MotionTrack", "PARAMETERS", "build_motion"]


def build_motion(utterance: Utterance, features: FrameFeatures, fps: float, n_frames: int, *, seed: int = 0,
                 slide_index: int = 0) -> MotionTrack:
    """The presenter's motion for one utterance that starts at frame 0 and lasts `n_frames`."""
    track = MotionTrack.zeros(n_frames, fps)
    track.values[:, :len(MOUTH)] = mouth_track(utterance, features, fps, n_frames)
    gestures = gesture_tracks(utterance, features, fps, n_frames, seed=seed,
                              slide_index=slide_index)
    for name, column in gestures.items():
        track.set(name, column)
    return track
