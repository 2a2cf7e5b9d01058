"""Courses, classes and lessons; the roster (one by one and from Excel, all or nothing);
attendance by staff and by the classroom code; who trains does not examine."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from training_portal.accounts import operations as account_ops
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.core.i18n import local_today, local_zone
from training_portal.core.permissions import Role
from training_portal.organisations import operations as org_ops
from training_portal.organisations.models import Organisation, RegulatorUnit
from training_portal.people.models import OperationType, Person, PersonnelCategory, Post
from training_portal.training import operations as ops
from training_portal.training.models import CodeFailure, CourseKind, Enrolment, TrainingClass

from .. import factories as make
from .helpers import center, lesson_for

GAS = OperationType.COAL_GAS_INSPECTION


def _number(serial: int) -> str:
    return make.id_number(f"22240219900101{serial:03d}")


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _class(users, seats: int = 60) -> TrainingClass:
    where = center()
    room = org_ops.add_classroom(where, "测试教室", seats, actor=users["center"])
    course = ops.create_course(
        where,
        "瓦斯检查初训",
        CourseKind.INITIAL,
        targets=[(PersonnelCategory.SPECIAL_OPERATOR, GAS)],
        modules=[("法规", 80)],
        actor=users["center"],
    )
    today = local_today()
    return ops.create_class(course, room, "班", today, today + timedelta(days=3), actor=users["center"])


def test_a_lesson_needs_45_minutes_per_hour_a_free_classroom_and_the_class_dates(users):
    klass = _class(users)
    zone = local_zone()
    day = klass.starts_on
    start = datetime(day.year, day.month, day.day, 8, tzinfo=zone)
    with pytest.raises(ops.TrainingError, match="180"):
        ops.add_lesson(klass, "L", start, start + timedelta(minutes=179), 40, actor=users["center"])
    ops.add_lesson(klass, "L", start, start + timedelta(minutes=180), 40, actor=users["center"])
    with pytest.raises(ops.TrainingError):  # the same classroom, overlapping
        ops.add_lesson(
            klass, "L2", start + timedelta(hours=2), start + timedelta(hours=5), 10, actor=users["center"]
        )
    with pytest.raises(ops.TrainingError):  # before the class starts
        ops.add_lesson(
            klass,
            "L3",
            start - timedelta(days=1),
            start - timedelta(days=1, hours=-3),
            10,
            actor=users["center"],
        )


def test_a_roster_enrols_everyone_and_creates_new_records(users):
    klass = _class(users)
    mine = db.session.scalar(select(Organisation).where(Organisation.name == "龙嘉堡煤矿"))
    data = _xlsx(
        [
            ("2026年花名册",),
            ("姓名", "身份证号", "单位", "岗位"),
            ("王一", _number(1), mine.name, "瓦斯检查作业"),
            ("王二", _number(2), "", "coal_gas_inspection"),
            (None, None, None, None),
        ]
    )
    result = ops.import_roster(klass, data, actor=users["center"])
    assert result.errors == []
    assert (result.enrolled, result.created, result.unchanged) == (2, 2, 0)
    first = db.session.scalar(select(Person).where(Person.id_number == _number(1)))
    assert first.employer == mine and first.name == "王一"
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.person_id == first.id))
    assert (enrolment.post, enrolment.operation_type) == (Post.SPECIAL_OPERATOR, GAS)
    again = ops.import_roster(klass, data, actor=users["center"])
    assert (again.enrolled, again.unchanged) == (0, 2)


def test_a_bad_roster_row_is_reported_and_nobody_is_enrolled(users):
    klass = _class(users)
    trainee = users["trainee"].person
    people_before = db.session.scalar(select(func.count(Person.id)))
    good = _number(3)
    bad_checksum = good[:-1] + ("0" if good[-1] != "0" else "1")
    data = _xlsx(
        [
            ("姓名", "身份证号", "单位", "岗位"),
            ("李三", good, "", "瓦斯检查作业"),
            ("李四", bad_checksum, "", "瓦斯检查作业"),
            ("李三", good, "", "瓦斯检查作业"),
            ("冒名", trainee.id_number, "", "瓦斯检查作业"),
            ("李五", _number(4), "不存在的单位", "瓦斯检查作业"),
            ("李六", _number(5), "", "挖掘机司机"),
            ("李七", _number(6), "", "矿长"),
        ]
    )
    result = ops.import_roster(klass, data, actor=users["center"])
    rows = dict(result.errors)
    assert set(rows) == {"row 3", "row 4", "row 5", "row 6", "row 7", "row 8"}
    assert "check digit" in rows["row 3"] or "校验" in rows["row 3"]
    assert "2" in rows["row 4"]  # the duplicate names the row it repeats
    assert trainee.name in rows["row 5"]
    assert "不存在的单位" in rows["row 6"]
    assert "挖掘机司机" in rows["row 7"]
    assert "row 8" in rows  # a mine director's post: the gas-inspection course does not count for it
    assert result.enrolled == 0 and klass.enrolments == []
    assert db.session.scalar(select(func.count(Person.id))) == people_before


@pytest.mark.parametrize(
    "data, where",
    [
        (b"", "file"),
        (b"not a workbook", "file"),
        (b"PK\x03\x04broken", "file"),
    ],
)
def test_a_roster_that_is_no_workbook_is_refused_with_a_reason(users, data, where):
    result = ops.import_roster(_class(users), data, actor=users["center"])
    assert [item for item, _ in result.errors] == [where]


def test_a_roster_without_the_columns_names_them(users):
    result = ops.import_roster(_class(users), _xlsx([("姓名", "电话")]), actor=users["center"])
    assert result.errors[0][0] == "header" and "身份证号" in result.errors[0][1]


def test_the_roster_never_exceeds_the_classroom(users):
    klass = _class(users, seats=2)
    data = _xlsx(
        [("姓名", "身份证号", "单位", "岗位")]
        + [(f"赵{i}", _number(10 + i), "", "瓦斯检查作业") for i in range(3)]
    )
    result = ops.import_roster(klass, data, actor=users["center"])
    assert result.errors and result.errors[0][0] == "file" and klass.enrolments == []


def test_staff_sign_trainees_in_and_out_once(users):
    trainee = users["trainee"].person
    audited_before = db.session.scalar(select(func.max(AuditEntry.id)))
    lesson = lesson_for([trainee], PersonnelCategory.SPECIAL_OPERATOR, 40)
    ops.sign_in(lesson, trainee, at=lesson.starts_at, actor=users["center"])
    with pytest.raises(ops.TrainingError):
        ops.sign_in(lesson, trainee, at=lesson.starts_at, actor=users["center"])
    attendance = ops.sign_out(lesson, trainee, at=lesson.ends_at, actor=users["center"])
    with pytest.raises(ops.TrainingError):
        ops.sign_out(lesson, trainee, at=lesson.ends_at, actor=users["center"])
    assert [c.tenths for c in attendance.credits] == [40]
    outsider = users["mine_officer"].person
    with pytest.raises(ops.TrainingError):
        ops.sign_in(lesson, outsider, at=lesson.starts_at, actor=users["center"])
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.id > audited_before, AuditEntry.action.like("attendance.%"))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["attendance.sign_in", "attendance.sign_out"]


def test_the_classroom_code_signs_a_trainee_in_then_out(users):
    trainee = users["trainee"].person
    now = datetime.now(local_zone()).replace(second=0, microsecond=0)
    lesson = lesson_for(
        [trainee], PersonnelCategory.SPECIAL_OPERATOR, 10, starts_at=now - timedelta(minutes=10)
    )
    code = ops.lesson_code(lesson, now)
    attendance = ops.check_in_with_code(trainee, code, at=now)
    assert attendance.signed_in_at == now and attendance.signed_in_by_id is None
    later = now + timedelta(minutes=30)
    previous_minute = ops.lesson_code(lesson, later, previous=True)  # the code shown a moment ago works
    attendance = ops.check_in_with_code(trainee, previous_minute, at=later)
    assert attendance.signed_out_at == later
    db.session.commit()  # a wrong code is recorded in a transaction of its own, as after a request
    # A code of ten minutes ago has expired.
    with pytest.raises(ops.TrainingError):
        ops.check_in_with_code(trainee, ops.lesson_code(lesson, later - timedelta(minutes=10)), at=later)


def test_wrong_codes_are_remembered_and_lock_the_trainee_out(app, users):
    trainee = users["trainee"].person
    now = datetime.now(local_zone())
    lesson = lesson_for(
        [trainee], PersonnelCategory.SPECIAL_OPERATOR, 10, starts_at=now - timedelta(minutes=5)
    )
    db.session.commit()
    right = ops.lesson_code(lesson, now)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(ops.CODE_LOCK_FAILURES):
        with pytest.raises(ops.TrainingError):
            ops.check_in_with_code(trainee, wrong, at=now)
        db.session.rollback()  # as the refused request does: the failures stay all the same
    assert db.session.scalar(select(func.count(CodeFailure.id))) == ops.CODE_LOCK_FAILURES
    with pytest.raises(ops.TrainingError, match="10"):
        ops.check_in_with_code(trainee, right, at=now)
    later = now + timedelta(minutes=ops.CODE_LOCK_MINUTES, seconds=1)  # the failures have aged
    assert ops.check_in_with_code(trainee, ops.lesson_code(lesson, later), at=later).signed_in_at == later


def test_who_trains_does_not_examine(users):
    staff = users["center"]
    unit = db.session.scalars(select(RegulatorUnit).where(RegulatorUnit.review_unit.is_not(None))).first()
    for role in (Role.REVIEWER, Role.PROCTOR):
        with pytest.raises(account_ops.AccountError, match="考教分离"):
            account_ops.grant_role(staff, role, unit, actor=users["admin"])
    with pytest.raises(account_ops.AccountError, match="考教分离"):
        account_ops.grant_role(users["proctor_center"], Role.CENTER_STAFF, center(), actor=users["admin"])
    assert not staff.holds("exam.proctor") and not staff.holds("application.review")
