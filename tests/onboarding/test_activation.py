"""Accounts in bulk and their one-time activation codes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import factories as make
from training_portal.accounts import operations as account_ops
from training_portal.accounts.models import User
from training_portal.core import policy
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db, utcnow
from training_portal.core.permissions import Role
from training_portal.onboarding import activation
from training_portal.onboarding.models import ActivationCode
from training_portal.onboarding.operations import OnboardingError

ADDRESS = "10.0.0.1"
PASSWORD = "my-own-password-1"


def _issue(*people, now=None):
    issued, skipped = activation.issue_accounts(list(people), actor=make.admin(), now=now)
    return issued, skipped


def test_accounts_for_people_without_one_and_codes_stored_hashed(ctx):
    a, b = make.person("甲"), make.person("乙")
    has = make.person("丙")
    make.user(Role.TRAINEE, person=has)
    issued, skipped = _issue(a, b, has)
    assert [i.person for i in issued] == [a, b]
    assert [s.person for s in skipped] == [has]
    user = issued[0].user
    assert user.username == a.id_number and user.display_name == "甲"
    assert user.roles == {Role.TRAINEE}
    code = issued[0].code
    assert len(code) == 14 and code.count("-") == 2
    stored = db.session.scalars(select(ActivationCode)).all()
    assert all(code.replace("-", "") not in row.code_hash for row in stored)
    with pytest.raises(account_ops.LoginRefused):  # no password yet: no log-in
        account_ops.authenticate(a.id_number, "", ADDRESS)
    expected = utcnow() + timedelta(days=policy.get("accounts.activation_valid_days"))
    assert abs((issued[0].expires_at - expected).total_seconds()) < 5
    actions = {e.action for e in db.session.scalars(select(AuditEntry))}
    assert {"user.create", "user.role_grant", "user.activation_issue"} <= actions


def test_nobody_chosen_is_refused(ctx):
    with pytest.raises(OnboardingError):
        activation.issue_accounts([], actor=make.admin())


def test_a_code_sets_the_password_once(ctx):
    person = make.person()
    (issued,), _ = _issue(person)
    user = activation.activate(person.id_number.lower(), " " + issued.code.lower() + " ", PASSWORD, ADDRESS)
    assert user.person_id == person.id
    assert account_ops.authenticate(person.id_number, PASSWORD, ADDRESS).id == user.id
    with pytest.raises(activation.ActivationRefused, match="used|使用"):
        activation.activate(person.id_number, issued.code, "another-password-2", ADDRESS)
    assert account_ops.authenticate(person.id_number, PASSWORD, ADDRESS).id == user.id
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.activation_use")) is not None
    # activated: issuing again skips the person
    issued_again, skipped = _issue(person)
    assert issued_again == [] and skipped[0].person is person


def test_wrong_code_and_unknown_login_are_refused_alike(ctx):
    person = make.person()
    _issue(person)
    with pytest.raises(activation.ActivationRefused) as wrong:
        activation.activate(person.id_number, "2222-3333-4444", PASSWORD, ADDRESS)
    with pytest.raises(activation.ActivationRefused) as unknown:
        activation.activate("nobody", "2222-3333-4444", PASSWORD, ADDRESS)
    assert str(wrong.value) == str(unknown.value)


def test_expiry_at_the_boundary(ctx):
    person = make.person()
    now = utcnow()
    (issued,), _ = _issue(person, now=now)
    days = policy.get("accounts.activation_valid_days")
    with pytest.raises(activation.ActivationRefused, match="expired|过期"):
        activation.activate(person.id_number, issued.code, PASSWORD, ADDRESS, now=now + timedelta(days=days))
    just_before = now + timedelta(days=days) - timedelta(seconds=1)
    assert activation.activate(person.id_number, issued.code, PASSWORD, ADDRESS, now=just_before)


def test_the_policy_sets_the_days(ctx):
    policy.set_value("accounts.activation_valid_days", 3, actor=make.admin())
    person = make.person()
    now = utcnow()
    (issued,), _ = _issue(person, now=now)
    assert issued.expires_at == now + timedelta(days=3)


def test_reissue_voids_the_old_code(ctx):
    person = make.person()
    (first,), _ = _issue(person)
    (second,), _ = _issue(person)
    assert first.user.id == second.user.id and not second.new_account
    assert db.session.scalar(select(User).where(User.person_id == person.id)) is first.user
    with pytest.raises(activation.ActivationRefused, match="replaced|新的"):
        activation.activate(person.id_number, first.code, PASSWORD, ADDRESS)
    assert activation.activate(person.id_number, second.code, PASSWORD, ADDRESS)


def test_guessing_is_throttled_like_log_in(ctx):
    person = make.person()
    (issued,), _ = _issue(person)
    now = utcnow()
    with pytest.raises(account_ops.Throttled):
        for n in range(50):
            with pytest.raises(activation.ActivationRefused):
                activation.activate(person.id_number, f"WRONG{n:07d}", PASSWORD, ADDRESS, now=now)
    # even the right code waits now, from this address
    with pytest.raises(account_ops.Throttled):
        activation.activate(person.id_number, issued.code, PASSWORD, ADDRESS, now=now)


def test_password_rules_apply(ctx):
    person = make.person()
    (issued,), _ = _issue(person)
    with pytest.raises(account_ops.AccountError):
        activation.activate(person.id_number, issued.code, "short", ADDRESS)
    assert activation.activate(person.id_number, issued.code, PASSWORD, ADDRESS)
