"""Attendance: staff signing trainees in and out, and the rotating classroom code."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from proctoring import operations as proctoring_ops

from ...core import audit, policy
from ...core.db import db, utcnow
from ...core.errors import CONFLICT
from ...core.i18n import local_zone
from ...people.models import Person
from .. import hours
from ..models import (
    Attendance,
    CodeFailure,
    Enrolment,
    HourCredit,
    Lesson,
    TrainingClass,
    VideoVerdict,
)
from ._base import CODE_LOCK_FAILURES, CODE_LOCK_MINUTES, CODE_SECONDS, SIGN_IN_EARLY, TrainingError
from .video_check import recordings_of, verify_lesson


def lesson_code(lesson: Lesson, at: datetime, *, previous: bool = False) -> str:
    """The six digits shown in the classroom at ``at``; they change every CODE_SECONDS."""
    window = int(at.timestamp()) // CODE_SECONDS - (1 if previous else 0)
    key = current_app.config["SECRET_KEY"].encode() + bytes.fromhex(lesson.code_secret)
    digest = hmac.new(key, f"lesson:{lesson.id}:{window}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def _enrolled(lesson: Lesson, person: Person) -> None:
    if not any(e.person_id == person.id for e in lesson.training_class.enrolments):
        raise TrainingError(_l("%(name)s is not on this class's roster.", name=person.name))


def _attendance(lesson: Lesson, person: Person) -> Attendance | None:
    return next((a for a in lesson.attendance if a.person_id == person.id), None)


def sign_in(lesson: Lesson, person: Person, *, at: datetime, actor) -> Attendance:
    """签到. ``actor`` is the staff member marking it, or None for the trainee's own code."""
    _enrolled(lesson, person)
    if _attendance(lesson, person) is not None:
        raise TrainingError(_l("%(name)s has signed in already.", name=person.name), status=CONFLICT)
    if not lesson.starts_at - SIGN_IN_EARLY <= at <= lesson.ends_at:
        raise TrainingError(
            _l("Signing in is open from 30 minutes before the lesson until it ends."), status=CONFLICT
        )
    attendance = Attendance(
        lesson=lesson, person=person, signed_in_at=at, signed_in_by_id=actor.id if actor else None
    )
    db.session.add(attendance)
    db.session.flush()
    audit.record(
        "attendance.sign_in",
        attendance,
        actor=actor,
        organisation=lesson.training_class.center,
        after={"lesson_id": lesson.id, "person_id": person.id, "at": at, "by_code": actor is None},
    )
    _attendance_changed(attendance)
    return attendance


def sign_out(lesson: Lesson, person: Person, *, at: datetime, actor) -> Attendance:
    """签退."""
    _enrolled(lesson, person)
    attendance = _attendance(lesson, person)
    if attendance is None:
        raise TrainingError(_l("%(name)s has not signed in.", name=person.name), status=CONFLICT)
    if attendance.signed_out_at is not None:
        raise TrainingError(_l("%(name)s has signed out already.", name=person.name), status=CONFLICT)
    if at <= attendance.signed_in_at:
        raise TrainingError(_l("Signing out must come after signing in."))
    attendance.signed_out_at = at
    attendance.signed_out_by_id = actor.id if actor else None
    db.session.flush()
    audit.record(
        "attendance.sign_out",
        attendance,
        actor=actor,
        organisation=lesson.training_class.center,
        after={"lesson_id": lesson.id, "person_id": person.id, "at": at, "by_code": actor is None},
    )
    _attendance_changed(attendance)
    return attendance


def sign_out_everyone(lesson: Lesson, *, actor) -> int:
    """At the end of a lesson, staff sign out everyone still signed in, at the lesson's end."""
    if utcnow() < lesson.ends_at:
        raise TrainingError(_l("The lesson has not ended yet."), status=CONFLICT)
    open_ones = [a for a in lesson.attendance if a.signed_out_at is None]
    for attendance in open_ones:
        sign_out(lesson, attendance.person, at=lesson.ends_at, actor=actor)
    return len(open_ones)


def check_in_with_code(person: Person, code: str, *, at: datetime | None = None) -> Attendance:
    """A trainee's phone: the code shown in the classroom signs them in, the next time out.
    A wrong code is recorded in a transaction of its own (it must outlive the refused request),
    so call this before writing anything else in the request: SQLite has one writer at a time."""
    at = at or utcnow()
    recent = db.session.scalar(
        select(func.count(CodeFailure.id)).where(
            CodeFailure.person_id == person.id, CodeFailure.at > at - timedelta(minutes=CODE_LOCK_MINUTES)
        )
    )
    if recent >= CODE_LOCK_FAILURES:
        raise TrainingError(
            _l("Too many wrong codes; try again in %(n)d minutes or ask the staff.", n=CODE_LOCK_MINUTES)
        )
    code = unicodedata.normalize("NFKC", code or "").strip()
    lessons = db.session.scalars(
        select(Lesson)
        .join(TrainingClass)
        .join(Enrolment, Enrolment.class_id == TrainingClass.id)
        .where(
            Enrolment.person_id == person.id,
            Lesson.starts_at <= at + SIGN_IN_EARLY,
            Lesson.ends_at >= at - SIGN_IN_EARLY,
        )
    ).all()
    for lesson in lessons:
        if any(hmac.compare_digest(code, lesson_code(lesson, at, previous=p)) for p in (False, True)):
            attendance = _attendance(lesson, person)
            if attendance is None:
                return sign_in(lesson, person, at=at, actor=None)
            return sign_out(lesson, person, at=min(at, lesson.ends_at), actor=None)
    # Recorded in its own transaction: the refusal rolls the request back, the failure must stay.
    with db.engine.begin() as connection:
        connection.execute(CodeFailure.__table__.insert().values(person_id=person.id, at=at))
    if not lessons:
        raise TrainingError(_l("None of your classes has a lesson now."), status=CONFLICT)
    raise TrainingError(_l("The code is not right or has expired; type the one shown now."))


def _attendance_changed(attendance: Attendance) -> None:
    """Recompute the hours this attendance earns; the head count changed, so re-check the video."""
    lesson = attendance.lesson
    earned = hours.credit(
        lesson.starts_at,
        lesson.ends_at,
        lesson.hours_tenths,
        attendance.signed_in_at,
        attendance.signed_out_at,
        zone=local_zone(),
        grace=timedelta(minutes=policy.get("training.grace_minutes")),
    )
    attendance.credits = [
        HourCredit(
            person_id=attendance.person_id,
            lesson_id=lesson.id,
            course_id=lesson.training_class.course_id,
            year=year,
            tenths=tenths,
            earned_on=on,
        )
        for year, (tenths, on) in sorted(earned.items())
    ]
    db.session.flush()
    if lesson.video_verdict is not VideoVerdict.NO_VIDEO:
        for recording in recordings_of(lesson):  # their absent/overcrowded events too
            proctoring_ops.rejudge_head_count(recording, proctoring_ops.rosters_for(recording) or [])
        verify_lesson(lesson)
