"""The ``exams`` section of a person's record (一人一档)."""

from __future__ import annotations

from sqlalchemy import select

from ..core.db import db
from ..people.models import Person
from .models import ExamApplication, ExamAttempt, PracticalExam


def exams_section(person: Person) -> dict:
    applications = db.session.scalars(
        select(ExamApplication)
        .where(ExamApplication.person_id == person.id)
        .order_by(ExamApplication.submitted_at)
    ).all()
    attempts = db.session.scalars(
        select(ExamAttempt).where(ExamAttempt.person_id == person.id).order_by(ExamAttempt.id)
    ).all()
    practicals = db.session.scalars(
        select(PracticalExam).where(PracticalExam.person_id == person.id).order_by(PracticalExam.id)
    ).all()
    return {
        "applications": [
            {
                "id": a.id,
                "category": a.category.value,
                "operation_type": a.operation_type.value if a.operation_type else None,
                "status": a.status.value,
                "submitted_at": a.submitted_at.isoformat(),
                "reviews": [r.as_json() for r in a.reviews],
            }
            for a in applications
        ],
        "written": [
            {
                "session": t.session.name,
                "site": t.session.site,
                "date": t.session.starts_at.date().isoformat(),
                "retake": t.retake,
                "state": t.state.value,
                "score": t.visible_score,
                "passed": t.visible_passed,
                "published": t.result_visible,
            }
            for t in attempts
        ],
        "practical": [
            {
                "rubric": p.rubric.name,
                "retake": p.retake,
                "status": p.status.value,
                "score": p.final_score,
                "passed": p.passed,
                "decided_at": p.decided_at.isoformat() if p.decided_at else None,
            }
            for p in practicals
        ],
    }
