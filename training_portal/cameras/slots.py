"""Which classrooms have a lesson on: the time slots whose live samples ``proctoring`` keeps
for the same analysis as an upload. Registered with ``proctoring`` as its slot provider."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..core.db import db
from ..training.models import Lesson, TrainingClass


def lessons_now(classroom_ids: list[int], at: datetime) -> dict[int, tuple[datetime, datetime]]:
    """Per classroom with a lesson on at ``at``: that lesson's (start, end)."""
    if not classroom_ids:
        return {}
    rows = db.session.execute(
        select(TrainingClass.classroom_id, Lesson.starts_at, Lesson.ends_at)
        .join(TrainingClass)
        .where(TrainingClass.classroom_id.in_(classroom_ids), Lesson.starts_at <= at, Lesson.ends_at > at)
    ).all()
    return {room: (start, end) for room, start, end in rows}
