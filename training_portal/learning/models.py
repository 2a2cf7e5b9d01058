"""Online lessons of a course (video and PDF materials), warning-education films (警示教育片)
and their assignment to a mine's staff, and each person's viewing of either, with the state
the counting rule (``playback``) keeps between reports. Tables are prefixed ``ln_``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow
from ..organisations.models import MineEnterprise, Organisation
from ..people.models import Person
from ..training.models import Course


class VideoColumns:
    """A stored, probed video; empty until its upload is finished."""

    video_key: Mapped[str | None] = mapped_column(String(80))
    video_sha256: Mapped[str | None] = mapped_column(String(64))
    video_bytes: Mapped[int | None] = mapped_column(BigInteger)
    duration_s: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)

    @property
    def has_video(self) -> bool:
        return self.video_key is not None


class OnlineLesson(db.Model, VideoColumns):
    """线上课程: a video (and materials) of a course, studied on a phone or PC."""

    __tablename__ = "ln_lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship()
    materials: Mapped[list[LessonMaterial]] = relationship(
        back_populates="lesson", cascade="all, delete-orphan", order_by="LessonMaterial.id"
    )

    def can_manage(self, user) -> bool:
        return self.course.can_manage(user)

    def can_oversee(self, user) -> bool:
        """The organiser and the regulators over it see who studied what."""
        return self.can_manage(user) or user.can("training.oversee", self.course.center)

    def can_study(self, user) -> bool:
        """Trainees on a roster of one of the course's classes study its online lessons."""
        return user.person_id is not None and any(
            e.person_id == user.person_id for c in self.course.classes for e in c.enrolments
        )


class LessonMaterial(db.Model):
    """A PDF handed out with a lesson."""

    __tablename__ = "ln_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("ln_lessons.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    storage_key: Mapped[str] = mapped_column(String(80))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lesson: Mapped[OnlineLesson] = relationship(back_populates="materials")


class WarningFilm(db.Model, VideoColumns):
    """警示教育片 or an accident case in the library, added by a regulator or a center."""

    __tablename__ = "ln_films"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    case_summary: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[Organisation] = relationship()
    assignments: Mapped[list[FilmAssignment]] = relationship(
        back_populates="film", cascade="all, delete-orphan", order_by="FilmAssignment.id"
    )

    def can_manage(self, user) -> bool:
        return user.can("learning.add_film", self.owner)


class FilmAssignment(db.Model):
    """组织全员观看: a film a mine's whole staff (no ``posts``) or the holders of some posts
    must watch by ``due_on``."""

    __tablename__ = "ln_film_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    film_id: Mapped[int] = mapped_column(ForeignKey("ln_films.id"), index=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    posts: Mapped[list[str]] = mapped_column(JSON, default=list)  # Post codes; empty: everyone
    due_on: Mapped[date] = mapped_column(Date)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    film: Mapped[WarningFilm] = relationship(back_populates="assignments")
    mine: Mapped[MineEnterprise] = relationship()

    def can_view(self, user) -> bool:
        return user.can("learning.assign_film", self.mine) or user.can("training.oversee", self.mine)


class Viewing(db.Model):
    """One person's study of one lesson or film: the counting rule's state between reports,
    and what it has credited. ``token`` names the page that reports: opening the video again
    (another tab, another phone) starts a new page and the old one's reports are refused."""

    __tablename__ = "ln_viewings"
    __table_args__ = (UniqueConstraint("person_id", "lesson_id"), UniqueConstraint("person_id", "film_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("ln_lessons.id"), index=True)
    film_id: Mapped[int | None] = mapped_column(ForeignKey("ln_films.id"), index=True)
    token: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    position: Mapped[float] = mapped_column(Float, default=0.0)
    interaction_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    idle_prompt: Mapped[bool] = mapped_column(Boolean, default=False)
    pending_s: Mapped[float] = mapped_column(Float, default=0.0)
    credited_s: Mapped[float] = mapped_column(Float, default=0.0)
    check_at_s: Mapped[float] = mapped_column(Float, default=0.0)
    check_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last report that earned time: while one viewing of a person counts, the others do not.
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    check: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the open question and its answer
    checks_passed: Mapped[int] = mapped_column(Integer, default=0)
    checks_failed: Mapped[int] = mapped_column(Integer, default=0)
    # Seconds the rule refused, by reason (skipped, muted_hidden, idle, …): the oversight table.
    refused: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    watched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a film: watched enough

    person: Mapped[Person] = relationship()
    lesson: Mapped[OnlineLesson | None] = relationship()
    film: Mapped[WarningFilm | None] = relationship()
