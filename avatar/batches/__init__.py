"""Batch rendering: one script and a rows file (CSV or JSONL), or a folder of scripts, to many
videos, on long-lived local worker processes or on Ray, with resume, ``batch.jsonl`` and
``report.html``.

- :mod:`avatar.batches.rows`: the rows file, the scripts, the output pattern.
- :mod:`avatar.batches.run`: the driver (rows -> jobs -> skip what is made -> render -> outputs).
- :mod:`avatar.batches.executors`: local processes or Ray tasks.
- :mod:`avatar.batches.worker`: what a worker does with one job.
- :mod:`avatar.batches.report`: the HTML report.
"""
from __future__ import annotations

import os
from typing import Any

from avatar.batches.run import BatchProgress, BatchResult, RowResult, run_batch

__all__ = ["BatchResult", "RowResult", "batch"]


def batch(
    script: str | os.PathLike,
    rows: str | os.PathLike | None = None,
    output: str = "{{ script }}-{{ row }}.mp4",
    *,
    jobs: int | None = None,
    executor: str = "local",
    address: str | None = None,
    scorm: bool = False,
    variables: dict[str, Any] | None = None,
    portrait: str | os.PathLike | None = None,
    voice: str | None = None,
    template: str | None = None,
    fps: int | None = None,
    size: tuple[int, int] | str | None = None,
    seed: int | None = None,
    captions: bool | None = None,
    landmarks: str = "mediapipe",
    progress: BatchProgress | None = None,
) -> BatchResult:
    """Render one video per row of ``rows`` (a CSV with a header row, or JSONL) from ``script``, or
    one per script when ``script`` is a folder or a glob and ``rows`` is None.

    ``output`` is a Jinja2 pattern over the row's columns (plus ``row``, its 1-based number, and
    ``script``, the script's name), e.g. ``"out/{{ id }}.mp4"``. A row's ``portrait``, ``voice``,
    ``template`` and ``output`` columns, when not empty, override the arguments; the other columns
    are the script's template variables (over ``variables``, which every row shares). Rows already rendered from the same inputs are skipped.

    Returns a :class:`BatchResult` (``.rows``: one :class:`RowResult` per row, status done, skipped
    or failed). Raises AvatarError, before rendering anything, for a bad rows file or pattern.
    """
    options: dict[str, Any] = {"variables": variables, "portrait": portrait, "voice": voice, "template": template, "fps": fps,
                               "size": size, "seed": seed, "captions": captions, "landmarks": landmarks,
                               "scorm": scorm}
    return run_batch(script, rows, output, jobs=jobs, executor=executor, address=address, progress=progress,
                     **{k: v for k, v in options.items() if v is not None})
