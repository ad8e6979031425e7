"""Lip-sync timeline export: per-frame mouth parameters and Rhubarb-style shapes, as JSON or TSV,
so animators can drive their own characters with our lip-sync."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from avatar.files import write_text_atomic
from avatar.motion.lipsync import shape_letters
from avatar.motion.track import MOUTH, PARAMETERS, MotionTrack
from speech.types import Utterance


def timeline(tracks: list[tuple[float, Utterance, MotionTrack]], fps: float) -> dict:
    """One document from (start seconds, utterance, track) pieces laid end to end; every value lies
    in its parameter's range (avatar.parameters), clipped there if a track strays out of it."""
    frames, shapes, phones = [], [], []
    for start, utterance, track in tracks:
        track = track.clipped()
        mouth = track.values[:, :len(MOUTH)]
        shapes += shape_letters(utterance, mouth, fps)
        frames.append(track.values)
        phones += [{"phone": p.symbol, "start": round(start + p.start, 4), "end": round(start + p.end, 4),
                    "stress": p.stress} for p in utterance.phones]
    values = np.concatenate(frames) if frames else np.zeros((0, len(PARAMETERS)))
    return {"fps": fps, "parameters": list(PARAMETERS), "frames": np.round(values, 4).tolist(),
            "shapes": shapes, "phones": phones}


def to_tsv(doc: dict) -> str:
    names = doc["parameters"]
    lines = ["\t".join(["time", "shape", *names])]
    for i, (row, shape) in enumerate(zip(doc["frames"], doc["shapes"])):
        lines.append("\t".join([f"{i / doc['fps']:.3f}", shape, *(f"{v:.4f}" for v in row)]))
    return "\n".join(lines) + "\n"


def write(doc: dict, path: Path, fmt: str) -> Path:
    text = to_tsv(doc) if fmt == "tsv" else json.dumps(doc) + "\n"
    return write_text_atomic(path, text)
