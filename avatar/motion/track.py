"""MotionTrack: per-video-frame presenter parameters, the contract between motion and render."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from avatar import parameters

# the columns, in order, from the registry (avatar.parameters: unit, range and deform of each)
PARAMETERS = parameters.NAMES
MOUTH = tuple(p.name for p in parameters.REGISTRY if p.group == "mouth")  # the first columns


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

    def clipped(self) -> "MotionTrack":
        """A copy with every value inside its parameter's range."""
        return MotionTrack(self.fps, parameters.clip(self.values))

    def out_of_range(self) -> list[str]:
        """What lies outside the parameters' ranges, one line per parameter (empty when all is inside)."""
        return parameters.out_of_range(self.values)

    @classmethod
    def concatenate(cls, tracks: list["MotionTrack"]) -> "MotionTrack":
        return cls(tracks[0].fps, np.concatenate([t.values for t in tracks]))
