"""Harnesses that read repository files (example scripts, test portraits, the shared photos beside
the checkout) and hand them to the package: `python -m benchmarks.bench`, `python -m
benchmarks.evaluate`. Run them from the repository root; they are not part of the wheel."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
