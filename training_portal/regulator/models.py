"""Inspections of mines, the spot tests (逢查必考) taken in them, and the reassignment orders
(责令调整岗位) a failed spot test raises until the mine answers and a regulator closes them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow
from ..core.db import enum_column as _enum
from ..core.labels import Labelled
from ..organisations.models import MineEnterprise
from ..people.models import Person, Post

if TYPE_CHECKING:
    from ..accounts.models import User


class Inspection(db.Model):
    __tablename__ = "reg_inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    inspected_on: Mapped[date] = mapped_column(Date)
    inspectors: Mapped[str] = mapped_column(String(200))
    findings: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    mine: Mapped[MineEnterprise] = relationship()
    spot_tests: Mapped[list[SpotTest]] = relationship(back_populates="inspection", order_by="SpotTest.id")

    def can_conduct(self, user: User) -> bool:
        return user.can("inspection.conduct", self.mine)

    def can_view(self, user: User) -> bool:
        return self.can_conduct(user) or user.can("order.respond", self.mine)


class SpotTest(db.Model):
    """A short test on the spot (逢查必考) of one of the mine's 三项岗位 people, from the spot-test
    blueprint of the person's post; taken on the person's own phone through a one-time link
    (``spot_links``), graded at once and written on the inspection's and the person's record."""

    __tablename__ = "reg_spot_tests"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("reg_inspections.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    post: Mapped[Post] = mapped_column(_enum(Post))
    paper_id: Mapped[int] = mapped_column(ForeignKey("qb_papers.id"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None]
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The phone's link: only an HMAC of its token is kept (``spot_links``); the phone that opens
    # it first holds it (an HMAC of that phone's cookie); ``saved_seq`` is the exam client's.
    link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    link_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    link_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    device_hash: Mapped[str | None] = mapped_column(String(64))
    saved_seq: Mapped[int] = mapped_column(default=0)

    inspection: Mapped[Inspection] = relationship(back_populates="spot_tests")
    person: Mapped[Person] = relationship()
    order: Mapped[ReassignmentOrder | None] = relationship(back_populates="spot_test")

    def can_take(self, user: User) -> bool:
        """The regulator who started it hands over the phone, or the manager uses their own."""
        return user.id == self.started_by_id or (
            user.person_id is not None and user.person_id == self.person_id
        )


class OrderStatus(Labelled):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"

    @classmethod
    def _labels(cls):
        return {
            cls.OPEN: _l("Open: waiting for the mine"),
            cls.ANSWERED: _l("Answered by the mine"),
            cls.CLOSED: _l("Closed"),
        }


class ReassignmentOrder(db.Model):
    """责令调整岗位: raised by a failed spot test; visible until a regulator closes it."""

    __tablename__ = "reg_reassignment_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    spot_test_id: Mapped[int] = mapped_column(ForeignKey("reg_spot_tests.id"), unique=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    response: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    spot_test: Mapped[SpotTest] = relationship(back_populates="order")
    mine: Mapped[MineEnterprise] = relationship()
    person: Mapped[Person] = relationship()
