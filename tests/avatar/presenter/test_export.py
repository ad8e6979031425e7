import numpy as np
import pytest

from avatar.presenter.export import MAPS_MODEL, WARP_MODEL


@pytest.mark.parametrize("model, maps_only", [(WARP_MODEL, False), (MAPS_MODEL, True)], ids=["warp", "maps"])
def test_committed_graph_matches_a_fresh_export(model, maps_only):
    pytest.importorskip("torch", reason="torch is needed to export the warp graph (pip install -e '.[dev]')")
    pytest.importorskip("onnxscript", reason="onnxscript is needed by torch's ONNX exporter")
    import onnx

    from avatar.presenter.export import export_bytes

    fresh = onnx.load_from_string(export_bytes(maps_only))
    committed = onnx.load(str(model))
    assert committed.ir_version <= 10
    assert [n.op_type for n in fresh.graph.node] == [n.op_type for n in committed.graph.node]
    assert [i.name for i in fresh.graph.input] == [i.name for i in committed.graph.input]
    assert fresh.graph.SerializeToString() == committed.graph.SerializeToString()


def test_onnx_runtime_matches_the_torch_module():
    torch = pytest.importorskip("torch", reason="torch is needed for the reference module")
    from avatar.presenter.export import _build_module, example_inputs
    from avatar.runtime import session

    inputs = example_inputs(40, 56, 3, 5)
    expected = _build_module()(*inputs).numpy()
    sess = session(WARP_MODEL)
    got = sess.run(None, dict(zip(["source", "base", "basis", "coeffs"], (t.numpy() for t in inputs))))[0]
    assert got.shape == (5, 40, 56, 3) and got.dtype == np.uint8
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1
    del torch


def test_identity_map_reproduces_the_source():
    from avatar.face.rig import PAD
    from avatar.runtime import session

    h, w = 24, 32
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (h, w, 3)).astype(np.float32)
    source = np.pad(image, ((PAD, PAD), (PAD, PAD), (0, 0)), mode="edge").transpose(2, 0, 1)[None]
    ys, xs = np.mgrid[0:h, 0:w]
    base = np.stack([(2 * (xs + PAD) + 1) / (w + 2 * PAD) - 1, (2 * (ys + PAD) + 1) / (h + 2 * PAD) - 1], -1)
    out = session(WARP_MODEL).run(None, {"source": np.ascontiguousarray(source), "base": base.astype(np.float32),
                                         "basis": np.zeros((1, h, w, 2), np.float32),
                                         "coeffs": np.zeros((2, 1), np.float32)})[0]
    assert np.abs(out[1].astype(int) - image.astype(int)).max() <= 1
