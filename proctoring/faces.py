"""Face counting: a CNN detector (see ``detectors``) run band by band at the scale each needs.

A classroom camera hangs at the front and looks down the rows: faces in the back rows are
small (14-20 px on 540 lines) and high in the frame, those in the front rows large and low.
Detecting on the whole frame at one scale either loses the small faces (the frame halved)
or spends most of the time on large faces at far more pixels than they need (the frame
enlarged). So three calibration keyframes are scanned whole at full size, face size is
fitted as a straight line of the height in the frame (perspective), and the rest of the
recording is scanned as horizontal bands, each resized so that the faces expected there
measure the detector's ``target_face_px``. The ceiling and the floor in front of the first
desks, where no face was seen, are not scanned at all.

A face belongs to the band whose own rows hold its centre, so overlapping bands never count
one face twice. Counts are then steadied over time (``stable_counts``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from . import thresholds as th
from .detectors import FaceDetector


@dataclass(frozen=True)
class Band:
    """Frame rows ``y0..y1`` resized by ``scale``; faces centred in ``own0..own1`` are its own."""

    y0: int
    y1: int
    own0: int
    own1: int
    scale: float


@dataclass(frozen=True)
class ScanPlan:
    bands: tuple[Band, ...]
    fitted: bool  # False: too few faces in calibration, the whole frame at full size
    width: int
    min_face_px: float  # the smallest face expected
    seen: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.float32), compare=False)

    @property
    def pixels_per_frame(self) -> int:
        return int(sum((b.y1 - b.y0) * self.width * b.scale * b.scale for b in self.bands))


def whole_frame(width: int, height: int, min_face_px: float = 12.0) -> ScanPlan:
    """Before calibration, or when it found too few faces: every row at full size."""
    return ScanPlan((Band(0, height, 0, height, 1.0),), fitted=False, width=width, min_face_px=min_face_px)


def fitted_plan(width: int, height: int, boxes: Sequence[np.ndarray], target_px: float) -> ScanPlan:
    """Bands for the faces found on the calibration frames (boxes x, y, w, h)."""
    found = np.concatenate([b for b in boxes if len(b)]) if any(len(b) for b in boxes) else np.zeros((0, 4))
    if len(found) < th.CALIBRATION_MIN_FACES:
        return whole_frame(width, height)
    cy = found[:, 1] + found[:, 3] / 2
    size = found[:, 3]
    if np.ptp(cy) > 2 * float(np.median(size)):
        slope, base = np.polyfit(cy, size, 1)
        slope = max(0.0, float(slope))  # a camera looking down: never smaller further down
    else:  # one row of faces: no perspective to fit
        slope, base = 0.0, float(np.median(size))
    # Never smaller than the smallest face seen (rows above the back row hold people standing
    # at the back, no farther away), and up to a margin larger than the largest.
    low, high = float(size.min()), float(size.max()) / th.FACE_SIZE_MARGIN

    def expected(y: float) -> float:
        return float(np.clip(base + slope * y, low, high))

    # Face centres may lie above the highest seen (someone standing up, a visitor at the back)
    # and a little below the lowest (leaning forward).
    top = max(0.0, float(cy.min()) - th.ROI_ABOVE_FACES * expected(float(cy.min())))
    bottom = min(float(height), float(cy.max()) + th.ROI_BELOW_FACES * expected(float(cy.max())))
    bands: list[Band] = []
    y = top
    while y < bottom:
        s_here = expected(y)
        step = th.BAND_FACES * s_here
        own1 = min(bottom, y + step)
        reach = th.BAND_OVERLAP * expected(own1)  # half a face beyond the own rows, and more
        y0, y1 = max(0, int(y - reach)), min(height, int(np.ceil(own1 + reach)))
        scale = float(np.clip(target_px / s_here, th.MIN_BAND_SCALE, th.MAX_BAND_SCALE))
        bands.append(Band(y0, y1, int(y), int(np.ceil(own1)) if own1 < bottom else height, scale))
        y = own1
    seen = _distinct(found[:, :4].astype(np.float32))
    return ScanPlan(tuple(bands), fitted=True, width=width, min_face_px=low, seen=seen)


class FaceScanner:
    """Faces in an BGR frame; boxes come back in the frame's own pixels.

    A full scan runs every band of the plan. It runs on the first sample of every
    ``FULL_SCAN_S`` of the recording (``anchor``) and whenever a sample in between shows a
    reason to: the picture changed outside the people already found (someone
    arrived or moved seats, the lights went out). Otherwise each face known is followed: first
    by matching its picture from when the detector last found it (a 12 px template, a
    fraction of a millisecond), and where that does not match well, by the detector on a
    small crop around it. A face found by neither is not counted, and looked for again on
    the next samples (forgotten after ``MAX_MISSES`` of them in a row). A new face counts
    from the detector's ``min_score``; a face known keeps
    counting from its lower ``weak_score`` (hysteresis: a small face looking down scores
    either side of the first from one sample to the next).
    """

    def __init__(self, detector: FaceDetector, plan: ScanPlan) -> None:
        self.detector = detector
        self.plan = plan
        self.boxes = np.zeros((0, 4), np.float32)  # the faces known (where last found)
        self.templates: list[np.ndarray | None] = []  # their pictures when the detector found them
        self.misses: list[int] = []  # samples in a row each was not found
        # What the full scans of the last RESCUE_ANCHORS anchors found.
        self.recent: deque[np.ndarray] = deque(maxlen=th.RESCUE_ANCHORS)
        self.reference: np.ndarray | None = None  # change thumbnail of the last full scan
        self.full_scans = 0

    def detect(self, bgr: np.ndarray, grey: np.ndarray | None = None, anchor: bool = True) -> np.ndarray:
        """The faces in view in this sample (x, y, w, h rows)."""
        thumb = None if grey is None else _thumbnail(grey)
        if anchor or grey is None or thumb is None or self.reference is None or self._arrived(thumb):
            return self._full_scan(bgr, grey, thumb, anchor)
        found = []
        for k, box in enumerate(self.boxes):
            template = self.templates[k]
            followed = None if template is None else _follow(grey, box, template)
            if followed is None:
                followed = self._look_again(bgr, box)
                if followed is None:  # walking to another seat? a wider look, not at another face
                    others = np.delete(self.boxes, k, axis=0)
                    followed = self._look_again(bgr, box, reach=th.WIDE_LOOK_FACES, away_from=others)
                if followed is not None:
                    self.templates[k] = _template(grey, followed)
            if followed is not None:
                self.boxes[k], self.misses[k] = followed, 0
                found.append(followed)
            else:  # only the detector may find it again: a picture match alone is no face
                self.misses[k] += 1
                self.templates[k] = None
        self._forget()
        return _distinct(np.asarray(found, np.float32).reshape(-1, 4))

    def _full_scan(
        self, bgr: np.ndarray, grey: np.ndarray | None, thumb: np.ndarray | None, anchor: bool
    ) -> np.ndarray:
        """Scan every band. In view are the faces scored as new, those scored only as known
        where a face was known, and the faces known (or found by the last anchors' scans)
        that the scan lacks but a look in a crop around them still finds."""
        self.full_scans += 1
        self.reference = thumb
        found = _distinct(np.concatenate([self._scan_band(bgr, band) for band in self.plan.bands]))
        strong = found[found[:, 4] >= self.detector.min_score, :4]
        weak = found[found[:, 4] < self.detector.min_score]
        # Faces found by the last anchors' scans or in calibration (where people sit).
        recent = _distinct(np.concatenate([self.plan.seen, *self.recent]))
        was_known = _matches(weak[:, :4], np.concatenate([self.boxes, recent])) & (
            weak[:, 4] >= self.detector.weak_score
        )
        weak = weak[:, :4]
        # A weak score in a band may be the band's fault (a face scores 30-70 depending on how
        # it falls on the detector's grid): a second look in a crop around it, where a face
        # is scored as well as it can be, decides whether it is a new face.
        second = (self._look_again(bgr, box, self.detector.min_score) for box in weak[~was_known])
        confirmed = [b for b in second if b is not None]
        strong = np.concatenate([strong, np.asarray(confirmed, np.float32).reshape(-1, 4)])
        faces = np.concatenate([strong, weak[was_known]])
        kept_boxes, kept_templates, kept_misses = [], [], []
        for k, box in enumerate(self.boxes):
            if _matches(box[None], faces)[0]:
                continue
            again = self._look_again(bgr, box)
            if again is not None:
                faces = np.concatenate([faces, again[None]])
            else:  # not counted now; looked for again (by the detector) on the next samples
                kept_boxes.append(box)
                kept_templates.append(None)
                kept_misses.append(self.misses[k] + 1)
        for box in recent[~_matches(recent, np.concatenate([faces, self.boxes]))]:
            again = self._look_again(bgr, box)
            if again is not None:
                faces = np.concatenate([faces, again[None]])
        faces = _distinct(faces)
        self.boxes = np.concatenate([faces, np.asarray(kept_boxes, np.float32).reshape(-1, 4)])
        self.templates = [None if grey is None else _template(grey, b) for b in faces] + kept_templates
        self.misses = [0] * len(faces) + kept_misses
        self._forget()
        if anchor:
            self.recent.append(strong)
        return faces.copy()

    def _forget(self) -> None:
        """Drop the faces not found for MAX_MISSES samples in a row (someone who left), and
        one of two followed to the same place."""
        keep: list[int] = []
        for k, m in enumerate(self.misses):
            same = _matches(self.boxes[k][None], self.boxes[keep])[0] if keep else False
            if m <= th.MAX_MISSES and not same:
                keep.append(k)
        if len(keep) < len(self.misses):
            self.boxes = self.boxes[keep]
            self.templates = [self.templates[k] for k in keep]
            self.misses = [self.misses[k] for k in keep]

    def _scan_band(self, bgr: np.ndarray, band: Band) -> np.ndarray:
        boxes = self._detect_in(
            bgr, 0, band.y0, bgr.shape[1], band.y1, band.scale, self.detector.candidate_score
        )
        centre = boxes[:, 1] + boxes[:, 3] / 2
        return boxes[(centre >= band.own0) & (centre < band.own1)]

    def _detect_in(
        self, bgr: np.ndarray, x0: int, y0: int, x1: int, y1: int, scale: float, min_score: float
    ) -> np.ndarray:
        """Rows x, y, w, h, score in the frame's pixels, of the faces in a part of it."""
        part = bgr[y0:y1, x0:x1]
        if scale != 1.0:
            how = cv2.INTER_LINEAR if scale > 1.0 else cv2.INTER_AREA
            part = cv2.resize(part, None, fx=scale, fy=scale, interpolation=how)
        boxes = self.detector.detect(part, min_score)
        if len(boxes):
            boxes[:, :4] /= np.float32(scale)
            boxes[:, 0] += x0
            boxes[:, 1] += y0
        return boxes

    def _look_again(
        self,
        bgr: np.ndarray,
        box: np.ndarray,
        min_score: float | None = None,
        reach: float | None = None,
        away_from: np.ndarray | None = None,
    ) -> np.ndarray | None:
        """The face near ``box`` in this frame (scored at least ``min_score``, by default the
        detector's score for a face known; within ``reach`` face heights, by default half of
        one; not where a box of ``away_from`` is), or None if it is not there any more."""
        x, y, w, h = (float(v) for v in box)
        m = (th.LOOK_AGAIN_MARGIN if reach is None else reach + 0.5) * h
        height, width = bgr.shape[:2]
        x0, y0 = max(0, int(x - m)), max(0, int(y - m))
        x1, y1 = min(width, int(np.ceil(x + w + m))), min(height, int(np.ceil(y + h + m)))
        scale = float(np.clip(th.LOOK_AGAIN_FACE_PX / h, th.MIN_BAND_SCALE, 2.0))
        score = self.detector.weak_score if min_score is None else min_score
        near = self._detect_in(bgr, x0, y0, x1, y1, scale, score)[:, :4]
        if away_from is not None and len(near) and len(away_from):
            near = near[~_matches(near, away_from)]
        if not len(near):
            return None
        shift = np.linalg.norm((near[:, :2] + near[:, 2:] / 2) - (box[:2] + box[2:] / 2), axis=1)
        best = int(np.argmin(shift))
        return near[best] if shift[best] < (th.TRACK_MAX_SHIFT if reach is None else reach) * h else None

    def _arrived(self, thumb: np.ndarray) -> bool:
        """Whether the picture changed outside the people known, since the last full scan."""
        assert self.reference is not None
        outside = np.ones(thumb.shape, bool)
        r = th.CHANGE_REDUCE
        for x, y, w, h in self.boxes:  # a seated person: the head, and the body below it
            outside[
                max(0, int((y - 0.6 * h) / r)) : int((y + 3.5 * h) / r) + 1,
                max(0, int((x - 0.8 * w) / r)) : int((x + 1.8 * w) / r) + 1,
            ] = False
        rows = slice(self.plan.bands[0].y0 // r, -(-self.plan.bands[-1].y1 // r))
        moved = (cv2.absdiff(thumb, self.reference) > th.CHANGE_PIXEL_DELTA)[rows] & outside[rows]
        return float(np.count_nonzero(moved)) > th.CHANGE_FACES * (self.plan.min_face_px / r) ** 2


def _template(grey: np.ndarray, box: np.ndarray) -> np.ndarray | None:
    x, y, w, h = (int(round(float(v))) for v in box)
    patch = grey[max(0, y) : y + h, max(0, x) : x + w]
    if patch.shape[0] < 4 or patch.shape[1] < 4:
        return None
    f = th.FOLLOW_FACE_PX / h
    return cv2.resize(patch, (max(4, round(w * f)), th.FOLLOW_FACE_PX), interpolation=cv2.INTER_AREA)


def _follow(grey: np.ndarray, box: np.ndarray, template: np.ndarray) -> np.ndarray | None:
    """``box`` moved to where ``template`` matches best nearby, or None if nowhere well."""
    x, y, w, h = (float(v) for v in box)
    m = th.FOLLOW_MARGIN * h
    x0, y0 = max(0, int(x - m)), max(0, int(y - m))
    x1, y1 = min(grey.shape[1], int(np.ceil(x + w + m))), min(grey.shape[0], int(np.ceil(y + h + m)))
    f = th.FOLLOW_FACE_PX / h
    size = (round((x1 - x0) * f), round((y1 - y0) * f))
    if size[0] < template.shape[1] or size[1] < template.shape[0]:
        return None
    window = cv2.resize(grey[y0:y1, x0:x1], size, interpolation=cv2.INTER_AREA)
    scores = cv2.matchTemplate(window, template, cv2.TM_CCOEFF_NORMED)
    _, best, _, (bx, by) = cv2.minMaxLoc(scores)
    if best < th.FOLLOW_MIN_MATCH:
        return None
    return np.array([x0 + bx / f, y0 + by / f, w, h], np.float32)


def _thumbnail(grey: np.ndarray) -> np.ndarray:
    r = th.CHANGE_REDUCE
    return cv2.resize(grey, (grey.shape[1] // r, grey.shape[0] // r), interpolation=cv2.INTER_AREA)


def _distinct(boxes: np.ndarray) -> np.ndarray:
    """One box per face: a face on the line between two bands may be found by both."""
    if len(boxes) < 2:
        return boxes
    centre = boxes[:, :2] + boxes[:, 2:4] / 2
    keep: list[int] = []
    for k in range(len(boxes)):
        if all(
            np.linalg.norm(centre[k] - centre[j]) >= th.SAME_FACE_SHIFT * max(boxes[k, 3], boxes[j, 3])
            for j in keep
        ):
            keep.append(k)
    return boxes[keep]


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
    """Faces per sample: the median of the counts of the sample and its two neighbours.

    A face the detector misses on one sample, or a one-off false detection, does not change
    the count; people arriving or leaving do, one sample later at most. Samples whose picture
    is unusable (dark, covered) are no neighbours: beside one, the sample's own count stands.
    """
    n = len(boxes)
    raw = [len(b) for b in boxes]
    out: list[int] = []
    for k in range(n):
        window = [raw[j] for j in (k - 1, k + 1) if 0 <= j < n and usable[j]]
        out.append(int(np.median([*window, raw[k]])) if len(window) == 2 else raw[k])
    return out
