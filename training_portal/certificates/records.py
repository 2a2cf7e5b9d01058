"""The ``certificates`` section of a person's record (一人一档)."""

from __future__ import annotations

from sqlalchemy import select

from ..core.db import db
from ..people.models import Person
from .models import Certificate
from .operations import today


def certificates_section(person: Person) -> list[dict]:
    day = today()
    return [
        c.as_json(day) | {"id": c.id}
        for c in db.session.scalars(
            select(Certificate).where(Certificate.person_id == person.id).order_by(Certificate.issued_on)
        )
    ]
