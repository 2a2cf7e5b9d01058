"""Photos on record for the demo people: real photographs that ship in installable packages.

- ``faces/obama.jpg``, ``obama2.jpg``, ``obama3.jpg``, ``biden.jpg``: the test images of the
  ``face_recognition`` 1.3.0 source package on PyPI (MIT licence, Adam Geitgey), shrunk to
  600 px: three photographs of one person taken on different occasions, and another person.
  They are the demo trainee's photo on record, what the check-in's fake camera shows in the
  tests, and the pairs ``benchmarks/identity.py`` calibrates the threshold on.
- scikit-image's ``astronaut`` (Eileen Collins, a NASA portrait, public domain) and the 100
  face crops of its ``lfw_subset`` (Labeled Faces in the Wild, news photographs published for
  research; 25 × 25 grey, enlarged here): one for each other person, so no two share a face.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

FACES = Path(__file__).with_name("faces")
NAMED = ("obama", "obama2", "obama3", "biden")
LFW_SIZE = 200  # the 25 px crops enlarged, so that a face detector finds most of them


def named(name: str) -> bytes:
    """One of the photographs in ``faces/`` (JPEG bytes)."""
    return (FACES / f"{name}.jpg").read_bytes()


def _jpeg(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=90)
    return out.getvalue()


def astronaut() -> bytes:
    from skimage import data  # noqa: PLC0415 (only the demo and the benchmark need it)

    return _jpeg(data.astronaut()[:300, 120:370])


def lfw_faces() -> Iterator[bytes]:
    """The 100 real face crops of scikit-image's ``lfw_subset``, enlarged, as JPEG bytes."""
    from skimage import data  # noqa: PLC0415

    for grey in data.lfw_subset()[:100]:  # the first 100 are faces, the rest are not
        img = Image.fromarray((grey * 255).astype(np.uint8)).resize((LFW_SIZE, LFW_SIZE), Image.BICUBIC)
        yield _jpeg(np.asarray(img.convert("RGB")))


def for_people() -> Iterator[bytes]:
    """A photo for each demo person in turn: the trainee's first (the same person as obama2
    and obama3, which the check-in's camera shows), then everyone else a face of their own."""
    yield named("obama")
    yield named("biden")
    yield astronaut()
    yield from lfw_faces()
