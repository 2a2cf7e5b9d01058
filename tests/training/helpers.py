"""Makers for training: a course with a class and one lesson, attended and, when asked, shown
in use by an analysed classroom recording (a real row, as the analysis job would store it)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from sqlalchemy import select

from proctoring.models import Recording
from proctoring.signals import recording_changed
from training_portal.accounts.models import User
from training_portal.core.db import db
from training_portal.core.i18n import local_today, local_zone
from training_portal.organisations import operations as org_ops
from training_portal.organisations.models import TrainingCenter
from training_portal.people.models import OperationType, Person, PersonnelCategory
from training_portal.training import operations as ops
from training_portal.training.models import CourseKind, Lesson

_rooms = itertools.count(1)


def admin() -> User:
    return db.session.scalar(select(User).where(User.username == "admin"))


def center() -> TrainingCenter:
    return db.session.scalars(select(TrainingCenter).order_by(TrainingCenter.id)).first()


def analysed_recording(
    lesson: Lesson,
    faces: int,
    *,
    events: list | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Recording:
    """A recording of the lesson's classroom as the analysis job leaves it: a face count every
    minute (a sample every 2 s in real reports; the verdict takes the median either way)."""
    start = start or lesson.starts_at - timedelta(minutes=2)
    end = end or lesson.ends_at + timedelta(minutes=2)
    duration = (end - start).total_seconds()
    recording = Recording(
        classroom_id=lesson.training_class.classroom_id,
        starts_at=start,
        ends_at=end,
        filename="room.mp4",
        storage_key=f"recordings/{next(_rooms):032x}.mp4",
        size_bytes=1,
        sha256="0" * 64,
        duration_s=duration,
        width=640,
        height=360,
        retain_until=date(2099, 1, 1),
        status="analysed",
        uploaded_by_id=admin().id,
        report={
            "duration_s": duration,
            "wall_s": 1.0,
            "roster": None,
            "samples": [{"t": float(t), "faces": faces} for t in range(0, int(duration), 60)],
        },
    )
    recording.events = events or []
    db.session.add(recording)
    db.session.flush()
    recording_changed.send(recording)
    return recording


def lesson_for(
    people: list[Person],
    category: PersonnelCategory,
    tenths: int,
    *,
    kind: CourseKind = CourseKind.INITIAL,
    operation_type: OperationType | None = None,
    starts_at: datetime | None = None,
) -> Lesson:
    """A new course (in a new classroom, so lessons never clash) with one lesson of
    ``tenths`` that everyone in ``people`` is enrolled in."""
    actor = admin()
    where = center()
    room = org_ops.add_classroom(where, f"Room {next(_rooms)}", 60, actor=actor)
    course = ops.create_course(
        where,
        f"{kind.value} course",
        kind,
        targets=[(category, operation_type)],
        modules=[("Module", tenths)],
        actor=actor,
    )
    minutes = -(-tenths * 45 // 10)  # a 学时 lasts 45 minutes by default
    zone = local_zone()
    starts_at = starts_at or datetime.combine(
        local_today() - timedelta(days=30), datetime.min.time(), zone
    ).replace(hour=8)
    ends_at = starts_at + timedelta(minutes=minutes)
    last_day = (ends_at - timedelta(microseconds=1)).astimezone(zone).date()
    training_class = ops.create_class(
        course, room, "Class", starts_at.astimezone(zone).date(), last_day, actor=actor
    )
    for person in people:
        ops.enrol(training_class, person, actor=actor)
    return ops.add_lesson(training_class, "Lesson", starts_at, ends_at, tenths, actor=actor)


def attend(lesson: Lesson, people: list[Person]) -> None:
    for person in people:
        ops.sign_in(lesson, person, at=lesson.starts_at, actor=admin())
        ops.sign_out(lesson, person, at=lesson.ends_at, actor=admin())


def give_hours(
    people: list[Person],
    category: PersonnelCategory,
    tenths: int,
    *,
    verified: bool = True,
    kind: CourseKind = CourseKind.INITIAL,
    operation_type: OperationType | None = None,
    starts_at: datetime | None = None,
) -> Lesson:
    """Everyone in ``people`` sat a whole lesson of ``tenths``; verified by video if asked."""
    lesson = lesson_for(
        people, category, tenths, kind=kind, operation_type=operation_type, starts_at=starts_at
    )
    attend(lesson, people)
    if verified:
        analysed_recording(lesson, faces=len(people))
        assert lesson.verified
    return lesson
