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
    """A video arriving in chunks; it can be resumed from ``received`` after a break. A place's
    recording has a classroom or exam session and its times; another upload says its
    ``purpose`` (``learning.lesson:<id>``…) and has neither."""

    __tablename__ = "pr_uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    classroom_id: Mapped[int | None] = mapped_column(ForeignKey("classrooms.id"))
    exam_session_id: Mapped[int | None] = mapped_column(ForeignKey("exam_sessions.id"))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    purpose: Mapped[str | None] = mapped_column(String(60))
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
    # None for a recording made of a networked camera's live samples (filename "live camera").
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
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


CAMERA_ERROR_CODES = ("timeout", "refused", "unreachable", "not_video", "no_frame", "error")


def _camera_error_labels() -> dict[str, object]:
    """The codes ``proctoring.live`` reduces a failed read to."""
    return {
        "timeout": _l("No answer in time"),
        "refused": _l("Connection refused"),
        "unreachable": _l("Camera unreachable"),
        "not_video": _l("No video at this address"),
        "no_frame": _l("The stream sent no picture"),
        "error": _l("The stream could not be read"),
    }


class Camera(db.Model):
    """A classroom's networked camera (培训教室监控视频联网), sampled by a periodic job.

    ``stream_url`` never holds credentials: they sit in their own columns, are given to FFmpeg
    only, and never shown, logged or audited. ``online`` is None until the first sample;
    ``status_since`` is when it last changed."""

    __tablename__ = "pr_cameras"

    id: Mapped[int] = mapped_column(primary_key=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classrooms.id"), unique=True)
    stream_url: Mapped[str] = mapped_column(String(500))
    username: Mapped[str] = mapped_column(String(120), default="")
    password: Mapped[str] = mapped_column(String(200), default="")
    online: Mapped[bool | None] = mapped_column(default=None)
    status_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_sample_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(String(20), default="")
    snapshot_key: Mapped[str | None] = mapped_column(String(80))
    snapshot_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def has_credentials(self) -> bool:
        return bool(self.username or self.password)

    @property
    def error_label(self) -> str:
        return str(_camera_error_labels().get(self.last_error, self.last_error)) if self.last_error else ""

    def __repr__(self) -> str:  # never the credentials, wherever an object is printed
        return f"<Camera {self.id} classroom={self.classroom_id} {self.stream_url}>"


class CameraStatusChange(db.Model):
    """Each time a classroom's camera went online or offline (or was taken away: offline,
    ``removed``): the 联网 figure adds up the online spans within scheduled lessons."""

    __tablename__ = "pr_camera_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int]  # no foreign key: the history outlives a camera taken away
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classrooms.id"), index=True)
    online: Mapped[bool]
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    error: Mapped[str] = mapped_column(String(20), default="")
