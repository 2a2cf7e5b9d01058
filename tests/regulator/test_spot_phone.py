"""逢查必考 on the tested person's own phone: anyone of the mine's 三项岗位 is tested on the
blueprint of their post, through a one-time link the regulator's page shows as a QR code."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from question_bank import assembly
from question_bank.models import Paper
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.core.i18n import local_today
from training_portal.organisations.models import MineEnterprise
from training_portal.people.models import OperationType, Post
from training_portal.regulator import operations as ops
from training_portal.regulator.models import SpotTest
from training_portal.regulator.operations import phone

from ..conftest import csrf_token, login
from .conftest import longjiabao


def _post(mine, operation_type=None, post=None):
    return next(
        p
        for p in ops.spot_testable_at(mine)
        if (operation_type is None or p.operation_type is operation_type) and (post is None or p.post is post)
    )


def _started(users, mine=None, operation_type=OperationType.COAL_GAS_INSPECTION, post=None):
    mine = mine or longjiabao()
    inspection = ops.record_inspection(mine, local_today(), "张监察", "", actor=users["regulator"])
    test = ops.start_spot_test(inspection, _post(mine, operation_type, post), actor=users["regulator"])
    return test, phone.issue_link(test, actor=users["regulator"]).token


def _phone_csrf(html: str) -> str:
    return re.search(r'data-csrf="([^"]+)"', html).group(1)


def _answers(test: SpotTest) -> dict:
    """Option 0 of every question but the last (left blank), keyed by question number."""
    items = db.session.get(Paper, test.paper_id).items
    return {str(i.position): [0] for i in items[:-1]}


def test_a_gas_inspector_is_tested_on_a_gas_inspectors_paper_from_the_qr_code(users, client, ctx):
    mine = longjiabao()
    inspection = ops.record_inspection(mine, local_today(), "张监察", "", actor=users["regulator"])
    gas = _post(mine, OperationType.COAL_GAS_INSPECTION)
    db.session.commit()
    login(client, "regulator")
    page = client.get(f"/regulator/inspections/{inspection.id}")
    assert f'value="{gas.id}"' in page.text  # a special-operations worker is among those offered
    started = client.post(
        f"/regulator/inspections/{inspection.id}/spot-tests",
        data={"post_id": gas.id, "csrf_token": csrf_token(client, f"/regulator/inspections/{inspection.id}")},
    )
    assert started.status_code == 200 and 'src="data:image/svg+xml' in started.text  # the QR code
    link = re.search(r'data-test="spot-link"[^>]*>([^<]+)<', started.text).group(1)
    test = db.session.scalar(select(SpotTest).where(SpotTest.inspection_id == inspection.id))
    paper = db.session.get(Paper, test.paper_id)
    assert paper.blueprint.target == "coal_gas_inspection" and paper.blueprint.purpose == "spot_test"
    assert all("principal" not in i.version.applies_to for i in paper.items)
    token = link.rsplit("/", 1)[1]
    assert test.link_hash and token not in test.link_hash  # only an HMAC of it is kept

    phone_client = ctx.test_client()  # the person's phone: nobody logged in
    opened = phone_client.get(link)
    assert opened.status_code == 200 and "<nav" not in opened.text and "logout" not in opened.text
    headers = {"X-CSRFToken": _phone_csrf(opened.text), "Accept": "application/json"}
    body = phone_client.get(f"/api/spot/{token}", headers=headers).get_json()
    assert body["state"] == "answering" and len(body["paper"]) == len(paper.items)
    assert "correct" not in body["paper"][0]  # no right answers on the phone
    sheet = _answers(test)
    saved = phone_client.put(f"/api/spot/{token}/answers", json={"answers": sheet, "seq": 1}, headers=headers)
    assert saved.status_code == 200 and saved.get_json()["saved_seq"] == 1
    status = client.get(f"/regulator/spot-tests/{test.id}/status").get_json()
    assert status["state"] == "opened" and status["answered"] == len(sheet) == status["total"] - 1
    assert (
        phone_client.put(
            f"/api/spot/{token}/answers", json={"answers": {"1": [9]}, "seq": 2}, headers=headers
        ).status_code
        == 422
    )  # not one of the options
    handed = phone_client.post(f"/api/spot/{token}/submit", headers=headers)
    assert handed.status_code == 200
    # Used up: the page and the API refuse it, and say why.
    again = phone_client.get(link)
    assert again.status_code == 410 and "已交卷" in again.text
    assert phone_client.get(f"/api/spot/{token}", headers=headers).status_code == 410
    assert phone_client.post(f"/api/spot/{token}/submit", headers=headers).status_code == 410

    status = client.get(f"/regulator/spot-tests/{test.id}/status").get_json()
    db.session.refresh(test)
    assert status["state"] == "finished" and status["score"] == test.score is not None
    assert status["passed"] is test.passed and test.answers == sheet
    actions = db.session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.object_type == "reg_spot_tests", AuditEntry.object_id == str(test.id)
        )
    ).all()
    assert {
        "spot_test.start",
        "spot_test.link",
        "spot_test.open",
        "spot_test.hand_in",
        "spot_test.grade",
    } <= set(actions)


def test_the_link_is_held_by_the_first_phone_expires_and_a_wrong_one_is_a_404(users, ctx):
    test, token = _started(users)
    db.session.commit()
    first, second = ctx.test_client(), ctx.test_client()
    assert first.get(f"/spot/{token}").status_code == 200
    taken = second.get(f"/spot/{token}")  # the same link on another phone
    assert taken.status_code == 409 and "另一部手机" in taken.text
    assert second.get(f"/api/spot/{token}", headers={"Accept": "application/json"}).status_code == 409
    wrong = first.get(f"/spot/{token[:-2]}xx")
    assert wrong.status_code == 404 and "spot-refused" in wrong.text
    assert first.get("/spot/" + "a" * 300).status_code == 404
    # A new code: the old link and the phone holding it stop working.
    token2 = phone.issue_link(test, actor=users["regulator"]).token
    db.session.commit()
    assert first.get(f"/spot/{token}").status_code == 404
    assert second.get(f"/spot/{token2}").status_code == 200
    # Past the deadline and the grace to hand in: expired.
    test.deadline = test.deadline - timedelta(hours=2)
    test.link_expires_at = test.deadline + phone.HAND_IN_GRACE
    db.session.commit()
    expired = second.get(f"/spot/{token2}")
    assert expired.status_code == 410 and "已过期" in expired.text


def test_the_phone_reaches_nothing_else_with_the_link(users, ctx):
    test, token = _started(users)
    other, other_token = _started(users, operation_type=OperationType.COAL_ELECTRICAL)
    db.session.commit()
    phone_client = ctx.test_client()
    opened = phone_client.get(f"/spot/{token}")
    headers = {"X-CSRFToken": _phone_csrf(opened.text), "Accept": "application/json"}
    for path in (
        f"/regulator/spot-tests/{test.id}",
        f"/regulator/spot-tests/{test.id}/status",
        f"/regulator/inspections/{test.inspection_id}",
        "/api/me/notifications",
    ):
        answer = phone_client.get(path, headers={"Accept": "application/json"})
        assert answer.status_code in (302, 401), path
    # The other test's API is closed until its own link is opened on a phone.
    assert phone_client.get(f"/api/spot/{other_token}", headers=headers).status_code == 409
    assert (
        phone_client.put(
            f"/api/spot/{other_token}/answers", json={"answers": {}, "seq": 1}, headers=headers
        ).status_code
        == 409
    )
    assert other.saved_seq == 0


def test_each_post_draws_its_own_blueprint_and_none_without_one(users):
    mine = longjiabao()
    director = _post(mine, post=Post.MINE_DIRECTOR)
    electrician = _post(mine, OperationType.COAL_ELECTRICAL)
    gas = _post(mine, OperationType.COAL_GAS_INSPECTION)
    assert ops.spot_blueprint_for(director).target == "principal"
    assert ops.spot_blueprint_for(gas).target == "coal_gas_inspection"  # its own before the category's
    assert ops.spot_blueprint_for(electrician).target == "special_operator"
    general = ops.spot_blueprint_for(electrician)
    general.purpose = "exam"
    db.session.flush()
    with pytest.raises(ops.RegulatorError) as refused:
        ops.spot_blueprint_for(electrician)
    assert refused.value.field == "post_id"


def test_a_phone_back_online_after_the_deadline_counts_what_it_saved_before(users):
    test, _token = _started(users)
    sheet = _answers(test)
    phone.open_on_phone(test)
    phone.save_phone_sheet(test, sheet, 1)
    test.deadline = test.deadline - timedelta(hours=1)
    phone.save_phone_sheet(test, {"1": [1]}, 2)  # typed offline after the deadline: not kept
    assert test.answers == sheet and test.saved_seq == 2
    graded = phone.hand_in_from_phone(test)
    paper = db.session.get(Paper, test.paper_id)
    score, _items = assembly.grade_paper(paper, {int(k): v for k, v in sheet.items()})
    assert graded.finished_at is not None and graded.answers == sheet and graded.score == score


def test_regulators_of_other_regions_are_refused(users, client):
    banshi = db.session.scalar(select(MineEnterprise).where(MineEnterprise.name == "珲矿集团板石煤矿"))
    test, token = _started(users, mine=banshi, operation_type=None, post=Post.MINE_DIRECTOR)
    jiutai_inspection = ops.record_inspection(
        longjiabao(), local_today(), "王监察", "", actor=users["regulator_jiutai"]
    )
    db.session.commit()
    login(client, "regulator_jiutai")
    form = csrf_token(client, f"/regulator/inspections/{jiutai_inspection.id}")
    assert client.get(f"/regulator/spot-tests/{test.id}").status_code == 403
    assert client.get(f"/regulator/spot-tests/{test.id}/status").status_code == 403
    assert client.post(f"/regulator/spot-tests/{test.id}/link", data={"csrf_token": form}).status_code == 403
    assert client.get(f"/regulator/inspections/{test.inspection_id}").status_code == 403
    outsider = _post(banshi, post=Post.MINE_DIRECTOR)
    assert (
        client.post(
            f"/regulator/inspections/{test.inspection_id}/spot-tests",
            data={"post_id": outsider.id, "csrf_token": form},
        ).status_code
        == 403
    )
    # In its own mine's inspection, a post of another region's mine is refused with the reason.
    refused = client.post(
        f"/regulator/inspections/{jiutai_inspection.id}/spot-tests",
        data={"post_id": outsider.id, "csrf_token": form},
    )
    assert refused.status_code == 422 and "三项岗位" in refused.text
    assert (
        db.session.scalar(select(SpotTest.id).where(SpotTest.inspection_id == jiutai_inspection.id)) is None
    )
