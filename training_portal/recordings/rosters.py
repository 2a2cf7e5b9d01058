"""Who a recording should show: each lesson in a classroom recording with the trainees signed
in to it, an exam-room recording's seated candidates. The analysis judges absent and
overcrowded against these; registered with ``proctoring`` as its roster provider."""

from __future__ import annotations

from sqlalchemy import select

from proctoring.models import Recording

from ..core.db import db
from ..exams.models import ExamSession
from ..training.models import Lesson, TrainingClass


def lessons_of(recording: Recording) -> list[Lesson]:
    if recording.classroom_id is None:
        return []
    return list(
        db.session.scalars(
            select(Lesson)
            .join(TrainingClass)
            .where(
                TrainingClass.classroom_id == recording.classroom_id,
                Lesson.starts_at < recording.ends_at,
                Lesson.ends_at > recording.starts_at,
            )
            .order_by(Lesson.starts_at)
        )
    )


def rosters(recording: Recording) -> list[tuple[float, float, int]] | None:
    """(start_s, end_s, people) stretches of the recording's time; None for no place known."""
    if recording.exam_session_id is not None:
        session = db.session.get(ExamSession, recording.exam_session_id)
        return None if session is None else [(0.0, recording.duration_s, len(session.attempts))]
    if recording.classroom_id is None:
        return None
    out = []
    for lesson in lessons_of(recording):
        start = max(0.0, (lesson.starts_at - recording.starts_at).total_seconds())
        end = min(recording.duration_s, (lesson.ends_at - recording.starts_at).total_seconds())
        if end > start:
            out.append((start, end, len(lesson.attendance)))
    return out
