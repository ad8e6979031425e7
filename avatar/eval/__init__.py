"""Lip-sync and render quality, measured (see `core` for the metrics; run it with
`python -m benchmarks.evaluate` from a checkout, which supplies the repository's portraits).

- `core`: rendering sentences on portraits, re-detection with the product's face mesh, the metrics;
- `dlib68` + `independent`: the same lip metrics read by an independent landmark model (dlib's
  68 points; evaluation only, its model forbids commercial use; the product never imports it);
- `portraits`: portrait sets (shipped, variants, shared); `contact`: the mouth contact sheet.
"""
from avatar.eval.core import *  # noqa: F401,F403 - the metric functions, as before the split
from avatar.eval.core import _finite, _json_default  # noqa: F401
