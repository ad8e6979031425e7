"""The committed face models are what `python -m avatar.face.convert` produces."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from avatar.errors import AvatarError
from avatar.face import convert
from avatar.runtime import MODELS_DIR

BUILD_TOOLS = ("mediapipe", "tf2onnx", "tensorflow", "onnx")
MISSING = [name for name in BUILD_TOOLS if importlib.util.find_spec(name) is None]


def test_committed_files_and_licence_exist():
    for name, _, _ in convert.MODELS:
        assert (MODELS_DIR / name).stat().st_size > 100_000
    licence = (MODELS_DIR / convert.LICENSE_FILE).read_text(encoding="utf-8")
    assert "Apache License" in licence and "MediaPipe" in licence and "0.10.21" in licence
    assert "face_detection_short_range.tflite" in licence and "face_landmark.tflite" in licence
    assert "tf2onnx" in licence
    assert "selfie_segmentation.tflite" in licence and "Convolution2DTransposeBias" in licence


def test_committed_models_load_in_onnxruntime_with_supported_ir():
    onnx = pytest.importorskip("onnx")
    for name, _, _ in convert.MODELS:
        model = onnx.load(str(MODELS_DIR / name))
        assert model.ir_version <= convert.MAX_IR_VERSION


def test_segmenter_uses_standard_onnx_ops_only():
    """The custom TFLite op of the segmenter's last layer became a ConvTranspose with its bias."""
    onnx = pytest.importorskip("onnx")
    model = onnx.load(str(MODELS_DIR / "selfie_segmentation.onnx"))
    ops = [node.op_type for node in model.graph.node]
    assert not [op for op in ops if op.startswith("TFL_")]
    assert {o.domain for o in model.opset_import} == {""}
    last_conv = next(node for node in reversed(model.graph.node) if node.op_type == "ConvTranspose")
    assert len(last_conv.input) == 3  # x, kernel, bias
    assert ops[-1] == "Sigmoid"


def test_missing_build_tool_is_a_clear_error(monkeypatch, tmp_path, capsys):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "mediapipe" else real_find_spec(name, *a))
    with pytest.raises(AvatarError, match="mediapipe"):
        convert.mediapipe_dir()
    if "tf2onnx" not in MISSING and "tensorflow" not in MISSING and "onnx" not in MISSING:
        assert convert.main(["--out", str(tmp_path)]) == 1
        assert "mediapipe" in capsys.readouterr().err
    assert not (tmp_path / "face_mesh.onnx").exists()


@pytest.mark.skipif(bool(MISSING), reason=f"conversion needs {', '.join(MISSING)} (build-time only: "
                    "pip install mediapipe==0.10.21 tf2onnx tensorflow-cpu onnx)")
def test_fresh_conversion_matches_committed_models(tmp_path):
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper

    convert.convert(tmp_path)
    for name, _, _ in convert.MODELS:
        fresh, committed = onnx.load(str(tmp_path / name)), onnx.load(str(MODELS_DIR / name))
        if fresh.SerializeToString() == committed.SerializeToString():
            continue
        # Different bytes (e.g. another tf2onnx build): same graph, same weights, same outputs.
        shape = lambda m: [(n.op_type, list(n.input), list(n.output)) for n in m.graph.node]
        assert shape(fresh) == shape(committed), name
        weights = lambda m: {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
        fresh_w, committed_w = weights(fresh), weights(committed)
        assert fresh_w.keys() == committed_w.keys()
        for key in fresh_w:
            assert np.array_equal(fresh_w[key], committed_w[key]), (name, key)
        sessions = [ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
                    for m in (fresh, committed)]
        spec = sessions[0].get_inputs()[0]
        x = np.random.default_rng(0).uniform(0, 1, spec.shape).astype(np.float32)
        for a, b in zip(*(s.run(None, {spec.name: x}) for s in sessions)):
            np.testing.assert_allclose(a, b, atol=1e-5)
    assert (tmp_path / convert.LICENSE_FILE).read_text() == (MODELS_DIR / convert.LICENSE_FILE).read_text()
