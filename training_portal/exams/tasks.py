"""Periodic exam jobs."""

from celery import shared_task

from . import attempts


@shared_task(name="exams.close_overdue_attempts")
def close_overdue_attempts() -> int:
    """Every attempt past its deadline is submitted with what was saved."""
    return attempts.close_overdue()
