"""The motion parameters: one registry of what each MotionTrack column means and what moves the face for it.

Each `Parameter` has its name (the column's name in MotionTrack, the timeline export and the rig's
basis), its unit, the range a track may use, its group (mouth, eyes, brow, head) and the function
of avatar.face.deform that realises it. The rig builds one basis map per parameter from these
entries; head turns also carry the step of their central difference (`basis_step`) and some lip
shapes the jaw opening their change is measured around (`reference_jaw`). The order of `REGISTRY`
is the column order of a track: the mouth first, jaw_open column 0 (the renderer blends its key
maps from it).

Imports run one way: this module imports avatar.face.deform, a leaf (numpy, OpenCV and the
landmark indices), and keeps references to its functions; deform knows nothing of the registry.
avatar.motion (through avatar.motion.track) and avatar.face.rig read the registry, so neither
needs the other. (Letting deform register itself would leave the registry incomplete until deform
happened to be imported; a lazy lookup by name would bring back matching functions by their names.)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from avatar.face import deform

AMOUNT = "amount"  # 0 (none) to 1 (full)
DEGREES = "degrees"
FACE_WIDTHS = "face widths"
GROUPS = ("mouth", "eyes", "brow", "head")


@dataclass(frozen=True)
class Parameter:
    name: str
    unit: str
    range: tuple[float, float]  # (lo, hi): the values a track may hold; outside them is clipped or reported
    group: str
    # displacement of the rig's control points for an amount in `unit`, linear in it; jaw_open's
    # (deform.jaw) takes the chin's drop in pixels, which the rig scales from the portrait's mouth
    deform: Callable[[deform.FaceGeometry, float], np.ndarray]
    basis_step: float | None = None  # the rig's basis is the central difference at +-basis_step
    reference_jaw: float | None = None  # the basis is measured with the jaw this far open

    def __post_init__(self) -> None:
        lo, hi = self.range
        if not lo < hi or self.group not in GROUPS:
            raise ValueError(f"parameter {self.name}: bad range {self.range} or group {self.group!r}")


def _amount(name: str, group: str, realise: Callable, reference_jaw: float | None = None) -> Parameter:
    return Parameter(name, AMOUNT, (0.0, 1.0), group, realise, reference_jaw=reference_jaw)


# head turns are linearised around the rest pose; gestures keep them within a few degrees
REGISTRY: tuple[Parameter, ...] = (
    _amount("jaw_open", "mouth", deform.jaw),
    _amount("lip_wide", "mouth", deform.lip_wide),
    _amount("lip_round", "mouth", deform.lip_round, reference_jaw=0.2),
    _amount("lip_press", "mouth", deform.lip_press),
    _amount("lower_lip_tuck", "mouth", deform.lower_lip_tuck, reference_jaw=0.25),
    _amount("teeth_show", "mouth", deform.teeth_show, reference_jaw=0.4),
    _amount("blink_left", "eyes", deform.blink_left),
    _amount("blink_right", "eyes", deform.blink_right),
    _amount("brow_raise", "brow", deform.brow_raise),
    Parameter("yaw", DEGREES, (-10.0, 10.0), "head", deform.yaw, basis_step=3.0),
    Parameter("pitch", DEGREES, (-10.0, 10.0), "head", deform.pitch, basis_step=3.0),
    Parameter("roll", DEGREES, (-10.0, 10.0), "head", deform.roll, basis_step=3.0),
    Parameter("tx", FACE_WIDTHS, (-0.1, 0.1), "head", deform.tx, basis_step=0.02),
    Parameter("ty", FACE_WIDTHS, (-0.1, 0.1), "head", deform.ty, basis_step=0.02),
)
BY_NAME: dict[str, Parameter] = {p.name: p for p in REGISTRY}
NAMES = tuple(p.name for p in REGISTRY)
LOWER = np.array([p.range[0] for p in REGISTRY], np.float32)  # per column of a track
UPPER = np.array([p.range[1] for p in REGISTRY], np.float32)

_groups = [p.group for p in REGISTRY]
if NAMES[0] != "jaw_open" or _groups != sorted(_groups, key=GROUPS.index) or len(BY_NAME) != len(REGISTRY):
    raise RuntimeError("REGISTRY: jaw_open first, then grouped in GROUPS order, names unique")


def clip(values: np.ndarray) -> np.ndarray:
    """(T, len(REGISTRY)) values clipped to each parameter's range (dtype kept)."""
    values = np.asarray(values)
    return np.clip(values, LOWER.astype(values.dtype), UPPER.astype(values.dtype))


def out_of_range(values: np.ndarray) -> list[str]:
    """One line per parameter with values outside its range: name, the extreme values, the range."""
    values = np.asarray(values).reshape(-1, len(REGISTRY))
    problems = []
    for k, p in enumerate(REGISTRY):
        column = values[:, k]
        bad = (column < p.range[0]) | (column > p.range[1]) | ~np.isfinite(column)
        if bad.any():
            problems.append(f"{p.name}: {int(bad.sum())} frames outside {p.range[0]:g}..{p.range[1]:g} {p.unit} "
                            f"(first at frame {int(np.flatnonzero(bad)[0])}: {float(column[bad][0]):g})")
    return problems
