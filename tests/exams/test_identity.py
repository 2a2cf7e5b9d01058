"""The identity check at the seat: the camera's face against the photo on record, a reason to
confirm without a photo, the room's proctors only, everything stored and audited."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.core.permissions import Role
from training_portal.demo import photos
from training_portal.exams import sessions as session_ops
from training_portal.exams.applications import ExamError
from training_portal.exams.models import IdentityCheck, ProctorAction
from training_portal.people import operations as people_ops

from .. import factories as make
from ..conftest import login, png_bytes, token_in
from .conftest import CANDIDATE_PASSWORD, approved, candidate_user, gas_inspectors, new_session

pytestmark = pytest.mark.one_backend


def _waiting_seat(users, photo: str | None = "obama"):
    """A gas inspector seated in an open room, identity not yet checked, with ``photo`` on record."""
    person = gas_inspectors()[0]
    if photo is None:
        person.photo_key = None
    else:
        people_ops.set_photo(person, photos.named(photo), actor=None)
    session = new_session(users)
    attempt = session_ops.seat(session, approved(person, users), actor=users["reviewer_center"])
    session_ops.open_session(session, proctor=users["proctor_center"])
    db.session.commit()
    return attempt


def _entries(attempt, action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.object_id == str(attempt.id))
            .order_by(AuditEntry.id)
        )
    )


def _as(app, username: str, password: str | None = None):
    client = app.test_client()
    assert login(client, username, *([password] if password else [])).status_code == 302
    return client


def _compare(client, attempt, frame: bytes):
    page = client.get(f"/exams/attempts/{attempt.id}/identity")
    return client.post(
        f"/exams/attempts/{attempt.id}/identity/compare",
        data={"frame": (io.BytesIO(frame), "frame.jpg"), "csrf_token": token_in(page.text)},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )


def test_confirming_without_a_photo_needs_a_reason_and_nothing_is_written(users):
    attempt = _waiting_seat(users, photo=None)
    with pytest.raises(ExamError, match="档案中没有照片") as refused:
        session_ops.check_identity(attempt, proctor=users["proctor_dept"], confirm=True, reason="  ")
    assert refused.value.field == "reason"
    db.session.rollback()
    assert attempt.identity is IdentityCheck.PENDING
    assert not db.session.scalars(select(ProctorAction).where(ProctorAction.attempt_id == attempt.id)).all()

    session_ops.check_identity(
        attempt, proctor=users["proctor_dept"], confirm=True, reason="核对身份证原件，本人"
    )
    db.session.commit()
    assert attempt.identity is IdentityCheck.CONFIRMED
    (entry,) = _entries(attempt, "attempt.identity_confirm")
    assert entry.after["reason"] == "核对身份证原件，本人"
    assert entry.after["photo_on_record"] is False
    assert entry.actor_user_id == users["proctor_dept"].id


def test_the_pages_refuse_a_confirmation_without_photo_or_reason(users, app):
    attempt = _waiting_seat(users, photo=None)
    proctor = _as(app, "proctor_dept")
    page = proctor.get(f"/exams/attempts/{attempt.id}/identity")
    assert page.status_code == 200 and 'data-test="no-photo"' in page.text
    assert 'data-test="camera"' not in page.text  # nothing to compare the camera with
    refused = proctor.post(
        f"/exams/attempts/{attempt.id}/identity",
        data={"decision": "confirm", "reason": "", "csrf_token": token_in(page.text)},
    )
    assert refused.status_code == 422 and "档案中没有照片" in refused.text
    room = proctor.post(
        f"/exams/attempts/{attempt.id}/action",
        data={"action": "confirm", "csrf_token": token_in(page.text)},
    )
    assert room.status_code == 422
    db.session.expire_all()
    assert attempt.identity is IdentityCheck.PENDING and not _entries(attempt, "attempt.identity_confirm")


def test_the_check_in_compares_the_camera_with_the_photo_and_the_proctor_decides(users, app):
    attempt = _waiting_seat(users, photo="obama")
    proctor = _as(app, "proctor_center")
    page = proctor.get(f"/exams/attempts/{attempt.id}/identity")
    assert page.status_code == 200 and 'data-test="photo-on-record"' in page.text
    assert proctor.get(f"/exams/attempts/{attempt.id}/photo").mimetype == "image/jpeg"

    other = _compare(proctor, attempt, photos.named("biden"))
    assert other.status_code == 200, other.text
    assert other.json["same_person"] is False and other.json["distance"] > other.json["threshold"]
    same = _compare(proctor, attempt, photos.named("obama2"))
    assert same.json["same_person"] is True and same.json["distance"] < same.json["threshold"]
    db.session.expire_all()
    assert attempt.identity_same_person is True and attempt.identity_distance == same.json["distance"]
    assert [e.after["same_person"] for e in _entries(attempt, "attempt.identity_compare")] == [False, True]
    assert attempt.identity is IdentityCheck.PENDING  # the comparison decides nothing

    done = proctor.post(
        f"/exams/attempts/{attempt.id}/identity",
        data={"decision": "confirm", "reason": "", "csrf_token": token_in(page.text)},
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert attempt.identity is IdentityCheck.CONFIRMED
    (entry,) = _entries(attempt, "attempt.identity_confirm")
    assert float(entry.after["face_distance"]) == same.json["distance"]
    assert entry.after["face_same_person"] is True
    late = _compare(proctor, attempt, photos.named("obama2"))
    assert late.status_code == 200  # not started yet: a second look is still allowed
    assert "很可能是同一人" in proctor.get(f"/exams/attempts/{attempt.id}/identity").text


def test_a_refusal_needs_a_reason_and_is_recorded(users, app):
    attempt = _waiting_seat(users, photo="obama")
    proctor = _as(app, "proctor_dept")
    assert _compare(proctor, attempt, photos.named("biden")).json["same_person"] is False
    token = token_in(proctor.get(f"/exams/attempts/{attempt.id}/identity").text)
    url = f"/exams/attempts/{attempt.id}/identity"
    assert proctor.post(url, data={"decision": "refuse", "csrf_token": token}).status_code == 422
    assert (
        proctor.post(
            url, data={"decision": "refuse", "reason": "与照片不符", "csrf_token": token}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert attempt.identity is IdentityCheck.REFUSED
    (entry,) = _entries(attempt, "attempt.identity_refuse")
    assert entry.after["reason"] == "与照片不符" and entry.after["face_same_person"] is False


def _gif() -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(photos.named("obama2"))).save(out, "GIF")
    return out.getvalue()


def test_a_bad_picture_is_refused_and_nothing_is_stored(users, app):
    attempt = _waiting_seat(users, photo="obama")
    proctor = _as(app, "proctor_center")
    for frame, says in (
        (b"", "没有传来"),
        (b"%PDF-1.4 not an image", "无法读取"),
        (_gif(), "JPEG"),  # a face, but not a camera's JPEG or PNG
        (png_bytes((320, 240)), "人脸"),  # a picture without a face
        (b"\xff\xd8" + b"\0" * (4 * 1024 * 1024), "4 MB"),
    ):
        refused = _compare(proctor, attempt, frame)
        assert refused.status_code == 422 and refused.json["field"] == "frame", refused.json
        assert says in refused.json["reason"], refused.json
    db.session.expire_all()
    assert attempt.identity_distance is None and not _entries(attempt, "attempt.identity_compare")


def test_only_the_rooms_proctors_see_the_check_in_and_compare(users, app):
    attempt = _waiting_seat(users, photo="obama")
    dept = users["proctor_dept"].organisations()[0]
    make.user((Role.PROCTOR, dept), username="other_room_proctor")
    candidate = candidate_user(attempt.person)
    db.session.commit()
    for client in (
        _as(app, "other_room_proctor", make.PASSWORD),
        _as(app, candidate.username, CANDIDATE_PASSWORD),
    ):
        assert client.get(f"/exams/attempts/{attempt.id}/identity").status_code == 403
        token = token_in(client.get("/").text)
        compare = client.post(
            f"/exams/attempts/{attempt.id}/identity/compare",
            data={"frame": (io.BytesIO(photos.named("obama2")), "f.jpg"), "csrf_token": token},
            headers={"Accept": "application/json"},
            content_type="multipart/form-data",
        )
        assert compare.status_code == 403
        decide = client.post(
            f"/exams/attempts/{attempt.id}/identity",
            data={"decision": "confirm", "reason": "x", "csrf_token": token},
        )
        assert decide.status_code == 403
    db.session.expire_all()
    assert attempt.identity is IdentityCheck.PENDING and attempt.identity_distance is None
