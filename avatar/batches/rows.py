"""Batch input: the rows file (CSV with a header row, or JSONL) or a folder/glob of scripts, and
the output pattern (Jinja2 over a row's columns) that names each row's video.

Everything here runs before the first render: a problem is an AvatarError naming the file (and
the line) and stops the batch with nothing rendered.
"""
from __future__ import annotations

import csv
import glob
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import jinja2

from avatar.errors import AvatarError
from avatar.untrusted import BoundedEnvironment

# columns that set the job rather than a template variable
JOB_COLUMNS = ("portrait", "voice", "template", "output")
SCRIPT_SUFFIXES = (".md", ".markdown", ".yaml", ".yml")


@dataclass(frozen=True)
class Row:
    """One video to make: its 1-based number, the script, the row's values as read."""

    number: int
    script: Path
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def variables(self) -> dict[str, Any]:
        """The template variables: every column but the job columns."""
        return {k: v for k, v in self.values.items() if k not in JOB_COLUMNS}

    def setting(self, column: str) -> str | None:
        """A job column's value; an empty cell (or a missing column) is "not set"."""
        value = self.values.get(column)
        text = "" if value is None else str(value).strip()
        return text or None


def _clean(values: dict[Any, Any], source: Path, line: int) -> dict[str, Any]:
    if None in values:
        raise AvatarError(source, f"line {line}: more cells than the header has columns")
    return {str(k).strip(): ("" if v is None else v) for k, v in values.items() if str(k).strip()}


def load_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a .csv (first line is the header) or .jsonl (one JSON object per line) file."""
    if not path.is_file():
        raise AvatarError(path, "rows file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise AvatarError(path, "not a UTF-8 text file") from None
    rows: list[dict[str, Any]] = []
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        for line, raw in enumerate(text.splitlines(), 1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise AvatarError(path, f"line {line}: not JSON ({exc.msg})") from None
            if not isinstance(value, dict):
                raise AvatarError(path, f"line {line}: expected a JSON object, got {type(value).__name__}")
            rows.append(_clean(value, path, line))
    elif path.suffix.lower() in (".csv", ".tsv"):
        reader = csv.DictReader(text.splitlines(), delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        if not reader.fieldnames or not any(name.strip() for name in reader.fieldnames):
            raise AvatarError(path, "no header row")
        rows = [_clean(values, path, reader.line_num) for values in reader]
    else:
        raise AvatarError(path, "rows must be a .csv (with a header row) or .jsonl file")
    if not rows:
        raise AvatarError(path, "no rows")
    return rows


def find_scripts(spec: str) -> list[Path]:
    """The scripts a folder (its .md/.yaml files) or a glob names, sorted."""
    folder = Path(spec)
    if folder.is_dir():
        found = [p for p in folder.iterdir() if p.suffix.lower() in SCRIPT_SUFFIXES]
    else:
        found = [Path(p) for p in glob.glob(spec) if Path(p).suffix.lower() in SCRIPT_SUFFIXES]
    found = sorted(p for p in found if p.is_file())
    if not found:
        raise AvatarError(spec, "no .md or .yaml scripts here")
    return found


def make_rows(script: str, rows_file: Path | None) -> list[Row]:
    """One script with a rows file, or every script of a folder or glob (one row each)."""
    path = Path(script)
    if rows_file is not None:
        if not path.is_file():
            raise AvatarError(path, "script not found")
        return [Row(i, path, values) for i, values in enumerate(load_rows(rows_file), 1)]
    if path.is_file():
        return [Row(1, path, {})]
    return [Row(i, p, {}) for i, p in enumerate(find_scripts(script), 1)]


_ENV = BoundedEnvironment(autoescape=False, keep_trailing_newline=False)


def output_paths(pattern: str, rows: Iterable[Row]) -> list[Path]:
    """Each row's output: its `output` cell, else the pattern rendered over its columns (plus
    `row`, the row number, and `script`, the script's name without suffix). Two rows with one
    output are an error."""
    try:
        template = _ENV.from_string(pattern)
    except jinja2.TemplateSyntaxError as exc:
        raise AvatarError("output", f"bad pattern {pattern!r}: {exc.message}") from None
    outputs: list[Path] = []
    seen: dict[Path, int] = {}
    for row in rows:
        given = row.setting("output")
        if given is None:
            try:
                given = _ENV.render(template, {"row": row.number, "script": row.script.stem, **row.values}).strip()
            except (jinja2.TemplateError, ArithmeticError, TypeError, ValueError) as exc:
                raise AvatarError("output", f"pattern {pattern!r} on row {row.number}: {exc}") from None
        path = Path(given)
        if path.suffix.lower() != ".mp4":
            raise AvatarError("output", f"row {row.number}: {given!r} is not an .mp4 file name")
        key = path.resolve()
        if key in seen:
            raise AvatarError("output", f"rows {seen[key]} and {row.number} both write {path}")
        seen[key] = row.number
        outputs.append(path)
    return outputs
