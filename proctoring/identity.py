"""Face verification: is the face in a camera frame the face of the photo on record?

An aid to the proctor at the seat, never the decision. A matcher turns the largest face of an
RGB image into a descriptor and measures the distance between two descriptors; below
``threshold`` the two are taken to be one person.

``dlib`` is dlib's ResNet face-recognition model (Davis King, 99.38 % on LFW's pairs at the
distance 0.6), run through the ``dlib-bin`` wheel (Boost Software License) with the weights of
the ``face-recognition-models`` package (MIT; the ResNet and the 5-point landmark model are
dlib's own, given as CC0 in dlib-models' README; the 68-point model, not used, is for
non-commercial use only): nothing is downloaded at run time. Its models are loaded once per
process, on first use (about 0.5 s), and shared by every request of that process. The
threshold is calibrated by ``benchmarks/identity.py`` on the real photographs of
``training_portal/demo/faces``.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

DEFAULT = "dlib"
MAX_BYTES = 4 * 1024 * 1024  # a camera frame as JPEG or PNG is well under 1 MB
MAX_PIXELS = 25_000_000
WORK_SIZE = 640  # faces are looked for on the image shrunk to this longest side

_REGISTRY: dict[str, type[FaceMatcher]] = {}
_LOADED: dict[str, FaceMatcher] = {}
_LOCK = threading.Lock()


class NotAFaceImage(ValueError):
    """The bytes are not a usable picture of a face; ``reason`` says why (English, for logs)."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.code = code  # "empty", "too_large", "format", "unreadable", "no_face"


@dataclass(frozen=True)
class Comparison:
    distance: float
    threshold: float
    matcher: str

    @property
    def same_person(self) -> bool:
        return self.distance <= self.threshold

    @property
    def similarity(self) -> int:
        """A percentage for people: 100 at distance 0, 50 at the threshold, 0 at twice it."""
        return int(round(max(0.0, min(1.0, 1 - self.distance / (2 * self.threshold))) * 100))


class FaceMatcher:
    """The interface: ``describe`` an RGB image's largest face, ``distance`` between two."""

    name = ""
    threshold = 0.0

    def describe(self, rgb: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        return float(np.linalg.norm(a - b))

    def compare(self, a: np.ndarray, b: np.ndarray) -> Comparison:
        return Comparison(round(self.distance(a, b), 4), self.threshold, self.name)


def register(name: str):
    def add(factory):
        _REGISTRY[name] = factory
        return factory

    return add


def threshold(name: str = DEFAULT) -> float:
    """The matcher's threshold, without loading its models."""
    return _REGISTRY[name].threshold


def matcher(name: str = DEFAULT) -> FaceMatcher:
    """The process's one instance of the matcher ``name`` (its models loaded on first use)."""
    with _LOCK:
        if name not in _LOADED:
            _LOADED[name] = _REGISTRY[name]()
        return _LOADED[name]


def decode(data: bytes) -> np.ndarray:
    """A JPEG or PNG checked by its content and size, as an RGB array at most WORK_SIZE wide."""
    if not data:
        raise NotAFaceImage("empty image", "empty")
    if len(data) > MAX_BYTES:
        raise NotAFaceImage("image larger than 4 MB", "too_large")
    try:
        with Image.open(io.BytesIO(data)) as img:  # the header only
            if img.format not in ("JPEG", "PNG"):
                raise NotAFaceImage("not a JPEG or PNG image", "format")
            if img.width * img.height > MAX_PIXELS:
                raise NotAFaceImage("too many pixels", "too_large")
            img.draft("RGB", (WORK_SIZE, WORK_SIZE))  # JPEG: decode at a reduced scale
            rgb = img.convert("RGB")
    except NotAFaceImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise NotAFaceImage("too many pixels", "too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise NotAFaceImage("not a readable image", "unreadable") from exc
    rgb.thumbnail((WORK_SIZE, WORK_SIZE))
    return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))


@register("dlib")
class DlibMatcher(FaceMatcher):
    name = "dlib"
    # dlib's own 0.6 (LFW); benchmarks/identity.py measures it on the photographs here.
    threshold = 0.6

    def __init__(self) -> None:
        import dlib  # noqa: PLC0415 (heavy: only a process that compares faces loads it)
        import face_recognition_models as models  # noqa: PLC0415

        self._detect = dlib.get_frontal_face_detector()
        self._shape = dlib.shape_predictor(models.pose_predictor_five_point_model_location())
        self._describe = dlib.face_recognition_model_v1(models.face_recognition_model_location())
        self._lock = threading.Lock()  # one dlib call at a time per process: its objects are not shared-safe

    def describe(self, rgb: np.ndarray) -> np.ndarray:
        with self._lock:
            boxes = self._detect(rgb, 1)  # upsampled once: faces from about 40 px
            if not boxes:
                raise NotAFaceImage("no face found", "no_face")
            box = max(boxes, key=lambda r: r.area())
            shape = self._shape(rgb, box)
            return np.asarray(self._describe.compute_face_descriptor(rgb, shape), dtype=np.float64)
