"""Exporters: what a render writes, each in a small module behind one of two interfaces.

- The video is streamed: :func:`avatar.exporters.mp4.open_mp4` opens the
  :class:`avatar.execute.FrameSink` for a plan (an :class:`avatar.encode.Mp4Writer`, used as a
  context manager: the file appears at the destination only when it is complete).
- Sidecars are written beside the finished video: a :class:`Sidecar` is a suffix and a function
  ``write(plan, result, path) -> path`` (:mod:`avatar.exporters.sidecar`). :data:`SIDECARS` are
  the ones every render writes (``.srt``, ``.vtt``, the ``.json`` manifest); :func:`write_sidecars`
  writes them all, or removes the whole output.
"""
from avatar.exporters.captions import SRT, VTT
from avatar.exporters.manifest import MANIFEST
from avatar.exporters.sidecar import Sidecar, write_sidecars

CAPTIONS: tuple[Sidecar, ...] = (SRT, VTT)
SIDECARS: tuple[Sidecar, ...] = (*CAPTIONS, MANIFEST)

__all__ = ["CAPTIONS", "MANIFEST", "SIDECARS", "SRT", "Sidecar", "VTT", "write_sidecars"]
