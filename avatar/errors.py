"""The one error type users see: a file (or other input) and what is wrong with it."""
from __future__ import annotations

from pathlib import Path


class AvatarError(Exception):
    """Bad input or an unrecoverable condition, reported as one line: `<source>: <problem>`."""

    def __init__(self, source: str | Path | None, problem: str):
        self.source = str(source) if source is not None else None
        self.problem = problem
        super().__init__(f"{self.source}: {problem}" if self.source else problem)
