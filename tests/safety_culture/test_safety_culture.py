"""Milestones reported with evidence, accepted or sent back, the completion rate, and the
excellent cases published to everyone."""

from __future__ import annotations

import io

import pytest

from training_portal.core import policy
from training_portal.core.db import db
from training_portal.safety_culture import operations as ops
from training_portal.safety_culture.models import ReportStatus, must_build, templates

from ..conftest import login, png_bytes
from ..regulator.conftest import longjiabao

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_report_accept_send_back_and_the_completion_rate(users):
    mine = longjiabao()
    # The demo's mine is a coal mine: required once the province asks coal mines too.
    assert not must_build(mine)
    policy.set_value("safety_culture.mine_kinds", ["coal", "metal_nonmetal"], actor=users["admin"])
    assert must_build(mine)
    first = ops.report(mine, "philosophy", "安全理念手册", PDF, "理念.pdf", actor=users["mine_officer"])
    second = ops.report(mine, "rules", "", png_bytes(), "制度.png", actor=users["mine_officer"])
    with pytest.raises(ops.CultureError):
        ops.decide(second, False, " ", actor=users["regulator"])  # sending back needs a reason
    ops.decide(first, True, "", actor=users["regulator"])
    ops.decide(second, False, "缺少考核制度", actor=users["regulator"])
    assert (first.status, second.status) == (ReportStatus.ACCEPTED, ReportStatus.SENT_BACK)
    with pytest.raises(ops.CultureError):
        ops.report(mine, "philosophy", "again", PDF, "x.pdf", actor=users["mine_officer"])  # accepted already
    again = ops.report(mine, "rules", "补充考核制度", PDF, "制度.pdf", actor=users["mine_officer"])
    assert again.id == second.id and again.status is ReportStatus.SUBMITTED
    progress = ops.progress([mine])
    assert progress[0].accepted == 1
    assert ops.completion_rate(progress) == pytest.approx(100 / len(templates()))


@pytest.mark.parametrize("data", [b"", b"<html>not evidence</html>", b"MZ\x90\x00" * 10])
def test_evidence_is_checked_by_content(users, data):
    with pytest.raises(ops.CultureError):
        ops.report(longjiabao(), "philosophy", "", data, "x.pdf", actor=users["mine_officer"])


def test_an_excellent_case_is_published_to_every_user(users, client):
    mine = longjiabao()
    case = ops.report(
        mine, "excellent_case", "“手指口述”安全确认法", PDF, "案例.pdf", actor=users["mine_officer"]
    )
    other = ops.report(mine, "warning_day", "", PDF, "x.pdf", actor=users["mine_officer"])
    with pytest.raises(ops.CultureError):
        ops.decide(other, True, "", actor=users["regulator"], publish=True)  # only an excellent case
    ops.decide(case, True, "", actor=users["regulator"], publish=True)
    db.session.commit()
    login(client, "trainee")
    page = client.get("/safety-culture/cases").get_data(as_text=True)
    assert "手指口述" in page
    evidence = client.get(f"/safety-culture/reports/{case.id}/evidence")
    assert evidence.status_code == 200 and evidence.data == PDF
    assert "attachment" in evidence.headers["Content-Disposition"]
    assert client.get(f"/safety-culture/reports/{other.id}/evidence").status_code == 403


def test_a_mine_officer_reports_only_for_their_own_mine(users, client):
    from sqlalchemy import select

    from training_portal.organisations.models import MineEnterprise

    other = db.session.scalars(select(MineEnterprise).where(MineEnterprise.id != longjiabao().id)).first()
    db.session.commit()
    login(client, "mine_officer")
    from ..conftest import csrf_token

    token = csrf_token(client, "/safety-culture/")
    response = client.post(
        f"/safety-culture/mines/{other.id}/milestones/philosophy",
        data={"csrf_token": token, "evidence": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    response = client.post(
        f"/safety-culture/mines/{longjiabao().id}/milestones/philosophy",
        data={"csrf_token": token, "evidence": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
