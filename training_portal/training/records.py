"""The ``training`` and ``continuing_education`` sections of a person's record (一人一档)."""

from __future__ import annotations

from ..core.i18n import local_today
from ..people.models import Person
from . import ledger
from .operations import special


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


def special_training_section(person: Person) -> dict:
    """The annual special training of managers: the years attended and, for a 五职矿长 or
    主要负责人, whether this year's was attended."""
    today = local_today()
    this_year = special.of_year(today.year)
    attended = special.years_attended(person)
    required = special.must_attend(person)
    due = None
    if required and this_year is not None:
        done = any(a["year"] == today.year for a in attended)
        due = {
            "year": today.year,
            "courses": [c.title for c in this_year.courses],
            "attended": done,
            "missed": not done and this_year.over(today),
        }
    return {"required": required, "this_year": due, "attended": attended}
