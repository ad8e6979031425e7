"""The batch driver: rows -> validated jobs -> skip what is already made -> render the rest on an
executor -> ``batch.jsonl`` and ``report.html`` beside the videos.

A row that cannot become a job (a missing portrait, a bad value) or whose render fails is recorded
as failed with its one-line error; the other rows go on. A problem with the batch itself (the rows
file, the pattern, two rows with one output) raises AvatarError before anything renders.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from avatar.batches.executors import open_executor
from avatar.batches.rows import Row, make_rows, output_paths
from avatar.batches.worker import describe
from avatar.errors import AvatarError
from avatar.files import write_text_atomic
from avatar.job import RenderJob, make_job

Status = Literal["done", "skipped", "failed"]
BatchProgress = Callable[["BatchResult"], None]  # called after each row is settled


@dataclass
class RowResult:
    """One row's outcome, as written to batch.jsonl."""

    row: int
    values: dict[str, Any]
    script: str
    output: str
    status: Status | None = None  # None while it waits to render
    error: str | None = None
    duration: float | None = None  # seconds of video
    wall_time: float | None = None  # seconds this render took (0 when skipped)
    input_hash: str | None = None
    title: str | None = None
    warnings: list[str] = field(default_factory=list)
    thumbnail: str | None = field(default=None, repr=False)  # data URI, for the report only

    def record(self) -> dict[str, Any]:
        line = asdict(self)
        line.pop("thumbnail")
        for key in ("duration", "wall_time"):
            if line[key] is not None:
                line[key] = round(line[key], 3)
        return line


@dataclass
class BatchResult:
    rows: list[RowResult]
    folder: Path  # where batch.jsonl and report.html are
    wall_time: float = 0.0

    def count(self, status: Status) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def settled(self) -> int:
        return sum(1 for row in self.rows if row.status is not None)

    @property
    def jsonl(self) -> Path:
        return self.folder / "batch.jsonl"

    @property
    def report(self) -> Path:
        return self.folder / "report.html"

    def summary(self) -> dict[str, Any]:
        return {"rows": len(self.rows), "done": self.count("done"), "skipped": self.count("skipped"),
                "failed": self.count("failed"), "wall_time": round(self.wall_time, 3),
                "video_seconds": round(sum(r.duration or 0 for r in self.rows if r.status == "done"), 3),
                "batch": str(self.jsonl), "report": str(self.report)}


def _row_setting(row: Row, column: str, rows_dir: Path | None) -> str | None:
    value = row.setting(column)
    if value is not None and column == "portrait" and rows_dir is not None and not Path(value).is_absolute():
        beside = rows_dir / value  # a portraits/ folder beside the rows file
        if beside.is_file():
            return str(beside)
    return value


def _is_made(job: RenderJob, digest: str) -> bool:
    """The video and every file that goes with it exist, and its manifest has this input hash."""
    from avatar.exporters import sidecars_for

    paths = [job.output, *(sidecar.path_for(job.output) for sidecar in sidecars_for(job))]
    if not all(path.is_file() for path in paths):
        return False
    try:
        manifest = json.loads(paths[-1].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return manifest.get("input_hash") == digest


def _remove_stale_partials(output: Path) -> None:
    """Hidden partial files a killed earlier run left beside this row's outputs."""
    for stale in output.parent.glob(f".{output.stem}.*.partial*"):
        stale.unlink(missing_ok=True)


def run_batch(script: str | os.PathLike, rows_file: str | os.PathLike | None, output: str, *,
              jobs: int | None = None, executor: str = "local", address: str | None = None,
              progress: BatchProgress | None = None, **options: Any) -> BatchResult:
    """Render every row; see :func:`avatar.batch` for the arguments."""
    from avatar.inputs import input_hash

    started = time.perf_counter()
    rows_path = Path(rows_file) if rows_file is not None else None
    rows = make_rows(str(script), rows_path)
    outputs = output_paths(output, rows)
    if jobs is not None and jobs < 1:
        raise AvatarError("jobs", f"expected 1 or more workers, got {jobs}")
    executor_ = open_executor(executor, jobs, address)  # checks the executor's name before any work
    results = [RowResult(row.number, row.values, str(row.script), str(path)) for row, path in zip(rows, outputs)]
    folder = Path(os.path.commonpath([str(path.resolve().parent) for path in outputs]))
    batch = BatchResult(results, folder)
    progress = progress or (lambda batch: None)

    to_render: list[tuple[RowResult, RenderJob]] = []
    rows_dir = rows_path.parent if rows_path is not None else None
    shared_variables = options.pop("variables", None) or {}
    for row, path, result in zip(rows, outputs, results):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            settings = {column: _row_setting(row, column, rows_dir) for column in ("portrait", "voice", "template")}
            job = make_job(row.script, path, variables={**shared_variables, **row.variables},
                           **{**options, **{k: v for k, v in settings.items() if v is not None}})
            result.input_hash = input_hash(job)
        except AvatarError as exc:
            from_batch = exc.source in RenderJob.model_fields and exc.source not in {"output", "variables", *settings}
            if from_batch or (exc.source in settings and settings[exc.source] is None):
                raise  # a batch-wide option is bad: no row can render
            result.status, result.error, result.wall_time = "failed", str(exc), 0.0
            progress(batch)
            continue
        except OSError as exc:
            result.status, result.error, result.wall_time = "failed", str(exc), 0.0
            progress(batch)
            continue
        if _is_made(job, result.input_hash):
            result.status, result.wall_time = "skipped", 0.0
            info = describe(job.output)
            result.title, result.duration, result.thumbnail = info["title"], info.get("duration"), info["thumbnail"]
            progress(batch)
            continue
        _remove_stale_partials(path)
        to_render.append((result, job))

    try:
        if to_render:
            with executor_:
                for index, outcome in executor_.run([job for _, job in to_render]):
                    result = to_render[index][0]
                    for key in ("status", "error", "duration", "wall_time", "warnings", "title", "thumbnail"):
                        if key in outcome:
                            setattr(result, key, outcome[key])
                    progress(batch)
    except BaseException:
        # the workers are stopped by now; what an interrupted render left behind goes too
        for result, job in to_render:
            if result.status is None:
                _remove_stale_partials(job.output)
        raise
    finally:
        batch.wall_time = time.perf_counter() - started
        write_outputs(batch)
    return batch


def write_outputs(batch: BatchResult) -> None:
    """batch.jsonl (rows settled so far, in row order) and report.html, each written atomically."""
    from avatar.batches.report import report_html

    lines = [json.dumps(row.record(), ensure_ascii=False) for row in batch.rows if row.status is not None]
    write_text_atomic(batch.jsonl, "".join(line + "\n" for line in lines))
    write_text_atomic(batch.report, report_html(batch))
