"""ONNX Runtime execution providers: CUDA when it really works here, CPU otherwise.

Every model runner of the product (the presenter's warp graph, the face models, Piper voices)
asks here, so ``AVATAR_PROVIDER=cpu`` forces the CPU everywhere.
"""
from __future__ import annotations

import os
from pathlib import Path

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"


def cuda_device_present() -> bool:
    """Whether this machine has an NVIDIA device. The GPU build of onnxruntime lists CUDA even on
    machines without one, and then only logs an error while it falls back to the CPU."""
    return Path("/dev/nvidiactl").exists() or os.name == "nt"


def wanted_providers() -> list[str]:
    """The providers to ask a new session for, best first."""
    import onnxruntime as ort

    if os.environ.get("AVATAR_PROVIDER", "").lower() == "cpu":
        return [CPU]
    if CUDA in ort.get_available_providers() and cuda_device_present():
        return [CUDA, CPU]
    return [CPU]


def provider_of(sess) -> str:
    """The execution provider actually serving ``sess`` (the first one it accepted)."""
    return sess.get_providers()[0]
