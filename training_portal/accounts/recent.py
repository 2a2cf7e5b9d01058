"""Sensitive actions (revoking a certificate, changing someone's roles, the policy table) need a
password typed recently, not only a session: a terminal left logged in must not be enough.

A password log-in or a confirmation stamps the session; a decision older than
``REAUTH_MINUTES`` sends the user to confirm the password first (JSON: a 401 with the reason).
The stamp lives in the signed session cookie, which a new log-in or a log-out replaces.

What the form posted is not lost meanwhile: its fields are held on the server (``PendingAction``,
for this account and this target path, ``HOLD_MINUTES`` long; the cookie holds only a random
key), and once the password is confirmed a page posts them to the target again with a fresh
CSRF token, so the action runs through its view as any post does: CSRF checked by Flask-WTF,
the form validated, the rules asked again. The held fields are taken (deleted) when that page
is drawn, so the action is sent once.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select

from ..core.db import db, utcnow
from ..core.web import refuse, safe_next, wants_json
from .models import PendingAction

STAMP = "password_at"
PENDING = "pending_action"
HOLD_MINUTES = 10
# Never held: the token is renewed on the replay; a password belongs to no replayed form.
NOT_HELD = "csrf_token"
MAX_HELD_CHARS = 20_000


def stamp() -> None:
    session[STAMP] = int(time.time())


def is_recent() -> bool:
    stamped = session.get(STAMP)
    return isinstance(stamped, int) and time.time() - stamped <= current_app.config["REAUTH_MINUTES"] * 60


def _back() -> str:
    """Where to return after confirming: the page the action was sent from, if it is ours."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return url_for("accounts.home")
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(path, url_for("accounts.home"))


def _hold(back: str) -> None:
    """Keep this post's fields for the replay after the password (a file upload is not kept)."""
    fields = [[k, v] for k, v in request.form.items(multi=True) if k != NOT_HELD and "password" not in k]
    session.pop(PENDING, None)
    if request.files or sum(len(k) + len(v) for k, v in fields) > MAX_HELD_CHARS:
        return
    stale = utcnow() - timedelta(minutes=HOLD_MINUTES)
    db.session.execute(
        delete(PendingAction).where(
            (PendingAction.created_at < stale) | (PendingAction.user_id == current_user.id)
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        PendingAction(
            token=token, user_id=current_user.id, path=request.path[:300], back=back[:300], fields=fields
        )
    )
    session[PENDING] = token


def has_pending() -> bool:
    return isinstance(session.get(PENDING), str)


def take_pending() -> PendingAction | None:
    """The held post of this session's user, if still fresh; deleted as it is taken."""
    token = session.pop(PENDING, None)
    if not isinstance(token, str):
        return None
    held = db.session.scalar(select(PendingAction).where(PendingAction.token == token))
    if held is None:
        return None
    db.session.delete(held)
    if held.user_id != current_user.id or held.created_at < utcnow() - timedelta(minutes=HOLD_MINUTES):
        return None
    return held


def ask_for_password():
    """The response that sends the user to confirm their password (JSON: a 401)."""
    if wants_json():
        refuse(401, _("Confirm your password to do this."))
    back = _back()
    _hold(back)
    return redirect(url_for("accounts.confirm_password", next=back))


def password_confirmed(view):
    """Put under ``login_required``: the action runs only with a recent password (on a route
    that also shows a page, only its POST needs one)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "GET" and not is_recent():
            return ask_for_password()
        return view(*args, **kwargs)

    return wrapper
