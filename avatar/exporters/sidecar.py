"""The sidecar interface: a file written beside the finished video from the plan and the result."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from avatar.execute import RenderResult
    from avatar.plan import Plan


@dataclass(frozen=True)
class Sidecar:
    """A file written beside the video, ``<output stem><suffix>``, by ``write(plan, result, path) -> path``."""

    suffix: str
    write: Callable[["Plan", "RenderResult", Path], Path]

    def path_for(self, output: Path) -> Path:
        return Path(output).with_suffix(self.suffix)


def write_sidecars(plan: "Plan", result: "RenderResult", sidecars: Sequence[Sidecar]) -> list[Path]:
    """Write each sidecar beside the finished video. If one fails, the video and the sidecars
    written so far are removed too (a video without its sidecars is a half-written output)."""
    written = [result.output]
    try:
        for sidecar in sidecars:
            written.append(sidecar.write(plan, result, sidecar.path_for(result.output)))
    except BaseException:
        for path in written:
            Path(path).unlink(missing_ok=True)
        raise
    return written[1:]
