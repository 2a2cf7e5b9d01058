"""A person's record (一人一档) as JSON, for other systems and the record page.

Later domains add their sections (``training``, ``exams``, ``certificates``,
``spot_tests``) by calling ``add_section`` from their own ``init_app``, in the order
the app factory wires the domains; this module never imports them.
"""

from __future__ import annotations

from collections.abc import Callable

from .models import Person

SectionBuilder = Callable[[Person], object]
_sections: dict[str, SectionBuilder] = {}
_templates: dict[str, str] = {}


def add_section(name: str, builder: SectionBuilder, template: str | None = None) -> None:
    """``template`` renders the section on the record page, given ``section`` (the JSON)."""
    if _sections.get(name, builder) is not builder or name in ("id_number", "name", "posts", "employer"):
        raise ValueError(f"record section {name!r} exists already")
    _sections[name] = builder
    if template:
        _templates[name] = template


def page_sections(person: Person) -> list[tuple[str, object]]:
    """(template, section) for each section that has a place on the record page."""
    return [(template, _sections[name](person)) for name, template in _templates.items()]


def record_json(person: Person) -> dict:
    employer = person.employer
    record = {
        "id_number": person.id_number,
        "name": person.name,
        "gender": person.gender.value,
        "birth_date": person.birth_date.isoformat(),
        "education": person.education.value if person.education else None,
        "mining_years": person.mining_years(),
        "posts": [p.as_json() | {"label": p.label} for p in person.current_posts],
        "employer": None
        if employer is None
        else {
            "name": employer.name,
            "kind": employer.kind.value,
            "credit_code": employer.credit_code,
            "region": employer.region.full_name,
        },
    }
    for name, builder in _sections.items():
        record[name] = builder(person)
    return record
