"""Build the committed face models: MediaPipe 0.10.21's TFLite face detector and face mesh -> ONNX.

Run once, in an environment that has the build-time tools (not needed at run time):

    pip install mediapipe==0.10.21 tf2onnx tensorflow-cpu
    python -m avatar.face.convert [--out DIR]

It writes `face_detector.onnx`, `face_mesh.onnx` and `LICENSE-mediapipe.txt` to DIR (default: the
package's `avatar/models`). The ONNX files are canonicalised (tensor and node names renumbered in
graph order, unused opset imports dropped) so that a rerun gives the same bytes; tf2onnx's own
names change from run to run.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
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
)
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


def convert_one(tflite: Path):
    """One .tflite file -> a checked, canonical onnx.ModelProto."""
    import onnx
    import tf2onnx

    model, _ = tf2onnx.convert.from_tflite(str(tflite), opset=OPSET)
    canonicalize(model)
    if model.ir_version > MAX_IR_VERSION:
        model.ir_version = MAX_IR_VERSION
    onnx.checker.check_model(model)
    return model


def license_text(sources: list[tuple[str, Path, str]]) -> str:
    """Apache-2.0 attribution for the converted models, with where they came from and how."""
    import tf2onnx

    version = importlib.metadata.version("mediapipe")
    lines = [
        "Face models: face_detector.onnx and face_mesh.onnx",
        "=" * 50,
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
        "",
    ]
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
