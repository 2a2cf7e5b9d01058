"""The makers of tests/factories.py: each gives what it says on an empty database, and none
collides with the demo province when it is there."""

from __future__ import annotations

from sqlalchemy import func, select

from training_portal.accounts.models import User
from training_portal.core.db import db
from training_portal.core.permissions import Role
from training_portal.exams.models import SessionStatus
from training_portal.organisations.models import OrganisationKind, RegionLevel, ReviewUnit
from training_portal.people import idcard
from training_portal.people.models import Post

from . import factories as make


def test_places_people_and_accounts_on_an_empty_database(ctx):
    province = make.region("测试省")
    city = make.region(parent=province)
    assert (province.level, city.level, make.region(parent=city).level) == (
        RegionLevel.PROVINCE,
        RegionLevel.CITY,
        RegionLevel.COUNTY,
    )
    assert province.contains(city)
    mine = make.mine(region=city)
    assert mine.kind is OrganisationKind.MINE and mine.region is city
    miner = make.person(employer=mine, operation_type=make.GAS)
    assert idcard.parse(miner.id_number).number == miner.id_number
    assert [(p.post, p.operation_type, p.organisation) for p in miner.current_posts] == [
        (Post.SPECIAL_OPERATOR, make.GAS, mine)
    ]
    assert make.person(male=False).gender == "F"

    proctor = make.user(Role.PROCTOR)
    assert proctor.roles == {Role.PROCTOR}
    assert proctor.organisations()[0].review_unit is ReviewUnit.EDUCATION_CENTER
    assert make.user(Role.REVIEWER).organisations() == proctor.organisations()  # one unit of each
    trainee = make.user(Role.TRAINEE)
    assert trainee.person is not None and trainee.roles == {Role.TRAINEE}
    officer = make.user(Role.MINE_OFFICER, at=mine)
    assert officer.organisations() == [mine]
    assert make.admin() is make.admin()


def test_training_and_exam_makers_on_an_empty_database(ctx):
    people = [make.person(operation_type=make.GAS) for _ in range(2)]
    klass = make.training_class(people=people, days=2)
    assert [e.person for e in klass.enrolments] == people
    assert (klass.ends_on - klass.starts_on).days == 1
    lesson = make.lesson(klass, tenths=20)
    assert lesson.training_class is klass and lesson.starts_at.date() == klass.starts_on

    session = make.exam_session(seats=3)
    assert session.status is SessionStatus.SCHEDULED and session.seats == 3
    assert {p.unit for p in session.proctors} == set(ReviewUnit)
    assert session.blueprint.purpose == "exam"
    assert make.question("true_false").status.value == "active"


def test_the_makers_never_meet_the_demo(demo):
    """With the demo loaded, every maker adds rows of its own: no unique key is taken."""
    accounts = db.session.scalar(select(func.count()).select_from(User))
    make.exam_session()  # its scheduler and two proctors: 3 accounts
    make.training_class(people=[make.person()])  # the makers' administrator: 1
    for role in Role:
        make.user(role)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(User)) == accounts + 3 + 1 + len(Role)
