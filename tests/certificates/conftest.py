"""Makers for certificates: a gas inspector who passed the written and the practical exam."""

from __future__ import annotations

from sqlalchemy import select

from training_portal.certificates.models import Certificate
from training_portal.core.db import db
from training_portal.exams import practical as practical_ops

from ..exams.conftest import passed_practical


def certified(users) -> Certificate:
    """Written passed in a signed sitting, practical scored full by both examiners: the
    practical's decision issues the certificate."""
    practical = passed_practical(users)
    full = [float(item["points"]) for item in practical.rubric.items]
    for name in ("proctor_center", "proctor_dept"):
        practical_ops.score(practical, examiner=users[name], item_scores=full)
    db.session.commit()
    certificate = db.session.scalar(select(Certificate).where(Certificate.practical_id == practical.id))
    assert certificate is not None
    return certificate
