"""Rig + MotionTrack -> presenter frames (the ONNX warp graph, its export, and its runner).

Named `presenter` rather than `render` so that `avatar.render(...)`, the Python API, stays a function.
"""
