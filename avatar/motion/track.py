"""MotionTrack: per-video-frame presenter parameters, the contract between motion and render."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# units: jaw_open, lip_* , lower_lip_tuck, teeth_show, blink_*, brow_raise in 0..1;
# yaw, pitch, roll in degrees; tx, ty in face widths
PARAMETERS = ("jaw_open", "lip_wide", "lip_round", "lip_press", "lower_lip_tuck", "teeth_show",
              "blink_left", "blink_right", "brow_raise", "yaw", "pitch", "roll", "tx", "ty")
MOUTH = PARAMETERS[:6]


@dataclass
class MotionTrack:
    fps: float
    values: np.ndarray  # (T, len(PARAMETERS)) float32

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=np.float32).reshape(-1, len(PARAMETERS))

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[:, PARAMETERS.index(name)]

    @classmethod
    def zeros(cls, n_frames: int, fps: float) -> "MotionTrack":
        return cls(fps, np.zeros((n_frames, len(PARAMETERS)), np.float32))

    def set(self, name: str, column: np.ndarray) -> None:
        self.values[:, PARAMETERS.index(name)] = column

    @classmethod
    def concatenate(cls, tracks: list["MotionTrack"]) -> "MotionTrack":
        return cls(tracks[0].fps, np.concatenate([t.values for t in tracks]))
