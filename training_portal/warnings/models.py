"""An accident bulletin, its delivery to each mine (the read receipt), and a mine's
warning-education day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.db import UTCDateTime, db, utcnow
from ..core.permissions import Asker, Role
from ..organisations.models import MineEnterprise, RegulatorUnit


def mine_officer_of(user: Asker, permission: str, mine: MineEnterprise) -> bool:
    """Whether ``user`` acts for ``mine`` as its own officer: ``permission`` over it, by a
    mine-officer assignment at the mine. An administrator holds every permission but is no
    mine's officer: a read receipt or a warning-education day is the mine's own word."""
    return user.can(permission, mine) and any(o.id == mine.id for o in user.organisations(Role.MINE_OFFICER))


class Bulletin(db.Model):
    """事故警示通报: written by a regulator unit and forwarded to mines of its jurisdiction."""

    __tablename__ = "warning_bulletins"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)  # what happened
    lessons: Mapped[str] = mapped_column(Text)  # 教训 and what mines must do
    attachment_key: Mapped[str | None] = mapped_column(String(80))  # a PDF, checked by its content
    attachment_name: Mapped[str] = mapped_column(String(200), default="")
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[RegulatorUnit] = relationship()
    sent_by: Mapped[User] = relationship()
    deliveries: Mapped[list[BulletinDelivery]] = relationship(
        back_populates="bulletin", cascade="all, delete-orphan", order_by="BulletinDelivery.id"
    )

    def can_manage(self, user: Asker) -> bool:
        """The sending unit's regulators and those above it see the receipts."""
        return user.can("warning.send_bulletin", self.unit)

    def delivery_for(self, user: Asker) -> list[BulletinDelivery]:
        """The deliveries to mines whose officer ``user`` is."""
        return [d for d in self.deliveries if mine_officer_of(user, "warning.receive_bulletin", d.mine)]

    def can_view(self, user: Asker) -> bool:
        return self.can_manage(user) or bool(self.delivery_for(user))


class BulletinDelivery(db.Model):
    """One mine's copy of a bulletin; ``read_at`` and ``read_by`` are its read receipt."""

    __tablename__ = "warning_bulletin_deliveries"
    __table_args__ = (UniqueConstraint("bulletin_id", "mine_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("warning_bulletins.id"), index=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    bulletin: Mapped[Bulletin] = relationship(back_populates="deliveries")
    mine: Mapped[MineEnterprise] = relationship()
    read_by: Mapped[User | None] = relationship()


class WarningDay(db.Model):
    """警示教育日: a day a mine held warning education for its staff."""

    __tablename__ = "warning_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    theme: Mapped[str] = mapped_column(String(200))
    attendance: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    evidence_key: Mapped[str | None] = mapped_column(String(80))  # a photo or a PDF
    evidence_name: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    mine: Mapped[MineEnterprise] = relationship()

    def can_view(self, user: Asker) -> bool:
        return user.can("warning.record_day", self.mine) or user.can("warning.oversee", self.mine)
