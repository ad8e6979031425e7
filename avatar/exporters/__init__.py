"""Exporters: what a render writes, each in a small module behind one of two interfaces.

- The video is streamed: :func:`avatar.exporters.mp4.open_mp4` opens the
  :class:`avatar.execute.FrameSink` for a plan (an :class:`avatar.encode.Mp4Writer`, used as a
  context manager: the file appears at the destination only when it is complete).
- Sidecars are written beside the finished video: a :class:`Sidecar` is a suffix and a function
  ``write(plan, result, path) -> path`` (:mod:`avatar.exporters.sidecar`). :data:`SIDECARS` are
  the ones every render writes (``.srt``, ``.vtt``, the ``.txt`` transcript, the ``.json`` manifest); a job asking for it
  adds the SCORM 1.2 package (``.scorm.zip``, :mod:`avatar.exporters.scorm`); :func:`sidecars_for`
  gives a job's list, and :func:`write_sidecars` writes them all, or removes the whole output.
"""
from avatar.exporters.captions import SRT, VTT
from avatar.exporters.manifest import MANIFEST
from avatar.exporters.scorm import SCORM
from avatar.exporters.sidecar import Sidecar, write_sidecars
from avatar.exporters.sheet import SHEET, THUMBNAIL
from avatar.exporters.transcript import TRANSCRIPT

CAPTIONS: tuple[Sidecar, ...] = (SRT, VTT)
SIDECARS: tuple[Sidecar, ...] = (*CAPTIONS, TRANSCRIPT, MANIFEST)


def sidecars_for(job) -> tuple[Sidecar, ...]:
    """What a job writes beside its video, in order; the manifest comes last, so a video whose
    manifest exists has everything that goes with it."""
    return (*CAPTIONS, TRANSCRIPT, *((SCORM,) if job.scorm else ()),
            *((THUMBNAIL, SHEET) if job.sheet else ()), MANIFEST)


__all__ = ["CAPTIONS", "MANIFEST", "SCORM", "SHEET", "SIDECARS", "SRT", "Sidecar", "THUMBNAIL", "TRANSCRIPT", "VTT", "sidecars_for", "write_sidecars"]
