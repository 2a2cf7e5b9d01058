"""The annual special training of the 五职矿长 and 主要负责人 (年度专题培训): a regulator marks a
special course as a year's; a manager attended when signed in at one of its lessons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from ...core import audit
from ...core.db import db, locked
from ...people.models import FIVE_MANAGER_POSTS, Person, Post
from ..models import Attendance, Course, CourseKind, Lesson, TrainingClass
from ._base import TrainingError

# Who must attend: the 五职矿长 and every 主要负责人.
MUST_ATTEND = frozenset((*FIVE_MANAGER_POSTS, Post.PRINCIPAL))


def mark_special_training(course: Course, year: int | None, *, actor) -> None:
    """Make ``course`` the special training of ``year`` (None: of no year)."""
    course = locked(Course, course.id)
    if year is not None and course.kind is not CourseKind.SPECIAL:
        raise TrainingError(_l("Only a special-training course is a year's special training."), field="year")
    if year is not None and not 2000 <= year <= 2100:
        raise TrainingError(_l("Give a year such as 2026."), field="year")
    before = course.special_training_year
    if before == year:
        return
    course.special_training_year = year
    db.session.flush()
    audit.record(
        "course.special_training",
        course,
        actor=actor,
        organisation=course.center,
        before={"year": before},
        after={"year": year},
    )


@dataclass
class SpecialTraining:
    """A year's special training: its courses and the last day of their classes."""

    year: int
    courses: list[Course]
    last_day: date | None

    def over(self, on: date) -> bool:
        return self.last_day is not None and on > self.last_day


def of_year(year: int) -> SpecialTraining | None:
    courses = list(
        db.session.scalars(select(Course).where(Course.special_training_year == year).order_by(Course.id))
    )
    if not courses:
        return None
    last_day = db.session.scalar(
        select(func.max(TrainingClass.ends_on)).where(TrainingClass.course_id.in_([c.id for c in courses]))
    )
    return SpecialTraining(year, courses, last_day)


def attended(person_ids: Select | list[int], year: int) -> dict[int, tuple[str, date]]:
    """person id -> (course title, first day signed in) of ``year``'s special training: one
    query whatever the number of people."""
    rows = db.session.execute(
        select(Attendance.person_id, Course.title, func.min(TrainingClass.starts_on))
        .join(Lesson, Lesson.id == Attendance.lesson_id)
        .join(TrainingClass, TrainingClass.id == Lesson.class_id)
        .join(Course, Course.id == TrainingClass.course_id)
        .where(Course.special_training_year == year, Attendance.person_id.in_(person_ids))
        .group_by(Attendance.person_id, Course.title)
    )
    return {person_id: (title, day) for person_id, title, day in rows}


def must_attend(person: Person) -> bool:
    return any(p.post in MUST_ATTEND for p in person.current_posts)


def years_attended(person: Person) -> list[dict]:
    rows = db.session.execute(
        select(Course.special_training_year, Course.title, func.min(TrainingClass.starts_on))
        .join(TrainingClass, TrainingClass.course_id == Course.id)
        .join(Lesson, Lesson.class_id == TrainingClass.id)
        .join(Attendance, Attendance.lesson_id == Lesson.id)
        .where(Attendance.person_id == person.id, Course.special_training_year.is_not(None))
        .group_by(Course.special_training_year, Course.title)
        .order_by(Course.special_training_year.desc())
    )
    return [{"year": year, "course": title, "from": day.isoformat()} for year, title, day in rows]
