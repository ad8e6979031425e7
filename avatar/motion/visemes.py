"""Visemes: the mouth shape of each viseme class speech.phonemes assigns to a phone.

A viseme is a mouth target, one value per mouth parameter of the registry (avatar.parameters:
jaw_open, lip_wide, lip_round, lip_press, lower_lip_tuck, teeth_show, all 0..1), and a dominance
saying how strongly the phone holds its shape against its neighbours (Cohen-Massaro
coarticulation): lips for p/b/m and f/v are fixed, the tongue-tip consonants and schwa borrow
their neighbours' shape. Each viseme also has a Rhubarb-style shape letter (A-H, X) for timeline
export. "rest" is the closed, relaxed mouth of pauses.
"""
from __future__ import annotations

from dataclasses import dataclass

from avatar.motion.track import MOUTH
from avatar.parameters import BY_NAME
from speech.phonemes import viseme_class


@dataclass(frozen=True)
class Viseme:
    name: str
    shape: str  # Rhubarb shape letter
    targets: tuple[float, ...]  # one per mouth parameter, in MOUTH order (the track's mouth columns)
    dominance: float = 0.5
    closure: bool = False  # lips must meet (bilabials)

    def __post_init__(self) -> None:
        if len(self.targets) != len(MOUTH):
            raise ValueError(f"viseme {self.name}: {len(self.targets)} targets for {len(MOUTH)} mouth parameters")
        for name, value in zip(MOUTH, self.targets):
            lo, hi = BY_NAME[name].range
            if not lo <= value <= hi:
                raise ValueError(f"viseme {self.name}: {name}={value} outside {lo:g}..{hi:g}")

    def target(self, name: str) -> float:
        """The target of one mouth parameter."""
        return self.targets[MOUTH.index(name)]


def _viseme(name: str, shape: str, *, dominance: float = 0.5, closure: bool = False, **targets: float) -> Viseme:
    """A viseme from the targets it sets by parameter name; the others are 0."""
    unknown = set(targets) - set(MOUTH)
    if unknown:
        raise ValueError(f"viseme {name}: {sorted(unknown)} are not mouth parameters ({', '.join(MOUTH)})")
    return Viseme(name, shape, tuple(float(targets.get(m, 0.0)) for m in MOUTH), dominance, closure)


VISEMES: dict[str, Viseme] = {v.name: v for v in (
    _viseme("rest", "X", dominance=0.9),
    _viseme("bilabial", "A", lip_press=1.0, dominance=1.0, closure=True),
    _viseme("labiodental", "G", jaw_open=0.12, lower_lip_tuck=1.0, teeth_show=0.5, dominance=0.95),
    _viseme("dental", "B", jaw_open=0.16, lip_wide=0.2, teeth_show=0.6, dominance=0.6),
    _viseme("alveolar", "B", jaw_open=0.2, lip_wide=0.2, teeth_show=0.35, dominance=0.35),
    _viseme("sibilant", "B", jaw_open=0.1, lip_wide=0.35, teeth_show=0.7, dominance=0.7),
    _viseme("postalveolar", "F", jaw_open=0.15, lip_round=0.65, teeth_show=0.5, dominance=0.7),
    _viseme("velar", "B", jaw_open=0.28, lip_wide=0.1, dominance=0.25),
    _viseme("glottal", "C", jaw_open=0.35, dominance=0.1),
    _viseme("rhotic", "F", jaw_open=0.2, lip_round=0.45, dominance=0.45),
    _viseme("labial_glide", "F", jaw_open=0.12, lip_round=1.0, dominance=0.85),
    _viseme("palatal", "B", jaw_open=0.16, lip_wide=0.45, teeth_show=0.3, dominance=0.45),
    _viseme("open", "D", jaw_open=0.9, lip_wide=0.15, dominance=0.7),
    _viseme("open_front", "D", jaw_open=0.75, lip_wide=0.35, teeth_show=0.2, dominance=0.65),
    _viseme("mid_front", "C", jaw_open=0.5, lip_wide=0.4, teeth_show=0.2, dominance=0.55),
    _viseme("close_front", "B", jaw_open=0.25, lip_wide=0.7, teeth_show=0.35, dominance=0.6),
    _viseme("central", "C", jaw_open=0.42, lip_wide=0.1, dominance=0.3),
    _viseme("open_central", "C", jaw_open=0.7, lip_wide=0.1, dominance=0.55),
    _viseme("open_back", "E", jaw_open=0.72, lip_round=0.45, dominance=0.6),
    _viseme("mid_back", "E", jaw_open=0.5, lip_round=0.7, dominance=0.6),
    _viseme("close_back", "F", jaw_open=0.22, lip_round=0.95, dominance=0.7),
    _viseme("close_front_round", "F", jaw_open=0.22, lip_round=0.85, lip_wide=0.1, dominance=0.7),
    _viseme("mid_front_round", "E", jaw_open=0.42, lip_round=0.65, dominance=0.6),
)}


def viseme_of(symbol: str) -> Viseme:
    """The viseme of a single table symbol (see speech.phonemes.segments); unknown symbols count as a neutral vowel."""
    return VISEMES[viseme_class(symbol)]
