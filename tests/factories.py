"""One-line makers for what tests build: a region, an organisation of each kind, a classroom,
a person with a post, an account with its roles, a course, a class, a lesson, a question, a
blueprint, an exam session with its two proctors.

They need an app context (the ``ctx`` fixture) and nothing else: not the demo province. With the
demo loaded they still work, and never collide with its rows (their codes, numbers and names
are their own). Everything goes through the operations, so it is audited like any other
change; makers flush, the test commits when it needs to.

    from tests import factories as make

    proctor = make.user(Role.PROCTOR)                  # and its review unit
    miner = make.person(operation_type=GAS, employer=make.mine())
    session = make.exam_session(seats=3)               # its two proctors assigned
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from stdnum.cn import ric, uscc

from question_bank import operations as bank_ops
from question_bank.data import QuestionData
from question_bank.models import Blueprint, Question, QuestionStatus
from training_portal.accounts import operations as account_ops
from training_portal.accounts.models import User
from training_portal.core import policy
from training_portal.core.db import db
from training_portal.core.i18n import local_today, local_zone
from training_portal.core.permissions import ROLE_ORGANISATION_KIND, Role
from training_portal.exams import sessions as session_ops
from training_portal.exams.models import ExamSession
from training_portal.organisations import operations as org_ops
from training_portal.organisations.models import (
    Classroom,
    MineEnterprise,
    MineKind,
    MineSize,
    MiningMethod,
    Organisation,
    ProductionStatus,
    Region,
    RegionLevel,
    RegulatorUnit,
    ReviewUnit,
    TrainingCenter,
)
from training_portal.people import operations as people_ops
from training_portal.people.models import OperationType, Person, PersonnelCategory, Post
from training_portal.training import operations as training_ops
from training_portal.training.models import Course, CourseKind, Lesson, TrainingClass

PASSWORD = "factory-pass-1"
GAS = OperationType.COAL_GAS_INSPECTION

# One counter for the whole run: what one test makes never meets what another made (the
# database is wiped between tests anyway), nor the demo's rows.
_serial = itertools.count(1)


def _next() -> int:
    return next(_serial)


# ----------------------------------------------------------------------------- numbers


def id_number(body17: str | None = None, *, born: date = date(1985, 1, 1), male: bool = True) -> str:
    """A valid resident identity number (身份证号): ``body17`` with its check digit, or a fresh
    one born on ``born`` in 北京市东城区 (110101, a place the demo never uses)."""
    if body17 is None:
        n = _next()
        seq = (n % 500) * 2 + (1 if male else 0)  # the 17th digit is odd for men
        body17 = f"110101{born + timedelta(days=n // 500):%Y%m%d}{seq:03d}"
    return body17 + ric.calc_check_digit(body17 + "0")


def credit_code(region_code: str = "110101") -> str:
    """A valid 统一社会信用代码, never one of the demo's (theirs are ``…MA…``)."""
    body = f"91{region_code}MB{_next():07d}"
    return body + uscc.calc_check_digit(body + "0")


# ----------------------------------------------------------------------------- places


def region(name: str | None = None, *, parent: Region | None = None, code: str | None = None) -> Region:
    """A province, or a city/county under ``parent``."""
    code = code or f"9{_next():05d}"
    level = {None: RegionLevel.PROVINCE, RegionLevel.PROVINCE: RegionLevel.CITY}.get(
        parent.level if parent else None, RegionLevel.COUNTY
    )
    made = Region(
        code=code,
        name=name or f"测试{level.value}{code}",
        level=level,
        parent=parent,
        path=f"{parent.path}/{code}" if parent else code,
    )
    db.session.add(made)
    db.session.flush()
    return made


def _organisation(cls, name: str, where: Region | None, **attrs):
    where = where or region()
    made = cls(name=name, credit_code=credit_code(where.code), region=where, **attrs)
    db.session.add(made)
    db.session.flush()
    return made


def regulator(
    name: str | None = None, *, region: Region | None = None, review_unit: ReviewUnit | None = None
) -> RegulatorUnit:
    return _organisation(RegulatorUnit, name or f"测试应急管理局{_next()}", region, review_unit=review_unit)


def review_unit(unit: ReviewUnit = ReviewUnit.EDUCATION_CENTER) -> RegulatorUnit:
    """The unit doing 双审核双监考 on its side: there is one of each, so an existing one (the
    demo's, or one made earlier in the test) is returned rather than a second."""
    found = db.session.scalar(
        select(RegulatorUnit).where(RegulatorUnit.review_unit == unit).order_by(RegulatorUnit.id)
    )
    return found or regulator(f"测试{unit.value}", review_unit=unit)


def center(name: str | None = None, *, region: Region | None = None) -> TrainingCenter:
    return _organisation(TrainingCenter, name or f"测试培训中心{_next()}", region)


def mine(
    name: str | None = None,
    *,
    region: Region | None = None,
    kind: MineKind = MineKind.COAL,
    size: MineSize = MineSize.MEDIUM,
    method: MiningMethod | None = None,
    status: ProductionStatus = ProductionStatus.NORMAL,
) -> MineEnterprise:
    """A coal mine is underground, a non-coal one an open pit, unless ``method`` says."""
    return _organisation(
        MineEnterprise,
        name or f"测试煤业有限公司{_next()}",
        region,
        mine_kind=kind,
        mining_method=method
        or (MiningMethod.UNDERGROUND if kind is MineKind.COAL else MiningMethod.OPEN_PIT),
        size=size,
        production_status=status,
    )


def classroom(
    at: TrainingCenter | None = None, *, seats: int = 60, name: str | None = None, camera_ref: str = ""
) -> Classroom:
    return org_ops.add_classroom(
        at or center(), name or f"教室{_next()}", seats, actor=admin(), camera_ref=camera_ref
    )


# ----------------------------------------------------------------------------- people and accounts


def person(
    name: str | None = None,
    *,
    employer: Organisation | None = None,
    post: Post | None = None,
    operation_type: OperationType | None = None,
    born: date = date(1985, 1, 1),
    male: bool = True,
    since: date = date(2020, 1, 1),
    **fields,
) -> Person:
    """A person (一人一档); with ``post`` (or an ``operation_type``: a special operator) held at
    ``employer`` since ``since``. ``fields``: education, work_started_on, phone …"""
    made = people_ops.create_person(
        id_number(born=born, male=male), name or f"测试人员{_next()}", actor=None, employer=employer, **fields
    )
    if operation_type is not None and post is None:
        post = Post.SPECIAL_OPERATOR
    if post is not None:
        people_ops.add_post(
            made, post, actor=None, started_on=since, organisation=employer, operation_type=operation_type
        )
    return made


_HASHES: dict[str, str] = {}


def _hash(password: str) -> str:
    """Argon2 is slow on purpose: each password is hashed once a run, as the demo seed does."""
    if password not in _HASHES:
        _HASHES[password] = account_ops.hash_password(password)
    return _HASHES[password]


_ROLE_PLACE = {
    "training_center": lambda: center(),
    "mine": lambda: mine(),
    "regulator": lambda: regulator(),
}


def user(
    *roles: Role | tuple[Role, Organisation | None],
    at: Organisation | None = None,
    username: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
    person: Person | None = None,
    email: str | None = None,
) -> User:
    """An account holding ``roles``: each a role, or (role, organisation). A role held for an
    organisation and given bare is held at ``at``, or at a new organisation of the right kind
    (reviewers and proctors: the education and training center). A trainee gets a person."""
    grants = [r if isinstance(r, tuple) else (r, None) for r in roles]
    if person is None and any(role is Role.TRAINEE for role, _ in grants):
        person = globals()["person"](name)
    username = username or f"user{_next()}"
    made = account_ops.create_user(
        username,
        name or (person.name if person else username),
        actor=None,
        password_hash=_hash(password),
        person=person,
        email=email,
    )
    for role, org in grants:
        kind = ROLE_ORGANISATION_KIND.get(role)
        if org is None and kind is not None:
            org = at or (review_unit() if role in (Role.REVIEWER, Role.PROCTOR) else _ROLE_PLACE[kind]())
        account_ops.grant_role(made, role, org, actor=None)
    return made


def admin() -> User:
    """The platform administrator that makers act as (one per test, made when first asked)."""
    found = db.session.scalar(select(User).where(User.username == "factory_admin"))
    return found or user(Role.ADMIN, username="factory_admin", name="测试管理员")


# ----------------------------------------------------------------------------- training


def course(
    at: TrainingCenter | None = None,
    *,
    category: PersonnelCategory = PersonnelCategory.SPECIAL_OPERATOR,
    operation_type: OperationType | None = GAS,
    kind: CourseKind = CourseKind.INITIAL,
    tenths: int = 80,
    title: str | None = None,
) -> Course:
    """A course of one module of ``tenths`` (tenths of a 学时) for one category (and, for
    special operators, one operation type)."""
    if category is not PersonnelCategory.SPECIAL_OPERATOR:
        operation_type = None
    return training_ops.create_course(
        at or center(),
        title or f"测试课程{_next()}",
        kind,
        targets=[(category, operation_type)],
        modules=[("模块", tenths)],
        actor=admin(),
    )


def training_class(
    of: Course | None = None,
    *,
    room: Classroom | None = None,
    starts_on: date | None = None,
    days: int = 3,
    people: list[Person] = (),
    name: str = "测试班",
) -> TrainingClass:
    """A class of ``of`` (a new course) in ``room`` (a new classroom of its center) from
    ``starts_on`` (today) for ``days`` days, with ``people`` on its roster."""
    of = of or course()
    starts_on = starts_on or local_today()
    made = training_ops.create_class(
        of, room or classroom(of.center), name, starts_on, starts_on + timedelta(days=days - 1), actor=admin()
    )
    for someone in people:
        training_ops.enrol(made, someone, actor=admin())
    return made


def lesson(
    of: TrainingClass | None = None,
    *,
    tenths: int = 40,
    starts_at: datetime | None = None,
    title: str = "测试课",
) -> Lesson:
    """A lesson of ``tenths`` on the class's first day at 8:00, as long as its hours need."""
    of = of or training_class()
    starts_at = starts_at or datetime.combine(of.starts_on, datetime.min.time(), local_zone()).replace(hour=8)
    minutes = -(-tenths * policy.get("training.minutes_per_hour") // 10)
    return training_ops.add_lesson(
        of, title, starts_at, starts_at + timedelta(minutes=minutes), tenths, actor=admin()
    )


# ----------------------------------------------------------------------------- question bank


def qdata(
    qtype: str = "single_choice", category: str = "煤矿安全/瓦斯防治", difficulty=3, **kw
) -> QuestionData:
    """A question's data, numbered so that no two are the same."""
    n = _next()
    options = {
        "true_false": ["对", "错"],
        "single_choice": ["甲", "乙", "丙", "丁"],
        "multiple_choice": ["甲", "乙", "丙", "丁", "戊"],
    }[qtype]
    correct = {"true_false": [0], "single_choice": [1], "multiple_choice": [0, 2]}[qtype]
    fields = dict(
        type=qtype,
        stem=f"第{n}题 瓦斯浓度达到多少时必须停止作业？",
        options=options,
        correct=correct,
        category=category,
        difficulty=difficulty,
        external_id=f"Q{n:05d}",
        explanation="依据《煤矿安全规程》",
    )
    fields.update(kw)
    return QuestionData(**fields)


def make_active(data: QuestionData) -> Question:
    """A question through its whole review: created, approved by someone else, activated."""
    made = bank_ops.create_question(data, actor=None)
    made.status = QuestionStatus.ACTIVE
    db.session.flush()
    return made


def question(qtype: str = "single_choice", **kw) -> Question:
    """An active question (``kw`` as for ``qdata``)."""
    return make_active(qdata(qtype, **kw))


def blueprint(sections=None, target: str = GAS.value, purpose: str = "exam", **kw) -> Blueprint:
    """A blueprint of ``sections`` (type, count, points[, category]); by default one true/false
    question worth the whole paper."""
    if sections is None:
        sections = [("true_false", 1, float(policy.get("exam.total_points")))]
    return bank_ops.save_blueprint(
        None,
        name=kw.get("name", "测试组卷规则"),
        target=target,
        purpose=purpose,
        duration_minutes=None,
        target_facility=kw.get("target_facility"),
        partial_credit=kw.get("partial_credit", False),
        sections=[bank_ops.SectionSpec(*s) for s in sections],
        actor=None,
    )


# ----------------------------------------------------------------------------- exams


def exam_session(
    *,
    seats: int = 10,
    blueprint: Blueprint | None = None,
    category: PersonnelCategory = PersonnelCategory.SPECIAL_OPERATOR,
    operation_type: OperationType | None = GAS,
    scheduler: User | None = None,
    proctors: tuple[User, User] | None = None,
) -> ExamSession:
    """A scheduled session, made by a reviewer of the education and training center, with one
    proctor of each unit (``session.proctors``); an exam blueprint (one question) unless given."""
    if blueprint is None:
        question("true_false")
        blueprint = globals()["blueprint"]()
    scheduler = scheduler or user(Role.REVIEWER, at=review_unit(ReviewUnit.EDUCATION_CENTER))
    made = session_ops.create_session(
        name=f"测试场次{_next()}",
        site="考试点",
        room="第一考场",
        starts_at=datetime.now(UTC),
        category=category,
        operation_type=operation_type,
        blueprint=blueprint,
        seats=seats,
        actor=scheduler,
    )
    proctors = proctors or tuple(user(Role.PROCTOR, at=review_unit(unit)) for unit in ReviewUnit)
    for proctor in proctors:
        session_ops.assign_proctor(made, proctor, actor=scheduler)
    return made
