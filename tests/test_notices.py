"""A notice for every decision, to everyone it concerns: written with the decision (never for
one that rolled back), once per event and person, listed at /notifications with an unread
badge and at GET /api/me/notifications, and texted once through the SMS sender."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from question_bank.models import Blueprint
from training_portal.certificates import operations as cert_ops
from training_portal.certificates.models import CertificateStatus
from training_portal.core.audit import _LISTENERS, AuditEntry
from training_portal.core.db import db
from training_portal.core.i18n import local_today
from training_portal.core.permissions import Role
from training_portal.exams import applications as app_ops
from training_portal.exams import sessions as session_ops
from training_portal.notifications import sms
from training_portal.notifications import tasks as note_tasks
from training_portal.notifications.models import Notification
from training_portal.people.models import Post
from training_portal.regulator import operations as reg_ops

from .certificates.conftest import certified
from .conftest import csrf_token, login
from .exams.conftest import (
    CANDIDATE_PASSWORD,
    apply,
    candidate_user,
    gas_inspectors,
    new_session,
    passed_written,
)


def notices(user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def about(user, key: str) -> list[Notification]:
    return [n for n in notices(user) if n.key == key]


def kinds(user) -> list[str]:
    return [n.kind for n in notices(user)]


def test_an_application_goes_to_both_units_and_its_decision_back_to_the_candidate(users):
    person = gas_inspectors()[0]
    candidate = candidate_user(person)
    application = apply(person, users["admin"])
    db.session.commit()
    for reviewer in ("reviewer_center", "reviewer_dept"):
        (notice,) = about(users[reviewer], f"application-submitted:{application.id}")
        assert notice.kind == "application_submitted" and person.name in note_tasks.text(notice)
    assert kinds(candidate) == []

    app_ops.review_application(application, reviewer=users["reviewer_center"], approve=True)
    db.session.commit()
    assert kinds(candidate) == []  # one unit's approval decides nothing yet
    app_ops.review_application(application, reviewer=users["reviewer_dept"], approve=True)
    db.session.commit()
    assert kinds(candidate) == ["application_approved"]
    assert [n.kind for n in about(users["admin"], f"application-decided:{application.id}")] == [
        "application_approved"
    ]  # who applied for the candidate
    assert notices(candidate)[0].link == f"/exams/applications/{application.id}"


def test_a_rejection_tells_the_reason(users):
    person = gas_inspectors()[0]
    candidate = candidate_user(person)
    application = apply(person, users["admin"])
    app_ops.review_application(
        application, reviewer=users["reviewer_dept"], approve=False, reason="缺少学历证明"
    )
    db.session.commit()
    (notice,) = notices(candidate)
    assert notice.kind == "application_rejected" and "缺少学历证明" in note_tasks.text(notice)


def test_a_seat_says_when_where_and_what_to_bring_and_results_follow_the_signatures(users):
    person = gas_inspectors()[0]
    candidate = candidate_user(person)
    application = apply(person, users["admin"])
    for reviewer in ("reviewer_center", "reviewer_dept"):
        app_ops.review_application(application, reviewer=users[reviewer], approve=True)
    session = new_session(users)
    session_ops.seat(session, application, actor=users["reviewer_center"])
    db.session.commit()
    seat = next(n for n in notices(candidate) if n.kind == "seat_assigned")
    message = note_tasks.text(seat)
    assert session.room in message and session.site in message and "身份证" in message

    attempt = passed_written(users, gas_inspectors()[0])
    holder = candidate_user(attempt.person)
    assert kinds(holder)[-1] == "results_published"
    assert attempt.session.name in note_tasks.text(notices(holder)[-1])


def test_a_certificate_tells_its_holder_when_issued_suspended_reinstated_and_revoked(users):
    certificate = certified(users)
    holder = candidate_user(certificate.person)
    assert kinds(holder)[-1] == "certificate_issued"
    assert notices(holder)[-1].link == f"/certificates/{certificate.id}"
    for status, reason in (
        (CertificateStatus.SUSPENDED, "涉嫌违章"),
        (CertificateStatus.VALID, "核查无误"),
        (CertificateStatus.SUSPENDED, "再次涉嫌违章"),  # a second suspension is a new event
        (CertificateStatus.REVOKED, "考试作弊"),
    ):
        cert_ops.set_status(certificate, status, reason, actor=users["regulator"])
        db.session.commit()
    latest = notices(holder)[-4:]
    assert [n.kind for n in latest] == [
        "certificate_suspended",
        "certificate_reinstated",
        "certificate_suspended",
        "certificate_revoked",
    ]
    assert "考试作弊" in note_tasks.text(latest[-1]) and certificate.serial in note_tasks.text(latest[-1])


def test_a_reassignment_order_reaches_the_mine_and_its_answer_the_regulator(users):
    officer = users["mine_officer"]
    mine = officer.organisations(Role.MINE_OFFICER)[0]
    inspection = reg_ops.record_inspection(
        mine, local_today(), "张监察、李监察", "通风系统检查", actor=users["regulator"]
    )
    director = next(p for p in reg_ops.managers_at(mine) if p.post is Post.MINE_DIRECTOR)
    test = None
    for blueprint in db.session.scalars(select(Blueprint).where(Blueprint.purpose == "spot_test")):
        try:  # the spot-test blueprint of the director's category
            test = reg_ops.start_spot_test(inspection, director, blueprint, actor=users["regulator"])
            break
        except reg_ops.RegulatorError:
            continue
    assert test is not None
    reg_ops.submit_spot_test(test, {}, actor=users["regulator"])  # nothing answered: failed
    db.session.commit()
    assert test.order is not None
    (notice,) = about(officer, f"order-issued:{test.order.id}")
    assert notice.kind == "order_issued" and director.person.name in note_tasks.text(notice)
    reg_ops.respond_to_order(test.order, "已免去其矿长职务，另行任命", actor=officer)
    db.session.commit()
    (notice,) = about(users["regulator"], f"order-answered:{test.order.id}")
    assert notice.kind == "order_answered" and "已免去其矿长职务" in note_tasks.text(notice)


def test_a_rolled_back_decision_notifies_nobody(users):
    person = gas_inspectors()[0]
    before = db.session.scalar(select(db.func.count(Notification.id)))
    apply(person, users["admin"])
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(Notification.id))) == before


def test_an_event_notifies_each_person_once(users):
    person = gas_inspectors()[0]
    application = apply(person, users["admin"])
    db.session.commit()
    entry = AuditEntry(action="application.submit", after={})
    for listener in _LISTENERS["application.submit"]:
        listener(entry, application)  # the same event heard again
    db.session.commit()
    assert len(about(users["reviewer_center"], f"application-submitted:{application.id}")) == 1


@pytest.mark.one_backend
def test_the_list_the_badge_and_the_api_show_what_the_person_was_told(users, client):
    person = gas_inspectors()[0]
    candidate = candidate_user(person)
    application = apply(person, users["admin"])
    app_ops.review_application(
        application, reviewer=users["reviewer_dept"], approve=False, reason="缺少学历证明"
    )
    db.session.commit()
    login(client, candidate.username, CANDIDATE_PASSWORD)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "申请未通过" in page or "缺少学历证明" in page
    assert 'data-test="unread"' in client.get("/").get_data(as_text=True)
    (item,) = client.get("/api/me/notifications").get_json()
    assert set(item) == {"id", "kind", "title", "body", "url", "created_at", "read"}
    assert item["kind"] == "application_rejected" and "缺少学历证明" in item["body"] and item["read"] is False
    token = csrf_token(client, "/notifications/")
    assert client.post(f"/notifications/{item['id']}/read", data={"csrf_token": token}).status_code == 302
    (item,) = client.get("/api/me/notifications").get_json()
    assert item["read"] is True
    assert 'data-test="unread"' not in client.get("/").get_data(as_text=True)


def test_each_notice_is_texted_once_to_the_phone_on_record(app, users):
    person = gas_inspectors()[0]
    person.phone = "13812345678"
    candidate = candidate_user(person)
    application = apply(person, users["admin"])
    app_ops.review_application(
        application, reviewer=users["reviewer_dept"], approve=False, reason="缺少学历证明"
    )
    db.session.commit()
    (notice,) = notices(candidate)
    app.config.update(SMS_BACKEND="log")
    app.extensions.pop("sms_sender", None)
    try:
        assert note_tasks.text_notification(notice.id) is True
        assert note_tasks.text_notification(notice.id) is False  # once
        ((phone, message),) = sms.sender().sent
        assert phone == "138****5678" and "缺少学历证明" in message
    finally:
        app.config.update(SMS_BACKEND="")
        app.extensions.pop("sms_sender", None)
