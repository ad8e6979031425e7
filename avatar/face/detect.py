"""Find faces in a photo with MediaPipe's short-range BlazeFace detector (avatar/models/face_detector.onnx).

The pre- and post-processing follow MediaPipe's face_detection_short_range graph: the whole image is
letterboxed (zero border) into 128x128 with values in [-1, 1]; 896 SSD anchors (generated here);
boxes and six keypoints decoded relative to the anchors; sigmoid scores; weighted non-maximum
suppression at IoU 0.3. Results are in the original image's pixel coordinates.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from avatar.runtime import MODELS_DIR, session

MODEL_PATH = MODELS_DIR / "face_detector.onnx"
INPUT_SIZE = 128
NMS_IOU = 0.3
SCORE_CLIP = 100.0

# Keypoint rows of FaceBox.keypoints, in MediaPipe's order ("right" is the subject's right,
# which is on the left of a frontal photo).
RIGHT_EYE, LEFT_EYE, NOSE_TIP, MOUTH, RIGHT_EAR, LEFT_EAR = range(6)


@dataclass
class FaceBox:
    """A detected face in original-image pixel coordinates; `keypoints` is (6, 2) x, y."""

    x0: float
    y0: float
    x1: float
    y1: float
    score: float
    keypoints: np.ndarray

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def center(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2


def as_rgb(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 view of an RGB, RGBA or grayscale uint8 image; ValueError otherwise."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim == 3 and image.shape[2] in (3, 4) and image.shape[0] > 0 and image.shape[1] > 0:
        return image[:, :, :3]
    raise ValueError(f"expected an (H, W, 3) RGB image, got shape {image.shape}")


@functools.cache
def anchors() -> np.ndarray:
    """(896, 2) anchor centres in [0, 1], as MediaPipe's SsdAnchorsCalculator makes them for the
    short-range model: 4 layers, strides 8/16/16/16, aspect ratio 1 plus one interpolated anchor
    per layer, fixed anchor size (so only centres matter), anchor offset 0.5."""
    strides = (8, 16, 16, 16)
    per_stride: dict[int, int] = {}
    for stride in strides:
        per_stride[stride] = per_stride.get(stride, 0) + 2  # one aspect-ratio anchor + one interpolated
    centres = []
    for stride, count in per_stride.items():  # layers sharing a stride are merged, in layer order
        cells = INPUT_SIZE // stride
        ys, xs = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
        grid = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 1, 2)
        centres.append(np.repeat(grid, count, axis=1).reshape(-1, 2))
    return np.concatenate(centres).astype(np.float32)


def _letterbox(image: np.ndarray) -> tuple[np.ndarray, float, float, float]:
    """128x128x3 float32 in [-1, 1] plus (scale, x offset, y offset): input pixel = (p - off) * scale."""
    height, width = image.shape[:2]
    side = max(width, height)
    scale = INPUT_SIZE / side
    off_x, off_y = (side - width) / 2, (side - height) / 2
    matrix = np.array([[scale, 0, off_x * scale], [0, scale, off_y * scale]], dtype=np.float64)
    tensor = cv2.warpAffine(image, matrix, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    return tensor.astype(np.float32) / 127.5 - 1.0, scale, off_x, off_y


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda b: np.clip(b[..., 2] - b[..., 0], 0, None) * np.clip(b[..., 3] - b[..., 1], 0, None)
    union = area(box) + area(others) - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def weighted_nms(boxes: np.ndarray, scores: np.ndarray, threshold: float = NMS_IOU) -> list[tuple[np.ndarray, float]]:
    """MediaPipe's WEIGHTED suppression: each cluster of boxes overlapping the best remaining one
    by more than `threshold` IoU becomes one detection whose coordinates (box and keypoints, all of
    `boxes`' columns, the first four being x0 y0 x1 y1) are the score-weighted mean of the cluster
    and whose score is the best one's."""
    order = np.argsort(-scores, kind="stable")
    remaining = order
    kept = []
    while remaining.size:
        best = remaining[0]
        overlap = _iou(boxes[best, :4], boxes[remaining, :4]) > threshold
        overlap[0] = True
        cluster = remaining[overlap]
        weights = scores[cluster]
        kept.append(((boxes[cluster] * weights[:, None]).sum(0) / weights.sum(), float(scores[best])))
        remaining = remaining[~overlap]
    return kept


def detect_faces(image_rgb: np.ndarray, min_score: float = 0.5) -> list[FaceBox]:
    """Faces in an RGB uint8 photo of any size, largest first, in its pixel coordinates.

    The short-range model is made for faces filling roughly a fifth or more of the (letterboxed)
    image; much smaller faces are missed.
    """
    image = as_rgb(image_rgb)
    tensor, scale, off_x, off_y = _letterbox(image)
    sess = session(MODEL_PATH)
    regressors, classificators = sess.run(None, {sess.get_inputs()[0].name: tensor[None]})
    raw = regressors[0] / INPUT_SIZE  # (896, 16): cx, cy, w, h, then 6 keypoints x, y
    logits = np.clip(classificators[0, :, 0].astype(np.float64), -SCORE_CLIP, SCORE_CLIP)
    scores = 1.0 / (1.0 + np.exp(-logits))
    chosen = scores >= min_score
    if not chosen.any():
        return []
    raw, scores, centre = raw[chosen], scores[chosen], anchors()[chosen]
    cx, cy = raw[:, 0] + centre[:, 0], raw[:, 1] + centre[:, 1]
    half_w, half_h = raw[:, 2] / 2, raw[:, 3] / 2
    points = raw[:, 4:].reshape(-1, 6, 2) + centre[:, None, :]
    coords = np.concatenate([np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], 1),
                             points.reshape(-1, 12)], axis=1).astype(np.float64)
    # Back from letterboxed [0, 1] to original pixels (even columns x, odd columns y).
    coords[:, 0::2] = coords[:, 0::2] * INPUT_SIZE / scale - off_x
    coords[:, 1::2] = coords[:, 1::2] * INPUT_SIZE / scale - off_y
    faces = [
        FaceBox(float(c[0]), float(c[1]), float(c[2]), float(c[3]), score,
                c[4:].reshape(6, 2).astype(np.float32))
        for c, score in weighted_nms(coords, scores.astype(np.float64))
    ]
    return sorted(faces, key=lambda f: f.width * f.height, reverse=True)
