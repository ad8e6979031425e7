"""Build the weight-free warp graphs in torch and export them to ONNX.

    python -m avatar.presenter.export [--out-dir avatar/models]

`warp.onnx` renders N presenter frames from one source image (the CUDA path, and the reference):

    inputs   source  (1, 3, Hs, Ws)   float32  RGB 0..255, pre-padded by 2 px (edge replicate)
             base    (H, W, 2)        float32  the rest-pose sampling map (x, y), normalised [-1, 1]
                                               over the source, for the H x W region that moves
             basis   (K, H, W, 2)     float32  per-parameter changes of that map
             coeffs  (N, K)           float32  per-frame parameter weights
    output   frames  (N, H, W, 3)     uint8    RGB, ready for the compositor

    map_n = base + sum_k coeffs[n, k] * basis[k];  frame_n = GridSample(source, map_n)

The maps are full resolution rather than a 1/4-resolution grid upsampled by Resize: the map is
discontinuous along the lip seam (the mouth-interior band is folded away there at rest), and
bilinear upsampling of a coarse map smears that band into a visible grey seam. The matmul at full
resolution costs about as much as the Resize it replaces.

GridSample uses zeros padding with align_corners=0 (4-5x faster than border padding in
onnxruntime); the 2 px replicated border of the source stands in for border padding. The N frames
share one expanded source: a batched GridSample is about 2x faster per frame in onnxruntime than
one call over frames stacked along the height.

`warp_maps.onnx` is the first half alone (inputs base, basis, coeffs; output maps (N, H, W, 2)
float32 in the units of `base`). On the CPU the renderer runs it and samples the photo with
OpenCV's remap, about 2.5x faster there than onnxruntime's GridSample for the sampling alone
(see avatar.presenter.warp).
"""
from __future__ import annotations

import argparse
import io
from pathlib import Path

from avatar.runtime import MODELS_DIR

WARP_MODEL = MODELS_DIR / "warp.onnx"
MAPS_MODEL = MODELS_DIR / "warp_maps.onnx"
OPSET = 18
IR_VERSION = 10


def _maps(base, basis, coeffs):
    k, h, w, _ = basis.shape
    n = coeffs.shape[0]
    return (base.reshape(1, h * w * 2) + coeffs @ basis.reshape(k, h * w * 2)).reshape(n, h, w, 2)


def _build_maps_module():
    import torch

    class Maps(torch.nn.Module):
        def forward(self, base, basis, coeffs):
            return _maps(base, basis, coeffs)

    return Maps()


def _build_module():
    import torch
    import torch.nn.functional as F

    class Warp(torch.nn.Module):
        def forward(self, source, base, basis, coeffs):
            n = coeffs.shape[0]
            grid = _maps(base, basis, coeffs)
            frames = F.grid_sample(source.expand(n, -1, -1, -1), grid, mode="bilinear",
                                   padding_mode="zeros", align_corners=False)
            frames = (frames.clamp(0.0, 255.0) + 0.5).to(torch.uint8)
            return frames.permute(0, 2, 3, 1)

    return Warp()


def example_inputs(height: int = 64, width: int = 64, k: int = 4, n: int = 2, extra: int = 6):
    """Random inputs for a height x width region of a source `extra` pixels larger each way."""
    import torch

    gen = torch.Generator().manual_seed(0)
    source = torch.rand(1, 3, height + 4 + extra, width + 4 + extra, generator=gen) * 255
    ys = (torch.arange(height, dtype=torch.float32) + 2.5) * 2 / (height + 4 + extra) - 1
    xs = (torch.arange(width, dtype=torch.float32) + 2.5) * 2 / (width + 4 + extra) - 1
    base = torch.stack([xs.expand(height, width), ys[:, None].expand(height, width)], dim=-1)
    basis = torch.randn(k, height, width, 2, generator=gen) * 0.01
    coeffs = torch.rand(n, k, generator=gen)
    return source, base, basis, coeffs


def export_bytes(maps_only: bool = False) -> bytes:
    """Export the warp graph (or with `maps_only` the maps graph) and return the serialised ONNX
    model (deterministic)."""
    import onnx
    import torch

    module = (_build_maps_module() if maps_only else _build_module()).eval()
    inputs = example_inputs()
    h, w, k, n = torch.export.Dim("h", min=8, max=4096), torch.export.Dim("w", min=8, max=4096), \
        torch.export.Dim("k", min=1, max=64), torch.export.Dim("n", min=1, max=256)
    source_h, source_w = torch.export.Dim("source_h", min=8, max=8192), torch.export.Dim("source_w", min=8, max=8192)
    dynamic_shapes = {
        "source": {2: source_h, 3: source_w},
        "base": {0: h, 1: w},
        "basis": {0: k, 1: h, 2: w},
        "coeffs": {0: n, 1: k},
    }
    names = ["source", "base", "basis", "coeffs"]
    if maps_only:
        inputs, names = inputs[1:], names[1:]
        del dynamic_shapes["source"]
    program = torch.onnx.export(
        module, inputs, input_names=names, output_names=["maps" if maps_only else "frames"],
        opset_version=OPSET, dynamo=True, dynamic_shapes=dynamic_shapes, optimize=True, verbose=False,
    )
    model = program.model_proto
    # the exporter records module paths and source locations; drop them so the file only
    # depends on the graph (the same bytes from any checkout)
    del model.metadata_props[:]
    for node in model.graph.node:
        del node.metadata_props[:]
    model.ir_version = IR_VERSION
    model.producer_name = "avatar.presenter.export"
    model.producer_version = ""
    model.doc_string = ("Sampling maps" if maps_only else "Weight-free warp graph") + " of the talking-avatar renderer"
    onnx.checker.check_model(model)
    buffer = io.BytesIO()
    onnx.save_model(model, buffer)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out-dir", type=Path, default=MODELS_DIR)
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for model, maps_only in ((WARP_MODEL, False), (MAPS_MODEL, True)):
        data = export_bytes(maps_only)
        out = args.out_dir / model.name
        out.write_bytes(data)
        print(f"wrote {out} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
