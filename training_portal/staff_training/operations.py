"""Changing officials' training: the topics list (an administrator's), and a course's topic,
form and 第一课 flag (its organiser's). Each change is audited; the request commits."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core import audit
from ..core.db import db
from ..core.errors import CONFLICT, DomainError
from ..people.departments import KEY_PATTERN
from ..people.models import PersonnelCategory
from ..training.models import Course, CourseKind
from .models import StaffCourse, StaffCourseForm, StaffTopic


class StaffTrainingError(DomainError):
    """Refused by a rule of officials' training."""


def topics(*, with_retired: bool = False) -> list[StaffTopic]:
    query = select(StaffTopic).order_by(StaffTopic.position, StaffTopic.id)
    if not with_retired:
        query = query.where(StaffTopic.retired.is_(False))
    return list(db.session.scalars(query))


def _names(name: str, name_en: str) -> tuple[str, str]:
    if not name.strip():
        raise StaffTrainingError(_l("Give the topic a name."), field="name")
    return name.strip()[:60], name_en.strip()[:120]


def add_topic(key: str, name: str, name_en: str, position: int, *, actor) -> StaffTopic:
    key = key.strip()
    if not KEY_PATTERN.fullmatch(key):
        raise StaffTrainingError(
            _l("The code is 2 to 40 lower-case letters, digits or underscores, starting with a letter."),
            field="key",
        )
    if db.session.scalar(select(StaffTopic.id).where(StaffTopic.key == key)) is not None:
        raise StaffTrainingError(_l("A topic with this code exists already."), field="key", status=CONFLICT)
    name, name_en = _names(name, name_en)
    row = StaffTopic(key=key, name=name, name_en=name_en, position=position, retired=False)
    db.session.add(row)
    db.session.flush()
    audit.record("staff_topic.add", row, actor=actor, after=row.as_audit())
    return row


def edit_topic(row: StaffTopic, name: str, name_en: str, position: int, retired: bool, *, actor) -> None:
    before = row.as_audit()
    (row.name, row.name_en), row.position, row.retired = _names(name, name_en), position, retired
    if row.as_audit() != before:
        db.session.flush()
        audit.record("staff_topic.edit", row, actor=actor, before=before, after=row.as_audit())


def for_officials(course: Course) -> bool:
    return any(t.category is PersonnelCategory.REGULATOR_OFFICIAL for t in course.targets)


def profile(course: Course) -> StaffCourse | None:
    return db.session.get(StaffCourse, course.id)


def set_profile(
    course: Course, topic: StaffTopic | None, form: StaffCourseForm, first_lesson: bool, *, actor
) -> StaffCourse:
    """A course for officials gets its topic, its form and whether it is the 第一课."""
    if not for_officials(course):
        raise StaffTrainingError(_l("Only a course for regulator officials has a topic and a 第一课."))
    if (
        topic is not None
        and topic.retired
        and (profile(course) is None or profile(course).topic_id != topic.id)
    ):
        raise StaffTrainingError(_l("This topic is no longer taught."), field="topic_id")
    if first_lesson and course.kind is CourseKind.INITIAL:
        raise StaffTrainingError(_l("The 第一课 opens each year's training, not an initial course."))
    row = profile(course)
    before = row.as_audit() if row else None
    if row is None:
        row = StaffCourse(course_id=course.id)
        db.session.add(row)
    row.topic, row.form, row.first_lesson = topic, form, first_lesson
    db.session.flush()
    if row.as_audit() != before:
        audit.record(
            "staff_course.profile",
            course,
            actor=actor,
            organisation=course.center,
            before=before,
            after=row.as_audit(),
        )
    return row
