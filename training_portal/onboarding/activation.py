"""Accounts in bulk: people get an account each, with a one-time activation code printed on a
sheet; on the activation page the person types the login and the code and sets the password.

- The login is the person's 身份证号: unique, already the key of the record (一人一档), known to
  the person and to the clerk who hands the sheet over, and it needs no rule to settle clashes.
- The code: 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L), printed in
  groups of four; about 59 bits, which with the log-in throttle is far beyond guessing. Only an
  HMAC of it (keyed with the app's secret key and bound to the account) is stored, so neither a
  copy of the database nor the admin can read it back; the sheet is the only place it exists.
- A code is used once, expires after the policy's ``accounts.activation_valid_days``, and a
  newer code for the same account replaces every older one.
- An account waiting for activation has no usable password (its hash is a marker no password
  verifies against), so it cannot log in before the person sets one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts import operations as account_ops
from ..accounts.models import User
from ..core import audit, policy
from ..core.db import db, utcnow
from ..core.permissions import Role
from ..people.models import Person
from .models import ActivationCode
from .operations import OnboardingError

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
# No argon2 hash starts like this, so no password verifies against it.
PENDING_HASH = "!activation-pending"


class ActivationRefused(account_ops.LoginRefused):
    """A wrong, used, replaced or expired code: recorded as a failed attempt."""


def is_pending(user: User) -> bool:
    return user.password_hash == PENDING_HASH


def _digest(user_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"activation:{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def normalise_code(typed: str) -> str:
    """As people type a printed code: any case, spaces, dashes, full-width characters."""
    text = unicodedata.normalize("NFKC", typed or "").upper()
    return "".join(c for c in text if c.isalnum())


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def printed(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@dataclass
class Issued:
    person: Person
    user: User
    code: str  # as printed
    expires_at: datetime
    new_account: bool


@dataclass
class Skipped:
    person: Person
    reason: object


def issue_code(user: User, *, actor, now: datetime | None = None) -> tuple[str, datetime]:
    """A new code for an account waiting for activation; older codes stop working."""
    now = now or utcnow()
    replaced = 0
    for old in db.session.scalars(
        select(ActivationCode).where(
            ActivationCode.user_id == user.id,
            ActivationCode.used_at.is_(None),
            ActivationCode.revoked_at.is_(None),
        )
    ):
        old.revoked_at = now
        replaced += 1
    code = _new_code()
    expires_at = now + timedelta(days=policy.get("accounts.activation_valid_days"))
    row = ActivationCode(
        user_id=user.id,
        code_hash=_digest(user.id, code),
        issued_at=now,
        expires_at=expires_at,
        issued_by_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "user.activation_issue",
        user,
        actor=actor,
        after={"code_id": row.id, "expires_at": expires_at, "replaced": replaced},
    )
    return printed(code), expires_at


def issue_accounts(
    people: list[Person], *, actor, now: datetime | None = None
) -> tuple[list[Issued], list[Skipped]]:
    """An account and a code for each person without one; a new code (the old one void) for
    each whose account still waits for activation; people who log in already are skipped."""
    if not people:
        raise OnboardingError(_l("Choose at least one person."), field="person_ids")
    now = now or utcnow()
    issued, skipped = [], []
    accounts = {
        u.person_id: u
        for u in db.session.scalars(select(User).where(User.person_id.in_([p.id for p in people])))
    }
    for person in people:
        user = accounts.get(person.id)
        new_account = user is None
        if user is not None and not is_pending(user):
            skipped.append(Skipped(person, _l("Has an account already (%(u)s).", u=user.username)))
            continue
        if user is None:
            taken = db.session.scalar(select(User.id).where(User.username == person.id_number))
            if taken is not None:
                skipped.append(
                    Skipped(person, _l("The login %(u)s is taken by another account.", u=person.id_number))
                )
                continue
            user = account_ops.create_user(
                person.id_number, person.name, actor=actor, password_hash=PENDING_HASH, person=person
            )
            account_ops.grant_role(user, Role.TRAINEE, None, actor=actor)
        code, expires_at = issue_code(user, actor=actor, now=now)
        issued.append(Issued(person, user, code, expires_at, new_account))
    return issued, skipped


def activate(username: str, code: str, password: str, address: str, now: datetime | None = None) -> User:
    """Set the first password with a valid code, and use the code up. Every checked code is
    recorded as a log-in attempt and throttled like one (raises Throttled before checking)."""
    now = now or utcnow()
    username = (username or "").strip().upper()
    if len(password) < account_ops.MIN_PASSWORD_LENGTH:
        raise account_ops.AccountError(
            _l("A password needs at least %(n)d characters.", n=account_ops.MIN_PASSWORD_LENGTH),
            field="password",
        )
    account_ops.throttle_attempt(username, address, now)
    user = db.session.scalar(select(User).where(User.username == username))
    typed = normalise_code(code)
    match = None
    if user is not None:
        digest = _digest(user.id, typed)
        for row in db.session.scalars(select(ActivationCode).where(ActivationCode.user_id == user.id)):
            if hmac.compare_digest(row.code_hash, digest):
                match = row
    reason = None
    if match is None or not user.active:
        reason = _l("The login or the activation code is wrong.")
    elif match.used_at is not None:
        reason = _l("This activation code has been used already; log in with your password.")
    elif match.revoked_at is not None:
        reason = _l("This activation code was replaced by a newer one; use the code on your latest sheet.")
    elif now >= match.expires_at:
        reason = _l("This activation code has expired; ask the administrator for a new one.")
    account_ops.record_attempt(username, address, reason is None, now)
    if reason is not None:
        raise ActivationRefused(reason, field="code")
    match.used_at = now
    account_ops.set_password(user, password, actor=user)
    audit.record("user.activation_use", user, actor=user, after={"code_id": match.id})
    return user
