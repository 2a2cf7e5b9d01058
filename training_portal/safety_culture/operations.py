"""Reporting a milestone with evidence, the regulator's decision, and completion rates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import ScalarSelect, Select, func, select
from sqlalchemy.orm import selectinload

from ..core import audit, policy, storage
from ..core.db import db, locked, utcnow
from ..core.errors import CONFLICT, DomainError
from ..core.i18n import local_today
from ..organisations.models import MineEnterprise
from .models import EXCELLENT_CASE, MilestoneReport, MilestoneTemplate, ReportStatus, Requirement, templates

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,39}")

EVIDENCE_MAX_BYTES = storage.EVIDENCE_MAX_BYTES


class CultureError(DomainError):
    """Refused by a rule of safety-culture milestones."""


def report(
    mine: MineEnterprise, milestone: str, note: str, evidence: bytes, filename: str, *, actor
) -> MilestoneReport:
    if milestone not in {t.key for t in templates()}:
        raise CultureError(_l("No such milestone."))
    if not evidence:
        raise CultureError(_l("Attach the evidence (PDF, JPEG or PNG)."), field="evidence")
    row = db.session.scalar(
        select(MilestoneReport).where(
            MilestoneReport.mine_id == mine.id, MilestoneReport.milestone == milestone
        )
    )
    if row is not None and row.status is ReportStatus.ACCEPTED:
        raise CultureError(_l("This milestone has been accepted already."), status=CONFLICT)
    try:
        key = storage.save_evidence("culture", evidence)
    except storage.FileRefused as exc:
        raise CultureError(str(exc.reason), field="evidence") from exc
    if row is None:
        row = MilestoneReport(mine=mine, milestone=milestone)
        db.session.add(row)
    elif row.evidence_key:
        storage.delete(row.evidence_key)
    row.status, row.note, row.evidence_key = ReportStatus.SUBMITTED, note.strip(), key
    row.evidence_name, row.submitted_by_id, row.submitted_at = filename[:200], actor.id, utcnow()
    row.decided_by_id, row.decided_at, row.decision_note = None, None, ""
    db.session.flush()
    audit.record(
        "culture.report",
        row,
        actor=actor,
        organisation=mine,
        after={"milestone": milestone, "evidence": key, "note": row.note},
    )
    return row


def decide(row: MilestoneReport, accept: bool, note: str, *, actor, publish: bool = False) -> None:
    row = locked(MilestoneReport, row.id)
    if row.status is not ReportStatus.SUBMITTED:
        raise CultureError(_l("Only a report waiting for a decision is decided."), status=CONFLICT)
    if not accept and not note.strip():
        raise CultureError(_l("Say why it is sent back."), field="note")
    if publish and (not accept or row.milestone != EXCELLENT_CASE):
        raise CultureError(_l("Only an accepted excellent case is published."), field="publish")
    row.status = ReportStatus.ACCEPTED if accept else ReportStatus.SENT_BACK
    row.decision_note, row.decided_by_id, row.decided_at = note.strip(), actor.id, utcnow()
    row.published = publish
    db.session.flush()
    audit.record(
        "culture.accept" if accept else "culture.send_back",
        row,
        actor=actor,
        organisation=row.mine,
        after={"milestone": row.milestone, "note": row.decision_note, "published": publish},
    )


@dataclass
class MineProgress:
    mine: MineEnterprise
    required: bool
    reports: dict[str, MilestoneReport]
    milestones: int  # the templates in force
    overdue: bool = False

    @property
    def accepted(self) -> int:
        return sum(
            r.status is ReportStatus.ACCEPTED and r.template is not None and not r.template.retired
            for r in self.reports.values()
        )

    @property
    def percent(self) -> float:
        return 100.0 * self.accepted / self.milestones if self.milestones else 100.0


def is_past(deadline: date, on: date) -> bool:
    """The deadline's own day still counts as in time."""
    return on > deadline


def progress(mines: list[MineEnterprise], on: date | None = None) -> list[MineProgress]:
    on = on or local_today()
    rows = db.session.scalars(
        select(MilestoneReport)
        .where(MilestoneReport.mine_id.in_([m.id for m in mines]))
        .options(selectinload(MilestoneReport.template))
    )
    by_mine: dict[int, dict[str, MilestoneReport]] = {}
    for row in rows:
        by_mine.setdefault(row.mine_id, {})[row.milestone] = row
    requirement, total = Requirement.load(), len(templates())
    past = is_past(policy.get("safety_culture.deadline"), on)
    result = []
    for mine in mines:
        row = MineProgress(mine, requirement.applies(mine), by_mine.get(mine.id, {}), total)
        row.overdue = past and row.required and row.accepted < total
        result.append(row)
    return result


def completion_rate(rows: list[MineProgress]) -> float:
    """Accepted milestones over all milestones of the mines that must build the system."""
    required = [r for r in rows if r.required]
    if not required or not required[0].milestones:
        return 100.0
    return 100.0 * sum(r.accepted for r in required) / (len(required) * required[0].milestones)


# ----------------------------------------------------------------------------- lists in SQL


def accepted_count() -> ScalarSelect:
    """The accepted milestones in force of ``MineEnterprise`` (a correlated subquery)."""
    return (
        select(func.count(MilestoneReport.id))
        .join(MilestoneTemplate, MilestoneTemplate.key == MilestoneReport.milestone)
        .where(
            MilestoneReport.mine_id == MineEnterprise.id,
            MilestoneReport.status == ReportStatus.ACCEPTED,
            MilestoneTemplate.retired.is_(False),
        )
        .correlate(MineEnterprise)
        .scalar_subquery()
    )


def required_mines(mine_ids: Select, on: date, *, overdue_only: bool = False) -> list[tuple]:
    """(mine, accepted, milestones in force, overdue) for the required mines among ``mine_ids``,
    by name: one query whatever the number of mines."""
    total = len(templates())
    past = is_past(policy.get("safety_culture.deadline"), on)
    accepted = accepted_count().label("accepted")
    query = (
        select(MineEnterprise, accepted)
        .where(MineEnterprise.id.in_(mine_ids), Requirement.load().condition())
        .options(selectinload(MineEnterprise.region))
        .order_by(MineEnterprise.name)
    )
    if overdue_only:
        if not past:
            return []
        query = query.where(accepted_count() < total)
    return [(mine, n, total, past and n < total) for mine, n in db.session.execute(query)]


# ----------------------------------------------------------------------------- the templates


def _template_fields(title: str, title_en: str, position: int) -> tuple[str, str, int]:
    title, title_en = title.strip(), title_en.strip()
    if not title:
        raise CultureError(_l("Give the milestone a title."), field="title")
    return title[:120], title_en[:120], position


def add_template(key: str, title: str, title_en: str, position: int, *, actor) -> MilestoneTemplate:
    key = key.strip()
    if not KEY_PATTERN.fullmatch(key):
        raise CultureError(
            _l("The code is 2 to 40 lower-case letters, digits or underscores, starting with a letter."),
            field="key",
        )
    title, title_en, position = _template_fields(title, title_en, position)
    if db.session.scalar(select(MilestoneTemplate.id).where(MilestoneTemplate.key == key)) is not None:
        raise CultureError(_l("A milestone with this code exists already."), field="key", status=CONFLICT)
    row = MilestoneTemplate(key=key, title=title, title_en=title_en, position=position, retired=False)
    db.session.add(row)
    db.session.flush()
    audit.record("culture.template_add", row, actor=actor, after=row.as_audit())
    return row


def edit_template(
    row: MilestoneTemplate, title: str, title_en: str, position: int, retired: bool, *, actor
) -> None:
    row = locked(MilestoneTemplate, row.id)
    title, title_en, position = _template_fields(title, title_en, position)
    before = row.as_audit()
    row.title, row.title_en, row.position, row.retired = title, title_en, position, retired
    if row.as_audit() == before:
        return
    db.session.flush()
    audit.record("culture.template_edit", row, actor=actor, before=before, after=row.as_audit())
