"""The milestones of a mine's safety-culture system and the mine's report on each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    ColumnElement,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import policy
from ..core.db import UTCDateTime, db, utcnow
from ..core.db import enum_column as _enum
from ..core.labels import Labelled
from ..organisations.models import MineEnterprise, MineKind, MineSize, MiningMethod, ProductionStatus


class MilestoneTemplate(db.Model):
    """One milestone of the system every mine builds, edited by the administrator (the eight of
    the province's 2026 plan to begin with). Reports name it by ``key``, which never changes; a
    template no longer asked for is retired, so the reports on it stay readable."""

    __tablename__ = "sc_milestone_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(120))  # Chinese, as the plan words it
    title_en: Mapped[str] = mapped_column(String(120), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def label(self) -> str:
        """The title in the reader's language (English only where one was given)."""
        return self.title_en if self.title_en and get_locale().language == "en" else self.title

    def as_audit(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "title_en": self.title_en,
            "position": self.position,
            "retired": self.retired,
        }


# Reports on this milestone may be published as excellent cases (优秀案例).
EXCELLENT_CASE = "excellent_case"


def templates(*, with_retired: bool = False) -> list[MilestoneTemplate]:
    query = select(MilestoneTemplate).order_by(MilestoneTemplate.position, MilestoneTemplate.id)
    if not with_retired:
        query = query.where(MilestoneTemplate.retired.is_(False))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Requirement:
    """The policy's mines that must build the system by the deadline: by default non-coal
    underground mines, and large open pits, in normal production."""

    kinds: frozenset
    statuses: frozenset
    sizes: dict  # mining method -> the sizes required

    @classmethod
    def load(cls) -> Requirement:
        return cls(
            frozenset(MineKind(c) for c in policy.get("safety_culture.mine_kinds")),
            frozenset(ProductionStatus(c) for c in policy.get("safety_culture.production_statuses")),
            {m: frozenset(MineSize(c) for c in policy.get(key)) for m, key in _SIZE_RULES.items()},
        )

    def applies(self, mine: MineEnterprise) -> bool:
        return (
            mine.mine_kind in self.kinds
            and mine.production_status in self.statuses
            and mine.size in self.sizes.get(mine.mining_method, ())
        )

    def condition(self) -> ColumnElement[bool]:
        """The same question as ``applies``, asked in SQL of ``MineEnterprise``."""
        by_method = [
            and_(MineEnterprise.mining_method == method, MineEnterprise.size.in_(list(sizes)))
            for method, sizes in self.sizes.items()
            if sizes
        ]
        return and_(
            MineEnterprise.mine_kind.in_(list(self.kinds)),
            MineEnterprise.production_status.in_(list(self.statuses)),
            or_(false(), *by_method),
        )


_SIZE_RULES = {
    MiningMethod.UNDERGROUND: "safety_culture.underground_sizes",
    MiningMethod.OPEN_PIT: "safety_culture.open_pit_sizes",
    MiningMethod.TAILINGS: "safety_culture.tailings_sizes",
}


def must_build(mine: MineEnterprise) -> bool:
    return Requirement.load().applies(mine)


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
    template: Mapped[MilestoneTemplate] = relationship(
        primaryjoin="foreign(MilestoneReport.milestone) == MilestoneTemplate.key", viewonly=True
    )

    @property
    def title(self) -> str:
        return self.template.label if self.template else self.milestone
