"""The two ways to warp a rig's moving region, chosen by the execution provider.

Both compute, per frame, the sampling map `base + coeffs @ basis` and sample the photo there
bilinearly; they differ in who samples:

- `GraphWarp` (CUDA): the whole warp graph, GridSample included, runs on the GPU.
- `RemapWarp` (CPU): onnxruntime computes the maps (`warp_maps.onnx`, in pixel units) and OpenCV's
  `remap` samples the photo. On one CPU core onnxruntime's GridSample spends ~5 ms on a 512 px
  presenter's region, `remap` about 2 ms (the whole presenter frame renders about 2x faster), so
  this is the CPU's fastest exact path.

Frames agree between the two to within 1 level (rounding), which the tests check.
`AVATAR_WARP=graph|remap` forces one (for comparisons and benchmarks).
"""
from __future__ import annotations

import os

import cv2
import numpy as np

from avatar.face.rig import Rig
from avatar.presenter.export import MAPS_MODEL, WARP_MODEL
from avatar.runtime import provider_of, session


class GraphWarp:
    """The whole warp graph in onnxruntime (GridSample on the GPU under the CUDA provider)."""

    def __init__(self, rig: Rig, threads: int = 0):
        self.session = session(WARP_MODEL, threads)
        self.provider = provider_of(self.session)
        self._feed = {"source": rig.source, "base": rig.base, "basis": rig.basis}

    def __call__(self, coeffs: np.ndarray) -> np.ndarray:
        """(N, K) basis weights -> (N, h, w, 3) uint8 RGB of the moving region."""
        return self.session.run(None, {**self._feed, "coeffs": coeffs})[0]


class RemapWarp:
    """Maps from onnxruntime, sampling by OpenCV's remap on the padded uint8 photo."""

    def __init__(self, rig: Rig, threads: int = 0):
        self.session = session(MAPS_MODEL, threads)
        self.provider = provider_of(self.session)
        _, _, source_h, source_w = rig.source.shape
        # normalised [-1, 1] (align_corners=False) -> pixels of the padded source
        half = np.array([source_w, source_h], np.float32) / 2
        self._base = (rig.base * half + (half - 0.5)).astype(np.float32)
        self._basis = (rig.basis * half).astype(np.float32)
        self._source = np.ascontiguousarray(np.clip(rig.source[0].transpose(1, 2, 0) + 0.5, 0, 255).astype(np.uint8))

    def __call__(self, coeffs: np.ndarray) -> np.ndarray:
        maps = self.session.run(None, {"base": self._base, "basis": self._basis, "coeffs": coeffs})[0]
        return np.stack([cv2.remap(self._source, m, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
                         for m in maps])


def warp_for(rig: Rig, threads: int = 0) -> GraphWarp | RemapWarp:
    """The warp for this machine: the GPU graph under CUDA, remap sampling on the CPU."""
    forced = os.environ.get("AVATAR_WARP", "").lower()
    if forced in ("graph", "remap"):
        return (GraphWarp if forced == "graph" else RemapWarp)(rig, threads)
    # the session tells which provider really accepted the graph (CUDA can be listed yet fail to
    # start); on the CPU it is only this check, created once per process (sessions are cached)
    graph = GraphWarp(rig, threads)
    return graph if graph.provider != "CPUExecutionProvider" else RemapWarp(rig, threads)
