"""ONNX Runtime sessions: CUDA execution provider when it really works, CPU otherwise."""
from __future__ import annotations

import functools
from pathlib import Path

from speech.runtime import provider_of, wanted_providers

MODELS_DIR = Path(__file__).resolve().parent / "models"

__all__ = ["MODELS_DIR", "provider_of", "session"]


@functools.lru_cache(maxsize=None)
def session(path: str | Path, threads: int = 0):
    """One cached InferenceSession per model file. `threads=0` lets ORT pick."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # the GPU build logs an error when CUDA is absent; we report the provider instead
    # no busy-waiting between runs: the threads' spinning took the cores x264 was encoding on
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), sess_options=options, providers=wanted_providers())
