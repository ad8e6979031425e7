"""468-point face mesh (MediaPipe Face Mesh, avatar/models/face_mesh.onnx) for a detected face.

The crop follows MediaPipe's face_landmark_front graph: a square region 1.5x the long side of the
detector's box, centred on it and rotated by the roll of the eye line (detector keypoints right
eye -> left eye), resampled to 192x192 RGB in [0, 1] (border pixels replicated). The model's
points are mapped back through that rotation and scale to original-image pixels; z is scaled like
x (MediaPipe's convention: roughly zero at the face's centre plane, more negative = closer to the
camera).

`face_mesh()` returns the points; `mesh_with_presence()` also gives the model's face-presence
probability (MediaPipe discards meshes whose presence is below 0.5).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from avatar.face.detect import LEFT_EYE, RIGHT_EYE, FaceBox, as_rgb
from avatar.runtime import MODELS_DIR, session

MODEL_PATH = MODELS_DIR / "face_mesh.onnx"
INPUT_SIZE = 192
NUM_POINTS = 468
ROI_SCALE = 1.5


@dataclass
class Mesh:
    """`points`: (468, 3) float32 x, y, z in image pixels; `presence`: face probability in [0, 1]."""

    points: np.ndarray
    presence: float


@dataclass(frozen=True)
class Roi:
    """A rotated square crop: centre and side in pixels, roll in radians (clockwise on screen)."""

    cx: float
    cy: float
    side: float
    roll: float

    def to_crop(self) -> np.ndarray:
        """2x3 affine matrix from image pixels to 192x192 crop pixels."""
        return cv2.invertAffineTransform(self.from_crop())

    def from_crop(self) -> np.ndarray:
        """2x3 affine matrix from crop pixels (0..192) to image pixels."""
        c, s = math.cos(self.roll), math.sin(self.roll)
        k = self.side / INPUT_SIZE
        rot = np.array([[c, -s], [s, c]]) * k
        shift = np.array([self.cx, self.cy]) - rot @ np.array([INPUT_SIZE / 2, INPUT_SIZE / 2])
        return np.hstack([rot, shift[:, None]])


def roll_of(start: np.ndarray, end: np.ndarray) -> float:
    """Roll (radians) that turns the image vector start -> end horizontal, MediaPipe's convention."""
    angle = -math.atan2(-(float(end[1]) - float(start[1])), float(end[0]) - float(start[0]))
    return math.atan2(math.sin(angle), math.cos(angle))


def roi_from_box(box: FaceBox) -> Roi:
    """MediaPipe's detection -> ROI rule: box centre, 1.5 x long side, eye-line roll."""
    cx, cy = box.center
    return Roi(cx, cy, ROI_SCALE * max(box.width, box.height),
               roll_of(box.keypoints[RIGHT_EYE], box.keypoints[LEFT_EYE]))


def run_mesh(image_rgb: np.ndarray, roi: Roi) -> Mesh:
    """Run the mesh model on one crop and map its points back to image pixels."""
    image = as_rgb(image_rgb)
    crop = cv2.warpAffine(image, roi.to_crop(), (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    tensor = (crop.astype(np.float32) / 255.0)[None]
    sess = session(MODEL_PATH)
    landmarks, presence_logit = sess.run(None, {sess.get_inputs()[0].name: tensor})
    raw = landmarks.reshape(NUM_POINTS, 3).astype(np.float64)
    matrix = roi.from_crop()
    points = np.empty((NUM_POINTS, 3), dtype=np.float32)
    points[:, :2] = raw[:, :2] @ matrix[:, :2].T + matrix[:, 2]
    points[:, 2] = raw[:, 2] * (roi.side / INPUT_SIZE)
    presence = 1.0 / (1.0 + math.exp(-float(presence_logit.reshape(-1)[0])))
    return Mesh(points, presence)


def mesh_with_presence(image_rgb: np.ndarray, box: FaceBox) -> Mesh:
    """Mesh and face-presence probability for the face in `box` (from `detect_faces`).

    One pass, as MediaPipe does for a still photo. (A second pass on a crop rebuilt from the mesh,
    MediaPipe's video-tracking rule, was tried and did not bring the points closer to MediaPipe's
    attention model on the test portraits, so there is none.)
    """
    return run_mesh(image_rgb, roi_from_box(box))


def face_mesh(image_rgb: np.ndarray, box: FaceBox) -> np.ndarray:
    """(468, 3) float32 mesh points (x, y, z) in image pixels for the face in `box`."""
    return mesh_with_presence(image_rgb, box).points
