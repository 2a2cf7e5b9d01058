"""Importing a province from its files: administrative divisions, organisations, people with
their posts. Every row is checked before anything is written; one bad row and nothing is (each
bad row is reported, by its number). A row whose key is on record already updates it: a region
by its code, an organisation by its 统一社会信用代码, a person by 身份证号, a post by its holder
and what it is."""

from __future__ import annotations

from sqlalchemy import select

from ...core.db import db
from ...people.models import Person
from ..models import ImportKind, ImportRun
from ._base import (
    COLUMNS,
    EXAMPLES,
    ORGANISATION_COLUMNS,
    PEOPLE_COLUMNS,
    REGION_COLUMNS,
    TEMPLATE_TITLES,
    ImportResult,
    OnboardingError,
    template,
)
from .organisations import import_organisations
from .people import import_people
from .regions import import_regions

__all__ = [
    "COLUMNS",
    "EXAMPLES",
    "ORGANISATION_COLUMNS",
    "PEOPLE_COLUMNS",
    "REGION_COLUMNS",
    "TEMPLATE_TITLES",
    "ImportResult",
    "OnboardingError",
    "import_organisations",
    "import_people",
    "import_regions",
    "template",
]

IMPORTERS = {
    ImportKind.REGIONS: import_regions,
    ImportKind.ORGANISATIONS: import_organisations,
    ImportKind.PEOPLE: import_people,
}


def run_import(kind: ImportKind, data: bytes, *, actor, filename: str = "") -> ImportResult:
    return IMPORTERS[kind](data, actor=actor, filename=filename)


def people_of(run: ImportRun) -> list[Person]:
    if not run.person_ids:
        return []
    return list(db.session.scalars(select(Person).where(Person.id.in_(run.person_ids)).order_by(Person.name)))
