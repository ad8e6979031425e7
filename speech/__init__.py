"""Speech: synthesis engines, forced alignment, acoustic features and phoneme tables."""
from speech.types import Phone, Utterance, Word

__all__ = ["Phone", "Utterance", "Word"]
