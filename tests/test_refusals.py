"""One answer to a refusal, per domain: a form that a rule refuses is drawn again with the
message beside its field (or at the top of the form) and a 4xx status that says what kind of
refusal it is (422 invalid input, 409 conflict of state, 403 refused by rule), and nothing is
written; a JSON caller gets ``{"error": status, "reason": …}``."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.safety_culture import operations as culture_ops
from training_portal.safety_culture.models import MilestoneReport, ReportStatus

from .conftest import csrf_token, login
from .regulator.conftest import longjiabao

pytestmark = pytest.mark.one_backend

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def audit_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def beside(html: str, field: str) -> list[str]:
    """The messages drawn beside a field of the redrawn form."""
    return re.findall(rf'data-test="field-error-{field}">([^<]+)<', html)


def at_top(html: str) -> list[str]:
    return re.findall(r'data-test="form-error">([^<]+)<', html)


# ----------------------------------------------------------------------------- safety culture


def test_a_milestone_sent_back_without_a_reason_is_the_form_again(users, client):
    mine = longjiabao()
    row = culture_ops.report(mine, "rules", "制度", PDF, "x.pdf", actor=users["mine_officer"])
    db.session.commit()
    before = audit_count()
    login(client, "regulator")
    token = csrf_token(client, f"/safety-culture/mines/{mine.id}")
    response = client.post(
        f"/safety-culture/reports/{row.id}/decide",
        data={"csrf_token": token, "decision": "send_back", "note": " "},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert beside(html, "note") == ["请说明退回理由。"]
    assert 'data-test="milestones"' in html and "返回首页" not in html
    assert audit_count() == before
    assert db.session.get(MilestoneReport, row.id).status is ReportStatus.SUBMITTED


def test_a_decision_on_a_decided_milestone_is_a_conflict(users, client):
    mine = longjiabao()
    row = culture_ops.report(mine, "rules", "制度", PDF, "x.pdf", actor=users["mine_officer"])
    culture_ops.decide(row, True, "", actor=users["regulator"])
    db.session.commit()
    before = audit_count()
    login(client, "regulator")
    token = csrf_token(client, f"/safety-culture/mines/{mine.id}")
    response = client.post(
        f"/safety-culture/reports/{row.id}/decide",
        data={"csrf_token": token, "decision": "send_back", "note": "再看看"},
    )
    assert response.status_code == 409 and at_top(response.get_data(as_text=True))
    assert audit_count() == before


def test_a_milestone_report_without_evidence_is_the_form_again(users, client):
    mine = longjiabao()
    db.session.commit()
    before = audit_count()
    login(client, "mine_officer")
    token = csrf_token(client, f"/safety-culture/mines/{mine.id}")
    response = client.post(
        f"/safety-culture/mines/{mine.id}/milestones/philosophy",
        data={"csrf_token": token, "note": "理念", "evidence": (io.BytesIO(b""), "")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert beside(html, "evidence") == ["请上传佐证材料（PDF、JPEG 或 PNG）。"] and 'value="理念"' in html
    assert audit_count() == before
    assert db.session.scalar(select(func.count()).select_from(MilestoneReport)) == 0


def test_a_json_caller_gets_json(users, client):
    mine = longjiabao()
    row = culture_ops.report(mine, "rules", "制度", PDF, "x.pdf", actor=users["mine_officer"])
    db.session.commit()
    login(client, "regulator")
    token = csrf_token(client, f"/safety-culture/mines/{mine.id}")
    response = client.post(
        f"/safety-culture/reports/{row.id}/decide",
        data={"csrf_token": token, "decision": "send_back", "note": ""},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 422
    assert response.get_json() == {"error": 422, "reason": response.get_json()["reason"], "field": "note"}
    assert response.get_json()["reason"]


# ----------------------------------------------------------------------------- certificates


def test_a_status_change_without_a_reason_is_the_form_again(users, client):
    from training_portal.certificates.models import CertificateStatus

    from .certificates.conftest import certified

    certificate = certified(users)
    db.session.commit()
    before = audit_count()
    login(client, "regulator")
    page = f"/certificates/{certificate.id}"
    token = csrf_token(client, page)
    response = client.post(f"{page}/status", data={"csrf_token": token, "status": "suspended", "reason": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert beside(html, "reason") == ["请填写理由。"] and 'data-test="status-form"' in html
    assert audit_count() == before
    db.session.expire_all()
    assert certificate.status is CertificateStatus.VALID
    # A status the buttons never send: the same form, 422 (it was a bare 400 page).
    response = client.post(f"{page}/status", data={"csrf_token": token, "status": "lost", "reason": "x"})
    assert response.status_code == 422 and 'data-test="status-form"' in response.get_data(as_text=True)


def test_a_revoked_certificate_is_a_conflict(users, client):
    from .certificates.conftest import certified

    certificate = certified(users)
    db.session.commit()
    login(client, "regulator")
    page = f"/certificates/{certificate.id}"
    token = csrf_token(client, page)
    form = {"csrf_token": token, "status": "revoked", "reason": "伪造培训记录", "understood": "y"}
    assert client.post(f"{page}/status", data=form).status_code == 302
    before = audit_count()
    response = client.post(f"{page}/status", data=form | {"status": "valid"})
    assert response.status_code == 409
    assert at_top(response.get_data(as_text=True)) == ["证书已吊销，不能恢复。"]
    assert audit_count() == before


# ----------------------------------------------------------------------------- regulator


def test_an_inspection_dated_tomorrow_is_the_form_again(users, client):
    from datetime import timedelta

    from training_portal.core.i18n import local_today
    from training_portal.regulator.models import Inspection

    mine = longjiabao()
    db.session.commit()
    before = audit_count()
    login(client, "regulator")
    page = f"/regulator/mines/{mine.id}"
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    response = client.post(
        f"{page}/inspections",
        data={
            "csrf_token": csrf_token(client, page),
            "inspected_on": tomorrow,
            "inspectors": "张监察",
            "findings": "通风系统检查",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert beside(html, "inspected_on") == ["检查日期不能晚于今天。"] and "通风系统检查</textarea>" in html
    assert audit_count() == before
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0


def test_closing_an_unanswered_order_is_a_conflict_and_a_spot_test_answer_must_be_an_option(users, client):
    from training_portal.core.i18n import local_today
    from training_portal.people.models import Post
    from training_portal.regulator import operations as ops
    from training_portal.regulator.models import OrderStatus, SpotTest

    from .regulator.conftest import spot_blueprint

    mine = longjiabao()
    inspection = ops.record_inspection(mine, local_today(), "张监察", "", actor=users["regulator"])
    director = next(p for p in ops.managers_at(mine) if p.post is Post.MINE_DIRECTOR)
    test = ops.start_spot_test(inspection, director, spot_blueprint(), actor=users["regulator"])
    db.session.commit()
    login(client, "regulator")
    page = f"/regulator/spot-tests/{test.id}"
    before = audit_count()
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "q1": "99"})
    assert response.status_code == 422  # was a bare 400 page
    html = response.get_data(as_text=True)
    assert beside(html, "q1") == ["所选答案不在选项之中。"] and 'data-test="spot-paper"' in html
    assert audit_count() == before and db.session.get(SpotTest, test.id).finished_at is None

    ops.submit_spot_test(test, {}, actor=users["regulator"])
    db.session.commit()
    order = db.session.get(SpotTest, test.id).order
    before = audit_count()
    response = client.post(
        f"/regulator/orders/{order.id}/close", data={"csrf_token": csrf_token(client, "/regulator/orders")}
    )
    assert response.status_code == 409  # was 422
    assert at_top(response.get_data(as_text=True)) == ["只有矿山已答复的指令才能关闭。"]
    assert audit_count() == before
    db.session.expire_all()
    assert order.status is OrderStatus.OPEN


# ----------------------------------------------------------------------------- exams


def test_a_third_examiner_who_scored_already_is_the_form_again(users, client):
    from training_portal.exams import practical as practical_ops
    from training_portal.exams.models import PracticalExaminer, PracticalStatus

    from .exams.conftest import passed_practical

    practical = passed_practical(users)
    practical_ops.score(practical, examiner=users["proctor_center"], item_scores=[18, 14, 27, 13, 20])
    practical_ops.score(practical, examiner=users["proctor_dept"], item_scores=[10, 8, 20, 10, 20])
    db.session.commit()
    before = audit_count()
    login(client, "reviewer_center")
    page = f"/exams/practicals/{practical.id}"
    response = client.post(
        f"{page}/third", data={"csrf_token": csrf_token(client, page), "examiner": users["proctor_center"].id}
    )
    assert response.status_code == 422  # was a bare 409 page
    html = response.get_data(as_text=True)
    assert beside(html, "examiner") == ["第三考评员须是审核单位的另一名考评员，且未培训过该考生。"]
    assert 'name="examiner"' in html and "返回首页" not in html
    assert audit_count() == before
    db.session.expire_all()
    assert practical.status is PracticalStatus.NEEDS_THIRD
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(PracticalExaminer)
            .where(PracticalExaminer.practical_id == practical.id)
        )
        == 2
    )


def test_a_room_opened_twice_is_a_conflict_and_a_seat_gets_its_minutes_checked(users, client, app):
    from training_portal.exams.models import ExamAttempt

    from .exams.conftest import gas_inspectors, seated

    attempt, _candidate = seated(users, gas_inspectors()[0])
    db.session.commit()
    session_id, deadline = attempt.session_id, attempt.deadline
    login(client, "proctor_center")
    page = f"/exams/sessions/{session_id}"
    token = csrf_token(client, page)
    before = audit_count()
    response = client.post(f"{page}/open", data={"csrf_token": token})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert at_top(html) == ["考试场次已开考。"] and 'data-test="seats"' in html
    response = client.post(
        f"/exams/attempts/{attempt.id}/action",
        data={"csrf_token": token, "action": "add_time", "minutes": "90", "reason": "停电"},
    )
    assert response.status_code == 422  # was 409
    assert beside(response.get_data(as_text=True), "minutes") == ["请延长 1 到 60 分钟。"]
    assert audit_count() == before
    assert db.session.get(ExamAttempt, attempt.id).deadline == deadline


def test_a_json_caller_of_a_form_view_gets_json(users, client):
    from .exams.conftest import gas_inspectors, seated

    attempt, _candidate = seated(users, gas_inspectors()[0])
    db.session.commit()
    login(client, "proctor_center")
    page = f"/exams/sessions/{attempt.session_id}"
    response = client.post(
        f"{page}/open", data={"csrf_token": csrf_token(client, page)}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 409
    assert response.get_json() == {"error": 409, "reason": "考试场次已开考。"}


# ----------------------------------------------------------------------------- training


def test_a_lesson_in_a_booked_classroom_is_a_conflict_with_the_class_page(users, client):
    from datetime import timedelta

    from training_portal.core.i18n import local_zone
    from training_portal.training.models import Lesson, TrainingClass

    klass = db.session.scalar(select(TrainingClass).order_by(TrainingClass.id))
    lesson = db.session.scalar(select(Lesson).where(Lesson.class_id == klass.id).order_by(Lesson.starts_at))
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(Lesson))
    before = audit_count()
    login(client, "center")
    page = f"/training/classes/{klass.id}"
    starts = lesson.starts_at.astimezone(local_zone()).replace(tzinfo=None)
    response = client.post(
        f"{page}/lessons",
        data={
            "lesson-csrf_token": csrf_token(client, page),
            "lesson-title": "重复的课",
            "lesson-starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "lesson-ends_at": (starts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "lesson-hours": "1",
            "lesson-module_id": "0",
        },
    )
    assert response.status_code == 409  # was 422
    html = response.get_data(as_text=True)
    assert at_top(html) == [f"该时段教室已被“{klass.name}”（{lesson.title}）占用。"]
    assert 'value="重复的课"' in html
    assert audit_count() == before
    assert db.session.scalar(select(func.count()).select_from(Lesson)) == count
