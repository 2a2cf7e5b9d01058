"""Sensitive actions need a password typed recently: revoking a certificate, granting and
revoking roles, (de)activating accounts, the policy table. An old session is sent to confirm
its password, and the action does nothing until then."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from training_portal.accounts.models import LoginAttempt, RoleAssignment
from training_portal.accounts.recent import STAMP
from training_portal.certificates.models import CertificateStatus
from training_portal.core.db import db
from training_portal.core.permissions import Role

from . import factories as make
from .certificates.conftest import certified
from .conftest import DEMO_PASSWORD, login, token_in
from .exams.conftest import users_by_name

pytestmark = pytest.mark.one_backend


def _age(client, minutes: int = 11) -> None:
    with client.session_transaction() as session:
        session[STAMP] -= minutes * 60


def replayed(html: str) -> tuple[str, list[tuple[str, str]]]:
    """The replay page's form: where it posts and its hidden fields (a fresh token among them)."""
    form = re.search(r'<form method="post" action="([^"]+)" data-replay', html)
    assert form, "no replay form on the page"
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
    return unescape(form.group(1)), MultiDict([(unescape(k), unescape(v)) for k, v in fields])


def _confirm(client, target: str, password: str):
    page = client.get(f"/account/confirm?next={target}")
    return client.post(
        f"/account/confirm?next={target}", data={"password": password, "csrf_token": token_in(page.text)}
    )


@pytest.fixture()
def spare(users):
    account = make.user(
        Role.MINE_OFFICER,
        at=users["mine_officer"].assignments[0].organisation,
        username="spare",
        name="Spare",
    )
    db.session.commit()
    return account.id, account.assignments[0].id


def test_an_old_session_confirms_its_password_before_revoking_a_role(client, spare):
    user_id, assignment_id = spare
    login(client, "admin")
    page = f"/admin/users/{user_id}"
    token = token_in(client.get(page).text)
    _age(client)
    revoke = f"/admin/users/{user_id}/roles/{assignment_id}/revoke"
    response = client.post(revoke, data={"csrf_token": token}, headers={"Referer": f"http://localhost{page}"})
    assert response.status_code == 302 and response.location.startswith("/account/confirm")
    assert f"next=/admin/users/{user_id}" in response.location.replace("%2F", "/")
    assert db.session.get(RoleAssignment, assignment_id) is not None  # nothing happened

    wrong = _confirm(client, page, "not-the-password")
    assert wrong.status_code == 200 and 'data-test="confirm-error"' in wrong.text
    assert client.post(revoke, data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(RoleAssignment, assignment_id) is not None

    right = _confirm(client, page, DEMO_PASSWORD)
    # The held post (the one refused last) is sent again from the replay page, not re-typed.
    assert right.status_code == 303 and right.location == "/account/confirm/replay"
    db.session.expire_all()
    assert db.session.get(RoleAssignment, assignment_id) is not None  # not before the replay
    target, fields = replayed(client.get(right.location).text)
    assert target == revoke
    assert client.post(target, data=fields).location == page
    db.session.expire_all()
    assert db.session.get(RoleAssignment, assignment_id) is None


def test_revoking_a_certificate_needs_a_recent_password(client, demo):
    certificate = certified(users_by_name())
    login(client, "regulator")
    page = f"/certificates/{certificate.id}"
    token = token_in(client.get(page).text)
    form = {"status": "revoked", "reason": "伪造培训记录", "understood": "y", "csrf_token": token}
    _age(client)
    response = client.post(f"{page}/status", data=form)
    assert response.status_code == 302 and response.location.startswith("/account/confirm")
    db.session.expire_all()
    assert certificate.status is CertificateStatus.VALID
    replay = client.get(_confirm(client, page, DEMO_PASSWORD).location)
    target, fields = replayed(replay.text)
    assert client.post(target, data=fields).status_code == 302
    db.session.expire_all()
    assert certificate.status is CertificateStatus.REVOKED and certificate.status_reason == "伪造培训记录"


def test_json_callers_get_a_401_with_the_reason_and_a_fresh_log_in_counts(client, spare):
    user_id, _ = spare
    login(client, "admin")
    token = token_in(client.get(f"/admin/users/{user_id}").text)
    assert (
        client.post(
            f"/admin/users/{user_id}/active",
            data={"active": "0", "csrf_token": token},
            headers={"Accept": "application/json"},
        ).status_code
        == 302
    )  # just logged in
    _age(client)
    response = client.post(
        f"/admin/users/{user_id}/active",
        data={"active": "1", "csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 401 and response.json["reason"]
    db.session.expire_all()
    from training_portal.accounts.models import User

    assert db.session.get(User, user_id).active is False  # the second change did not happen


def test_confirmations_are_throttled_like_log_ins(client, demo):
    login(client, "admin")
    _age(client)
    for _ in range(5):
        wrong = _confirm(client, "/", "wrong-password-guess")
        assert wrong.status_code == 200 and "confirm-error" in wrong.text
    recorded = db.session.scalar(select(func.count()).select_from(LoginAttempt))
    refused = _confirm(client, "/", DEMO_PASSWORD)  # right, but not even checked now
    assert refused.status_code == 429 and "confirm-error" in refused.text
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == recorded
    with client.session_transaction() as session:  # the old stamp, not a fresh one
        assert time.time() - session[STAMP] > 10 * 60
    # Once the wait is over the password is checked again.
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.at -= timedelta(minutes=2)
    db.session.commit()
    assert _confirm(client, "/", DEMO_PASSWORD).status_code == 302


def test_the_confirmation_returns_only_to_our_own_pages(client, demo):
    login(client, "admin")
    assert _confirm(client, "https://evil.example/", DEMO_PASSWORD).location == "/"
