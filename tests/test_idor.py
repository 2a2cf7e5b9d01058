"""Object-level access (IDOR): each kind of object that belongs to someone — an exam attempt, an
upload, a classroom recording and its evidence, a person's record, a certificate — asked for by
id by someone of another person or organisation, with the permission to see such objects in
general. Each is refused, and nothing changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from proctoring.models import Recording, RecordingEvent
from training_portal.accounts import operations as account_ops
from training_portal.core import storage
from training_portal.core.db import db, utcnow
from training_portal.core.permissions import Role
from training_portal.exams.models import ExamAttempt
from training_portal.organisations.models import Classroom, MineEnterprise, Organisation
from training_portal.people.models import Person

from .certificates.conftest import certified
from .conftest import csrf_token, login
from .exams.conftest import CANDIDATE_PASSWORD, gas_inspectors, seated, users_by_name

pytestmark = pytest.mark.one_backend

OTHER_PASSWORD = "other-password-1"


def _user(username: str, role: Role, org_name: str):
    org = db.session.scalar(select(Organisation).where(Organisation.name == org_name))
    user = account_ops.create_user(username, username, actor=None, password=OTHER_PASSWORD)
    account_ops.grant_role(user, role, org, actor=None)
    return user


@pytest.fixture()
def world(demo):
    users = users_by_name()
    mine_attempt, _ = seated(users, gas_inspectors()[0])
    theirs, their_user = seated(users, gas_inspectors()[0])
    _user("datong_staff", Role.CENTER_STAFF, "大同市安全生产培训学校")
    _user("datong_regulator", Role.REGULATOR, "大同市应急管理局")
    room = db.session.scalar(select(Classroom).join(Classroom.center).where(
        Organisation.name == "太原煤炭安全技术培训中心"))
    start = utcnow() - timedelta(days=1)
    recording = Recording(classroom_id=room.id, starts_at=start, ends_at=start + timedelta(hours=1),
                          filename="a.mp4", storage_key="recordings/none.mp4", size_bytes=1, sha256="0" * 64,
                          duration_s=3600, width=640, height=360, retain_until=date(2099, 1, 1),
                          status="analysed", uploaded_by_id=users["center"].id,
                          report={"duration_s": 3600.0, "wall_s": 1.0, "roster": None, "samples": []})
    frame = storage.save("evidence_frames", b"\xff\xd8\xff\xd9", ".jpg")
    recording.events = [RecordingEvent(kind="covered", start_s=1, end_s=9, confidence=0.9,
                                       evidence_key=frame)]
    db.session.add(recording)
    zuoyun = db.session.scalar(select(MineEnterprise).where(MineEnterprise.name == "左云宏泰煤业有限公司"))
    datong_worker = db.session.scalar(select(Person).where(Person.employer_id == zuoyun.id).limit(1))
    db.session.commit()
    certificate = certified(users)
    return {"attempt": mine_attempt, "their_user": their_user, "theirs": theirs, "recording": recording,
            "datong_worker": datong_worker, "certificate": certificate, "room": room}


def _client(app, username, password):
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client, "/")
    return client


def test_another_candidates_attempt_is_not_found(app, world):
    client = _client(app, world["their_user"].username, CANDIDATE_PASSWORD)
    target = world["attempt"]
    before = (target.saved_seq, dict(target.answers), target.state)
    for method, path, body in [("GET", f"/api/attempts/{target.id}", None),
                               ("PUT", f"/api/attempts/{target.id}/answers", {"answers": {}, "seq": 99}),
                               ("POST", f"/api/attempts/{target.id}/start", None),
                               ("POST", f"/api/attempts/{target.id}/submit", None),
                               ("GET", f"/exam/{target.id}", None)]:
        response = client.open(path, method=method, json=body)
        assert response.status_code == 404, (method, path, response.status_code)
    ids = [a["id"] for a in client.get("/api/me/attempts").json]
    assert ids == [world["theirs"].id]
    db.session.expire_all()
    after = db.session.get(ExamAttempt, target.id)
    assert (after.saved_seq, after.answers, after.state) == before


def test_another_centers_recording_and_upload_are_refused(app, world):
    recording = world["recording"]
    event = recording.events[0]
    own = _client(app, "center", "demo-pass-2026")
    assert own.get(f"/recordings/{recording.id}").status_code == 200
    assert own.get(f"/recordings/events/{event.id}/evidence.jpg").status_code == 200
    upload = own.post("/api/recordings/uploads", json={
        "classroom_id": world["room"].id, "size": 1000, "filename": "a.mp4",
        "starts_at": (datetime.now() - timedelta(hours=3)).isoformat(timespec="minutes"),
        "ends_at": (datetime.now() - timedelta(hours=2)).isoformat(timespec="minutes")})
    assert upload.status_code == 200, upload.text
    upload_id = upload.json["id"]

    for username, password in (("datong_staff", OTHER_PASSWORD), ("trainee", "demo-pass-2026")):
        other = _client(app, username, password)
        assert other.get(f"/recordings/{recording.id}").status_code == 403
        assert other.get(f"/recordings/{recording.id}/progress").status_code == 403
        assert other.get(f"/recordings/events/{event.id}/evidence.jpg").status_code == 403
        assert other.get(f"/api/recordings/uploads/{upload_id}").status_code == 404
        assert other.put(f"/api/recordings/uploads/{upload_id}?offset=0", data=b"x" * 10).status_code == 404
        assert other.post(f"/api/recordings/uploads/{upload_id}/complete").status_code == 404
        assert other.post("/api/recordings/uploads", json={"classroom_id": world["room"].id,
                                                            "size": 10}).status_code in (403, 404)
    assert own.get(f"/api/recordings/uploads/{upload_id}").json["received"] == 0


@pytest.mark.parametrize("who", ["regulator_gujiao", "mine_officer", "center", "datong_staff"])
def test_a_record_outside_ones_organisation_or_jurisdiction_is_refused(app, world, who):
    worker = world["datong_worker"]
    client = _client(app, who, OTHER_PASSWORD if who == "datong_staff" else "demo-pass-2026")
    if who == "datong_staff":  # the center sees only its own trainees, not a mine's staff
        assert client.get(f"/people/{worker.id}").status_code == 403
        return
    assert client.get(f"/people/{worker.id}").status_code == 403
    assert client.get(f"/people/{worker.id}/photo").status_code in (403, 404)
    assert client.get(f"/api/records/{worker.id_number}").status_code in (403, 404)


@pytest.mark.parametrize("who", ["trainee", "datong_regulator", "datong_staff"])
def test_someone_elses_certificate_is_refused(app, world, who):
    certificate = world["certificate"]
    client = _client(app, who, "demo-pass-2026" if who == "trainee" else OTHER_PASSWORD)
    assert client.get(f"/certificates/{certificate.id}").status_code == 403
    assert client.get(f"/certificates/{certificate.id}.pdf").status_code == 403
    response = client.post(f"/certificates/{certificate.id}/status",
                           data={"status": "revoked", "reason": "x", "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 403
    db.session.expire_all()
    assert certificate.status.value == "valid"
    # What anyone may see: the public verification page, with the identity number masked.
    page = client.get(f"/verify/{certificate.serial}").text
    assert certificate.person.id_number not in page
