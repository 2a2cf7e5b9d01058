"""The ``training`` and ``continuing_education`` sections of a person's record (一人一档)."""

from __future__ import annotations

from ..core.i18n import local_today
from ..people.models import Person
from . import ledger
from .operations import assessment, special


def training_section(person: Person) -> list[dict]:
    return [
        {
            "course": {
                "id": course.id,
                "title": course.title,
                "kind": course.kind.value,
                "center": course.center.name,
                "organiser_kind": course.center.kind.value,
            },
            "year": row["year"],
            "claimed_hours": row["claimed"] / 10,
            "verified_hours": row["verified"] / 10,
            "online_hours": row["online"] / 10,
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


def mine_assessments_section(person: Person) -> list[dict]:
    """The mine's own assessments (班组长, 一线岗位作业人员): written test, 岗位实操, result,
    assessor and how long a pass is valid."""
    today = local_today()
    return [
        {
            "id": a.id,
            "mine": a.mine.name,
            "category": a.category.value,
            "category_label": str(a.category.label),
            "state": a.state.value,
            "state_label": str(a.state.label),
            "written_score": a.written_score,
            "written_on": a.written_on.isoformat(),
            "practical_score": a.practical_score,
            "practical_on": a.practical_on.isoformat() if a.practical_on else None,
            "assessor": (a.practical_by or a.written_by).display_name,
            "valid_until": a.valid_until.isoformat() if a.valid_until else None,
            "valid": a.valid_on(today),
        }
        for a in assessment.of_person(person)
    ]
