"""The annual special training of the 五职矿长 and 主要负责人: a special course marked as a year's,
attendance on each manager's record, and a missed one flagged on compliance once it is over."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories as make
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.core.i18n import local_today
from training_portal.core.permissions import Role
from training_portal.people.models import PersonnelCategory, Post
from training_portal.regulator import operations as regulator_ops
from training_portal.training import operations as ops
from training_portal.training.models import CourseKind
from training_portal.training.records import special_training_section

from ..conftest import login


def _special_course(year: int, starts_on: date, people):
    course = make.course(category=PersonnelCategory.PRINCIPAL, kind=CourseKind.SPECIAL, title="年度专题培训")
    klass = make.training_class(course, starts_on=starts_on, days=3, people=people)
    lesson = make.lesson(klass)
    ops.mark_special_training(course, year, actor=make.admin())
    return course, lesson


def test_a_missed_special_training_is_flagged_once_its_classes_are_over(ctx):
    mine = make.mine()
    director = make.person(employer=mine, post=Post.MINE_DIRECTOR)
    chief = make.person(employer=mine, post=Post.CHIEF_ENGINEER)
    _course, lesson = _special_course(2026, date(2026, 3, 2), [director, chief])
    ops.sign_in(lesson, director, at=lesson.starts_at, actor=make.admin())

    def checks(on: date) -> dict:
        (row,) = regulator_ops.compliance([mine], on)
        return {p.post: p.checks.get("special_training") for p in row.posts}

    on_last_day = checks(date(2026, 3, 4))
    assert on_last_day[Post.MINE_DIRECTOR].ok and "年度专题培训" in on_last_day[Post.MINE_DIRECTOR].detail
    assert on_last_day[Post.CHIEF_ENGINEER].pending and not on_last_day[Post.CHIEF_ENGINEER].ok
    day_after = checks(date(2026, 3, 5))
    assert not day_after[Post.CHIEF_ENGINEER].ok and not day_after[Post.CHIEF_ENGINEER].pending
    assert day_after[Post.MINE_DIRECTOR].ok
    assert checks(date(2027, 3, 5))[Post.MINE_DIRECTOR] is None  # no special training of 2027 marked


def test_the_mark_is_audited_and_only_for_special_courses(ctx):
    admin = make.admin()
    course = make.course(category=PersonnelCategory.PRINCIPAL, kind=CourseKind.SPECIAL)
    ops.mark_special_training(course, 2026, actor=admin)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "course.special_training"))
    assert (entry.before, entry.after) == ({"year": None}, {"year": 2026})
    initial = make.course(category=PersonnelCategory.PRINCIPAL, kind=CourseKind.INITIAL)
    with pytest.raises(ops.TrainingError):
        ops.mark_special_training(initial, 2026, actor=admin)
    with pytest.raises(ops.TrainingError):
        ops.mark_special_training(course, 26, actor=admin)
    assert initial.special_training_year is None and course.special_training_year == 2026
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "course.special_training")) == 1


def test_attendance_is_on_the_record(ctx, client):
    today = local_today()
    mine = make.mine()
    director = make.person(employer=mine, post=Post.MINE_DIRECTOR)
    principal = make.person(employer=mine, post=Post.PRINCIPAL)
    worker = make.person(employer=mine, operation_type=make.GAS)
    _course, lesson = _special_course(today.year, today - timedelta(days=10), [director, principal])
    ops.sign_in(lesson, director, at=lesson.starts_at, actor=make.admin())

    attended = special_training_section(director)
    assert attended["required"] and attended["this_year"]["attended"]
    assert attended["attended"][0]["year"] == today.year
    missed = special_training_section(principal)
    assert missed["required"] and missed["this_year"]["missed"] and missed["attended"] == []
    assert not special_training_section(worker)["required"]

    make.user(Role.ADMIN, username="special_admin")
    db.session.commit()
    login(client, "special_admin", make.PASSWORD)
    page = client.get(f"/people/{principal.id}").text
    assert 'data-test="special-missed"' in page
