"""Build the committed MediaPipe models: 0.10.21's TFLite face detector, face mesh and selfie segmenter -> ONNX.

Run once, in an environment that has the build-time tools (not needed at run time):

    pip install mediapipe==0.10.21 tf2onnx tensorflow-cpu
    python -m avatar.face.convert [--out DIR]

It writes `face_detector.onnx`, `face_mesh.onnx`, `selfie_segmentation.onnx` and
`LICENSE-mediapipe.txt` to DIR (default: the package's `avatar/models`). The ONNX files are
canonicalised (tensor and node names renumbered in graph order, unused opset imports dropped) so
that a rerun gives the same bytes; tf2onnx's own names change from run to run.

The segmenter's last layer is MediaPipe's custom TFLite op `Convolution2DTransposeBias`, which
tf2onnx cannot convert; it is replaced by a standard ONNX `ConvTranspose` with its bias (stride and
padding read from the op's options in the .tflite file, kernel and bias from its tensors).
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import struct
import sys
from pathlib import Path

from avatar.errors import AvatarError
from avatar.runtime import MODELS_DIR

MEDIAPIPE_VERSION = "0.10.21"
OPSET = 17  # -> ONNX IR version 8, well inside what onnxruntime 1.31 accepts (<= 10)
MAX_IR_VERSION = 10

# (output file, path of the .tflite inside the mediapipe package, what it is)
MODELS: tuple[tuple[str, str, str], ...] = (
    ("face_detector.onnx", "modules/face_detection/face_detection_short_range.tflite",
     "BlazeFace short-range face detector (128x128 input, 896 SSD anchors, 6 keypoints)"),
    ("face_mesh.onnx", "modules/face_landmark/face_landmark.tflite",
     "Face Mesh 468-point landmark model (192x192 input, face-presence logit)"),
    # the square (general) model, not the 144x256 landscape one: the presenter's crop is square
    ("selfie_segmentation.onnx", "modules/selfie_segmentation/selfie_segmentation.tflite",
     "Selfie Segmentation, general model (256x256 RGB input in [0, 1], person probability per pixel)"),
)
TRANSPOSE_CONV_BIAS = "Convolution2DTransposeBias"  # MediaPipe's custom TFLite op
LICENSE_FILE = "LICENSE-mediapipe.txt"


def _require(module: str, hint: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise AvatarError(module, f"not installed; the face-model conversion needs it ({hint})")


def mediapipe_dir() -> Path:
    """The installed mediapipe package folder (found without importing mediapipe)."""
    _require("mediapipe", f"pip install mediapipe=={MEDIAPIPE_VERSION}")
    spec = importlib.util.find_spec("mediapipe")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


def _tflite_path(relative: str) -> Path:
    path = mediapipe_dir() / relative
    if not path.is_file():
        raise AvatarError(path, f"missing; install mediapipe=={MEDIAPIPE_VERSION}, the last release "
                                "whose wheel ships the face .tflite models")
    return path


def canonicalize(model) -> None:
    """Give every internal tensor and node a name from its place in the graph; drop unused opsets.

    tf2onnx's names are not stable: generated ones carry process-global counters, and when it
    merges duplicate ops (face_landmark has two identical MaxPools) the surviving TFLite name
    depends on set ordering. Node outputs become `<op>_<node index>[_<output index>]`,
    initializers `const_<k>` in order of first use (and are stored in that order), nodes
    `<op>_<node index>`; the graph's own input and output names are kept.
    """
    graph = model.graph
    renamed = {v.name: v.name for v in (*graph.input, *graph.output)}
    renamed[""] = ""  # omitted optional inputs
    for index, node in enumerate(graph.node):
        node.name = f"{node.op_type}_{index}"
        for slot, name in enumerate(node.output):
            if name not in renamed:
                renamed[name] = node.name if len(node.output) == 1 else f"{node.name}_{slot}"
    constants = {t.name for t in graph.initializer}
    first_use: list[str] = []
    for node in graph.node:
        for name in node.input:
            if name in constants and name not in renamed:
                renamed[name] = f"const_{len(first_use)}"
                first_use.append(name)
    for node in graph.node:
        node.input[:] = [renamed[n] for n in node.input]
        node.output[:] = [renamed[n] for n in node.output]

    by_name = {t.name: t for t in graph.initializer}
    ordered = []
    for name in first_use:  # unused initializers are dropped
        tensor = type(by_name[name])()
        tensor.CopyFrom(by_name[name])
        tensor.name = renamed[name]
        ordered.append(tensor)
    del graph.initializer[:]
    graph.initializer.extend(ordered)
    del graph.value_info[:]

    used = {node.domain for node in graph.node} | {""}
    opsets = [o for o in model.opset_import if o.domain in used]
    del model.opset_import[:]
    model.opset_import.extend(opsets)
    graph.name = "mediapipe"
    model.doc_string = ""


def _custom_ops(tflite: Path, name: str) -> list[dict]:
    """Each use of the custom op `name` in the .tflite file, in graph order: its options bytes, its
    constant inputs as float32 (None for a computed one) and its first input's and output's shapes."""
    import numpy as np
    from tf2onnx.tflite import Model

    model = Model.Model.GetRootAsModel(tflite.read_bytes(), 0)
    graph = model.Subgraphs(0)
    by_output = {}  # tensor index -> the operator that makes it
    for k in range(graph.OperatorsLength()):
        op = graph.Operators(k)
        for j in range(op.OutputsLength()):
            by_output[op.Outputs(j)] = op

    def constant(index: int):
        tensor = graph.Tensors(index)
        buffer = model.Buffers(tensor.Buffer()).DataAsNumpy()
        dtype = {0: np.float32, 1: np.float16}.get(tensor.Type())  # TensorType FLOAT32, FLOAT16
        if isinstance(buffer, np.ndarray) and buffer.size and dtype is not None:
            return np.frombuffer(buffer.tobytes(), dtype).reshape(tensor.ShapeAsNumpy()).astype(np.float32)
        producer = by_output.get(index)  # fp16 weights reach the op through a DEQUANTIZE
        if producer is not None and model.OperatorCodes(producer.OpcodeIndex()).BuiltinCode() == 6:  # DEQUANTIZE
            return constant(producer.Inputs(0))
        return None

    found = []
    for k in range(graph.OperatorsLength()):
        op = graph.Operators(k)
        if (model.OperatorCodes(op.OpcodeIndex()).CustomCode() or b"").decode() != name:
            continue
        inputs = [op.Inputs(j) for j in range(op.InputsLength())]
        found.append({"options": op.CustomOptionsAsNumpy().tobytes(),
                      "constants": [constant(i) for i in inputs],
                      "input_shape": tuple(graph.Tensors(inputs[0]).ShapeAsNumpy()),
                      "output_shape": tuple(graph.Tensors(op.Outputs(0)).ShapeAsNumpy())})
    return found


def replace_transpose_conv_bias(model, tflite: Path) -> int:
    """Replace tf2onnx's unconverted `TFL_Convolution2DTransposeBias` nodes by standard ops.

    MediaPipe's op is TFLite's TRANSPOSE_CONV plus a bias: its options are a raw
    TfLiteTransposeConvParams {padding, stride_width, stride_height} (int32 each), its kernel OHWI,
    its tensors NHWC. In ONNX: NHWC -> NCHW, ConvTranspose (kernel IOHW, bias, the output cropped
    like TFLite's: any excess split with the smaller half first), NCHW -> NHWC; a transpose that
    only undoes the one before it is dropped. Returns how many nodes were replaced.
    """
    import numpy as np
    from onnx import helper, numpy_helper

    graph = model.graph
    nodes = [n for n in graph.node if n.op_type == f"TFL_{TRANSPOSE_CONV_BIAS}"]
    if not nodes:
        return 0
    uses = _custom_ops(tflite, TRANSPOSE_CONV_BIAS)
    if len(uses) != len(nodes):
        raise AvatarError(tflite, f"{len(uses)} {TRANSPOSE_CONV_BIAS} ops in the file, {len(nodes)} in the ONNX graph")
    initializers = {t.name: t for t in graph.initializer}
    for node, use in zip(nodes, uses):
        padding, stride_w, stride_h = struct.unpack("<3i", use["options"][:12])
        _, kernel, bias = use["constants"]
        if kernel is None or bias is None or padding not in (1, 2):  # kTfLitePaddingSame, kTfLitePaddingValid
            raise AvatarError(tflite, f"{TRANSPOSE_CONV_BIAS}: unexpected options or non-constant weights")
        # tf2onnx folded the same (dequantised) numbers into the graph: a mismatch means a misread file
        folded = initializers.get(node.input[1])
        if folded is not None and not np.array_equal(numpy_helper.to_array(folded).reshape(kernel.shape), kernel):
            raise AvatarError(tflite, f"{TRANSPOSE_CONV_BIAS}: the kernel read from the file differs from tf2onnx's")
        _, in_h, in_w, _ = use["input_shape"]
        _, out_h, out_w, _ = use["output_shape"]
        out_c, k_h, k_w, _ = kernel.shape
        excess_h, excess_w = (in_h - 1) * stride_h + k_h - out_h, (in_w - 1) * stride_w + k_w - out_w
        if min(excess_h, excess_w) < 0:
            raise AvatarError(tflite, f"{TRANSPOSE_CONV_BIAS}: output {out_h}x{out_w} larger than the op makes")
        prefix = node.output[0]
        weights = numpy_helper.from_array(np.ascontiguousarray(kernel.transpose(3, 0, 1, 2)), f"{prefix}/kernel")
        bias_t = numpy_helper.from_array(np.ascontiguousarray(bias.reshape(out_c)), f"{prefix}/bias")
        graph.initializer.extend([weights, bias_t])
        source = next((n for n in graph.node if node.input[0] in n.output), None)
        undo = (source is not None and source.op_type == "Transpose"
                and list(next(a.ints for a in source.attribute if a.name == "perm")) == [0, 2, 3, 1])
        nchw_in = source.input[0] if undo else f"{prefix}/nchw_in"
        replacement = [] if undo else [helper.make_node("Transpose", [node.input[0]], [nchw_in], perm=[0, 3, 1, 2])]
        replacement += [
            helper.make_node("ConvTranspose", [nchw_in, weights.name, bias_t.name], [f"{prefix}/nchw"],
                             kernel_shape=[k_h, k_w], strides=[stride_h, stride_w],
                             pads=[excess_h // 2, excess_w // 2, excess_h - excess_h // 2, excess_w - excess_w // 2]),
            helper.make_node("Transpose", [f"{prefix}/nchw"], [node.output[0]], perm=[0, 2, 3, 1]),
        ]
        at = list(graph.node).index(node)
        graph.node.remove(node)
        for offset, new in enumerate(replacement):
            graph.node.insert(at + offset, new)
        if undo and not any(source.output[0] in n.input for n in graph.node):
            graph.node.remove(source)
    return len(nodes)


def convert_one(tflite: Path):
    """One .tflite file -> a checked, canonical onnx.ModelProto."""
    import onnx
    import tf2onnx

    model, _ = tf2onnx.convert.from_tflite(str(tflite), opset=OPSET)
    replace_transpose_conv_bias(model, tflite)
    canonicalize(model)
    if model.ir_version > MAX_IR_VERSION:
        model.ir_version = MAX_IR_VERSION
    onnx.checker.check_model(model)
    return model


def license_text(sources: list[tuple[str, Path, str]]) -> str:
    """Apache-2.0 attribution for the converted models, with where they came from and how."""
    import tf2onnx

    version = importlib.metadata.version("mediapipe")
    title = "MediaPipe models: " + ", ".join(name for name, _, _ in sources)
    lines = [
        title,
        "=" * len(title),
        "",
        "These files are converted from machine-learning models published by Google in MediaPipe",
        f"(https://github.com/google/mediapipe), taken from the `mediapipe` {version} Python wheel",
        "on PyPI. The original models and this conversion are licensed under the Apache License,",
        "Version 2.0; the full licence text follows below.",
        "",
        "    Copyright The MediaPipe Authors.",
        "",
        '    Licensed under the Apache License, Version 2.0 (the "License");',
        "    you may not use this file except in compliance with the License.",
        "    You may obtain a copy of the License at",
        "",
        "        http://www.apache.org/licenses/LICENSE-2.0",
        "",
        "    Unless required by applicable law or agreed to in writing, software",
        '    distributed under the License is distributed on an "AS IS" BASIS,',
        "    WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.",
        "    See the License for the specific language governing permissions and",
        "    limitations under the License.",
        "",
        "Sources and modifications",
        "-------------------------",
        "",
    ]
    for out_name, tflite, what in sources:
        digest = hashlib.sha256(tflite.read_bytes()).hexdigest()
        relative = tflite.relative_to(tflite.parents[2]).as_posix()
        lines += [
            f"{out_name}: {what}",
            f"    from mediapipe/{relative} (sha256 {digest})",
        ]
    lines += [
        "",
        f"Converted from TFLite to ONNX (opset {OPSET}) with tf2onnx {tf2onnx.__version__}",
        "(tf2onnx.convert.from_tflite) by `python -m avatar.face.convert` in this project. The",
        "changes are the format conversion itself (the same computation expressed in ONNX operators:",
        "NHWC/NCHW transposes, constant folding) and renamed internal tensor and node names; the",
        "weights and the inputs/outputs are those of the original models.",
    ]
    if any(name == "selfie_segmentation.onnx" for name, _, _ in sources):
        lines += [
            "",
            "selfie_segmentation.onnx's last layer, MediaPipe's custom TFLite op",
            f"{TRANSPOSE_CONV_BIAS} (which tf2onnx cannot convert), is expressed as a standard ONNX",
            "ConvTranspose with its bias, its stride, padding, kernel and bias read from the .tflite file.",
        ]
    lines.append("")
    bundled = mediapipe_dir().parent / f"mediapipe-{version}.dist-info" / "LICENSE"
    if bundled.is_file():
        lines += ["", "Apache License 2.0 (as shipped in the mediapipe wheel)", "-" * 54, "",
                  bundled.read_text(encoding="utf-8").rstrip(), ""]
    return "\n".join(lines)


def convert(out_dir: Path = MODELS_DIR) -> list[Path]:
    """Convert both models into `out_dir` and write the licence file; returns the paths written."""
    _require("tf2onnx", "pip install tf2onnx tensorflow-cpu")
    _require("tensorflow", "pip install tensorflow-cpu")
    _require("onnx", "pip install onnx")
    sources = [(name, _tflite_path(rel), what) for name, rel, what in MODELS]
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, tflite, _ in sources:
        target = out_dir / name
        target.write_bytes(convert_one(tflite).SerializeToString())
        written.append(target)
    licence = out_dir / LICENSE_FILE
    licence.write_text(license_text(sources), encoding="utf-8")
    written.append(licence)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m avatar.face.convert", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="output folder (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        for path in convert(args.out):
            print(f"wrote {path} ({path.stat().st_size} bytes)")
    except AvatarError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
