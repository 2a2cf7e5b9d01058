"""Face counting: OpenCV's Haar cascade at a resolution fitted to the faces in the footage.

No YuNet/ONNX face model is shipped inside any PyPI wheel we could use offline (the YuNet
wrappers on PyPI download the file at run time), so this uses the frontal-face Haar cascade
that the opencv-python(-headless) 4.x wheels ship in ``cv2.data.haarcascades``.

The cost of a cascade grows with the number of pixels scanned, and the smallest face it can
find is its 24 px window. So instead of scanning every frame at full size, three
calibration keyframes are scanned finely, and the rest of the recording is scanned at the
scale that maps the smallest faces found there to just above the window size.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from . import thresholds as th

CASCADE_FILE = "haarcascade_frontalface_default.xml"


def cascade_path() -> str:
    path = os.path.join(cv2.data.haarcascades, CASCADE_FILE)
    if not os.path.exists(path):  # opencv 5.x wheels ship no cascades
        raise RuntimeError(f"OpenCV's {CASCADE_FILE} is missing: install opencv-python-headless 4.x")
    return path


def load_cascade() -> cv2.CascadeClassifier:
    cascade = cv2.CascadeClassifier(cascade_path())
    if cascade.empty():
        raise RuntimeError(f"cannot load {cascade_path()}")
    return cascade


@dataclass(frozen=True)
class DetectorScale:
    """How frames are scanned: resize by ``scale``, then faces of min..max px (scaled pixels)."""

    scale: float
    min_px: int
    max_px: int


def default_scale(height: int) -> DetectorScale:
    """Before calibration (or when it found no faces): the finest scan we allow."""
    smallest = max(th.FACE_MIN_FRACTION * height, th.HAAR_WINDOW_PX)
    scale = min(1.0, th.FACE_TARGET_PX / smallest)
    return DetectorScale(scale, th.HAAR_WINDOW_PX, max(th.HAAR_WINDOW_PX + 1, int(height * scale * 0.5)))


def fitted_scale(height: int, sizes: Sequence[float]) -> DetectorScale:
    """The scan that still finds faces a margin smaller than those seen in calibration."""
    if len(sizes) < th.CALIBRATION_MIN_FACES:
        return default_scale(height)
    small = float(np.percentile(sizes, th.CALIBRATION_PERCENTILE)) * th.CALIBRATION_SIZE_MARGIN
    large = float(np.max(sizes)) / th.CALIBRATION_SIZE_MARGIN
    small = max(small, th.FACE_MIN_FRACTION * height, th.HAAR_WINDOW_PX)
    scale = min(1.0, th.FACE_TARGET_PX / small)
    return DetectorScale(scale, th.HAAR_WINDOW_PX, max(th.HAAR_WINDOW_PX + 1, int(large * scale) + 1))


class FaceDetector:
    """Frontal faces in a grey frame; boxes come back in the frame's own pixels."""

    def __init__(self, how: DetectorScale) -> None:
        self.how = how
        self.cascade = load_cascade()

    def detect(self, grey: np.ndarray) -> np.ndarray:
        s = self.how.scale
        img = grey if s >= 1.0 else cv2.resize(grey, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
        boxes = self.cascade.detectMultiScale(img, th.HAAR_SCALE_FACTOR, th.HAAR_MIN_NEIGHBOURS,
                                              minSize=(self.how.min_px, self.how.min_px),
                                              maxSize=(self.how.max_px, self.how.max_px))
        if len(boxes) == 0:
            return np.zeros((0, 4), np.float32)
        return (np.asarray(boxes, np.float32) / s).astype(np.float32)


def _matches(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For every box of ``a``: is there a box of ``b`` at about the same place and size?"""
    if len(a) == 0 or len(b) == 0:
        return np.zeros(len(a), bool)
    ca = a[:, :2] + a[:, 2:] / 2
    cb = b[:, :2] + b[:, 2:] / 2
    dist = np.linalg.norm(ca[:, None, :] - cb[None, :, :], axis=2)
    size = np.maximum(a[:, None, 2], b[None, :, 2])
    ratio = a[:, None, 2] / b[None, :, 2]
    ok = (dist < th.TRACK_MAX_SHIFT * size) & (ratio > 1 / 1.5) & (ratio < 1.5)
    return ok.any(axis=1)


def stable_counts(boxes: Sequence[np.ndarray], usable: Sequence[bool]) -> list[int]:
    """Faces per sample, ignoring one-sample flickers of the detector.

    A face counts when it is also found at about the same place in the sample before or
    after (people stay in their seats for more than 2 s), so a one-off false detection does
    not count; a face found before and after but missed in between does count. Samples
    whose picture is unusable (dark, covered) break the chain: they are neither support
    nor gap.
    """
    n = len(boxes)
    out: list[int] = []
    for k in range(n):
        cur = boxes[k]
        prev = boxes[k - 1] if k > 0 and usable[k - 1] else None
        nxt = boxes[k + 1] if k + 1 < n and usable[k + 1] else None
        if prev is None and nxt is None:
            out.append(len(cur))
            continue
        support = np.zeros(len(cur), bool)
        for other in (prev, nxt):
            if other is not None:
                support |= _matches(cur, other)
        count = int(support.sum())
        if prev is not None and nxt is not None and len(prev):
            # Missed here but present on both sides: one detector miss, not a person leaving.
            both = _matches(prev, nxt) & ~_matches(prev, cur)
            count += int(both.sum())
        out.append(count)
    return out
