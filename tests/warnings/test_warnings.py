"""警示教育 (issue 21, item 3): a regulator forwards an accident bulletin to the mines of its
jurisdiction, each mine's officer acknowledges it (who and when), the regulator sees who has
read it; mines record their warning-education days and the regulator sees per mine whether one
was held this year. Real objects of other regions stand for the mines a regulator must not reach."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select

from tests import factories
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.core.i18n import local_today
from training_portal.core.permissions import Role
from training_portal.notifications.models import Notification
from training_portal.organisations.models import MineEnterprise, Region, RegulatorUnit
from training_portal.warnings.models import Bulletin, WarningDay

from ..conftest import csrf_token, login, png_bytes

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
LONGJIABAO = "龙嘉堡煤矿"
SHUANGYANG = "长春双阳鑫磊石灰石矿业有限公司"


def as_user(client, username: str, password: str | None = None) -> None:
    client._cookies.clear()
    login(client, username, *([password] if password else []))


def mine(name: str) -> MineEnterprise:
    return db.session.scalar(select(MineEnterprise).where(MineEnterprise.name == name))


def unit(name: str) -> RegulatorUnit:
    return db.session.scalar(select(RegulatorUnit).where(RegulatorUnit.name == name))


def forward(
    client, *, to="all", mines=(), attachment=(PDF, "通报.pdf"), title="透水事故警示通报", issued_on=None
):
    page = client.get("/warnings/bulletins/new").text
    unit_id = int(page.split('name="unit_id"')[1].split('value="')[1].split('"')[0])
    data = {
        "csrf_token": csrf_token(client, "/warnings/bulletins/new"),
        "unit_id": unit_id,
        "title": title,
        "issued_on": (issued_on or local_today()).isoformat(),
        "summary": "井下透水。",
        "lessons": "先探后掘。",
        "to": to,
        "mines": [str(m.id) for m in mines],
    }
    if attachment:
        data["attachment"] = (io.BytesIO(attachment[0]), attachment[1])
    return client.post("/warnings/bulletins/new", data=data, content_type="multipart/form-data")


def test_a_bulletin_reaches_the_mines_of_the_jurisdiction_and_is_acknowledged(users, client):
    jilin = db.session.scalar(select(Region).where(Region.code == "220200"))
    elsewhere = factories.mine(region=jilin)  # a mine of 吉林市: outside 长春's jurisdiction
    db.session.commit()
    as_user(client, "regulator_changchun")
    answer = forward(client)
    assert answer.status_code == 302
    bulletin = db.session.scalar(select(Bulletin).where(Bulletin.title == "透水事故警示通报"))
    reached = {d.mine.name for d in bulletin.deliveries}
    assert {LONGJIABAO, SHUANGYANG} <= reached and elsewhere.name not in reached
    assert bulletin.attachment_key and bulletin.unit.name == "长春市应急管理局"
    assert db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "bulletin.send", AuditEntry.object_id == str(bulletin.id)
        )
    )
    told = db.session.scalars(select(Notification).where(Notification.kind == "bulletin_received")).all()
    assert users["mine_officer"].id in {n.user_id for n in told}
    page = client.get(f"/warnings/bulletins/{bulletin.id}").text
    assert "尚未阅读" in page  # nobody has read it yet

    as_user(client, "mine_officer")
    assert "透水事故警示通报" in client.get("/warnings/bulletins").text
    page = client.get(f"/warnings/bulletins/{bulletin.id}").text
    assert 'data-test="acknowledge"' in page and 'data-test="receipts"' not in page
    assert client.get(f"/warnings/bulletins/{bulletin.id}/attachment").data == PDF
    delivery = next(d for d in bulletin.deliveries if d.mine.name == LONGJIABAO)
    other = next(d for d in bulletin.deliveries if d.mine.name == SHUANGYANG)
    url = f"/warnings/bulletins/{bulletin.id}/deliveries/{{}}/read"
    token = csrf_token(client, f"/warnings/bulletins/{bulletin.id}")
    assert client.post(url.format(other.id), data={"csrf_token": token}).status_code == 403  # not its mine
    assert client.post(url.format(delivery.id), data={"csrf_token": token}).status_code == 302
    assert client.post(url.format(delivery.id), data={"csrf_token": token}).status_code == 409
    db.session.expire_all()
    assert delivery.read_by_id == users["mine_officer"].id and delivery.read_at is not None
    assert other.read_at is None
    assert db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "bulletin.read", AuditEntry.object_id == str(delivery.id)
        )
    )

    as_user(client, "regulator_changchun")
    page = client.get(f"/warnings/bulletins/{bulletin.id}").text
    receipts = page[page.index('data-test="receipts"') :]
    row = receipts[receipts.index(f'data-test="receipt-{delivery.mine_id}"') :].split("</tr>")[0]
    assert users["mine_officer"].display_name in row
    row = receipts[receipts.index(f'data-test="receipt-{other.mine_id}"') :].split("</tr>")[0]
    assert "—" in row

    as_user(client, "regulator_jiutai")  # a county below: neither its bulletin nor its receipts
    assert client.get(f"/warnings/bulletins/{bulletin.id}").status_code == 403
    other_regulator = factories.user(
        Role.REGULATOR, at=factories.regulator(region=jilin), username="reg_jilin"
    )
    db.session.commit()
    as_user(client, other_regulator.username, factories.PASSWORD)
    assert client.get(f"/warnings/bulletins/{bulletin.id}").status_code == 403


def test_chosen_mines_only_and_within_the_jurisdiction_and_the_pdf_is_checked(users, client):
    as_user(client, "regulator_jiutai")
    assert forward(client, to="chosen", mines=[mine(SHUANGYANG)]).status_code == 422  # 双阳 is not 九台's
    assert forward(client, to="chosen", mines=[]).status_code == 422
    assert (
        forward(
            client, to="chosen", mines=[mine(LONGJIABAO)], attachment=(b"MZ\x90\x00", "x.pdf")
        ).status_code
        == 422
    )
    big = b"%PDF-" + b"0" * (10 * 1024 * 1024)
    assert forward(
        client, to="chosen", mines=[mine(LONGJIABAO)], attachment=(big, "big.pdf")
    ).status_code in (413, 422)
    assert db.session.scalar(select(Bulletin).where(Bulletin.title == "透水事故警示通报")) is None
    assert forward(client, to="chosen", mines=[mine(LONGJIABAO)], attachment=None).status_code == 302
    bulletin = db.session.scalar(select(Bulletin).where(Bulletin.title == "透水事故警示通报"))
    assert [d.mine.name for d in bulletin.deliveries] == [LONGJIABAO] and bulletin.attachment_key is None
    as_user(client, "mine_officer_shuangyang")  # not chosen: not its bulletin
    assert client.get(f"/warnings/bulletins/{bulletin.id}").status_code == 403
    as_user(client, "mine_officer")
    assert client.get("/warnings/bulletins/new").status_code == 403


def test_warning_days_recorded_by_the_mine_and_seen_by_its_regulators(users, client):
    as_user(client, "mine_officer_shuangyang")
    data = {
        "csrf_token": csrf_token(client, "/warnings/days"),
        "mine_id": mine(SHUANGYANG).id,
        "held_on": local_today().isoformat(),
        "theme": "尾矿库溃坝事故警示教育",
        "attendance": "48",
        "notes": "全员观看警示片",
        "evidence": (io.BytesIO(png_bytes()), "photo.png"),
    }
    assert client.post("/warnings/days", data=data, content_type="multipart/form-data").status_code == 302
    day = db.session.scalar(select(WarningDay).where(WarningDay.theme == "尾矿库溃坝事故警示教育"))
    assert day.attendance == 48 and day.evidence_key.endswith(".png")
    bad = dict(data, csrf_token=data["csrf_token"], evidence=(io.BytesIO(b"not an image"), "x.png"))
    assert client.post("/warnings/days", data=bad, content_type="multipart/form-data").status_code == 422
    other = dict(data, mine_id=mine(LONGJIABAO).id, evidence=(io.BytesIO(b""), ""))
    assert client.post("/warnings/days", data=other, content_type="multipart/form-data").status_code == 422

    def held(html: str, name: str) -> bool:
        table = html[html.index('data-test="warning-days"') :]
        row = table[table.index(name) :].split("</tr>")[0]
        return "未举办" not in row and "已举办" in row

    as_user(client, "regulator_changchun")
    html = client.get("/warnings/days").text
    assert held(html, SHUANGYANG) and held(html, LONGJIABAO)  # the demo's day at 龙嘉堡
    assert client.get(f"/warnings/days/{day.id}/evidence").status_code == 200
    assert not held(client.get(f"/warnings/days?year={local_today().year - 1}").text, SHUANGYANG)
    as_user(client, "regulator_jiutai")  # 九台: 龙嘉堡 only
    html = client.get("/warnings/days").text
    assert LONGJIABAO in html and SHUANGYANG not in html
    assert client.get(f"/warnings/days/{day.id}/evidence").status_code == 403


def test_an_administrator_neither_acknowledges_for_a_mine_nor_records_its_days(users, client):
    """Every permission is an administrator's, but a read receipt or a warning-education day is
    the mine's own officer's word: only a mine-officer assignment at the mine gives it."""
    as_user(client, "regulator_changchun")
    assert forward(client).status_code == 302
    bulletin = db.session.scalar(select(Bulletin).where(Bulletin.title == "透水事故警示通报"))
    delivery = next(d for d in bulletin.deliveries if d.mine.name == LONGJIABAO)

    as_user(client, "admin")
    page = client.get(f"/warnings/bulletins/{bulletin.id}").text
    assert 'data-test="receipts"' in page and 'data-test="acknowledge"' not in page
    token = csrf_token(client, "/warnings/days")
    url = f"/warnings/bulletins/{bulletin.id}/deliveries/{delivery.id}/read"
    assert client.post(url, data={"csrf_token": token}).status_code == 403
    data = {
        "csrf_token": token,
        "mine_id": mine(LONGJIABAO).id,
        "held_on": local_today().isoformat(),
        "theme": "管理员代录的警示教育日",
        "attendance": "10",
    }
    assert client.post("/warnings/days", data=data).status_code == 403
    db.session.expire_all()
    assert delivery.read_at is None
    assert db.session.scalar(select(WarningDay).where(WarningDay.theme == data["theme"])) is None
    assert not db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "bulletin.read", AuditEntry.object_id == str(delivery.id)
        )
    )


def test_dates_are_bounded_a_future_bulletin_or_an_ancient_day_is_refused(users, client):
    as_user(client, "regulator_changchun")
    answer = forward(client, title="未来的通报", issued_on=local_today() + timedelta(days=1))
    assert answer.status_code == 422 and "通报日期不能晚于转发当天" in answer.text
    assert forward(client, title="远古的通报", issued_on=date(1900, 1, 1)).status_code == 422
    assert not db.session.scalars(
        select(Bulletin).where(Bulletin.title.in_(["未来的通报", "远古的通报"]))
    ).all()

    as_user(client, "mine_officer_shuangyang")
    data = {
        "csrf_token": csrf_token(client, "/warnings/days"),
        "mine_id": mine(SHUANGYANG).id,
        "held_on": "1900-01-01",
        "theme": "远古的警示教育日",
        "attendance": "5",
    }
    answer = client.post("/warnings/days", data=data)
    assert answer.status_code == 422 and "请填写 2000-01-01 及以后的日期" in answer.text
    tomorrow = dict(data, held_on=(local_today() + timedelta(days=1)).isoformat())
    assert client.post("/warnings/days", data=tomorrow).status_code == 422
    assert db.session.scalar(select(WarningDay).where(WarningDay.theme == "远古的警示教育日")) is None
