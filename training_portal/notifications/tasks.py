"""The e-mail job: one per notification, sent at most once."""

from __future__ import annotations

from celery import shared_task

from ..accounts.models import User
from ..core.db import db, locked, utcnow
from . import operations as ops
from .models import Notification


@shared_task(name="notifications.email", autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def email_notification(notification_id: int) -> bool:
    notification = locked(Notification, notification_id)
    if notification.emailed_at is not None:
        return False
    user = db.session.get(User, notification.user_id)
    if not user.email:
        return False
    ops.email(notification, user)
    notification.emailed_at = utcnow()
    return True
