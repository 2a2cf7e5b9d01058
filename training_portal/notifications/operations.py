"""Sending notifications: once per account and thing, in the reader's language when read.

A kind registers its message (a lazy string with ``%(name)s`` parameters); the text is made
when it is shown, so a notification reads in whatever language its reader chose. Where
``MAIL_SERVER`` is configured and the account has an address, a job e-mails it once.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..core.db import db, utcnow
from ..core.jobs import after_commit
from .models import Notification

MESSAGES: dict[str, object] = {}


def register(kind: str, message) -> None:
    if MESSAGES.get(kind, message) is not message:
        raise ValueError(f"notification kind {kind!r} registered twice")
    MESSAGES[kind] = message


def text(notification: Notification) -> str:
    message = MESSAGES.get(notification.kind)
    if message is None:
        return notification.kind
    return str(message) % notification.params


def notify(user, key: str, kind: str, params: dict, link: str = "") -> bool:
    """Send unless this account already has a notification with ``key``; True if sent now."""
    if kind not in MESSAGES:
        raise LookupError(f"unknown notification kind {kind!r}")
    exists = db.session.scalar(select(Notification.id).where(Notification.user_id == user.id,
                                                             Notification.key == key))
    if exists is not None:
        return False
    notification = Notification(user_id=user.id, key=key, kind=kind, params=params, link=link)
    try:
        with db.session.begin_nested():  # a concurrent sender of the same key loses quietly
            db.session.add(notification)
    except IntegrityError:
        return False
    if current_app.config.get("MAIL_SERVER") and user.email:
        from .tasks import email_notification

        after_commit(lambda: email_notification.delay(notification.id))
    return True


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def email(notification: Notification, user) -> None:
    """E-mail one notification (in the account's language) through the configured server."""
    config = current_app.config
    with force_locale(user.locale or config["BABEL_DEFAULT_LOCALE"]):
        subject = str(_l("Mine safety training and examination"))
        body = text(notification)
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = user.email
    message["Subject"] = subject
    message.set_content(body + ("\n\n" + config["PORTAL_URL"].rstrip("/") + notification.link
                                if notification.link and config.get("PORTAL_URL") else ""))
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
