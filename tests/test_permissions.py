"""The permission registry, and scoping by organisation and jurisdiction."""

import pytest
from sqlalchemy import select

from training_portal.core import permissions
from training_portal.core.db import db
from training_portal.core.permissions import PERMISSIONS, Role
from training_portal.organisations.models import Organisation, ReviewUnit

from . import factories as make


def org(name: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def test_every_permission_is_held_by_admin_and_described():
    for perm in PERMISSIONS.values():
        assert Role.ADMIN in perm.roles
        assert str(perm.description)


def test_registering_twice_or_asking_for_an_unknown_name_fails():
    with pytest.raises(ValueError):
        permissions.register("person.view_record", "again")
    with pytest.raises(LookupError):
        permissions.get("no.such.permission")


def test_center_staff_act_only_for_their_own_center(ctx):
    own, other = make.classroom().center, make.classroom().center
    center = make.user(Role.CENTER_STAFF, at=own)
    assert own.classrooms and own.classrooms[0].can_upload_video(center)
    assert not other.classrooms[0].can_upload_video(center)
    assert own.can_manage_classrooms(center) and not other.can_manage_classrooms(center)


def test_regulators_see_their_jurisdiction_and_nothing_outside(ctx):
    jilin = make.region("吉林省")
    changchun, yanbian = make.region("长春市", parent=jilin), make.region("延边朝鲜族自治州", parent=jilin)
    jiutai, shuangyang = make.region("九台区", parent=changchun), make.region("双阳区", parent=changchun)
    changchun_unit = make.regulator(region=changchun)
    province, city, county = (
        make.user(Role.REGULATOR, at=make.regulator(region=jilin)),
        make.user(Role.REGULATOR, at=changchun_unit),
        make.user(Role.REGULATOR, at=make.regulator(region=jiutai)),
    )
    jiutai_mine, shuangyang_mine, yanbian_mine = (
        make.mine(region=jiutai),
        make.mine(region=shuangyang),
        make.mine(region=yanbian),
    )
    assert all(m.can_view(province) for m in (jiutai_mine, shuangyang_mine, yanbian_mine))
    assert jiutai_mine.can_view(city) and shuangyang_mine.can_view(city)
    assert not yanbian_mine.can_view(city)
    assert jiutai_mine.can_view(county)
    assert not shuangyang_mine.can_view(county) and not yanbian_mine.can_view(county)
    # A county regulator does not oversee the city above it.
    assert not changchun_unit.can_view(county)


def test_regulators_do_not_upload_video_anywhere(demo, user_named):
    classroom = org("长春市矿山安全技术培训中心").classrooms[0]
    assert classroom.can_view(user_named("regulator"))
    assert not classroom.can_upload_video(user_named("regulator"))


def test_a_trainee_sees_only_their_own_record(demo, user_named):
    trainee = user_named("trainee")
    officer = user_named("mine_officer")
    assert trainee.person.can_view_record(trainee)
    assert not officer.person.can_view_record(trainee)
    assert not trainee.person.can_edit(trainee)


def test_mine_officer_sees_their_mine_people_only(demo, user_named):
    officer = user_named("mine_officer")
    assert user_named("trainee").person.can_view_record(officer)  # employed at the same mine
    assert not user_named("center").person.can_view_record(officer)


def test_admin_can_everything(demo, user_named):
    admin = user_named("admin")
    assert all(admin.can(name, None) for name in PERMISSIONS)


def test_reviewers_hold_review_only_for_their_unit(ctx):
    center, dept = make.review_unit(ReviewUnit.EDUCATION_CENTER), make.review_unit(ReviewUnit.BUSINESS_DEPT)
    reviewer = make.user(Role.REVIEWER, at=center)
    assert reviewer.can("application.review", center)
    assert not reviewer.can("application.review", dept)
    assert not reviewer.can("exam.proctor", center)
