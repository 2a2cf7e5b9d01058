"""Recordings of classrooms and exam rooms, their uploads in progress, and what the analysis
found. Tables are prefixed ``pr_``; classrooms, exam sessions and users are known only by id."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training_portal.core.db import UTCDateTime, db, utcnow

RECORDING_STATUSES = ("queued", "analysing", "analysed", "failed")


def _status_labels() -> dict[str, object]:
    return {
        "queued": _l("Waiting for analysis"),
        "analysing": _l("Being analysed"),
        "analysed": _l("Analysed"),
        "failed": _l("Analysis failed"),
    }


def _event_labels() -> dict[str, object]:
    """The kinds ``proctoring.analysis.EVENT_KINDS`` names."""
    return {
        "covered": _l("Camera covered"),
        "dark": _l("Picture dark"),
        "frozen": _l("Picture frozen"),
        "scene_change": _l("Camera moved"),
        "looped": _l("Picture looped"),
        "absent": _l("Fewer people than on the roster"),
        "overcrowded": _l("More people than on the roster"),
    }


class Upload(db.Model):
    """A recording arriving in chunks; it can be resumed from ``received`` after a break."""

    __tablename__ = "pr_uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    classroom_id: Mapped[int | None] = mapped_column(ForeignKey("classrooms.id"))
    exam_session_id: Mapped[int | None] = mapped_column(ForeignKey("exam_sessions.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    filename: Mapped[str] = mapped_column(String(200))
    total_size: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Recording(db.Model):
    __tablename__ = "pr_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    classroom_id: Mapped[int | None] = mapped_column(ForeignKey("classrooms.id"), index=True)
    exam_session_id: Mapped[int | None] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    filename: Mapped[str] = mapped_column(String(200))  # as uploaded; never part of a path
    storage_key: Mapped[str] = mapped_column(String(80))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    duration_s: Mapped[float] = mapped_column(Float)
    width: Mapped[int]
    height: Mapped[int]
    retain_until: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued/analysing/analysed/failed
    task_id: Mapped[str | None] = mapped_column(String(60))
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # duration, wall, samples
    failure: Mapped[str] = mapped_column(String(300), default="")
    analysed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    events: Mapped[list[RecordingEvent]] = relationship(
        back_populates="recording", order_by="RecordingEvent.start_s", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return str(_status_labels().get(self.status, self.status))


class RecordingEvent(db.Model):
    __tablename__ = "pr_recording_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("pr_recordings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    evidence_key: Mapped[str | None] = mapped_column(String(80))

    recording: Mapped[Recording] = relationship(back_populates="events")

    @property
    def kind_label(self) -> str:
        return str(_event_labels().get(self.kind, self.kind))
