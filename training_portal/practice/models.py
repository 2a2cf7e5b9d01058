"""Practice rounds, mock exams and the wrong-answer book (错题本).

A round (``PracticeRound``) freezes its questions as an exam paper does: the version shown and
the option order. It is the learner's own and nothing else's: never an exam attempt, never a
paper of the question bank, never a response behind the item statistics. Tables are prefixed
``pr_``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.models import Blueprint, QuestionVersion

from ..core.db import UTCDateTime, db, utcnow
from ..core.db import enum_column as _enum
from ..core.labels import Labelled


def owned_by(owner_id: int, user) -> bool:
    """A round is its learner's alone; nobody else, administrators included, sees it."""
    return user.is_authenticated and user.id == owner_id


@dataclass(frozen=True)
class Shown:
    """A question as a round shows it: all that checking, grading and feedback need."""

    option_order: list[int]  # option_order[k] is the original index of the option shown in place k
    points: float
    type: str
    correct: list[int]  # original indices
    explanation: str


class RoundMode(Labelled):
    PRACTICE = "practice"
    MOCK = "mock"
    WRONG_BOOK = "wrong_book"

    @classmethod
    def _labels(cls):
        return {
            cls.PRACTICE: _l("Practice"),
            cls.MOCK: _l("Mock exam"),
            cls.WRONG_BOOK: _l("Wrong-answer book practice"),
        }


class RoundState(Labelled):
    """A practice round stays open; a mock is answered, then handed in or timed out (the words
    the exam client knows)."""

    ANSWERING = "answering"
    SUBMITTED = "submitted"
    TIMED_OUT = "timed_out"

    @classmethod
    def _labels(cls):
        return {cls.ANSWERING: _l("Answering"), cls.SUBMITTED: _l("Handed in"), cls.TIMED_OUT: _l("Time up")}

    @property
    def finished(self) -> bool:
        return self is not RoundState.ANSWERING


class PracticeRound(db.Model):
    """One round of practice, of the wrong-answer book, or one mock exam."""

    __tablename__ = "pr_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    mode: Mapped[RoundMode] = mapped_column(_enum(RoundMode, length=20))
    state: Mapped[RoundState] = mapped_column(_enum(RoundState, length=20), default=RoundState.ANSWERING)
    category: Mapped[str] = mapped_column(String(200), default="")  # a path prefix; "" = any
    blueprint_id: Mapped[int | None] = mapped_column(ForeignKey("qb_blueprints.id"))  # mocks
    partial_credit: Mapped[bool] = mapped_column(Boolean, default=False)
    total_points: Mapped[float] = mapped_column(Float, default=0.0)
    score: Mapped[float | None] = mapped_column(Float)  # mocks, once handed in
    passed: Mapped[bool | None] = mapped_column(Boolean)
    saved_seq: Mapped[int] = mapped_column(Integer, default=0)  # the exam client's sheet saves
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())  # mocks
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    blueprint: Mapped[Blueprint | None] = relationship()
    items: Mapped[list[PracticeItem]] = relationship(
        back_populates="round", order_by="PracticeItem.position", cascade="all, delete-orphan"
    )

    @property
    def is_mock(self) -> bool:
        return self.mode is RoundMode.MOCK

    def can_answer(self, user) -> bool:
        return owned_by(self.user_id, user)


class PracticeItem(db.Model):
    """One question of a round, frozen: the version, the option order shown, the points."""

    __tablename__ = "pr_items"
    __table_args__ = (UniqueConstraint("round_id", "question_id"), UniqueConstraint("round_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("pr_rounds.id"), index=True)
    position: Mapped[int]
    question_id: Mapped[int] = mapped_column(ForeignKey("qb_questions.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("qb_question_versions.id"))
    # option_order[k] is the original index of the option shown in place k.
    option_order: Mapped[list[int]] = mapped_column(JSON)
    points: Mapped[float] = mapped_column(Float)
    answer: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True))  # shown indices, as sent
    correct: Mapped[bool | None] = mapped_column(Boolean)
    score: Mapped[float | None] = mapped_column(Float)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    round: Mapped[PracticeRound] = relationship(back_populates="items")
    version: Mapped[QuestionVersion] = relationship()

    @property
    def shown(self) -> Shown:
        v = self.version
        return Shown(self.option_order, self.points, v.type, v.correct, v.explanation)


class WrongAnswer(db.Model):
    """A question in someone's 错题本: in it while ``left_at`` is empty; it leaves after enough
    right answers in a row (policy) and comes back with the next wrong one."""

    __tablename__ = "pr_wrong_answers"
    __table_args__ = (UniqueConstraint("user_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("qb_questions.id"))
    times_wrong: Mapped[int] = mapped_column(Integer, default=0)
    right_in_a_row: Mapped[int] = mapped_column(Integer, default=0)
    last_wrong_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
