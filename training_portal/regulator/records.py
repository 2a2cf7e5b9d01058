"""The ``spot_tests`` section of a person's record (一人一档)."""

from __future__ import annotations

from sqlalchemy import select

from ..core.db import db
from ..people.models import Person
from .models import SpotTest


def spot_tests_section(person: Person) -> list[dict]:
    tests = db.session.scalars(select(SpotTest).where(SpotTest.person_id == person.id).order_by(SpotTest.id))
    return [
        {
            "date": t.inspection.inspected_on.isoformat(),
            "mine": t.inspection.mine.name,
            "post": t.post.value,
            "score": t.score,
            "passed": t.passed,
            "order": t.order.status.value if t.order is not None else None,
        }
        for t in tests
    ]
