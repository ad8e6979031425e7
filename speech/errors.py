"""Errors the speech stages raise for problems a user can fix."""
from __future__ import annotations


class SpeechError(ValueError):
    """A user-facing speech problem (unknown voice or engine, engine not installed, bad input).

    The message is one clear line that says what went wrong and how to fix it.
    """
