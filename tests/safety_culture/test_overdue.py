"""Who must build a safety-culture system (the policy's mines), overdue after the deadline on
the mine's page, the regulator's list and the dashboard, the officer reminded once a period,
and the milestone templates edited by the administrator."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests import factories as make
from training_portal.core import policy
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.core.i18n import local_today
from training_portal.core.permissions import Role
from training_portal.notifications.models import Notification
from training_portal.organisations.models import MineEnterprise, MineKind, MineSize, MiningMethod
from training_portal.organisations.models import ProductionStatus as Status
from training_portal.regulator import dashboard as board
from training_portal.safety_culture import operations as ops
from training_portal.safety_culture.models import MilestoneTemplate, Requirement, must_build, templates
from training_portal.safety_culture.tasks import send_reminders

from ..conftest import login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NONCOAL = MineKind.METAL_NONMETAL
DEADLINE = date(2026, 6, 30)


def _required_in_sql(mine: MineEnterprise) -> bool:
    found = db.session.scalar(
        select(MineEnterprise.id).where(MineEnterprise.id == mine.id, Requirement.load().condition())
    )
    return found is not None


def test_the_plan_asks_non_coal_underground_mines_and_large_open_pits_in_production(ctx):
    mines = {
        "coal": make.mine(kind=MineKind.COAL, size=MineSize.LARGE),
        "underground": make.mine(kind=NONCOAL, method=MiningMethod.UNDERGROUND, size=MineSize.SMALL),
        "small_pit": make.mine(kind=NONCOAL, method=MiningMethod.OPEN_PIT, size=MineSize.SMALL),
        "large_pit": make.mine(kind=NONCOAL, method=MiningMethod.OPEN_PIT, size=MineSize.LARGE),
        "tailings": make.mine(kind=NONCOAL, method=MiningMethod.TAILINGS, size=MineSize.LARGE),
        "suspended": make.mine(
            kind=NONCOAL, method=MiningMethod.UNDERGROUND, size=MineSize.LARGE, status=Status.SUSPENDED
        ),
    }
    required = {name for name, mine in mines.items() if must_build(mine)}
    assert required == {"underground", "large_pit"}
    assert {name for name, mine in mines.items() if _required_in_sql(mine)} == required
    # Another province: coal mines too, and every open pit.
    admin = make.admin()
    policy.set_value("safety_culture.mine_kinds", ["coal", "metal_nonmetal"], actor=admin)
    policy.set_value("safety_culture.open_pit_sizes", ["large", "medium", "small"], actor=admin)
    required = {name for name, mine in mines.items() if must_build(mine)}
    assert required == {"coal", "underground", "small_pit", "large_pit"}
    assert {name for name, mine in mines.items() if _required_in_sql(mine)} == required


@pytest.mark.parametrize("raw", ['["gold"]', '"large"', "large", "[1]"])
def test_a_list_rule_takes_only_its_codes(ctx, raw):
    with pytest.raises(ValueError):
        policy.rule("safety_culture.open_pit_sizes").parse(raw)


def test_the_deadline_day_is_in_time_and_the_day_after_overdue(ctx):
    mine = make.mine(kind=NONCOAL, method=MiningMethod.UNDERGROUND)
    small_pit = make.mine(kind=NONCOAL, size=MineSize.SMALL)
    assert policy.get("safety_culture.deadline") == DEADLINE
    (on_the_day,) = ops.progress([mine], DEADLINE)
    (day_after,) = ops.progress([mine], DEADLINE + timedelta(days=1))
    assert (on_the_day.overdue, day_after.overdue) == (False, True)
    assert not ops.progress([small_pit], DEADLINE + timedelta(days=1))[0].overdue  # not required
    ids = select(MineEnterprise.id)
    assert ops.required_mines(ids, DEADLINE, overdue_only=True) == []
    assert [r[0] for r in ops.required_mines(ids, DEADLINE + timedelta(days=1), overdue_only=True)] == [mine]


def _complete(mine: MineEnterprise, officer, regulator) -> None:
    for template in templates():
        row = ops.report(mine, template.key, "", PDF, "x.pdf", actor=officer)
        ops.decide(row, True, "", actor=regulator)


def test_a_complete_mine_is_not_overdue(ctx):
    mine = make.mine(kind=NONCOAL, method=MiningMethod.UNDERGROUND)
    officer = make.user(Role.MINE_OFFICER, at=mine)
    _complete(mine, officer, make.admin())
    after = DEADLINE + timedelta(days=1)
    assert not ops.progress([mine], after)[0].overdue
    assert ops.required_mines(select(MineEnterprise.id), after, overdue_only=True) == []


def test_overdue_is_red_on_the_mine_page_the_list_and_the_dashboard(ctx, client):
    province = make.region()
    city = make.region(parent=province)
    late = make.mine("迟到铁矿", region=city, kind=NONCOAL, method=MiningMethod.UNDERGROUND)
    make.mine("小露天矿", region=city, kind=NONCOAL, size=MineSize.SMALL)  # not required
    make.user(Role.MINE_OFFICER, at=late, username="late_officer")
    make.user(Role.REGULATOR, at=make.regulator(region=province), username="province_regulator")
    policy.set_value("safety_culture.deadline", local_today() - timedelta(days=1), actor=make.admin())
    metric = board.METRICS["culture_overdue"]
    assert board.figure(metric, province, local_today()).value == 1
    assert board.figure(metric, city, local_today() - timedelta(days=1)).value == 0  # the deadline's day
    db.session.commit()

    login(client, "late_officer", make.PASSWORD)
    page = client.get(f"/safety-culture/mines/{late.id}").text
    assert 'data-test="overdue"' in page and "badge not_in_use" in page
    client = ctx.test_client()
    login(client, "province_regulator", make.PASSWORD)
    listing = client.get("/safety-culture/").text
    assert f'data-test="overdue-{late.id}"' in listing and 'class="overdue"' in listing
    dashboard = client.get("/regulator/dashboard").text
    assert "tile alarm" in dashboard
    overdue_list = client.get("/regulator/dashboard/culture_overdue").text
    assert "迟到铁矿" in overdue_list and "小露天矿" not in overdue_list


def test_the_safety_officer_is_reminded_once_a_period(ctx):
    late = make.mine(kind=NONCOAL, method=MiningMethod.UNDERGROUND)
    officer = make.user(Role.MINE_OFFICER, at=late)
    other = make.user(Role.MINE_OFFICER, at=make.mine(kind=MineKind.COAL))  # not required
    db.session.commit()

    def day(n: int) -> str:
        return (DEADLINE + timedelta(days=n)).isoformat()

    assert send_reminders(day(0)) == {}  # the deadline's own day
    assert send_reminders(day(1)) == {"culture_overdue": 1}
    assert send_reminders(day(1)) == {}  # a second run the same day
    assert send_reminders(day(30)) == {}  # the same period
    assert send_reminders(day(31)) == {"culture_overdue": 1}  # the next one
    notes = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [n.user_id for n in notes] == [officer.id, officer.id]
    assert other.id not in {n.user_id for n in notes}
    assert notes[0].params["total"] == str(len(templates()))


def test_the_administrator_edits_the_templates_audited(ctx, client):
    admin = make.admin()
    mine = make.mine(kind=NONCOAL, method=MiningMethod.UNDERGROUND)
    officer = make.user(Role.MINE_OFFICER, at=mine)
    assert [t.key for t in templates()][:2] == ["philosophy", "rules"] and len(templates()) == 8
    report = ops.report(mine, "warning_day", "", PDF, "x.pdf", actor=officer)
    ops.decide(report, True, "", actor=admin)
    assert ops.progress([mine])[0].accepted == 1

    warning_day = db.session.scalar(select(MilestoneTemplate).where(MilestoneTemplate.key == "warning_day"))
    ops.edit_template(warning_day, "警示教育日活动", "Warning day", 7, True, actor=admin)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "culture.template_edit"))
    assert entry.before["title"] == "警示教育日" and entry.after == {
        "key": "warning_day",
        "title": "警示教育日活动",
        "title_en": "Warning day",
        "position": 7,
        "retired": True,
    }
    progress = ops.progress([mine])[0]
    assert (progress.accepted, progress.milestones) == (0, 7)  # retired: counted no more
    assert report.title == "警示教育日活动"  # the report still reads

    added = ops.add_template("mine_day", "安全文化开放日", "", 9, actor=admin)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "culture.template_add"))
    with pytest.raises(ops.CultureError):
        ops.add_template("mine_day", "again", "", 10, actor=admin)
    with pytest.raises(ops.CultureError):
        ops.add_template("Bad Key", "x", "", 10, actor=admin)
    assert ops.progress([mine])[0].milestones == 8
    assert added.key in {t.key for t in templates()}
    db.session.commit()

    # Through the page: a refusal writes nothing; an edit is audited.
    make.user(Role.ADMIN, username="culture_admin")
    db.session.commit()
    login(client, "culture_admin", make.PASSWORD)
    page = client.get("/safety-culture/milestones")
    assert page.status_code == 200 and "安全文化开放日" in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    entries = db.session.scalar(select(db.func.count(AuditEntry.id)))
    refused = client.post(
        f"/safety-culture/milestones/{added.id}", data={"csrf_token": token, "title": " ", "position": "9"}
    )
    assert refused.status_code == 422
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count(AuditEntry.id))) == entries
    assert db.session.get(MilestoneTemplate, added.id).title == "安全文化开放日"
    saved = client.post(
        f"/safety-culture/milestones/{added.id}",
        data={"csrf_token": token, "title": "安全文化开放日（年度）", "position": "9"},
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(MilestoneTemplate, added.id).title == "安全文化开放日（年度）"
    assert db.session.scalar(select(db.func.count(AuditEntry.id))) == entries + 1
