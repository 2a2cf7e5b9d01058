"""Sensitive actions (revoking a certificate, changing someone's roles, the policy table) need a
password typed recently, not only a session: a terminal left logged in must not be enough.

A password log-in or a confirmation stamps the session; a decision older than
``REAUTH_MINUTES`` sends the user to confirm the password first (JSON: a 401 with the reason).
The stamp lives in the signed session cookie, which a new log-in or a log-out replaces.
"""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for
from flask_babel import gettext as _

from ..core.web import refuse, safe_next, wants_json

STAMP = "password_at"


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


def ask_for_password():
    """The response that sends the user to confirm their password (JSON: a 401)."""
    if wants_json():
        refuse(401, _("Confirm your password to do this."))
    return redirect(url_for("accounts.confirm_password", next=_back()))


def password_confirmed(view):
    """Put under ``login_required``: the action runs only with a recent password (on a route
    that also shows a page, only its POST needs one)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "GET" and not is_recent():
            return ask_for_password()
        return view(*args, **kwargs)

    return wrapper
