"""The milestones of a mine's safety-culture system and the mine's report on each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow
from ..core.db import enum_column as _enum
from ..core.labels import Labelled
from ..organisations.models import MineEnterprise, MineSize, MiningMethod, ProductionStatus


@dataclass(frozen=True)
class Milestone:
    key: str
    title: object


# The province's 2026 plan; due by the policy's deadline for the mines that must build one.
MILESTONES = (
    Milestone("philosophy", _l("Safety philosophy system (安全理念体系)")),
    Milestone("rules", _l("Safety rules system (安全制度体系)")),
    Milestone("behaviour", _l("Behaviour standards (行为规范)")),
    Milestone("visual_identity", _l("Visual identity (视觉识别)")),
    Milestone("all_staff_training", _l("Training of all staff (全员培训)")),
    Milestone("self_assessment", _l("Self-assessment (自评)")),
    Milestone("warning_day", _l("Warning-education day held (警示教育日)")),
    Milestone("excellent_case", _l("Excellent case submitted (优秀案例)")),
)
MILESTONE_KEYS = {m.key: m for m in MILESTONES}


def must_build(mine: MineEnterprise) -> bool:
    """Large open-pit mines and every underground mine in normal production."""
    if mine.production_status is not ProductionStatus.NORMAL:
        return False
    return mine.mining_method is MiningMethod.UNDERGROUND or (
        mine.mining_method is MiningMethod.OPEN_PIT and mine.size is MineSize.LARGE
    )


class ReportStatus(Labelled):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    SENT_BACK = "sent_back"

    @classmethod
    def _labels(cls):
        return {
            cls.SUBMITTED: _l("Waiting for the regulator"),
            cls.ACCEPTED: _l("Accepted"),
            cls.SENT_BACK: _l("Sent back"),
        }


class MilestoneReport(db.Model):
    """The mine's latest report on one milestone (earlier ones are on the audit trail)."""

    __tablename__ = "sc_milestone_reports"
    __table_args__ = (UniqueConstraint("mine_id", "milestone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    milestone: Mapped[str] = mapped_column(String(40))
    status: Mapped[ReportStatus] = mapped_column(_enum(ReportStatus))
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_key: Mapped[str] = mapped_column(String(80))
    evidence_name: Mapped[str] = mapped_column(String(200), default="")
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)  # an excellent case, for everyone

    mine: Mapped[MineEnterprise] = relationship()

    @property
    def title(self) -> str:
        return str(MILESTONE_KEYS[self.milestone].title)
