"""Irreversible acts confirmed, forms kept (issue 20, item 6): revoking asks for a tick under
what it does, the password check keeps what was typed and carries the act out once, and a
suspension may end on a date after which the certificate verifies again by itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from training_portal.accounts.models import PendingAction
from training_portal.accounts.recent import STAMP
from training_portal.certificates import operations as ops
from training_portal.certificates.models import Certificate, CertificateStatus
from training_portal.core import audit
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.core.i18n import local_today
from training_portal.core.permissions import Role
from training_portal.notifications import tasks as note_tasks
from training_portal.notifications.models import Notification
from training_portal.organisations.models import Organisation, Region

from .. import factories as make
from ..conftest import DEMO_PASSWORD, login, token_in
from ..exams.conftest import candidate_user, users_by_name
from ..test_reauth import replayed
from .conftest import certified

REASON = "伪造培训记录，依法吊销\n第二行"


def _revocations(certificate: Certificate) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "certificate.revoked", AuditEntry.object_id == str(certificate.id))
    )


def _notices(certificate: Certificate, kind: str) -> list[Notification]:
    holder = candidate_user(certificate.person)
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == holder.id, Notification.kind == kind)
        )
    )


@pytest.fixture()
def held(demo):
    """A certificate, its holder's account, and the regulator logged in on its page."""
    certificate = certified(users_by_name())
    candidate_user(certificate.person)
    db.session.commit()
    return certificate


@pytest.mark.one_backend
def test_revoking_without_the_tick_is_refused_and_writes_nothing(client, held):
    login(client, "regulator")
    page = f"/certificates/{held.id}"
    shown = client.get(page).text
    assert "公开核验页面立即显示该证书“已吊销”" in shown and "吊销不可撤销" in shown
    assert held.person.name in shown and 'data-test="understood"' in shown
    entries = audit.entry_count()
    form = {"status": "revoked", "reason": REASON, "csrf_token": token_in(shown)}
    refused = client.post(f"{page}/status", data=form)
    assert refused.status_code == 422 and "请勾选确认您已知晓吊销的后果" in refused.text
    assert '<dialog id="revoke-dialog" class="confirm" data-test="revoke-dialog" open>' in refused.text
    assert "依法吊销" in refused.text  # the reason is kept on the redrawn form
    db.session.expire_all()
    assert held.status is CertificateStatus.VALID and held.status_changed_at is None
    assert audit.entry_count() == entries and _notices(held, "certificate_revoked") == []
    # With the tick the same post revokes.
    assert client.post(f"{page}/status", data=form | {"understood": "y"}).status_code == 302
    db.session.expire_all()
    assert held.status is CertificateStatus.REVOKED and _revocations(held) == 1


@pytest.mark.one_backend
def test_the_password_check_keeps_the_reason_and_revokes_exactly_once(client, held):
    login(client, "regulator")
    page = f"/certificates/{held.id}"
    token = token_in(client.get(page).text)
    with client.session_transaction() as session:
        session[STAMP] -= 11 * 60
    form = {"status": "revoked", "reason": REASON, "understood": "y", "csrf_token": token}
    sent = client.post(f"{page}/status", data=form, headers={"Referer": f"http://localhost{page}"})
    assert sent.status_code == 302 and sent.location.startswith("/account/confirm")
    assert "reason" not in sent.location and "%E4%BC%AA" not in sent.location  # never in the URL
    db.session.expire_all()
    assert held.status is CertificateStatus.VALID
    (kept,) = db.session.scalars(select(PendingAction)).all()
    assert kept.path == f"{page}/status" and ["reason", REASON] in kept.fields
    assert not any(name == "csrf_token" for name, _ in kept.fields)
    assert "依法吊销".encode() not in client.get_cookie("portal_session").value.encode()

    confirm = client.get(sent.location)
    confirmed = client.post(
        sent.location, data={"password": DEMO_PASSWORD, "csrf_token": token_in(confirm.text)}
    )
    assert confirmed.status_code == 303 and confirmed.location == "/account/confirm/replay"
    replay = client.get(confirmed.location)
    assert replay.headers["Cache-Control"] == "no-store"
    target, fields = replayed(replay.text)
    assert target == f"{page}/status" and fields["reason"] == REASON and fields["status"] == "revoked"
    assert db.session.scalar(select(func.count()).select_from(PendingAction)) == 0  # taken once

    # CSRF is still Flask-WTF's on the replay: without the page's fresh token, nothing happens.
    without = fields.copy()
    without.pop("csrf_token")
    assert client.post(target, data=without).status_code == 400
    forged = fields.copy()
    forged["csrf_token"] = "forged"
    assert client.post(target, data=forged).status_code == 400
    db.session.expire_all()
    assert held.status is CertificateStatus.VALID

    done = client.post(target, data=fields)
    assert done.status_code == 302 and done.location == page
    db.session.expire_all()
    assert held.status is CertificateStatus.REVOKED and held.status_reason == REASON.strip()
    # Drawn again, the replay page has nothing left to send.
    again = client.get("/account/confirm/replay")
    assert again.status_code == 302 and "data-replay" not in again.text
    assert _revocations(held) == 1 and len(_notices(held, "certificate_revoked")) == 1


@pytest.mark.one_backend
def test_a_held_post_is_only_its_senders_and_only_for_minutes(client, held, users):
    login(client, "regulator")
    page = f"/certificates/{held.id}"
    token = token_in(client.get(page).text)
    form = {"status": "suspended", "reason": "涉嫌违章", "csrf_token": token}
    for tamper in ("user", "age"):
        with client.session_transaction() as session:
            session[STAMP] = 0
        assert client.post(f"{page}/status", data=form).location.startswith("/account/confirm")
        kept = db.session.scalar(select(PendingAction))
        if tamper == "user":
            kept.user_id = users["admin"].id
        else:
            kept.created_at -= timedelta(minutes=11)
        db.session.commit()
        confirm = client.get(f"/account/confirm?next={page}")
        client.post(
            f"/account/confirm?next={page}",
            data={"password": DEMO_PASSWORD, "csrf_token": token_in(confirm.text)},
        )
        assert client.get("/account/confirm/replay").location == "/"
    db.session.expire_all()
    assert held.status is CertificateStatus.VALID


def test_a_suspension_with_an_end_lapses_by_itself_on_the_page_and_the_api(client, held, users):
    day = local_today()
    regulator = users["regulator"]
    with pytest.raises(ops.CertificateError, match="today|今天"):
        ops.set_status(
            held, CertificateStatus.SUSPENDED, "涉嫌违章", actor=regulator, until=day - timedelta(days=1)
        )
    ops.set_status(
        held, CertificateStatus.SUSPENDED, "涉嫌违章", actor=regulator, until=day + timedelta(days=5)
    )
    db.session.commit()
    until = (day + timedelta(days=5)).isoformat()
    assert held.state(day + timedelta(days=5)).value == "suspended"
    assert held.state(day + timedelta(days=6)).value == "valid"
    (notice,) = _notices(held, "certificate_suspended_until")
    assert until in note_tasks.text(notice) and "涉嫌违章" in note_tasks.text(notice)
    verdict = client.get(f"/verify/{held.serial}").text
    assert f"暂扣至 {until}" in verdict
    login(client, "regulator")
    (row,) = client.get(f"/api/records/{held.person.id_number}").get_json()["certificates"]
    assert row["status"] == "suspended" and row["suspended_until"] == until
    in_force = select(func.count()).where(Certificate.id == held.id, Certificate.in_force(day))
    assert db.session.scalar(in_force) == 0

    held.suspended_until = day - timedelta(days=1)  # as if six days had gone by
    db.session.commit()
    verdict = client.get(f"/verify/{held.serial}").text
    assert "暂扣至" not in verdict and "<strong>有效</strong>" in verdict
    (row,) = client.get(f"/api/records/{held.person.id_number}").get_json()["certificates"]
    assert row["status"] == "valid" and row["suspended_until"] is None
    assert db.session.scalar(in_force) == 1  # the SQL the regulator's figures use agrees
    with pytest.raises(ops.CertificateError):  # nothing left to lift
        ops.set_status(held, CertificateStatus.VALID, "恢复", actor=regulator)
    ops.set_status(held, CertificateStatus.SUSPENDED, "再次违章", actor=regulator)  # a new one
    db.session.commit()
    assert held.state(day + timedelta(days=1000)).value == "suspended" and held.suspended_until is None


@pytest.mark.one_backend
def test_a_regulator_of_another_region_can_neither_see_nor_change_it(client, held):
    yanbian = db.session.scalar(select(Region).where(Region.code == "222400"))
    assert not held.person.employer.region.path.startswith(yanbian.path)
    office = db.session.scalar(select(Organisation).where(Organisation.name == "延边朝鲜族自治州应急管理局"))
    make.user((Role.REGULATOR, office), username="yanbian_regulator", password="other-password-1")
    db.session.commit()
    login(client, "yanbian_regulator", "other-password-1")
    page = f"/certificates/{held.id}"
    assert client.get(page).status_code == 403
    entries = audit.entry_count()
    form = {
        "status": "revoked",
        "reason": "越权",
        "understood": "y",
        "csrf_token": token_in(client.get("/").text),
    }
    assert client.post(f"{page}/status", data=form).status_code == 403
    db.session.expire_all()
    assert held.status is CertificateStatus.VALID and audit.entry_count() == entries
    assert db.session.scalar(select(func.count()).select_from(PendingAction)) == 0
