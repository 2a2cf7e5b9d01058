"""Object-level access (IDOR): each kind of object that belongs to someone — an exam attempt, an
upload, a classroom recording and its evidence, a person's record, a certificate — asked for by
id by someone of another person or organisation, with the permission to see such objects in
general. Each is refused, and nothing changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from proctoring.models import Recording, RecordingEvent
from training_portal.certificates.models import Certificate, CertificateBatch
from training_portal.core import audit, storage
from training_portal.core.db import db, utcnow
from training_portal.core.permissions import Role
from training_portal.demo.seed import DEMO_COURSE
from training_portal.exams import applications as app_ops
from training_portal.exams import attempts
from training_portal.exams import practical as practical_ops
from training_portal.exams import sessions as session_ops
from training_portal.exams.models import ExamApplication, ExamAttempt, ExamSession, PracticalExam
from training_portal.organisations.models import Classroom, MineEnterprise, Organisation, Region
from training_portal.people.models import Person
from training_portal.training.models import Course

from . import factories as make
from .certificates.conftest import certified
from .conftest import csrf_token, login
from .exams.conftest import (
    CANDIDATE_PASSWORD,
    answer_all_correctly,
    apply,
    approved,
    gas_inspectors,
    new_session,
    passed_practical,
    seated,
    users_by_name,
)

pytestmark = pytest.mark.one_backend

OTHER_PASSWORD = "other-password-1"


def _user(username: str, role: Role, org_name: str):
    org = db.session.scalar(select(Organisation).where(Organisation.name == org_name))
    return make.user((role, org), username=username, password=OTHER_PASSWORD)


@pytest.fixture()
def world(demo):
    users = users_by_name()
    mine_attempt, _ = seated(users, gas_inspectors()[0])
    theirs, their_user = seated(users, gas_inspectors()[0])
    _user("yanbian_staff", Role.CENTER_STAFF, "延边州安全生产培训学校")
    _user("yanbian_regulator", Role.REGULATOR, "延边朝鲜族自治州应急管理局")
    room = db.session.scalar(
        select(Classroom).join(Classroom.center).where(Organisation.name == "长春市矿山安全技术培训中心")
    )
    start = utcnow() - timedelta(days=1)
    recording = Recording(
        classroom_id=room.id,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        filename="a.mp4",
        storage_key="recordings/none.mp4",
        size_bytes=1,
        sha256="0" * 64,
        duration_s=3600,
        width=640,
        height=360,
        retain_until=date(2099, 1, 1),
        status="analysed",
        uploaded_by_id=users["center"].id,
        report={"duration_s": 3600.0, "wall_s": 1.0, "roster": None, "samples": []},
    )
    frame = storage.save("evidence_frames", b"\xff\xd8\xff\xd9", ".jpg")
    recording.events = [
        RecordingEvent(kind="covered", start_s=1, end_s=9, confidence=0.9, evidence_key=frame)
    ]
    db.session.add(recording)
    baliancheng = db.session.scalar(select(MineEnterprise).where(MineEnterprise.name == "珲矿集团八连城煤矿"))
    yanbian_worker = db.session.scalar(select(Person).where(Person.employer_id == baliancheng.id).limit(1))
    db.session.commit()
    certificate = certified(users)
    return {
        "attempt": mine_attempt,
        "their_user": their_user,
        "theirs": theirs,
        "recording": recording,
        "yanbian_worker": yanbian_worker,
        "certificate": certificate,
        "room": room,
    }


def _client(app, username, password):
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client, "/")
    return client


def test_another_candidates_attempt_is_not_found(app, world):
    client = _client(app, world["their_user"].username, CANDIDATE_PASSWORD)
    target = world["attempt"]
    before = (target.saved_seq, dict(target.answers), target.state)
    for method, path, body in [
        ("GET", f"/api/attempts/{target.id}", None),
        ("PUT", f"/api/attempts/{target.id}/answers", {"answers": {}, "seq": 99}),
        ("POST", f"/api/attempts/{target.id}/start", None),
        ("POST", f"/api/attempts/{target.id}/submit", None),
        ("GET", f"/exam/{target.id}", None),
    ]:
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
    upload = own.post(
        "/api/recordings/uploads",
        json={
            "classroom_id": world["room"].id,
            "size": 1000,
            "filename": "a.mp4",
            "starts_at": (datetime.now() - timedelta(hours=3)).isoformat(timespec="minutes"),
            "ends_at": (datetime.now() - timedelta(hours=2)).isoformat(timespec="minutes"),
        },
    )
    assert upload.status_code == 200, upload.text
    upload_id = upload.json["id"]

    for username, password in (("yanbian_staff", OTHER_PASSWORD), ("trainee", "demo-pass-2026")):
        other = _client(app, username, password)
        assert other.get(f"/recordings/{recording.id}").status_code == 403
        assert other.get(f"/recordings/{recording.id}/progress").status_code == 403
        assert other.get(f"/recordings/events/{event.id}/evidence.jpg").status_code == 403
        assert other.get(f"/api/recordings/uploads/{upload_id}").status_code == 404
        assert other.put(f"/api/recordings/uploads/{upload_id}?offset=0", data=b"x" * 10).status_code == 404
        assert other.post(f"/api/recordings/uploads/{upload_id}/complete").status_code == 404
        assert other.post(
            "/api/recordings/uploads", json={"classroom_id": world["room"].id, "size": 10}
        ).status_code in (403, 404)
    assert own.get(f"/api/recordings/uploads/{upload_id}").json["received"] == 0


@pytest.mark.parametrize("who", ["regulator_jiutai", "mine_officer", "center", "yanbian_staff"])
def test_a_record_outside_ones_organisation_or_jurisdiction_is_refused(app, world, who):
    worker = world["yanbian_worker"]
    client = _client(app, who, OTHER_PASSWORD if who == "yanbian_staff" else "demo-pass-2026")
    if who == "yanbian_staff":  # the center sees only its own trainees, not a mine's staff
        assert client.get(f"/people/{worker.id}").status_code == 403
        return
    assert client.get(f"/people/{worker.id}").status_code == 403
    assert client.get(f"/people/{worker.id}/photo").status_code in (403, 404)
    assert client.get(f"/api/records/{worker.id_number}").status_code in (403, 404)


@pytest.mark.parametrize("who", ["trainee", "yanbian_regulator", "yanbian_staff"])
def test_someone_elses_certificate_is_refused(app, world, who):
    certificate = world["certificate"]
    client = _client(app, who, "demo-pass-2026" if who == "trainee" else OTHER_PASSWORD)
    assert client.get(f"/certificates/{certificate.id}").status_code == 403
    assert client.get(f"/certificates/{certificate.id}.pdf").status_code == 403
    response = client.post(
        f"/certificates/{certificate.id}/status",
        data={"status": "revoked", "reason": "x", "csrf_token": csrf_token(client, "/")},
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert certificate.status.value == "valid"
    # What anyone may see: the public verification page, with the identity number masked.
    page = client.get(f"/verify/{certificate.serial}").text
    assert certificate.person.id_number not in page


# ----------------------------------------------------------------------------- sittings and batches


def _certified_in(users, person: Person, region: Region):
    """``person`` seated in a sitting whose exam site lies in ``region``, passed, both units
    signed, practical scored full by both examiners: their certificate, in the sitting's batch."""
    session = new_session(users)
    session.region = region
    attempt, candidate = seated(users, person, session)
    answer_all_correctly(attempt)
    attempts.submit(attempt, candidate=candidate)
    for name in ("proctor_center", "proctor_dept"):
        session_ops.sign(session, proctor=users[name])
    practical = practical_ops.create(
        attempt, [users["proctor_center"], users["proctor_dept"]], actor=users["reviewer_center"]
    )
    full = [float(item["points"]) for item in practical.rubric.items]
    for name in ("proctor_center", "proctor_dept"):
        practical_ops.score(practical, examiner=users[name], item_scores=full)
    db.session.commit()
    return db.session.scalar(select(Certificate).where(Certificate.practical_id == practical.id))


@pytest.fixture()
def yanbian_sitting(demo):
    """A sitting at an exam site in Yanbian, its only candidate a Baliancheng (Yanbian) gas inspector
    with a certificate in the sitting's batch, and the room's recording."""
    users = users_by_name()
    _user("yanbian_regulator", Role.REGULATOR, "延边朝鲜族自治州应急管理局")
    yanbian = db.session.scalar(select(Region).where(Region.code == "222400"))
    worker = next(p for p in gas_inspectors() if p.employer.region.path.startswith(yanbian.path))
    certificate = _certified_in(users, worker, yanbian)
    session = db.session.get(ExamSession, db.session.get(CertificateBatch, certificate.batch_id).session_id)
    start = utcnow() - timedelta(days=1)
    recording = Recording(
        exam_session_id=session.id,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        filename="room.mp4",
        storage_key="recordings/none.mp4",
        size_bytes=1,
        sha256="0" * 64,
        duration_s=3600,
        width=640,
        height=360,
        retain_until=date(2099, 1, 1),
        status="analysed",
        uploaded_by_id=users["proctor_center"].id,
        report={"duration_s": 3600.0, "wall_s": 1.0, "roster": None, "samples": []},
    )
    db.session.add(recording)
    db.session.commit()
    return {"session": session, "certificate": certificate, "worker": worker, "recording": recording}


def _sitting_urls(sitting) -> list[str]:
    session, batch_id = sitting["session"], sitting["certificate"].batch_id
    return [
        f"/exams/sessions/{session.id}",
        f"/exams/sessions/{session.id}/report",
        f"/exams/sessions/{session.id}/report.xlsx",
        f"/certificates/batches/{batch_id}",
        f"/certificates/batches/{batch_id}/progress",
        f"/certificates/batches/{batch_id}.zip",
        f"/certificates/batches/{batch_id}/print.pdf",
        f"/recordings/{sitting['recording'].id}",
        f"/recordings/{sitting['recording'].id}/progress",
    ]


@pytest.mark.parametrize("who", ["regulator_jiutai", "regulator_changchun"])
def test_a_sitting_in_another_city_and_its_batch_are_refused_to_a_regulator(app, yanbian_sitting, who):
    """The finding of issue 17: a county and a city regulator downloaded the room report and the
    certificate batch of a sitting in another city, while its candidate's record was refused."""
    worker = yanbian_sitting["worker"]
    client = _client(app, who, "demo-pass-2026")
    assert client.get(f"/people/{worker.id}").status_code == 403
    for url in _sitting_urls(yanbian_sitting):
        response = client.get(url)
        assert response.status_code in (403, 404), (url, response.status_code)
        for secret in (worker.name, worker.id_number):
            assert secret.encode() not in response.data, (url, secret)
    # Nor does a list show it.
    for url in ("/exams/sessions", "/certificates/batches", "/recordings/"):
        response = client.get(url)
        assert f'/exams/sessions/{yanbian_sitting["session"].id}"' not in response.text, url
        assert f'/certificates/batches/{yanbian_sitting["certificate"].batch_id}"' not in response.text, url
        assert f'/recordings/{yanbian_sitting["recording"].id}"' not in response.text, url


@pytest.mark.parametrize("who", ["yanbian_regulator", "regulator"])
def test_the_regulators_of_the_sittings_region_see_it_and_its_candidates(app, yanbian_sitting, who):
    client = _client(app, who, OTHER_PASSWORD if who == "yanbian_regulator" else "demo-pass-2026")
    for url in _sitting_urls(yanbian_sitting):
        assert client.get(url).status_code == 200, url
    assert (
        yanbian_sitting["worker"].name in client.get(f"/exams/sessions/{yanbian_sitting['session'].id}").text
    )
    assert f'/exams/sessions/{yanbian_sitting["session"].id}"' in client.get("/exams/sessions").text


@pytest.mark.parametrize("who", ["proctor_center", "reviewer_center"])
def test_a_batch_is_for_those_who_may_see_every_certificate_in_it(app, yanbian_sitting, who):
    """The proctors and schedulers run the sitting, yet the PDFs carry identity numbers, birth
    dates and photos they may not see on the holder's record."""
    batch_id = yanbian_sitting["certificate"].batch_id
    client = _client(app, who, "demo-pass-2026")
    assert client.get(f"/exams/sessions/{yanbian_sitting['session'].id}").status_code == 200
    for url in (
        f"/certificates/batches/{batch_id}",
        f"/certificates/batches/{batch_id}.zip",
        f"/certificates/batches/{batch_id}/print.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert yanbian_sitting["worker"].id_number.encode() not in response.data


def test_the_other_units_reviewer_does_not_schedule_or_see_a_sitting(app, demo):
    """A sitting belongs to the unit that scheduled it: the other unit's reviewers neither see it
    nor seat candidates or assign proctors in it (their part is their own proctor)."""
    users = users_by_name()
    session = new_session(users, seats=5)  # scheduled by the education center's reviewer
    person = gas_inspectors()[0]
    application = approved(person, users)
    db.session.commit()
    client = _client(app, "reviewer_dept", "demo-pass-2026")
    for method, url, data in [
        ("GET", f"/exams/sessions/{session.id}", None),
        ("GET", f"/exams/sessions/{session.id}/report.xlsx", None),
        ("POST", f"/exams/sessions/{session.id}/seats", {"application_id": application.id}),
        ("POST", f"/exams/sessions/{session.id}/proctors", {"user_id": users["proctor_center"].id}),
    ]:
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, (method, url, response.status_code)
    db.session.expire_all()
    assert db.session.get(ExamSession, session.id).attempts == []
    # Their own queue shows what waits for their unit, never the other unit's decisions.
    waiting = apply(gas_inspectors()[1], users["admin"])
    app_ops.review_application(waiting, reviewer=users["reviewer_dept"], approve=True)
    db.session.commit()
    assert f'/exams/applications/{waiting.id}"' not in client.get("/exams/reviews").text
    response = client.post(f"/exams/applications/{waiting.id}", data={"decision": "reject", "reason": "x"})
    assert response.status_code == 409  # their unit has reviewed it: a conflict of state (was 422)
    db.session.expire_all()
    assert len(db.session.get(ExamApplication, waiting.id).reviews) == 1


def test_another_centers_class_is_refused(app, world):
    theirs = db.session.scalar(select(Course).where(Course.title == DEMO_COURSE)).classes[0]
    assert theirs.center.name == "长春市矿山安全技术培训中心" and theirs.enrolments
    client = _client(app, "yanbian_staff", OTHER_PASSWORD)
    for url in (f"/training/classes/{theirs.id}", f"/training/lessons/{theirs.lessons[0].id}"):
        response = client.get(url)
        assert response.status_code == 403, url
        for enrolment in theirs.enrolments:
            assert enrolment.person.id_number.encode() not in response.data


def test_the_scheduling_form_gives_the_sitting_its_owner_and_its_sites_region(app, demo):
    """The unit is the scheduler's own; the region is the exam site's, chosen on the form (the
    unit's region, the province, is only the default), and decides which regulators see it."""
    from question_bank.models import Blueprint

    blueprint = db.session.scalar(select(Blueprint).where(Blueprint.purpose == "exam"))
    yanbian = db.session.scalar(select(Region).where(Region.code == "222400"))
    client = _client(app, "reviewer_center", "demo-pass-2026")
    form = client.get("/exams/sessions/new").text
    assert f'value="{yanbian.id}"' in form
    response = client.post(
        "/exams/sessions/new",
        data={
            "name": "延边考点场次",
            "site": "延边州安全生产培训学校考试点",
            "region_id": yanbian.id,
            "room": "第一考场",
            "starts_at": "2030-01-02T09:00",
            "category": "special_operator",
            "operation_type": "coal_gas_inspection",
            "blueprint_id": blueprint.id,
            "seats": 20,
            "csrf_token": csrf_token(client, "/exams/sessions/new"),
        },
    )
    assert response.status_code == 302, response.text
    created = db.session.scalar(select(ExamSession).where(ExamSession.name == "延边考点场次"))
    assert created.region_id == yanbian.id and created.organisation.name == "吉林省应急管理厅教育培训中心"
    assert (
        _client(app, "regulator_changchun", "demo-pass-2026").get(f"/exams/sessions/{created.id}").status_code
        == 403
    )
    assert _client(app, "regulator", "demo-pass-2026").get(f"/exams/sessions/{created.id}").status_code == 200


def test_the_other_units_reviewer_does_not_run_a_sittings_practical(app, demo):
    """A practical exam follows its written sitting: the unit that owns the sitting schedules
    it and chooses its third examiner; the other unit's reviewer neither lists it nor acts."""
    users = users_by_name()
    practical = passed_practical(users)  # its sitting is the education center's
    client = _client(app, "reviewer_dept", "demo-pass-2026")
    assert f'/exams/practicals/{practical.id}"' not in client.get("/exams/practicals").text
    before = audit.entry_count()
    response = client.post(
        f"/exams/practicals/{practical.id}/third", data={"examiner": users["proctor_dept"].id}
    )
    assert response.status_code == 403
    response = client.post(
        "/exams/practicals",
        data={
            "attempt_id": practical.written_attempt_id,
            "examiner1": users["proctor_center"].id,
            "examiner2": users["proctor_dept"].id,
        },
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert audit.entry_count() == before
    assert [e.role for e in db.session.get(PracticalExam, practical.id).examiners] == ["first", "second"]
    owner = _client(app, "reviewer_center", "demo-pass-2026")
    assert f'/exams/practicals/{practical.id}"' in owner.get("/exams/practicals").text
