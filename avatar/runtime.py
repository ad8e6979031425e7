"""ONNX Runtime sessions: CUDA execution provider when it really works, CPU otherwise."""
from __future__ import annotations

import functools
import os
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent / "models"


def _wanted_providers() -> list[str]:
    import onnxruntime as ort

    forced = os.environ.get("AVATAR_PROVIDER", "").lower()
    available = ort.get_available_providers()
    if forced == "cpu":
        return ["CPUExecutionProvider"]
    if "CUDAExecutionProvider" in available and _cuda_device_present():
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def _cuda_device_present() -> bool:
    # The GPU build lists CUDA even on machines without one and then logs an error while falling back.
    return Path("/dev/nvidiactl").exists() or os.name == "nt"


@functools.lru_cache(maxsize=None)
def session(path: str | Path, threads: int = 0):
    """One cached InferenceSession per model file. `threads=0` lets ORT pick."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # the GPU build logs an error when CUDA is absent; we report the provider instead
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), sess_options=options, providers=_wanted_providers())


def provider_of(sess) -> str:
    """The execution provider actually serving the session (the first one it accepted)."""
    return sess.get_providers()[0]
