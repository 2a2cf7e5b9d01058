"""The ``training`` and ``continuing_education`` sections of a person's record (一人一档)."""

from __future__ import annotations

from ..people.models import Person
from . import ledger


def training_section(person: Person) -> list[dict]:
    return [
        {
            "course": {
                "id": course.id,
                "title": course.title,
                "kind": course.kind.value,
                "center": course.center.name,
            },
            "year": row["year"],
            "claimed_hours": row["claimed"] / 10,
            "verified_hours": row["verified"] / 10,
        }
        for row in ledger.course_year_hours(person)
        for course in [row["course"]]
    ]


def continuing_education_section(person: Person) -> list[dict]:
    return [line.as_json() for line in ledger.ledger(person)]
