"""五科: the administrator's list of departments, the heads a mine appoints, shown beside the 五职
on the mine's compliance page and on the regulator's list."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories as make
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.core.i18n import local_today
from training_portal.core.permissions import Role
from training_portal.people import departments as ops
from training_portal.people.models import Department, PersonPost, Post

from .conftest import login, token_in


def _department(key: str) -> Department:
    return db.session.scalar(select(Department).where(Department.key == key))


def test_the_plan_s_five_departments_are_data(ctx):
    assert [d.name for d in ops.departments()] == [
        "安全科",
        "生产技术科（采掘）",
        "机电科",
        "通风科",
        "地测防治水科",
    ]


def test_a_head_is_appointed_and_replaced(ctx):
    mine = make.mine()
    first = make.person(employer=mine)
    second = make.person(employer=mine)
    admin = make.admin()
    ventilation = _department("ventilation")
    post = ops.appoint_head(mine, ventilation, first, date(2025, 1, 1), actor=admin)
    assert post.post is Post.SAFETY_MANAGER and "通风科" in post.label
    ops.appoint_head(mine, ventilation, second, date(2026, 3, 1), actor=admin)
    assert post.ended_on == date(2026, 2, 28)
    heads = {h.department.key: h for h in ops.heads_of(mine, date(2026, 3, 1))}
    assert heads["ventilation"].holder == second and heads["safety"].holder is None
    assert ops.heads_of(mine, date(2026, 2, 28))[3].holder == first
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "department.appoint")) == 2

    before = db.session.scalar(select(func.count(PersonPost.id)))
    with pytest.raises(ops.DepartmentError):  # the same person again
        ops.appoint_head(mine, ventilation, second, date(2026, 4, 1), actor=admin)
    with pytest.raises(ops.DepartmentError):  # someone of another mine
        ops.appoint_head(mine, ventilation, make.person(employer=make.mine()), date(2026, 4, 1), actor=admin)
    with pytest.raises(ops.DepartmentError):  # before the latest appointment
        ops.appoint_head(mine, ventilation, first, date(2026, 1, 1), actor=admin)
    assert db.session.scalar(select(func.count(PersonPost.id))) == before


def test_the_administrator_edits_the_list_audited(ctx):
    admin = make.admin()
    mine = make.mine()
    ops.appoint_head(mine, _department("safety"), make.person(employer=mine), date(2025, 1, 1), actor=admin)
    added = ops.add_department("tailings", "尾矿库管理科", "", 6, actor=admin)
    assert [h.department.key for h in ops.heads_of(mine, local_today())][-1] == "tailings"
    geology = _department("geology_water")
    ops.edit_department(geology, "地测防治水科", "", 5, True, actor=admin)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "department.edit"))
    assert (entry.before["retired"], entry.after["retired"]) == (False, True)
    assert "geology_water" not in {h.department.key for h in ops.heads_of(mine, local_today())}
    with pytest.raises(ops.DepartmentError):
        ops.add_department("tailings", "again", "", 7, actor=admin)
    with pytest.raises(ops.DepartmentError):
        ops.edit_department(added, " ", "", 6, False, actor=admin)
    assert db.session.get(Department, added.id).name == "尾矿库管理科"


def test_heads_beside_the_five_posts_on_the_mine_page_and_the_list(ctx, client):
    region = make.region()
    mine = make.mine("五科测试矿", region=region)
    officer = make.user(Role.MINE_OFFICER, at=mine, username="dept_officer")
    head = make.person("王通风", employer=mine)
    make.user(Role.REGULATOR, at=make.regulator(region=region), username="dept_regulator")
    db.session.commit()

    login(client, "dept_officer", make.PASSWORD)
    page = client.get(f"/people/mines/{mine.id}/departments").text
    refused = client.post(
        f"/people/mines/{mine.id}/departments",
        data={
            "csrf_token": token_in(page),
            "department_id": str(_department("ventilation").id),
            "id_number": make.id_number(),  # nobody's
            "started_on": "2026-01-05",
        },
    )
    assert refused.status_code == 422 and 'data-test="appoint-head"' in refused.text
    saved = client.post(
        f"/people/mines/{mine.id}/departments",
        data={
            "csrf_token": token_in(page),
            "department_id": str(_department("ventilation").id),
            "id_number": head.id_number,
            "started_on": "2026-01-05",
        },
    )
    assert saved.status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "department.appoint"))
    assert entry.actor_user_id == officer.id

    client = ctx.test_client()
    login(client, "dept_regulator", make.PASSWORD)
    mine_page = client.get(f"/regulator/mines/{mine.id}").text
    assert 'data-test="five-departments"' in mine_page and "王通风" in mine_page
    listing = client.get("/regulator/compliance").text
    assert f'data-test="departments-{mine.id}">1 / 5' in listing
    assert "安全科" in listing  # among the vacant ones
