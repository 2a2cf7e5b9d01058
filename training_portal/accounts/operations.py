"""Account operations: log-in with throttling, server-side sessions, accounts and roles.

Operations take domain objects and plain values (never the request), flush, and
write the audit entry; the request or command that called them commits.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import joinedload

from ..core import audit
from ..core.db import UTCDateTime, db, utcnow
from ..core.errors import CONFLICT, REFUSED, DomainError
from ..core.permissions import ROLE_ORGANISATION_KIND, Role
from ..organisations.models import Organisation
from ..people.models import Person
from .models import AuthSession, LoginAttempt, RoleAssignment, User

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
# Verified against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0000")


class AccountError(DomainError):
    """Refused by a rule of accounts (log-in, passwords, roles)."""


class LoginRefused(AccountError):
    pass


class WrongPassword(AccountError):
    """The current password was wrong: an attempt was recorded, so the request must commit."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("A password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    return _hasher.hash(password)


def _check_password(user: User | None, password: str) -> bool:
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    if user is not None and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return ok and user is not None


class Throttled(LoginRefused):
    """Too many failures lately from here: the password was not checked. ``wait`` is how long
    until it will be."""

    def __init__(self, wait: timedelta) -> None:
        self.wait = wait
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        super().__init__(_l("Too many failed attempts. Please wait %(n)d min and try again.", n=minutes))


def _wait_after_failures(where, free: int, now: datetime) -> timedelta | None:
    """How long the next attempt must still wait, given the failures matching ``where`` in the
    window, or None. Successes count for nothing: a log-in of one's own account must not wipe
    the failures of a spray. The first ``free`` failures cost nothing; each one after doubles
    the wait, up to the cap, counted from the latest failure."""
    cfg = current_app.config
    window_start = now - timedelta(minutes=cfg["LOGIN_THROTTLE_WINDOW_MINUTES"])
    count, last = db.session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            *where, ~LoginAttempt.succeeded, LoginAttempt.at > window_start
        )
    ).one()
    if count < free:
        return None
    cap = timedelta(minutes=cfg["LOGIN_MAX_DELAY_MINUTES"])
    delay = min(timedelta(seconds=cfg["LOGIN_FIRST_DELAY_SECONDS"]) * 2 ** min(count - free, 20), cap)
    left = last + delay - now
    return left if left > timedelta(0) else None


def _throttle(username: str, address: str, now: datetime) -> None:
    """Raise Throttled while this account at this address, or this address as a whole, must
    wait. The account is throttled per address only, never for everyone: whoever guesses at a
    proctor's password from one place must not keep the proctor out from another. The address
    gets many free failures, because a whole exam room logs in through one."""
    cfg = current_app.config
    waits = [
        wait
        for wait in (
            _wait_after_failures(
                (LoginAttempt.username == username[:60], LoginAttempt.address == address[:45]),
                cfg["LOGIN_FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS"],
                now,
            ),
            _wait_after_failures(
                (LoginAttempt.address == address[:45],), cfg["LOGIN_FREE_FAILURES_PER_ADDRESS"], now
            ),
        )
        if wait
    ]
    if waits:
        # Nothing is written for a throttled try (the request rolls back); the log lets an
        # operator see a spray or a siege while it lasts.
        current_app.logger.info("log-in throttled for %r at %s", username[:60], address[:45])
        raise Throttled(max(waits))


def _checked_password(username: str, user: User | None, password: str, address: str, now: datetime) -> bool:
    """The password check every form goes through (log-in, confirmation, change of password):
    throttled first, without looking at the password, then recorded."""
    _throttle(username, address, now)
    ok = _check_password(user, password) and user is not None and user.active
    _note_attempt(username, address, ok, now)
    return ok


def authenticate(username: str, password: str, address: str, now: datetime | None = None) -> User:
    """Return the user, or raise LoginRefused (Throttled: the password was not checked).
    Every checked attempt is recorded for throttling."""
    username = username.strip()
    user = db.session.scalar(select(User).where(User.username == username))
    if not _checked_password(username, user, password, address, now or utcnow()):
        raise LoginRefused(_l("Wrong username or password."))
    return user


def _note_attempt(username: str, address: str, succeeded: bool, now: datetime) -> None:
    db.session.add(LoginAttempt(username=username[:60], address=address[:45], at=now, succeeded=succeeded))
    db.session.flush()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, address: str, user_agent: str) -> str:
    """Open a server-side session; the returned token goes into the (signed) cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        AuthSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            address=address[:45],
            user_agent=user_agent[:200],
        )
    )
    db.session.flush()
    user.session_token = token
    return token


def _session_limits(now: datetime) -> tuple[datetime, datetime]:
    """(last seen, created) before which a session is over: idled out, or grown too old."""
    cfg = current_app.config
    return (
        now - timedelta(minutes=cfg["IDLE_TIMEOUT_MINUTES"]),
        now - timedelta(hours=cfg["SESSION_MAX_HOURS"]),
    )


def load_session(token: str) -> User | None:
    """The user of a live session, or None when it ended, idled out or grew too old."""
    auth = db.session.scalar(
        select(AuthSession)
        .options(joinedload(AuthSession.user))
        .where(AuthSession.token_hash == _token_hash(token))
    )
    if auth is None:
        return None
    now = utcnow()
    idle, oldest = _session_limits(now)
    if auth.last_seen_at < idle or auth.created_at < oldest or not auth.user.active:
        db.session.delete(auth)
        return None
    # Writing on every request would serialise a busy exam room on one row per user.
    if now - auth.last_seen_at > KEEP_ALIVE:
        auth.last_seen_at = now
    auth.user.session_token = token
    return auth.user


KEEP_ALIVE = timedelta(seconds=60)
_sessions = AuthSession.__table__
# The person of a live session (the rules of ``load_session``), built once: the answer save
# asks it inside its own statement with the parameters of ``live_session_params``, so that a
# log-in ended after the request loaded it stores nothing.
LIVE_SESSION_PERSON = (
    select(User.__table__.c.person_id)
    .join(_sessions, _sessions.c.user_id == User.__table__.c.id)
    .where(
        _sessions.c.token_hash == bindparam("session_hash"),
        _sessions.c.last_seen_at >= bindparam("session_idle", type_=UTCDateTime()),
        _sessions.c.created_at >= bindparam("session_oldest", type_=UTCDateTime()),
        User.__table__.c.active.is_(True),
    )
    .scalar_subquery()
)


def live_session_params(token: str | None, now: datetime) -> dict:
    """The parameters of ``LIVE_SESSION_PERSON`` for this token (None: no log-in at all)."""
    idle, oldest = _session_limits(now)
    return {
        "session_hash": _token_hash(token) if token else None,
        "session_idle": idle,
        "session_oldest": oldest,
    }


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))


def end_all_sessions(user: User) -> None:
    db.session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))


def create_user(
    username: str,
    display_name: str,
    *,
    actor: User | None,
    password: str | None = None,
    password_hash: str | None = None,
    person: Person | None = None,
    email: str | None = None,
) -> User:
    """Give either the password or its argon2 hash made by ``hash_password`` (the demo seed
    hashes its one shared password once instead of once per account)."""
    if (password is None) == (password_hash is None):
        raise ValueError("give exactly one of password and password_hash")
    username = username.strip()
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(_l("The username %(u)s is taken.", u=username), status=CONFLICT, field="username")
    if (
        person is not None
        and db.session.scalar(select(User.id).where(User.person_id == person.id)) is not None
    ):
        raise AccountError(_l("This person already has an account."), status=CONFLICT, field="id_number")
    if password_hash is None:
        password_hash = hash_password(password)
    user = User(
        username=username,
        password_hash=password_hash,
        display_name=display_name,
        person=person,
        active=True,
        email=email,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        user,
        actor=actor,
        after={"username": username, "person_id": person.id if person else None},
    )
    return user


def change_own_password(
    user: User, current: str, new: str, address: str, now: datetime | None = None
) -> None:
    """The user's own change: the current password proves it is them; every session ends.
    Wrong current passwords are throttled and recorded like log-ins (raises Throttled)."""
    if not _checked_password(user.username, user, current, address, now or utcnow()):
        raise WrongPassword(_l("The current password is wrong."))
    if new == current:
        raise AccountError(_l("The new password must differ from the current one."))
    set_password(user, new, actor=user)


def set_password(user: User, password: str, *, actor: User | None) -> None:
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    audit.record("user.password_set", user, actor=actor)


def grant_role(
    user: User, role: Role, organisation: Organisation | None, *, actor: User | None
) -> RoleAssignment:
    expected_kind = ROLE_ORGANISATION_KIND.get(role)
    if expected_kind is None and organisation is not None:
        raise AccountError(_l("This role is not held for an organisation."))
    if expected_kind is not None and (organisation is None or organisation.kind != expected_kind):
        raise AccountError(_l("This role must be held for an organisation of the right kind."))
    if role in (Role.REVIEWER, Role.PROCTOR) and getattr(organisation, "review_unit", None) is None:
        raise AccountError(
            _l(
                "Reviewers and proctors belong to the education and training "
                "center or the business department."
            )
        )
    exam_roles = {Role.REVIEWER, Role.PROCTOR}
    held = {a.role for a in user.assignments}
    if (role in exam_roles and Role.CENTER_STAFF in held) or (
        role is Role.CENTER_STAFF and held & exam_roles
    ):
        # 考教分离: who trains does not examine, so center staff never review or proctor.
        raise AccountError(
            _l(
                "Training-center staff may not review or proctor exams, and reviewers "
                "and proctors may not work for a training center (考教分离)."
            )
        )
    if role is Role.TRAINEE and user.person is None:
        raise AccountError(_l("A trainee account must be linked to a person."))
    org_id = organisation.id if organisation is not None else None
    if any(a.role == role and a.organisation_id == org_id for a in user.assignments):
        raise AccountError(_l("The account already holds this role."), status=CONFLICT)
    before = [a.as_json() for a in user.assignments]
    assignment = RoleAssignment(
        user=user, role=role, organisation=organisation, granted_by_id=actor.id if actor else None
    )
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        "user.role_grant",
        user,
        actor=actor,
        organisation=organisation,
        before=before,
        after=[a.as_json() for a in user.assignments],
    )
    return assignment


def revoke_role(assignment: RoleAssignment, *, actor: User | None) -> None:
    user = assignment.user
    if assignment.role is Role.ADMIN and actor is not None and actor.id == user.id:
        raise AccountError(_l("You cannot remove your own administrator role."), status=REFUSED)
    before = [a.as_json() for a in user.assignments]
    user.assignments.remove(assignment)
    db.session.flush()
    end_all_sessions(user)  # the next request runs with the roles the user now has
    audit.record(
        "user.role_revoke",
        user,
        actor=actor,
        organisation=assignment.organisation,
        before=before,
        after=[a.as_json() for a in user.assignments],
    )


def set_active(user: User, active: bool, *, actor: User) -> None:
    if user.id == actor.id and not active:
        raise AccountError(_l("You cannot deactivate your own account."), status=REFUSED)
    before = user.active
    user.active = active
    if not active:
        end_all_sessions(user)
    audit.record(
        "user.activate" if active else "user.deactivate",
        user,
        actor=actor,
        before={"active": before},
        after={"active": active},
    )


def throttle_attempt(username: str, address: str, now: datetime) -> None:
    """For another form that guesses at a secret of an account (an activation code): the same
    throttle as log-in, over the same record of attempts (raises Throttled)."""
    _throttle(username, address, now)


def record_attempt(username: str, address: str, succeeded: bool, now: datetime) -> None:
    _note_attempt(username, address, succeeded, now)
