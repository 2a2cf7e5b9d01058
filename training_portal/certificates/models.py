"""Certificates (操作证 / 安全生产知识和管理能力考核合格证), the batches that issue them after a
sitting, their 复审, the violations that count against a 复审, and the serial counters."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow
from ..core.db import enum_column as _enum
from ..core.labels import Labelled
from ..exams.models import ExamSession
from ..organisations.models import Organisation
from ..people.models import OperationType, Person, PersonnelCategory

if TYPE_CHECKING:
    from ..accounts.models import User


class CertificateStatus(Labelled):
    """What a regulator decided; expiry comes from the date (see ``Certificate.state``)."""

    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"

    @classmethod
    def _labels(cls):
        return {cls.VALID: _l("Valid"), cls.SUSPENDED: _l("Suspended"), cls.REVOKED: _l("Revoked")}


class CertificateState(Labelled):
    """What a verifier is told today."""

    VALID = "valid"
    REVIEW_DUE = "review_due"  # valid, but its 复审 date has passed
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    REVOKED = "revoked"

    @classmethod
    def _labels(cls):
        return {
            cls.VALID: _l("Valid"),
            cls.REVIEW_DUE: _l("复审 overdue"),
            cls.EXPIRED: _l("Expired"),
            cls.SUSPENDED: _l("Suspended"),
            cls.REVOKED: _l("Revoked"),
        }


class Certificate(db.Model):
    __tablename__ = "certificates"
    # The 五职 compliance list asks, for each holder, whether a certificate of the post's category
    # is in force: answered from this index alone (PostgreSQL's INCLUDE), without the table.
    __table_args__ = (
        Index(
            "ix_certificates_person_validity",
            "person_id",
            "category",
            postgresql_include=["status", "valid_until", "next_review_on", "suspended_until"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(16), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    category: Mapped[PersonnelCategory] = mapped_column(_enum(PersonnelCategory))
    operation_type: Mapped[OperationType | None] = mapped_column(_enum(OperationType))
    # The results it follows; unique, so the same result can never give two certificates.
    written_attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempts.id"), unique=True)
    practical_id: Mapped[int | None] = mapped_column(ForeignKey("practical_exams.id"), unique=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    next_review_on: Mapped[date | None] = mapped_column(Date, index=True)  # special operations: 复审
    status: Mapped[CertificateStatus] = mapped_column(_enum(CertificateStatus), index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # 暂停至: the last day of a suspension with an end; the day after it the certificate is in
    # force again, computed on every reading (no job has to run at midnight for a verifier).
    suspended_until: Mapped[date | None] = mapped_column(Date)
    pdf_key: Mapped[str | None] = mapped_column(String(80))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("certificate_batches.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship()
    issuer: Mapped[Organisation] = relationship()
    reviews: Mapped[list[CertificateReview]] = relationship(
        back_populates="certificate", order_by="CertificateReview.id"
    )

    @property
    def subject_label(self) -> str:
        return self.operation_type.label if self.operation_type else self.category.label

    def suspension_lapsed(self, today: date) -> bool:
        """A suspension with an end date is over once that day has passed."""
        return (
            self.status is CertificateStatus.SUSPENDED
            and self.suspended_until is not None
            and today > self.suspended_until
        )

    def effective_status(self, today: date) -> CertificateStatus:
        """The regulator's decision as it stands today: a lapsed suspension counts as valid."""
        return CertificateStatus.VALID if self.suspension_lapsed(today) else self.status

    @classmethod
    def in_force(cls, today: date):
        """SQL: valid by decision today (valid, or suspended until a day that has passed)."""
        return or_(
            cls.status == CertificateStatus.VALID,
            and_(
                cls.status == CertificateStatus.SUSPENDED,
                cls.suspended_until.is_not(None),
                cls.suspended_until < today,
            ),
        )

    def state(self, today: date) -> CertificateState:
        if self.status is CertificateStatus.REVOKED:
            return CertificateState.REVOKED
        # Spelled out, not ``suspension_lapsed``: the compliance report calls this on plain rows.
        if self.status is CertificateStatus.SUSPENDED and (
            self.suspended_until is None or today <= self.suspended_until
        ):
            return CertificateState.SUSPENDED
        if today > self.valid_until:
            return CertificateState.EXPIRED
        if self.next_review_on is not None and today > self.next_review_on:
            return CertificateState.REVIEW_DUE
        return CertificateState.VALID

    def state_text(self, today: date) -> str:
        """What a reader is told: the state, with a suspension's last day (暂扣至) when it has one."""
        state = self.state(today)
        if state is CertificateState.SUSPENDED and self.suspended_until is not None:
            return str(_l("Suspended until %(d)s", d=self.suspended_until.isoformat()))
        return str(state.label)

    def can_view(self, user: User) -> bool:
        return self.person.can_view_record(user)

    def can_change_status(self, user: User) -> bool:
        return user.can("certificate.revoke", None) or any(
            user.can("certificate.revoke", org) for org in self.person.related_organisations()
        )

    def as_json(self, today: date) -> dict:
        return {
            "serial": self.serial,
            "category": self.category.value,
            "operation_type": self.operation_type.value if self.operation_type else None,
            "status": self.state(today).value,
            "issued": self.issued_on.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "next_review": self.next_review_on.isoformat() if self.next_review_on else None,
            "issuer": self.issuer.name,
            "suspended_until": self.suspended_until.isoformat()
            if self.state(today) is CertificateState.SUSPENDED and self.suspended_until
            else None,
        }


class SerialCounter(db.Model):
    """The last number given under a prefix (``T26``: special operations, 2026)."""

    __tablename__ = "certificate_serial_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class CertificateBatch(db.Model):
    """All certificates of one signed sitting, issued by one job (re-runs add nothing twice)."""

    __tablename__ = "certificate_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued/running/done/failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    issued: Mapped[int] = mapped_column(Integer, default=0)
    task_id: Mapped[str | None] = mapped_column(String(60))
    failure: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    certificates: Mapped[list[Certificate]] = relationship(order_by="Certificate.serial")

    @property
    def status_label(self) -> str:
        labels = {
            "queued": _l("Waiting to be issued"),
            "running": _l("Being issued"),
            "done": _l("All issued"),
            "failed": _l("Issuing failed"),
        }
        return str(labels.get(self.status, self.status))

    def can_view(self, user: User) -> bool:
        """Whoever may see every certificate in it (each PDF carries an identity number, a
        birth date and a photo). Before any is issued the batch reveals nobody: then those
        who may see its sitting follow its progress."""
        if not self.certificates:
            session = db.session.get(ExamSession, self.session_id)
            return session is not None and session.can_view(user)
        return all(c.can_view(user) for c in self.certificates)

    def can_download(self, user: User) -> bool:
        return bool(self.certificates) and self.can_view(user)


class Violation(db.Model):
    """A recorded violation (违章) by a certificate holder; two or more fail a 复审."""

    __tablename__ = "certificate_violations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CertificateReview(db.Model):
    """复审 of a special-operations certificate, decided from the records: its window, the 复审
    training hours and the violations since the last one. A failed one may be applied for again
    once the holder has fixed what failed; a passed one moves the due date."""

    __tablename__ = "certificate_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    applied_on: Mapped[date] = mapped_column(Date)
    passed: Mapped[bool]
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    next_review_on: Mapped[date | None] = mapped_column(Date)
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    certificate: Mapped[Certificate] = relationship(back_populates="reviews")
