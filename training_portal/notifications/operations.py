"""Sending notifications: once per account and thing, in the reader's language when read.

A kind registers its message (a lazy string with ``%(name)s`` parameters); the text is made
when it is shown, so a notification reads in whatever language its reader chose. Where
``MAIL_SERVER`` is configured and the account has an address, a job e-mails it once.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..core.db import db, utcnow
from ..core.jobs import after_commit
from . import sms
from .messages import MESSAGES, register, text, title  # noqa: F401  (kinds register here; pages read here)
from .models import Notification
from .tasks import email_notification, text_notification


def notify(user, key: str, kind: str, params: dict, link: str = "") -> bool:
    """Send unless this account already has a notification with ``key``; True if sent now."""
    if kind not in MESSAGES:
        raise LookupError(f"unknown notification kind {kind!r}")
    exists = db.session.scalar(
        select(Notification.id).where(Notification.user_id == user.id, Notification.key == key)
    )
    if exists is not None:
        return False
    notification = Notification(user_id=user.id, key=key, kind=kind, params=params, link=link)
    try:
        with db.session.begin_nested():  # a concurrent sender of the same key loses quietly
            db.session.add(notification)
    except IntegrityError:
        return False
    if current_app.config.get("MAIL_SERVER") and user.email:
        after_commit(lambda: email_notification.delay(notification.id))
    if sms.configured() and user.person_id is not None:
        after_commit(lambda: text_notification.delay(notification.id))
    return True


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
