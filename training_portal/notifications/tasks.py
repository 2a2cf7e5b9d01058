"""The e-mail job: one per notification, sent at most once."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from celery import shared_task
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..core.db import db, locked, utcnow
from . import sms
from .messages import text, title
from .models import Notification


@shared_task(name="notifications.email", autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def email_notification(notification_id: int) -> bool:
    notification = locked(Notification, notification_id)
    if notification.emailed_at is not None:
        return False
    user = db.session.get(User, notification.user_id)
    if not user.email:
        return False
    email(notification, user)
    notification.emailed_at = utcnow()
    return True


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
    message.set_content(
        body
        + (
            "\n\n" + config["PORTAL_URL"].rstrip("/") + notification.link
            if notification.link and config.get("PORTAL_URL")
            else ""
        )
    )
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


@shared_task(name="notifications.sms", autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def text_notification(notification_id: int) -> bool:
    """Text one notice to its person's phone on record, once, in the account's language."""
    notification = locked(Notification, notification_id)
    if notification.texted_at is not None or not sms.configured():
        return False
    user = db.session.get(User, notification.user_id)
    phone = user.person.phone if user.person is not None else ""
    if not phone:
        return False
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        message = f"【{_l('Mine safety training')}】{title(notification)}：{text(notification)}"
    sms.sender().send(phone, message)
    notification.texted_at = utcnow()
    return True
