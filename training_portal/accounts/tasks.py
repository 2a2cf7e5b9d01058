"""Periodic housekeeping of log-in records."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from flask import current_app
from sqlalchemy import delete, or_

from ..core.db import db, utcnow
from .models import AuthSession, LoginAttempt

# Throttling looks back minutes; a day of attempts is kept for an operator who investigates.
ATTEMPTS_KEPT = timedelta(days=1)


@shared_task(name="accounts.prune_login_records")
def prune_login_records() -> dict:
    now = utcnow()
    cfg = current_app.config
    attempts = db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - ATTEMPTS_KEPT))
    sessions = db.session.execute(
        delete(AuthSession).where(
            or_(
                AuthSession.last_seen_at < now - timedelta(minutes=cfg["IDLE_TIMEOUT_MINUTES"]),
                AuthSession.created_at < now - timedelta(hours=cfg["SESSION_MAX_HOURS"]),
            )
        )
    )
    return {"attempts": attempts.rowcount, "sessions": sessions.rowcount}
