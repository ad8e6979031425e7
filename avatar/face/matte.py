"""Background removal for an opaque portrait: MediaPipe's selfie segmenter (avatar/models/selfie_segmentation.onnx).

The model sees the picture squeezed to 256x256 RGB in [0, 1] (as MediaPipe's graph feeds it: no
letterbox) and gives each pixel's probability of being the person. That coarse mask is brought to
full resolution by a fast colour guided filter (He and Sun 2015) with the picture itself as the
guide, so the edge follows the hair and shoulders at the picture's own resolution instead of the
model's 256 px blocks. The soft band is then narrowed (probabilities below EDGE_LOW count as
background, above EDGE_HIGH as person), so no faint film of the old background stays behind, and
softened by a pixel (low-contrast edges, a white shirt on a white wall, come out speckled).
`foreground_colours` gives the edge band the person's colours, so the old background leaves no
pale or dark fringe once the slide is behind the person.
"""
from __future__ import annotations

import cv2
import numpy as np

from avatar.face.detect import as_rgb
from avatar.runtime import MODELS_DIR, session

MODEL_PATH = MODELS_DIR / "selfie_segmentation.onnx"
INPUT_SIZE = 256
GUIDE_SIZE = 512  # the guided filter's coefficients are solved at most at this resolution ...
GUIDE_RADIUS = 0.025  # ... over windows this share of the picture's side (13 px at 512: wide enough to
# reach past where the coarse mask spills over the background between curls)
GUIDE_EPS = 1e-3  # the filter's regulariser: smaller follows the guide's colour edges more closely
EDGE_LOW, EDGE_HIGH = 0.3, 0.7  # the refined probability mapped onto 0..1 between these
EDGE_BLUR = 1 / 1080  # then softened by this share of the side (1 px at 1080): no speckled fabric edges
MATTE_VERSION = 1  # bump when the matte changes (it is part of the segment cache key)


def person_probability(rgb: np.ndarray) -> np.ndarray:
    """The model's (256, 256) float32 person probability for an RGB uint8 picture."""
    rgb = as_rgb(rgb)
    height, width = rgb.shape[:2]
    shrink = height > INPUT_SIZE or width > INPUT_SIZE
    tensor = cv2.resize(rgb, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    sess = session(MODEL_PATH)
    feed = {sess.get_inputs()[0].name: (tensor.astype(np.float32) / 255)[None]}
    return sess.run(None, feed)[0][0, :, :, 0]


def _box(image: np.ndarray, radius: int) -> np.ndarray:
    return cv2.boxFilter(image, -1, (2 * radius + 1, 2 * radius + 1), borderType=cv2.BORDER_REFLECT)


def guided_upsample(mask: np.ndarray, guide: np.ndarray, radius: int, eps: float, work: int) -> np.ndarray:
    """`mask` (any size, float32) refined at `guide`'s (H, W, 3) uint8 resolution by a colour guided
    filter whose linear coefficients are solved at `work` px (the fast guided filter) and applied
    to the full-resolution guide."""
    height, width = guide.shape[:2]
    scale = min(1.0, work / max(height, width))
    small = (max(1, round(width * scale)), max(1, round(height * scale)))
    full = guide.astype(np.float32) / 255
    image = cv2.resize(full, small, interpolation=cv2.INTER_AREA) if scale < 1 else full
    p = cv2.resize(mask.astype(np.float32), small, interpolation=cv2.INTER_LINEAR)
    mean_i, mean_p = _box(image, radius), _box(p, radius)
    cov_ip = _box(image * p[..., None], radius) - mean_i * mean_p[..., None]
    # a = (Sigma + eps I)^-1 cov per pixel: the symmetric 3x3 inverse by cofactors (np.linalg.solve
    # on a quarter million tiny systems is 20x slower)
    var = {(i, j): _box(image[..., i] * image[..., j], radius) - mean_i[..., i] * mean_i[..., j]
           for i, j in ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))}
    for k in range(3):
        var[k, k] += eps
    rr, rg, rb, gg, gb, bb = (var[k] for k in ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)))
    inv_rr, inv_rg, inv_rb = gg * bb - gb * gb, gb * rb - rg * bb, rg * gb - gg * rb
    inv_gg, inv_gb, inv_bb = rr * bb - rb * rb, rb * rg - rr * gb, rr * gg - rg * rg
    det = rr * inv_rr + rg * inv_rg + rb * inv_rb
    cr, cg, cb = (cov_ip[..., k] for k in range(3))
    a = np.stack([inv_rr * cr + inv_rg * cg + inv_rb * cb,
                  inv_rg * cr + inv_gg * cg + inv_gb * cb,
                  inv_rb * cr + inv_gb * cg + inv_bb * cb], axis=2) / det[..., None]
    b = mean_p - (a * mean_i).sum(axis=2)
    mean_a, mean_b = _box(a, radius), _box(b, radius)
    if scale < 1:
        mean_a = cv2.resize(mean_a, (width, height), interpolation=cv2.INTER_LINEAR)
        mean_b = cv2.resize(mean_b, (width, height), interpolation=cv2.INTER_LINEAR)
    return (mean_a * full).sum(axis=2) + mean_b


def person_matte(rgb: np.ndarray) -> np.ndarray:
    """(H, W) float32 alpha 0..1 of the person in an RGB uint8 picture: 1 on the person, 0 on the
    background, a soft edge of a pixel or two that follows the hair."""
    rgb = as_rgb(rgb)
    side = max(rgb.shape[:2])
    work = min(side, GUIDE_SIZE)
    radius = max(1, round(GUIDE_RADIUS * work))
    refined = guided_upsample(person_probability(rgb), rgb, radius, GUIDE_EPS, work)
    alpha = np.clip((refined - EDGE_LOW) / (EDGE_HIGH - EDGE_LOW), 0.0, 1.0).astype(np.float32)
    return cv2.GaussianBlur(alpha, (0, 0), max(0.5, EDGE_BLUR * side))


def foreground_colours(rgb: np.ndarray, alpha: np.ndarray, solid: float = 0.9, levels: int = 6) -> np.ndarray:
    """The picture with its edge band's colours replaced by the person's own: where `alpha` is
    below `solid` a pixel mixes the person with the old background (a light wall shows as a pale
    fringe around dark hair once the slide is behind it), so it takes the colour of the nearest
    solid person pixels instead. Push-pull over an image pyramid: each level's normalised average
    of the solid pixels fills in, on the next finer level, what that level does not reach."""
    rgb = as_rgb(rgb)
    inside = (alpha >= solid).astype(np.float32)
    if inside.all() or not inside.any():
        return rgb.copy()
    nums, dens = [rgb.astype(np.float32) * inside[..., None]], [inside]
    for _ in range(levels):
        if min(dens[-1].shape) < 4:
            break
        nums.append(cv2.pyrDown(nums[-1]))
        dens.append(cv2.pyrDown(dens[-1]))
    filled = nums[-1] / np.maximum(dens[-1], 1e-6)[..., None]
    for num, den in zip(reversed(nums[:-1]), reversed(dens[:-1])):
        coarse = cv2.resize(filled, (den.shape[1], den.shape[0]), interpolation=cv2.INTER_LINEAR)
        trust = np.clip(den / 0.2, 0, 1)[..., None]  # a level speaks for a pixel where enough solid pixels are near
        filled = trust * (num / np.maximum(den, 1e-6)[..., None]) + (1 - trust) * coarse
    band = (alpha < solid)[..., None]
    return np.where(band, np.clip(filled + 0.5, 0, 255), rgb).astype(np.uint8)
