"""What is measured on every sample, independently of the others (so ranges run in parallel)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from . import thresholds as th
from .faces import FaceScanner


@dataclass
class Measures:
    """One sample's measurements. ``change`` compares with the sample before (None: first)."""

    t: float
    boxes: np.ndarray  # face boxes x, y, w, h in frame pixels
    luma: float  # mean luma
    texture: float  # edge density of the textured part of the picture
    change: int | None  # pixels that changed by more than FROZEN_PIXEL_DELTA since the last sample
    signature: np.ndarray  # SIGNATURE_WIDTH grey thumbnail (uint8) for replays and camera moves


def reduce(grey: np.ndarray, width: int) -> np.ndarray:
    h, w = grey.shape[:2]
    if w == width:
        return grey
    return cv2.resize(grey, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def texture(work: np.ndarray) -> float:
    """Edge density of the grid cell at COVERED_PERCENTILE (burned-in text fills few cells)."""
    gx = cv2.Sobel(work, cv2.CV_16S, 1, 0, ksize=3)
    gy = cv2.Sobel(work, cv2.CV_16S, 0, 1, ksize=3)
    mag = cv2.addWeighted(cv2.convertScaleAbs(gx), 0.5, cv2.convertScaleAbs(gy), 0.5, 0)
    edges = (mag > th.EDGE_MAGNITUDE / 2).astype(np.float32)  # the 0.5 weights halve the magnitude
    cols, rows = th.TEXTURE_GRID
    density = cv2.resize(edges, (cols, rows), interpolation=cv2.INTER_AREA)
    return float(np.percentile(density, th.COVERED_PERCENTILE))


def changed_pixels(work: np.ndarray, before: np.ndarray) -> int:
    return int(np.count_nonzero(cv2.absdiff(work, before) > th.FROZEN_PIXEL_DELTA))


class Measurer:
    """Measures samples in time order; keeps the previous reduced frame for ``change``."""

    def __init__(self, scanner: FaceScanner) -> None:
        self.scanner = scanner
        self.previous: np.ndarray | None = None
        self.previous_t: float | None = None
        self.anchor_due = True

    def see(self, t: float, grey: np.ndarray, bgr: np.ndarray) -> None:
        """Take in a sample of another range: only as the state the next samples start from."""
        self.measure(t, grey, bgr)

    def restart(self) -> None:
        """Start again from the beginning, keeping only the faces known."""
        self.previous, self.previous_t, self.anchor_due = None, None, True

    def measure(self, t: float, grey: np.ndarray, bgr: np.ndarray) -> Measures:
        work = reduce(grey, th.WORK_WIDTH)
        change = None if self.previous is None else changed_pixels(work, self.previous)
        # A full face scan on the first sample of every FULL_SCAN_S slot of the recording.
        slot = th.FULL_SCAN_S
        if self.previous_t is not None and t // slot > self.previous_t // slot:
            self.anchor_due = True
        self.previous, self.previous_t = work, t
        signature = reduce(work, th.SIGNATURE_WIDTH)
        luma, edges = float(signature.mean()), texture(work)
        if luma < th.DARK_LUMA or edges < th.COVERED_TEXTURE:
            # No faces are counted on a dark or covered picture: none are looked for (the
            # anchor's full scan waits for the picture to come back).
            boxes = np.zeros((0, 4), np.float32)
        else:
            boxes, self.anchor_due = self.scanner.detect(bgr, grey, self.anchor_due), False
        return Measures(t=t, boxes=boxes, luma=luma, texture=edges, change=change, signature=signature)
