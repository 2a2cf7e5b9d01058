"""国家矿山安全监察局吉林局 (the demo's ``inspector_national``): reads what the provincial
regulator reads, province-wide, and decides nothing."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from training_portal.core.db import db
from training_portal.core.permissions import Role
from training_portal.organisations.models import MineEnterprise
from training_portal.organisations.operations import mines_of
from training_portal.people.models import Person

from ..conftest import csrf_token, login
from .conftest import longjiabao


def _far_worker() -> Person:
    """A worker of a mine in another city than the provincial seat's (珲春, 延边)."""
    mine = db.session.scalar(select(MineEnterprise).where(MineEnterprise.name == "珲矿集团八连城煤矿"))
    return db.session.scalar(select(Person).where(Person.employer_id == mine.id).order_by(Person.id))


def test_the_inspectorate_sees_every_mine_and_record_of_the_province(users):
    inspector = users["inspector_national"]
    assert {a.role for a in inspector.assignments} == {Role.INSPECTORATE}
    assert {m.id for m in mines_of(inspector)} == {m.id for m in mines_of(users["regulator"])}
    worker = _far_worker()
    assert worker.can_view_record(inspector) and worker.can_read_api(inspector)
    assert not worker.can_view_record(users["regulator_jiutai"])


def test_the_inspectorates_home_page_links_only_to_pages_it_may_open(users, client):
    db.session.commit()
    login(client, "inspector_national")
    home = client.get("/").text
    card = home.split('data-role="inspectorate"')[1].split("</section>")[0]
    assert "国家矿山安全监察局吉林局" in card and "吉林省" in card
    links = re.findall(r'href="([^"]+)"', card)
    assert len(links) == 6
    for link in links:
        assert client.get(link).status_code == 200, link
    menu = [link for link in re.findall(r"<nav>.*?</nav>", home, re.S)[0].split('href="')[1:]]
    assert any(link.startswith("/regulator/dashboard") for link in menu)


def test_the_inspectorate_reads_but_decides_nothing(users, client):
    db.session.commit()
    login(client, "inspector_national")
    worker, mine = _far_worker(), longjiabao()
    for path in (
        f"/people/{worker.id}",
        "/regulator/dashboard",
        "/regulator/compliance",
        f"/regulator/mines/{mine.id}",
        "/regulator/search?q=八连城",
    ):
        assert client.get(path).status_code == 200, path
    assert worker.name in client.get("/regulator/search?q=八连城").text
    token = csrf_token(client, "/regulator/dashboard")
    inspection = client.post(
        f"/regulator/mines/{mine.id}/inspections",
        data={"inspected_on": date.today().isoformat(), "csrf_token": token},
    )
    assert inspection.status_code == 403
    inspector = users["inspector_national"]
    for permission in (
        "inspection.conduct",
        "certificate.revoke",
        "certificate.record_violation",
        "training.record_accident",
        "exam.schedule",
        "person.edit",
    ):
        assert not inspector.can(permission, mine), permission
