"""Courses with their targets and modules, classes in a classroom, and their lessons."""

from __future__ import annotations

import math
import secrets
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...core import audit, policy
from ...core.db import db
from ...core.errors import CONFLICT
from ...core.i18n import local_zone
from ...organisations.models import Classroom, MineEnterprise, Organisation, RegulatorUnit, TrainingCenter
from ...people import categories
from ...people.models import OperationType, PersonnelCategory
from ..models import (
    Course,
    CourseKind,
    CourseModule,
    CourseTarget,
    Lesson,
    TrainingClass,
    hours_text,
)
from ._base import TrainingError
from .video_check import verify_lesson


def _mine_trained() -> str:
    return " / ".join(str(c.label) for c in categories.mine_trained())


def create_course(
    center: Organisation,
    title: str,
    kind: CourseKind,
    *,
    targets: list[tuple[PersonnelCategory, OperationType | None]],
    modules: list[tuple[str, int]],
    actor,
    description: str = "",
) -> Course:
    if not title.strip():
        raise TrainingError(_l("A course needs a title."))
    if not targets:
        raise TrainingError(_l("Say which personnel categories the course counts for."))
    if not modules:
        raise TrainingError(_l("A course has at least one module with its hours."))
    for category, operation_type in targets:
        try:
            registered = categories.get(category)
        except categories.UnknownCategory as exc:
            raise TrainingError(str(exc)) from None
        if operation_type is not None and operation_type not in registered.operation_types:
            raise TrainingError(_l("Only special operations have operation types."))
        if isinstance(center, MineEnterprise) and not registered.trained_by_mine:
            raise TrainingError(
                _l(
                    "A mine runs courses for its own %(which)s only; %(c)s train at a training center.",
                    which=_mine_trained(),
                    c=registered.label,
                )
            )
    if not isinstance(center, TrainingCenter | MineEnterprise | RegulatorUnit):
        raise TrainingError(_l("Courses are run by a training center, a mine or a regulator unit."))
    _check_officials_course(center, kind, [c for c, _t in targets])
    course = Course(
        center=center,
        title=title.strip()[:120],
        kind=kind,
        description=description,
        created_by_id=actor.id,
        targets=[CourseTarget(category=c, operation_type=t) for c, t in dict.fromkeys(targets)],
        modules=[
            CourseModule(position=i, title=m[:120], hours_tenths=h)
            for i, (m, h) in enumerate(modules, start=1)
        ],
    )
    db.session.add(course)
    db.session.flush()
    audit.record(
        "course.create",
        course,
        actor=actor,
        organisation=center,
        after={
            "title": course.title,
            "kind": kind,
            "targets": [t.label for t in course.targets],
            "modules": [(m.title, m.hours_tenths) for m in course.modules],
        },
    )
    return course


def _check_officials_course(center: Organisation, kind: CourseKind, targets: list[PersonnelCategory]) -> None:
    """监管干部 train at their regulator units (专题培训班, 应急大讲堂, 第一课) or at a training
    center; a regulator unit's courses are for officials only, and officials hold no certificate
    to review."""
    officials = PersonnelCategory.REGULATOR_OFFICIAL in targets
    if isinstance(center, RegulatorUnit) and set(targets) != {PersonnelCategory.REGULATOR_OFFICIAL}:
        raise TrainingError(_l("A regulator unit runs courses for regulator officials only."))
    if officials and kind is CourseKind.REVIEW:
        raise TrainingError(_l("Regulator officials hold no certificate to review; choose another kind."))


def create_class(
    course: Course, classroom: Classroom | None, name: str, starts_on: date, ends_on: date, *, actor
) -> TrainingClass:
    """A center's class is held in one of its classrooms; a mine's (or a regulator unit's) at the
    mine (or the unit), in none."""
    if course.held_outside_classroom:
        if classroom is not None:
            raise TrainingError(
                _l("A mine's or a regulator unit's class is held there, not in a center's classroom.")
            )
    elif classroom is None or classroom.center_id != course.center_id:
        raise TrainingError(_l("The classroom must belong to the course's training center."))
    if ends_on < starts_on:
        raise TrainingError(_l("The class must end on or after the day it starts."))
    training_class = TrainingClass(
        course=course,
        classroom=classroom,
        name=name.strip()[:120] or course.title,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by_id=actor.id,
    )
    db.session.add(training_class)
    db.session.flush()
    audit.record(
        "class.create",
        training_class,
        actor=actor,
        organisation=course.center,
        after={
            "course_id": course.id,
            "classroom_id": classroom.id if classroom else None,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )
    return training_class


def add_lesson(
    training_class: TrainingClass,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    hours_tenths: int,
    *,
    actor,
    module: CourseModule | None = None,
) -> Lesson:
    zone = local_zone()
    if ends_at <= starts_at:
        raise TrainingError(_l("A lesson must end after it starts."))
    first = starts_at.astimezone(zone).date()
    last = (ends_at - timedelta(microseconds=1)).astimezone(zone).date()
    if first < training_class.starts_on or last > training_class.ends_on:
        raise TrainingError(
            _l(
                "The lesson must fall within the class's dates (%(a)s – %(b)s).",
                a=training_class.starts_on.isoformat(),
                b=training_class.ends_on.isoformat(),
            )
        )
    minutes = policy.get("training.minutes_per_hour")
    if hours_tenths * minutes * 6 > (ends_at - starts_at).total_seconds():
        raise TrainingError(
            _l(
                "%(h)s 学时 need at least %(m)d minutes; the lesson is shorter.",
                h=hours_text(hours_tenths),
                m=math.ceil(hours_tenths * minutes / 10),
            )
        )
    if module is not None and module.course_id != training_class.course_id:
        raise TrainingError(_l("The module belongs to another course."))
    clash = training_class.classroom_id is not None and db.session.scalar(
        select(Lesson)
        .join(TrainingClass)
        .where(
            TrainingClass.classroom_id == training_class.classroom_id,
            Lesson.starts_at < ends_at,
            Lesson.ends_at > starts_at,
        )
        .limit(1)
    )
    if clash:
        raise TrainingError(
            _l("The classroom is booked then by %(c)s (%(t)s).", c=clash.training_class.name, t=clash.title),
            status=CONFLICT,
        )
    lesson = Lesson(
        training_class=training_class,
        title=title.strip()[:120] or training_class.course.title,
        starts_at=starts_at,
        ends_at=ends_at,
        hours_tenths=hours_tenths,
        module=module,
        code_secret=secrets.token_hex(16),
    )
    db.session.add(lesson)
    db.session.flush()
    audit.record(
        "lesson.create",
        lesson,
        actor=actor,
        organisation=training_class.center,
        after={
            "class_id": training_class.id,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "hours_tenths": hours_tenths,
        },
    )
    verify_lesson(lesson)
    return lesson
