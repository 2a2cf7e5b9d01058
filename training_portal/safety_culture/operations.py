"""Reporting a milestone with evidence, the regulator's decision, and completion rates."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core import audit, storage
from ..core.db import db, locked, utcnow
from ..core.errors import CONFLICT, DomainError
from ..organisations.models import MineEnterprise
from .models import MILESTONE_KEYS, MILESTONES, MilestoneReport, ReportStatus, must_build

EVIDENCE_MAX_BYTES = storage.EVIDENCE_MAX_BYTES


class CultureError(DomainError):
    """Refused by a rule of safety-culture milestones."""


def report(
    mine: MineEnterprise, milestone: str, note: str, evidence: bytes, filename: str, *, actor
) -> MilestoneReport:
    if milestone not in MILESTONE_KEYS:
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
    if publish and (not accept or row.milestone != "excellent_case"):
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

    @property
    def accepted(self) -> int:
        return sum(r.status is ReportStatus.ACCEPTED for r in self.reports.values())

    @property
    def percent(self) -> float:
        return 100.0 * self.accepted / len(MILESTONES)


def progress(mines: list[MineEnterprise]) -> list[MineProgress]:
    rows = db.session.scalars(
        select(MilestoneReport).where(MilestoneReport.mine_id.in_([m.id for m in mines]))
    )
    by_mine: dict[int, dict[str, MilestoneReport]] = {}
    for row in rows:
        by_mine.setdefault(row.mine_id, {})[row.milestone] = row
    return [MineProgress(m, must_build(m), by_mine.get(m.id, {})) for m in mines]


def completion_rate(rows: list[MineProgress]) -> float:
    """Accepted milestones over all milestones of the mines that must build the system."""
    required = [r for r in rows if r.required]
    if not required:
        return 100.0
    return 100.0 * sum(r.accepted for r in required) / (len(required) * len(MILESTONES))
