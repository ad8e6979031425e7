import numpy as np
import pytest

from avatar.presenter.renderer import coefficients
from avatar.presenter.warp import GraphWarp, RemapWarp, warp_for
from tests.avatar.presenter.test_renderer import pose


def test_cpu_remap_and_the_onnx_graph_render_the_same_frames(hopper_rig):
    values = np.stack([pose(), pose(jaw_open=0.9, yaw=8.0), pose(blink_left=1.0, blink_right=1.0, pitch=-5.0),
                       pose(lip_round=1.0, roll=4.0, tx=0.05), pose(brow_raise=1.0, ty=-0.04, lip_wide=0.8)])
    coeffs = coefficients(values)
    graph = GraphWarp(hopper_rig)(coeffs).astype(int)
    remap = RemapWarp(hopper_rig)(coeffs).astype(int)
    assert graph.shape == remap.shape
    assert np.abs(graph - remap).max() <= 1  # bilinear both ways: only rounding differs
    assert not np.array_equal(graph[0], graph[1])  # the poses really move the face


@pytest.mark.parametrize("forced, kind", [("graph", GraphWarp), ("remap", RemapWarp)])
def test_the_warp_can_be_forced(hopper_rig, monkeypatch, forced, kind):
    monkeypatch.setenv("AVATAR_WARP", forced)
    assert isinstance(warp_for(hopper_rig), kind)


def test_the_cpu_gets_remap_sampling(hopper_rig, monkeypatch):
    monkeypatch.setenv("AVATAR_PROVIDER", "cpu")
    monkeypatch.delenv("AVATAR_WARP", raising=False)
    warp = warp_for(hopper_rig)
    assert isinstance(warp, RemapWarp) and warp.provider == "CPUExecutionProvider"
