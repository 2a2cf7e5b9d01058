"""The face matcher on real photographs: one person's three photos match, another's do not."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from proctoring import identity
from training_portal.demo import photos


@pytest.fixture(scope="module")
def described():
    matcher = identity.matcher()
    return matcher, {n: matcher.describe(identity.decode(photos.named(n))) for n in photos.NAMED}


def test_the_same_person_on_other_occasions_matches(described):
    matcher, faces = described
    for other in ("obama2", "obama3"):
        result = matcher.compare(faces["obama"], faces[other])
        assert result.same_person, (other, result)
        assert result.similarity > 50


def test_another_person_does_not_match(described):
    matcher, faces = described
    for photo in ("obama", "obama2", "obama3"):
        result = matcher.compare(faces[photo], faces["biden"])
        assert not result.same_person, (photo, result)
        assert result.similarity < 50
    astronaut = matcher.describe(identity.decode(photos.astronaut()))
    assert not matcher.compare(faces["obama"], astronaut).same_person


def test_the_models_are_loaded_once_per_process():
    assert identity.matcher() is identity.matcher()


def _bytes(fmt: str, size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (90, 90, 90)).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"<html>not a picture</html>", "unreadable"),
        (_bytes("GIF"), "format"),
        (_bytes("JPEG")[:200], "unreadable"),  # cut short
        (b"\xff" * (identity.MAX_BYTES + 1), "too_large"),
    ],
)
def test_pictures_are_checked_by_content_and_size(data, code):
    with pytest.raises(identity.NotAFaceImage) as refused:
        identity.decode(data)
    assert refused.value.code == code


def test_a_picture_without_a_face_is_refused(described):
    matcher, _ = described
    with pytest.raises(identity.NotAFaceImage) as refused:
        matcher.describe(identity.decode(_bytes("PNG", (320, 240))))
    assert refused.value.code == "no_face"


def test_a_large_photo_is_shrunk_before_looking_for_faces():
    img = Image.open(io.BytesIO(photos.named("obama"))).resize((2400, 3000))
    out = io.BytesIO()
    img.save(out, "JPEG")
    assert max(identity.decode(out.getvalue()).shape[:2]) <= identity.WORK_SIZE
