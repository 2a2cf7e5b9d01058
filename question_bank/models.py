"""Questions with versions, blueprints (组卷规则), frozen papers and the responses behind
the item statistics. Tables are prefixed ``qb_``; the bank knows users only by id."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training_portal.core.db import UTCDateTime, db, enum_column, utcnow


class QuestionStatus(enum.StrEnum):
    DRAFT = "draft"
    REVIEWED = "reviewed"
    ACTIVE = "active"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return str(
            {
                QuestionStatus.DRAFT: _l("Draft"),
                QuestionStatus.REVIEWED: _l("Reviewed"),
                QuestionStatus.ACTIVE: _l("Active"),
                QuestionStatus.RETIRED: _l("Retired"),
            }[self]
        )


class Question(db.Model):
    """A question's identity and life cycle; its content lives in versions."""

    __tablename__ = "qb_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    # Who the question is when the file gives no id: its content within its category
    # (``operations.fingerprint``), so that re-importing the same file finds it again.
    fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[QuestionStatus] = mapped_column(enum_column(QuestionStatus, length=20), index=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("qb_question_versions.id", use_alter=True)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    current_version: Mapped[QuestionVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question",
        foreign_keys="QuestionVersion.question_id",
        order_by="QuestionVersion.number",
    )

    @property
    def author_id(self) -> int | None:
        """Whoever wrote the version under review: they may not review it."""
        return self.current_version.created_by_id if self.current_version else None


class QuestionVersion(db.Model):
    """The frozen content of a question; papers point at versions, never at questions."""

    __tablename__ = "qb_question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("qb_questions.id"), index=True)
    number: Mapped[int]
    type: Mapped[str] = mapped_column(String(30), index=True)
    stem: Mapped[str] = mapped_column(Text)
    stem_format: Mapped[str] = mapped_column(String(10), default="text")
    options: Mapped[list[str]] = mapped_column(JSON)
    correct: Mapped[list[int]] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[float] = mapped_column(Float, default=1.0)
    category: Mapped[str] = mapped_column(String(200), index=True, default="")
    knowledge_point: Mapped[str] = mapped_column(String(120), default="")
    applies_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    author_difficulty: Mapped[int | None] = mapped_column(Integer)  # 1 (easiest) … 5
    # Options and explanation may carry sanitised HTML (images in answers, links in feedback).
    options_format: Mapped[str] = mapped_column(String(10), default="text")
    explanation_format: Mapped[str] = mapped_column(String(10), default="text")
    option_feedback: Mapped[list[str]] = mapped_column(JSON, default=list)  # HTML, per option
    # Moodle's combined feedback, HTML: correct / partially_correct / incorrect.
    feedback: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=True)  # false: the author's order
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    question: Mapped[Question] = relationship(back_populates="versions", foreign_keys=[question_id])
    stats: Mapped[ItemStatistic | None] = relationship(uselist=False, viewonly=True)

    def content(self) -> dict[str, Any]:
        """What makes two versions the same question (an unchanged import is no new version)."""
        return {
            "type": self.type,
            "stem": self.stem,
            "stem_format": self.stem_format,
            "options": list(self.options),
            "correct": list(self.correct),
            "explanation": self.explanation,
            "points": self.points,
            "category": self.category,
            "knowledge_point": self.knowledge_point,
            "applies_to": list(self.applies_to),
            "author_difficulty": self.author_difficulty,
            "options_format": self.options_format,
            "explanation_format": self.explanation_format,
            "option_feedback": list(self.option_feedback or []),
            "feedback": dict(self.feedback or {}),
            "shuffle_options": self.shuffle_options,
        }


class ItemStatistic(db.Model):
    """The latest statistics of one question version over all its responses."""

    __tablename__ = "qb_item_statistics"

    version_id: Mapped[int] = mapped_column(ForeignKey("qb_question_versions.id"), primary_key=True)
    n: Mapped[int]
    facility: Mapped[float]
    sd: Mapped[float]
    discrimination_index: Mapped[float | None]
    discriminative_efficiency: Mapped[float | None]
    point_biserial: Mapped[float | None]
    flag: Mapped[str | None] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def flag_label(self) -> str:
        """What the flag (``question_bank.statistics.flag_for``) tells a reviewer."""
        return str(_l("very likely broken") if self.flag == "broken" else _l("check it")) if self.flag else ""


class Blueprint(db.Model):
    """组卷规则: what a paper for one personnel category or operation type is made of."""

    __tablename__ = "qb_blueprints"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # The personnel category or operation type code the papers are for; questions whose
    # applies_to is empty apply to every target.
    target: Mapped[str] = mapped_column(String(40), index=True)
    purpose: Mapped[str] = mapped_column(String(20), default="exam")  # "exam" or "spot_test"
    duration_minutes: Mapped[int]
    target_facility: Mapped[float | None] = mapped_column(Float)  # 0–1; None: the bank's mean
    partial_credit: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sections: Mapped[list[BlueprintSection]] = relationship(
        back_populates="blueprint", order_by="BlueprintSection.position", cascade="all, delete-orphan"
    )

    @property
    def total_points(self) -> float:
        return sum(s.count * s.points for s in self.sections)


class BlueprintSection(db.Model):
    """So many questions of one type (and category, knowledge point) at so many points each."""

    __tablename__ = "qb_blueprint_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    blueprint_id: Mapped[int] = mapped_column(ForeignKey("qb_blueprints.id"), index=True)
    position: Mapped[int]
    type: Mapped[str] = mapped_column(String(30))
    count: Mapped[int]
    points: Mapped[float] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(200), default="")  # a prefix; "" = any
    knowledge_point: Mapped[str] = mapped_column(String(120), default="")  # "" = any

    blueprint: Mapped[Blueprint] = relationship(back_populates="sections")


class Paper(db.Model):
    """One candidate's paper, frozen when drawn: versions, option order, points."""

    __tablename__ = "qb_papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    blueprint_id: Mapped[int] = mapped_column(ForeignKey("qb_blueprints.id"), index=True)
    duration_minutes: Mapped[int]
    total_points: Mapped[float] = mapped_column(Float)
    expected_score: Mapped[float] = mapped_column(Float)
    partial_credit: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    blueprint: Mapped[Blueprint] = relationship()
    items: Mapped[list[PaperItem]] = relationship(order_by="PaperItem.position", cascade="all, delete-orphan")


class PaperItem(db.Model):
    __tablename__ = "qb_paper_items"

    paper_id: Mapped[int] = mapped_column(ForeignKey("qb_papers.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("qb_question_versions.id"), index=True)
    # option_order[k] is the original index of the option shown in place k.
    option_order: Mapped[list[int]] = mapped_column(JSON)
    points: Mapped[float] = mapped_column(Float)

    version: Mapped[QuestionVersion] = relationship()


class ItemResponse(db.Model):
    """One candidate's score on one paper item at a signed-off sitting: the raw material of
    the item statistics."""

    __tablename__ = "qb_item_responses"
    __table_args__ = (UniqueConstraint("paper_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting: Mapped[str] = mapped_column(String(60), index=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("qb_papers.id"))
    position: Mapped[int]
    version_id: Mapped[int] = mapped_column(ForeignKey("qb_question_versions.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
