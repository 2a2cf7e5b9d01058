"""The proctors' console of a room: the room's JSON (its shape, and that only the room's two
proctors read it), the bulk acts (only the seats they apply to, an audit entry each, all or
nothing) and the room report's log in Chinese with the signing remarks."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from training_portal.accounts import operations as account_ops
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.core.permissions import Role
from training_portal.exams import attempts
from training_portal.exams import sessions as session_ops
from training_portal.exams.applications import ExamError
from training_portal.exams.models import (
    ApplicationStatus,
    AttemptState,
    ExamApplication,
    ExamAttempt,
    ProctorAction,
)
from training_portal.people import operations as people_ops
from training_portal.people.models import OperationType, PersonnelCategory

from .. import factories as make
from ..conftest import csrf_token, login, png_bytes
from .conftest import CANDIDATE_PASSWORD, approved, candidate_user, gas_inspectors, new_session


def approved_candidate(users, name: str | None = None) -> ExamApplication:
    """A gas inspector of a test's own with an approved application: the demo has four without a
    seat, a full room needs thirty. The application is written as approved, not reviewed (the
    reviews are tested elsewhere; a made person has no training hours for the pre-check)."""
    person = make.person(name, operation_type=OperationType.COAL_GAS_INSPECTION)
    application = ExamApplication(
        person_id=person.id,
        category=PersonnelCategory.SPECIAL_OPERATOR,
        operation_type=OperationType.COAL_GAS_INSPECTION,
        status=ApplicationStatus.APPROVED,
        submitted_by_id=users["admin"].id,
    )
    db.session.add(application)
    db.session.flush()
    return application


ID_CARD = "核对身份证原件"


def _open_room(users, n: int, checked: int, started: int) -> tuple:
    """A new open room of ``n`` gas inspectors (the demo's first): the first ``checked`` with
    their identity confirmed, the first ``started`` of those answering."""
    session = new_session(users)
    demo = [approved(p, users) for p in gas_inspectors()[:n]]
    applications = demo + [approved_candidate(users) for _ in range(n - len(demo))]
    seats = [session_ops.seat(session, a, actor=users["reviewer_center"]) for a in applications]
    session_ops.open_session(session, proctor=users["proctor_center"])
    for attempt in seats[:checked]:
        # Made candidates have no photo on record: the proctor says how identity was checked.
        session_ops.check_identity(attempt, proctor=users["proctor_dept"], confirm=True, reason=ID_CARD)
    for attempt in seats[:started]:
        attempts.start(attempt, candidate=candidate_user(attempt.person))
    db.session.commit()
    return session, seats


def _room(users, n: int = 4):
    """A room of four (or more, answering): answering (seat 1), paused with an irregularity and a
    photo (2), checked and waiting (3), not checked yet (4)."""
    session, seats = _open_room(users, n, checked=3, started=2)
    paused = seats[1]
    session_ops.pause(paused, proctor=users["proctor_center"], reason="身体不适")
    session_ops.record_irregularity(paused, proctor=users["proctor_dept"], reason="交头接耳")
    people_ops.set_photo(paused.person, png_bytes(), actor=users["admin"])
    seats[0].person.photo_key = None  # the demo's photo taken off: seat 1 has none on record
    db.session.commit()
    return session, seats


def _as(app, username, password=None):
    client = app.test_client()
    assert (login(client, username, password) if password else login(client, username)).status_code == 302
    return client


def test_the_room_json_gives_each_seat_its_state_flags_and_open_actions(users, app):
    session, (answering, paused, waiting, unchecked) = _room(users)
    room = _as(app, "proctor_center").get(f"/api/sessions/{session.id}/seats").get_json()
    assert room["status"] == "open" and room["status_label"] == "考试中"
    assert room["bulk"] == {"start_all": 1, "add_time_all": 2}
    seats = {s["attempt"]: s for s in room["seats"]}
    assert [s["seat"] for s in room["seats"]] == [1, 2, 3, 4]
    first = seats[answering.id]
    assert set(first) >= {
        "attempt", "seat", "name", "photo", "state", "state_label", "identity", "answered",
        "questions", "remaining_s", "remaining", "flags", "actions",
    }  # fmt: skip
    assert first["state_label"] == "答题中" and first["questions"] == 17 and first["answered"] == 0
    assert 0 < first["remaining_s"] <= 120 * 60 and first["photo"] is None
    assert first["actions"] == ["pause", "add_time", "allow_new_device", "irregularity", "terminate"]
    assert first["flags"] == []
    second = seats[paused.id]
    assert second["actions"] == ["resume", "add_time", "allow_new_device", "irregularity", "terminate"]
    assert {f["code"] for f in second["flags"]} == {"paused", "irregularity"}
    assert "违纪 1 次" in [f["label"] for f in second["flags"]]
    assert second["photo"] == f"/exams/attempts/{paused.id}/photo"
    assert seats[waiting.id]["actions"] == ["irregularity", "terminate"]
    assert seats[waiting.id]["remaining"] is None
    assert seats[unchecked.id]["actions"] == ["confirm", "refuse", "irregularity", "terminate"]
    assert [f["code"] for f in seats[unchecked.id]["flags"]] == ["identity_pending"]
    # The state changes, and what may be done follows.
    session_ops.resume(paused, proctor=users["proctor_dept"])
    session_ops.terminate(answering, proctor=users["proctor_dept"], reason="携带手机")
    db.session.commit()
    again = {
        s["attempt"]: s
        for s in _as(app, "proctor_dept").get(f"/api/sessions/{session.id}/seats").json["seats"]
    }
    assert again[answering.id]["actions"] == [] and again[answering.id]["state_label"] == "已终止"
    assert again[paused.id]["actions"][0] == "pause"


def test_only_the_rooms_two_proctors_read_the_room(users, app):
    session, (answering, *_rest) = _room(users)
    url = f"/api/sessions/{session.id}/seats"
    # A proctor of the same unit, in charge of another room.
    other_proctor = account_ops.create_user(
        "proctor_other", "别的监考员", actor=None, password="other-pass-1"
    )
    unit_org = next(a.organisation for a in users["proctor_center"].assignments if a.role is Role.PROCTOR)
    account_ops.grant_role(other_proctor, Role.PROCTOR, unit_org, actor=None)
    other_room = session_ops.create_session(
        name="另一考场",
        site=session.site,
        room="第三考场",
        starts_at=session.starts_at,
        category=session.category,
        operation_type=session.operation_type,
        blueprint=session.blueprint,
        seats=10,
        actor=users["reviewer_center"],
    )
    for proctor in (other_proctor, users["proctor_dept"]):
        session_ops.assign_proctor(other_room, proctor, actor=users["reviewer_center"])
    db.session.commit()
    assert (
        _as(app, "proctor_other", "other-pass-1").get(f"/api/sessions/{other_room.id}/seats").status_code
        == 200
    )
    for client in (
        _as(app, "proctor_other", "other-pass-1"),  # same unit, not this room
        _as(app, "reviewer_center"),  # the unit that runs the room: schedules, does not proctor
        _as(app, "regulator"),  # sees the room's page, not its live seats
        _as(app, candidate_user(answering.person).username, CANDIDATE_PASSWORD),  # a candidate in it
    ):
        refused = client.get(url)
        assert refused.status_code == 403 and "seats" not in refused.get_json()
    assert app.test_client().get(url).status_code == 401
    assert _as(app, "proctor_center").get(f"/api/sessions/{session.id + 1000}/seats").status_code == 404


def _post(client, session, path, data=None):
    token = csrf_token(client, f"/exams/sessions/{session.id}")
    return client.post(f"/exams/sessions/{session.id}/{path}", data={"csrf_token": token, **(data or {})})


def _actions(kind):
    return db.session.scalars(select(ProctorAction).where(ProctorAction.kind == kind)).all()


def _audits(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_start_all_starts_only_the_checked_waiting_seats(users, app):
    session, (answering, paused, waiting, unchecked) = _room(users)
    started_before = answering.started_at
    candidate_name = candidate_user(waiting.person).username
    db.session.commit()
    client = _as(app, "proctor_dept")
    assert _post(client, session, "start-all").status_code == 302
    db.session.expire_all()
    assert waiting.state is AttemptState.ANSWERING and waiting.paper_id is not None
    assert waiting.deadline - waiting.started_at == timedelta(minutes=waiting.paper.duration_minutes)
    assert unchecked.state is AttemptState.NOT_STARTED and unchecked.paper_id is None
    assert answering.started_at == started_before and paused.state is AttemptState.PAUSED
    assert [(a.attempt_id, a.by_id) for a in _actions("start_all")] == [
        (waiting.id, users["proctor_dept"].id)
    ]
    starts = [e for e in _audits("attempt.start") if e.object_id == str(waiting.id)]
    assert len(starts) == 1 and starts[0].actor_user_id == users["proctor_dept"].id
    (bulk,) = _audits("session.start_all")
    assert bulk.after["attempts"] == [waiting.id]
    # Nothing is left to start: refused, with the reason on the page.
    again = _post(client, session, "start-all")
    assert again.status_code == 409 and "没有可以开考的座位" in again.text
    # The candidate's page, which asks every few seconds while waiting, finds the exam running.
    candidate = _as(app, candidate_name, CANDIDATE_PASSWORD)
    body = candidate.get(f"/api/attempts/{waiting.id}").get_json()
    assert body["state"] == "answering" and len(body["paper"]) == 17


def test_add_time_for_all_moves_only_the_running_seats(users, app):
    session, (answering, paused, waiting, unchecked, finished) = _room(users, 5)
    session_ops.check_identity(finished, proctor=users["proctor_dept"], confirm=True, reason=ID_CARD)
    attempts.start(finished, candidate=candidate_user(finished.person))
    attempts.submit(finished, candidate=candidate_user(finished.person))
    db.session.commit()
    before = {a.id: a.deadline for a in (answering, paused, waiting, unchecked, finished)}
    client = _as(app, "proctor_center")
    refused = _post(client, session, "add-time-all", {"minutes": "10", "reason": ""})
    assert refused.status_code == 422 and not _actions("add_time")
    assert _post(client, session, "add-time-all", {"minutes": "10", "reason": "考场停电"}).status_code == 302
    db.session.expire_all()
    for attempt in (answering, paused):
        assert attempt.deadline == before[attempt.id] + timedelta(minutes=10)
    for attempt in (waiting, unchecked, finished):
        assert attempt.deadline == before[attempt.id]
    added = _actions("add_time")
    assert sorted(a.attempt_id for a in added) == sorted([answering.id, paused.id])
    assert {(a.minutes, a.reason, a.by_id) for a in added} == {(10, "考场停电", users["proctor_center"].id)}
    assert len(_audits("attempt.add_time")) == 2
    (bulk,) = _audits("session.add_time_all")
    assert bulk.after == {"attempts": [answering.id, paused.id], "minutes": 10, "reason": "考场停电"}


@pytest.mark.parametrize("path", ["start-all", "add-time-all"])
def test_a_bulk_act_failing_at_one_seat_leaves_every_seat_as_it_was(users, app, monkeypatch, path):
    session, seats = _open_room(users, 3, checked=3, started=3 if path == "add-time-all" else 0)
    before = {a.id: (a.state, a.deadline, a.paper_id) for a in seats}
    papers = db.session.scalar(
        select(func.count()).select_from(ExamAttempt).where(ExamAttempt.paper_id.is_not(None))
    )
    audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    # The second seat fails half-way through (as a seat that stopped qualifying would).
    name = "begin" if path == "start-all" else "add_time"
    real, calls = getattr(session_ops, name), []

    def failing(attempt, **kw):
        calls.append(attempt.id)
        if len(calls) == 2:
            raise ExamError("这个座位出了问题", status=409)
        return real(attempt, **kw)

    monkeypatch.setattr(session_ops, name, failing)
    response = _post(_as(app, "proctor_center"), session, path, {"minutes": "5", "reason": "补时"})
    assert response.status_code == 409 and "这个座位出了问题" in response.text
    assert len(calls) == 2  # the first seat had been acted on
    db.session.expire_all()
    assert {a.id: (a.state, a.deadline, a.paper_id) for a in seats} == before
    assert not db.session.scalars(
        select(ProctorAction).where(ProctorAction.kind.in_(("add_time", "start_all")))
    ).all()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits
    assert (
        db.session.scalar(
            select(func.count()).select_from(ExamAttempt).where(ExamAttempt.paper_id.is_not(None))
        )
        == papers
    )


def test_the_report_tells_every_act_in_chinese_with_who_when_why_and_the_signing_remarks(users, app):
    session, (answering, paused, waiting, unchecked) = _room(users)
    session_ops.add_time(paused, proctor=users["proctor_center"], minutes=5, reason="停电补时")
    session_ops.resume(paused, proctor=users["proctor_center"])
    for attempt in (answering, paused):
        attempts.submit(attempt, candidate=candidate_user(attempt.person))
    session_ops.terminate(waiting, proctor=users["proctor_dept"], reason="替考嫌疑")
    session_ops.sign(session, proctor=users["proctor_center"], remarks="第3座位开考前被终止，已报告")
    db.session.commit()
    client = _as(app, "proctor_dept")
    sign = client.post(
        f"/exams/sessions/{session.id}/sign",
        data={"csrf_token": csrf_token(client, f"/exams/sessions/{session.id}"), "remarks": "考场秩序良好"},
    )
    assert sign.status_code == 302
    page = client.get(f"/exams/sessions/{session.id}/report").text
    for code in ("pause", "add_time", "irregularity", "identity_confirm", "terminate", "resume"):
        assert f">{code}<" not in page
    events = page.split('data-test="events"')[1].split("</table>")[0]
    for words in (
        "监考暂停",
        "身体不适",
        "延长时间",
        "停电补时",
        "5 分钟",
        "恢复答题",
        "替考嫌疑",
        "交头接耳",
        "身份已确认",
    ):
        assert words in events, words
    assert users["proctor_center"].display_name in events and users["proctor_dept"].display_name in events
    signatures = page.split('data-test="signatures"')[1].split("</table>")[0]
    assert "第3座位开考前被终止，已报告" in signatures and "考场秩序良好" in signatures
    book = load_workbook(io.BytesIO(client.get(f"/exams/sessions/{session.id}/report.xlsx").data))
    log = list(book["考场记录"].iter_rows(min_row=2, values_only=True))
    assert ("监考暂停", users["proctor_center"].display_name, "身体不适") in [(r[3], r[5], r[6]) for r in log]
    assert all(r[0] and r[5] for r in log)  # every act has its time and who
    remarks = {r[3] for r in book["签字"].iter_rows(min_row=2, values_only=True)}
    assert remarks == {"第3座位开考前被终止，已报告", "考场秩序良好"}
