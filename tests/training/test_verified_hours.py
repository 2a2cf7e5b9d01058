"""Verified hours from the classroom video; the exam rule on training hours; the continuing-
education ledger and its deficits; the reminders; the record's training sections."""

from __future__ import annotations

import socket
import time
from datetime import date, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from proctoring.models import RecordingEvent
from training_portal.accounts import operations as account_ops
from training_portal.core import policy
from training_portal.core.db import db
from training_portal.core.i18n import local_today, local_zone
from training_portal.exams import applications as app_ops
from training_portal.exams.applications import ExamError
from training_portal.notifications import tasks as note_tasks
from training_portal.notifications.models import Notification
from training_portal.organisations.models import MineEnterprise
from training_portal.people import operations as people_ops
from training_portal.people.models import Education, OperationType, Person, PersonnelCategory, Post
from training_portal.training import ledger
from training_portal.training import operations as ops
from training_portal.training.models import CourseKind, VideoVerdict
from training_portal.training.tasks import send_reminders

from .. import factories as make
from ..conftest import login, png_bytes
from .helpers import analysed_recording, attend, give_hours, lesson_for

SAFETY = PersonnelCategory.SAFETY_MANAGER


def _managers(n: int = 3) -> list[Person]:
    """Safety managers of the Longjiabao mine (the deputy directors, in office since 2024)."""
    mine = db.session.scalar(select(MineEnterprise).where(MineEnterprise.name == "龙嘉堡煤矿"))
    staff = db.session.scalars(select(Person).where(Person.employer_id == mine.id).order_by(Person.id))
    return [
        p
        for p in staff
        if any(x.post.personnel_category is SAFETY and x.post.is_five_manager for x in p.posts)
    ][:n]


def _hours(person: Person, lesson) -> dict:
    course_id = lesson.training_class.course_id
    return next(r for r in ledger.course_year_hours(person) if r["course"].id == course_id)


# ----------------------------------------------------------------------------- the video verdict


def test_an_analysed_video_with_the_right_head_count_verifies_the_lesson(users):
    people = _managers(3)
    lesson = lesson_for(people, SAFETY, 40)
    assert lesson.video_verdict is VideoVerdict.NO_VIDEO
    attend(lesson, people)
    analysed_recording(lesson, faces=3)
    assert lesson.video_verdict is VideoVerdict.IN_USE
    assert _hours(people[0], lesson)["verified"] == 40


@pytest.mark.parametrize("faces", [0, 1, 5, 12])
def test_a_head_count_far_from_the_signed_in_trainees_does_not_verify(users, faces):
    people = _managers(3)
    lesson = lesson_for(people, SAFETY, 40)
    attend(lesson, people)
    analysed_recording(lesson, faces=faces)
    assert lesson.video_verdict is VideoVerdict.NOT_IN_USE
    assert (_hours(people[0], lesson)["claimed"], _hours(people[0], lesson)["verified"]) == (40, 0)


@pytest.mark.parametrize("kind", ["covered", "dark", "frozen", "scene_change", "looped"])
def test_an_untrusted_camera_does_not_verify(users, kind):
    people = _managers(2)
    lesson = lesson_for(people, SAFETY, 40)  # 180 minutes
    attend(lesson, people)
    analysed_recording(
        lesson, faces=2, events=[RecordingEvent(kind=kind, start_s=600.0, end_s=2700.0, confidence=0.9)]
    )
    assert lesson.video_verdict is VideoVerdict.NOT_IN_USE
    assert lesson.video_detail["why"] == "untrusted" and lesson.video_detail["verified_percent"] < 90


def test_an_incident_in_the_first_minutes_alone_does_not_reject_the_lesson(users):
    # The lights were switched on a minute into a 3-hour lesson: that minute is lost, not the lesson.
    people = _managers(2)
    lesson = lesson_for(people, SAFETY, 40)
    attend(lesson, people)
    analysed_recording(
        lesson, faces=2, events=[RecordingEvent(kind="dark", start_s=0.0, end_s=180.0, confidence=0.9)]
    )
    assert lesson.video_verdict is VideoVerdict.IN_USE
    assert 98 <= lesson.video_detail["verified_percent"] < 100


def test_a_recording_that_misses_part_of_the_lesson_does_not_verify(users):
    people = _managers(2)
    lesson = lesson_for(people, SAFETY, 40)
    attend(lesson, people)
    analysed_recording(lesson, faces=2, end=lesson.ends_at - timedelta(minutes=30))
    assert lesson.video_verdict is VideoVerdict.NOT_IN_USE
    assert lesson.video_detail["reason"] == "gap"
    # The rest of the lesson arrives in a second file: now the whole slot is covered.
    analysed_recording(lesson, faces=2, start=lesson.ends_at - timedelta(minutes=31))
    assert lesson.video_verdict is VideoVerdict.IN_USE


def test_a_recording_not_yet_analysed_leaves_the_lesson_pending_and_a_sign_in_rechecks(users):
    people = _managers(3)
    lesson = lesson_for(people, SAFETY, 40)
    attend(lesson, people[:2])
    recording = analysed_recording(lesson, faces=3)
    assert lesson.video_verdict is VideoVerdict.IN_USE  # 3 faces, 2 signed in: within one person
    recording.status = "queued"
    ops.verify_lesson(lesson)
    assert lesson.video_verdict is VideoVerdict.PENDING
    recording.status = "analysed"
    recording.report = recording.report | {
        "samples": [{"t": s["t"], "faces": 0} for s in recording.report["samples"]]
    }
    attend(lesson, people[2:])  # a late sign-in changes the count: the verdict is checked again
    assert lesson.video_verdict is VideoVerdict.NOT_IN_USE


def test_coverage_is_the_share_of_held_class_hours_with_analysed_video(users, client):
    people = _managers(2)
    verified = give_hours(people, SAFETY, 40)
    room = verified.training_class.classroom
    later = verified.ends_at + timedelta(hours=1)
    unverified = ops.add_lesson(
        verified.training_class,
        "Without video",
        later,
        later + timedelta(minutes=90),
        20,
        actor=users["center"],
    )
    attend(unverified, people)
    row = next(
        r
        for r in ledger.coverage(room.center, verified.starts_at.year, datetime.now(local_zone()))
        if r.classroom.id == room.id
    )
    assert row.lessons == 2
    assert row.scheduled_s == (verified.ends_at - verified.starts_at).total_seconds() + 5400
    assert round(row.percent) == round(100 * 180 / 270) and row.verified_percent == row.percent
    db.session.commit()
    login(client, "center")
    page = client.get(f"/training/coverage?year={verified.starts_at.year}").get_data(as_text=True)
    assert f'data-test="room-{room.id}">67%' in page
    report = client.get(f"/recordings/{verified.video_detail['recordings'][0]}").get_data(as_text=True)
    assert 'data-test="lessons"' in report and "视频已核验" in report  # the verdict per lesson


# ----------------------------------------------------------------------------- the exam rule


def _apply(person: Person, actor):
    papers = {"appointment_document": "evidence/a.pdf", "diploma": "evidence/d.pdf"}
    return app_ops.submit_application(person, SAFETY, actor=actor, evidence=papers)


def test_an_application_needs_the_initial_hours_verified(users):
    one, two, three = _managers(3)
    give_hours([one], SAFETY, 480)
    give_hours([two], SAFETY, 479)
    give_hours([three], SAFETY, 480, verified=False)
    assert _apply(one, users["admin"]).precheck[0]["ok"] is True
    with pytest.raises(ExamError, match=r"47\.9"):
        _apply(two, users["admin"])
    with pytest.raises(ExamError, match=r"\b0\b.*48|48.*\b0\b"):  # 48 claimed, none verified
        _apply(three, users["admin"])


def test_claimed_hours_count_when_the_policy_says_so(users):
    (one,) = _managers(1)
    give_hours([one], SAFETY, 480, verified=False)
    policy.set_value("training.exam_needs_verified_hours", 0, actor=users["admin"])
    assert _apply(one, users["admin"]).status.value == "submitted"


def test_only_initial_training_for_the_category_within_the_window_counts(users):
    one, two, three = _managers(3)
    give_hours([one], SAFETY, 480, kind=CourseKind.ANNUAL)  # re-training is not initial training
    give_hours([two], PersonnelCategory.PRINCIPAL, 480)  # another category's course
    old = datetime(2023, 3, 1, 8, tzinfo=local_zone())  # 24 months' window: too long ago
    give_hours([three], SAFETY, 480, starts_at=old)
    for person in (one, two, three):
        check = ledger.training_check(person, SAFETY, None, local_today())
        assert not check.ok and check.have == 0


def test_a_special_operation_course_counts_only_for_its_type(users):
    worker = make.person(operation_type=OperationType.COAL_BLASTING)  # no hours of any type yet
    policy.set_value("training.initial_hours", {"special_operator": 8}, actor=users["admin"])
    give_hours([worker], PersonnelCategory.SPECIAL_OPERATOR, 80, operation_type=OperationType.COAL_BLASTING)
    gas, blasting = (
        ledger.training_check(worker, PersonnelCategory.SPECIAL_OPERATOR, t, local_today())
        for t in (OperationType.COAL_GAS_INSPECTION, OperationType.COAL_BLASTING)
    )
    assert (gas.ok, blasting.ok) == (False, True)
    review = ledger.training_check(
        worker,
        PersonnelCategory.SPECIAL_OPERATOR,
        OperationType.COAL_BLASTING,
        local_today(),
        kind=CourseKind.REVIEW,
    )
    assert not review.ok and review.need == 80  # 复审 needs its own 8 学时


# ----------------------------------------------------------------------------- the ledger


def test_the_annual_duty_starts_the_year_after_taking_office(users):
    (manager,) = _managers(1)
    started = min(p.started_on for p in manager.posts)
    assert ledger.required(manager, started.year).tenths == 0
    assert ledger.required(manager, started.year + 1).tenths == 160


def test_a_fatal_accident_adds_re_training_for_the_managers_and_the_responsible(users):
    (manager,) = _managers(1)
    mine = manager.employer
    operator = next(
        p
        for p in db.session.scalars(select(Person).where(Person.employer_id == mine.id))
        if any(x.post is Post.SPECIAL_OPERATOR for x in p.posts)
    )
    year = local_today().year
    assert ledger.required(operator, year).tenths == 0
    ops.record_accident(mine, local_today(), "顶板事故", responsible=[operator], actor=users["regulator"])
    assert ledger.required(manager, year).tenths == 160 + 160
    assert ledger.required(operator, year).tenths == 160
    assert ledger.required(manager, year - 1).tenths == 160


def test_the_ledger_counts_re_training_and_lists_deficits_for_who_may_see_them(users, user_named):
    done, short = _managers(2)
    give_hours(
        [done], SAFETY, 160, kind=CourseKind.ANNUAL, starts_at=datetime.now(local_zone()) - timedelta(days=2)
    )
    year = local_today().year
    line = next(x for x in ledger.ledger(done) if x.year == year)
    assert (line.required.tenths, line.done, line.deficit) == (160, 160, 0)
    listed = {p.id for p, _ in ledger.deficits(people_ops.visible_people(users["mine_officer"]), year)}
    assert short.id in listed and done.id not in listed
    county = people_ops.visible_people(user_named("regulator_jiutai"))
    elsewhere = {p.id for p, _ in ledger.deficits(county, year)}
    assert short.id in elsewhere
    assert ledger.deficits(people_ops.visible_people(users["trainee"]), year) == []


# ----------------------------------------------------------------------------- reminders


def _account(person: Person, email: str | None = None):
    return account_ops.create_user(
        f"u{person.id}", person.name, actor=None, password_hash="unused", person=person, email=email
    )


def test_reminders_go_once_and_re_training_only_within_60_days_of_the_year_end(users):
    (manager,) = _managers(1)
    account = _account(manager)
    db.session.commit()  # the job runs in a transaction of its own, as in a worker
    year = local_today().year
    early = send_reminders(f"{year}-03-01")
    assert early.get("hours_due") >= 1 and "retraining_due" not in early
    assert send_reminders(f"{year}-03-01").get("hours_due", 0) == 0  # never twice
    late = send_reminders(f"{year}-11-05")
    assert late.get("retraining_due") >= 1 and late.get("hours_due", 0) == 0
    assert send_reminders(f"{year}-11-06") == {}
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == account.id).order_by(Notification.id)
    ).all()
    assert kinds == ["hours_due", "retraining_due"]


def test_trainees_hear_of_their_class_three_days_ahead(users):
    trainee = users["trainee"]
    soon = datetime.now(local_zone()) + timedelta(days=2)
    lesson_for([trainee.person], PersonnelCategory.SPECIAL_OPERATOR, 10, starts_at=soon)
    db.session.commit()
    today = local_today().isoformat()
    assert send_reminders(today).get("class_starting") == 1  # the demo class started yesterday: no note
    assert send_reminders(today).get("class_starting", 0) == 0


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_notification_is_e_mailed_once_where_mail_is_configured(app, users):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        (manager,) = _managers(1)
        account = _account(manager, "m1@example.cn")
        db.session.commit()
        send_reminders(f"{local_today().year}-03-01")
        note = db.session.scalar(select(Notification).where(Notification.user_id == account.id))
        db.session.commit()
        assert note_tasks.email_notification(note.id) is True
        assert note_tasks.email_notification(note.id) is False
        for _ in range(50):
            if inbox.messages:
                break
            time.sleep(0.05)
        assert [m.rcpt_tos for m in inbox.messages] == [["m1@example.cn"]]
        assert b"Subject:" in inbox.messages[0].content
    finally:
        app.config.update(MAIL_SERVER="")
        controller.stop()


# ----------------------------------------------------------------------------- record and upgrades


def test_the_record_api_has_training_and_continuing_education(users, client):
    (manager,) = _managers(1)
    give_hours(
        [manager],
        SAFETY,
        160,
        kind=CourseKind.ANNUAL,
        starts_at=datetime.now(local_zone()) - timedelta(days=3),
    )
    db.session.commit()
    login(client, "regulator")
    body = client.get(f"/api/records/{manager.id_number}").get_json()
    year = local_today().year
    row = next(r for r in body["training"] if r["course"]["title"] == "annual course")
    assert row == {
        "course": row["course"],
        "year": year,
        "claimed_hours": 16.0,
        "verified_hours": 16.0,
        "online_hours": 0.0,
    }
    assert row["course"]["kind"] == "annual"
    # The demo's annual class gave 8 claimed hours, not verified: only the video-verified 16 are done.
    line = next(x for x in body["continuing_education"] if x["year"] == year)
    assert (line["required_hours"], line["claimed_hours"], line["done_hours"]) == (16.0, 24.0, 16.0)


def test_a_degree_upgrade_needs_real_evidence_and_raises_the_education(users):
    worker = users["trainee"].person
    assert worker.education is Education.SENIOR_HIGH
    with pytest.raises(ops.TrainingError):
        ops.record_education_upgrade(
            worker,
            Education.COLLEGE,
            "吉林大学",
            date(2025, 7, 1),
            b"<html>diploma</html>",
            actor=users["mine_officer"],
        )
    ops.record_education_upgrade(
        worker,
        Education.COLLEGE,
        "吉林大学",
        date(2025, 7, 1),
        png_bytes(),
        actor=users["mine_officer"],
        field_of_study="采矿工程",
        mining_related=True,
    )
    assert (worker.education, worker.mining_related_degree) == (Education.COLLEGE, True)
    ops.record_education_upgrade(
        worker, Education.SENIOR_HIGH, "夜校", date(2025, 8, 1), png_bytes(), actor=users["mine_officer"]
    )
    assert worker.education is Education.COLLEGE  # a lower one is kept as evidence, not as the record
