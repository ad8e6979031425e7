"""The two ways to warp a rig's moving region, chosen by the execution provider.

Both compute, per frame, the sampling map `base + coeffs @ basis` and sample the photo there
bilinearly; they differ in who samples:

- `GraphWarp` (CUDA): the whole warp graph, GridSample included, runs on the GPU.
- `RemapWarp` (CPU): onnxruntime computes the maps (`warp_maps.onnx`, in pixel units) and OpenCV's
  `remap` samples the photo. On one CPU core onnxruntime's GridSample spends ~5 ms on a 512 px
  presenter's region, `remap` about 2 ms (the whole presenter frame renders about 2x faster), so
  this is the CPU's fastest exact path.

Frames agree between the two to within 1 level (rounding), which the tests check.

Given the presenter's alpha (where the portrait shows: its own transparency or a removed
background, avatar.face.rig.portrait_alpha), both also warp it with the same maps and return RGBA,
so the edge of the hair and shoulders moves with the head instead of staying where the still photo
had it (a still mask clips the hair on one side and shows a strip of the old background on the
other, up to 3 px at 720 px and 4-5 px at 1080 px).
`AVATAR_WARP=graph|remap` forces one (for comparisons and benchmarks).
"""
from __future__ import annotations

import os

import cv2
import numpy as np

from avatar.face.rig import PAD, Rig
from avatar.presenter.export import MAPS_MODEL, WARP_MODEL
from avatar.runtime import provider_of, session


def padded_alpha(rig: Rig, alpha: np.ndarray) -> np.ndarray:
    """(size, size) float 0..1 -> (size+4, size+4) uint8, pre-padded like the rig's source."""
    if alpha.shape != (rig.size, rig.size):
        raise ValueError(f"alpha {alpha.shape} does not fit the {rig.size} px rig")
    level = np.clip(alpha * 255 + 0.5, 0, 255).astype(np.uint8)
    return cv2.copyMakeBorder(level, PAD, PAD, PAD, PAD, cv2.BORDER_REPLICATE)


class GraphWarp:
    """The whole warp graph in onnxruntime (GridSample on the GPU under the CUDA provider)."""

    def __init__(self, rig: Rig, threads: int = 0, alpha: np.ndarray | None = None):
        self.session = session(WARP_MODEL, threads)
        self.provider = provider_of(self.session)
        self._feed = {"source": rig.source, "base": rig.base, "basis": rig.basis}
        # the graph samples three channels: the alpha goes through it as a grey picture of its own
        self._alpha = None if alpha is None else np.repeat(padded_alpha(rig, alpha)[None, None].astype(np.float32), 3, 1)

    def __call__(self, coeffs: np.ndarray) -> np.ndarray:
        """(N, K) basis weights -> (N, h, w, 3) uint8 RGB of the moving region (RGBA given an alpha)."""
        rgb = self.session.run(None, {**self._feed, "coeffs": coeffs})[0]
        if self._alpha is None:
            return rgb
        alpha = self.session.run(None, {**self._feed, "source": self._alpha, "coeffs": coeffs})[0]
        return np.concatenate([rgb, alpha[..., :1]], axis=3)


class RemapWarp:
    """Maps from onnxruntime, sampling by OpenCV's remap on the padded uint8 photo."""

    def __init__(self, rig: Rig, threads: int = 0, alpha: np.ndarray | None = None):
        self.session = session(MAPS_MODEL, threads)
        self.provider = provider_of(self.session)
        _, _, source_h, source_w = rig.source.shape
        # normalised [-1, 1] (align_corners=False) -> pixels of the padded source
        half = np.array([source_w, source_h], np.float32) / 2
        self._base = (rig.base * half + (half - 0.5)).astype(np.float32)
        self._basis = (rig.basis * half).astype(np.float32)
        self._source = np.ascontiguousarray(np.clip(rig.source[0].transpose(1, 2, 0) + 0.5, 0, 255).astype(np.uint8))
        if alpha is not None:  # one remap samples colour and alpha together
            self._source = np.ascontiguousarray(np.dstack([self._source, padded_alpha(rig, alpha)]))

    def __call__(self, coeffs: np.ndarray) -> np.ndarray:
        maps = self.session.run(None, {"base": self._base, "basis": self._basis, "coeffs": coeffs})[0]
        return np.stack([cv2.remap(self._source, m, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
                         for m in maps])


def warp_for(rig: Rig, threads: int = 0, alpha: np.ndarray | None = None) -> GraphWarp | RemapWarp:
    """The warp for this machine: the GPU graph under CUDA, remap sampling on the CPU."""
    forced = os.environ.get("AVATAR_WARP", "").lower()
    if forced in ("graph", "remap"):
        return (GraphWarp if forced == "graph" else RemapWarp)(rig, threads, alpha)
    # the session tells which provider really accepted the graph (CUDA can be listed yet fail to
    # start); on the CPU it is only this check, created once per process (sessions are cached)
    graph = GraphWarp(rig, threads, alpha)
    return graph if graph.provider != "CPUExecutionProvider" else RemapWarp(rig, threads, alpha)
