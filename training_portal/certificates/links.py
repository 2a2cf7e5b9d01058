"""Certificates follow results: a published sitting starts its batch job; a practical exam
decided later issues that candidate's certificate on the spot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from ..core.db import db
from ..core.jobs import after_commit
from ..exams.models import ExamAttempt
from ..exams.signals import practical_decided, session_published
from . import operations as ops

if TYPE_CHECKING:
    from flask import Flask


def _session_published(session) -> None:
    from .tasks import issue_batch

    batch = ops.start_batch(session)
    task_id = f"certificate-batch-{batch.id}"
    batch.task_id = task_id
    after_commit(lambda: issue_batch.apply_async(args=[batch.id], task_id=task_id))


def _practical_decided(practical) -> None:
    if practical.passed:
        attempt = db.session.scalar(select(ExamAttempt).where(ExamAttempt.id == practical.written_attempt_id))
        ops.issue_for(attempt)


def init_app(app: Flask) -> None:
    session_published.connect(_session_published)
    practical_decided.connect(_practical_decided)
