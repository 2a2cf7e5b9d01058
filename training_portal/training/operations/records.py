"""Fatal accidents and degree upgrades (学历提升) on a person's record."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from ...core import audit, storage
from ...core.db import db
from ...core.i18n import local_today
from ...organisations.models import MineEnterprise
from ...people import operations as people_ops
from ...people.models import Education, Person
from ..models import (
    EducationUpgrade,
    FatalAccident,
)
from ._base import TrainingError


def record_accident(
    mine: MineEnterprise, occurred_on: date, description: str, *, responsible: list[Person], actor
) -> FatalAccident:
    if occurred_on > local_today():
        raise TrainingError(_l("The accident date is in the future."), field="occurred_on")
    accident = FatalAccident(
        mine=mine,
        occurred_on=occurred_on,
        description=description.strip(),
        responsible_ids=sorted({p.id for p in responsible}),
        recorded_by_id=actor.id,
    )
    db.session.add(accident)
    db.session.flush()
    audit.record(
        "accident.record",
        accident,
        actor=actor,
        organisation=mine,
        after={"mine_id": mine.id, "occurred_on": occurred_on, "responsible_ids": accident.responsible_ids},
    )
    return accident


def record_education_upgrade(
    person: Person,
    education: Education,
    institution: str,
    completed_on: date,
    evidence: bytes,
    *,
    actor,
    field_of_study: str = "",
    mining_related: bool = False,
) -> EducationUpgrade:
    """学历提升 with its evidence (a PDF or a photo of the diploma); a degree higher than the
    record's becomes the person's education, which the admission rules read."""
    if not institution.strip():
        raise TrainingError(_l("Name the school or university."), field="institution")
    if completed_on > local_today():
        raise TrainingError(_l("The completion date is in the future."), field="completed_on")
    if not evidence:
        raise TrainingError(_l("Attach the diploma or certificate as evidence."), field="evidence")
    try:
        evidence_key = storage.save_evidence("evidence", evidence)
    except storage.FileRefused as exc:
        raise TrainingError(str(exc.reason), field="evidence") from exc
    upgrade = EducationUpgrade(
        person=person,
        education=education,
        field=field_of_study.strip()[:80],
        mining_related=mining_related,
        institution=institution.strip()[:120],
        completed_on=completed_on,
        evidence_key=evidence_key,
        recorded_by_id=actor.id,
    )
    db.session.add(upgrade)
    db.session.flush()
    audit.record(
        "education.upgrade",
        upgrade,
        actor=actor,
        after={
            "person_id": person.id,
            "education": education,
            "institution": upgrade.institution,
            "completed_on": completed_on,
            "evidence": upgrade.evidence_key,
        },
    )
    have = person.education
    if (
        have is None
        or education.level > have.level
        or (education.level == have.level and mining_related and not person.mining_related_degree)
    ):
        people_ops.update_person(
            person,
            actor=actor,
            education=education,
            education_field=upgrade.field,
            mining_related_degree=mining_related,
        )
    return upgrade
