"""Talking-avatar presentation generator."""
__version__ = "0.1.0"


def render(*args, **kwargs):
    """Render a script to an MP4. See avatar.api.render."""
    from avatar.api import render as _render

    return _render(*args, **kwargs)


def batch(*args, **kwargs):
    """Render one video per row (or per script). See avatar.batches.batch."""
    from avatar.batches import batch as _batch

    return _batch(*args, **kwargs)


__all__ = ["__version__", "batch", "render"]
