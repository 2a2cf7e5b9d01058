"""Applications (报名), their two reviews (双审核), exam sessions (考试场次) with one proctor
from each unit (双监考), the candidates' attempts, proctors' actions and signatures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import permissions, policy
from ..core.db import UTCDateTime, db, utcnow
from ..core.db import enum_column as _enum
from ..core.labels import Labelled
from ..core.permissions import Role
from ..organisations.models import Organisation, Region, ReviewUnit
from ..people.models import OperationType, Person, PersonnelCategory


def current_unit(user, role: Role) -> tuple[ReviewUnit, Organisation] | None:
    """The reviewing unit (and its organisation) the user acts for in ``role`` right now.

    Asked at every act, never remembered: an assignment to a room, an application or a
    practical exam is only the invitation; the authority is an active account that still
    holds the role, which the admin may have taken away since."""
    if user is None or not user.active:
        return None
    for a in user.assignments:
        if a.role is role and getattr(a.organisation, "review_unit", None) is not None:
            return a.organisation.review_unit, a.organisation
    return None


def holds_unit_role(user, role: Role, unit: ReviewUnit) -> bool:
    """Whether the active user holds ``role`` now for an organisation of ``unit``."""
    return (
        user is not None
        and user.active
        and any(
            a.role is role and getattr(a.organisation, "review_unit", None) == unit for a in user.assignments
        )
    )


class ApplicationStatus(Labelled):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"

    @classmethod
    def _labels(cls):
        return {cls.SUBMITTED: _l("Under review"), cls.APPROVED: _l("Approved"), cls.REJECTED: _l("Rejected")}


class ExamApplication(db.Model):
    """报名/取证申请: one person, one category (and operation type), with its evidence."""

    __tablename__ = "exam_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    category: Mapped[PersonnelCategory] = mapped_column(_enum(PersonnelCategory))
    operation_type: Mapped[OperationType | None] = mapped_column(_enum(OperationType))
    status: Mapped[ApplicationStatus] = mapped_column(_enum(ApplicationStatus), index=True)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The training center that applied on the candidate's behalf, if one did.
    center_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    appointed_on: Mapped[date | None] = mapped_column(Date)  # managers: the post's start on record
    # Managers: days past the window after taking office when they applied (0 in time).
    late_days: Mapped[int | None] = mapped_column(Integer, index=True)
    work_history: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # file keys by kind
    precheck: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship()
    center: Mapped[Organisation | None] = relationship()
    reviews: Mapped[list[ApplicationReview]] = relationship(
        back_populates="application", order_by="ApplicationReview.decided_at"
    )

    def review_by(self, unit: ReviewUnit) -> ApplicationReview | None:
        return next((r for r in self.reviews if r.unit == unit), None)

    @property
    def subject_label(self) -> str:
        return self.operation_type.label if self.operation_type else self.category.label

    def can_view(self, user) -> bool:
        """The candidate, the reviewers, the center that applied for them, the candidate's
        employer (its safety officer applies for its employees) and the regulators of it."""
        return (
            (user.person_id is not None and user.person_id == self.person_id)
            or self.can_review(user)
            or user.can("exam.results", self.person.employer)
            or user.can("exam.apply_for", self.person.employer)
            or (self.center is not None and user.can("exam.apply_for", self.center))
        )

    def can_review(self, user) -> bool:
        return permissions.is_reviewer(user)


class ApplicationReview(db.Model):
    """One unit's review. One per unit per application: the database refuses a second."""

    __tablename__ = "application_reviews"
    __table_args__ = (UniqueConstraint("application_id", "unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("exam_applications.id"), index=True)
    unit: Mapped[ReviewUnit] = mapped_column(_enum(ReviewUnit))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    approved: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application: Mapped[ExamApplication] = relationship(back_populates="reviews")
    organisation: Mapped[Organisation] = relationship()

    def as_json(self) -> dict:
        return {
            "unit": self.unit.value,
            "organisation": self.organisation.name,
            "approved": self.approved,
            "reason": self.reason,
            "decided_at": self.decided_at.isoformat(),
        }


class SessionStatus(Labelled):
    SCHEDULED = "scheduled"
    OPEN = "open"
    SIGNED = "signed"  # both proctors signed: results are published

    @classmethod
    def _labels(cls):
        return {
            cls.SCHEDULED: _l("Scheduled"),
            cls.OPEN: _l("In progress"),
            cls.SIGNED: _l("Signed, results published"),
        }


class ExamSession(db.Model):
    """考试场次: one room at one site at one time, for one category or operation type."""

    __tablename__ = "exam_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    site: Mapped[str] = mapped_column(String(120))  # 考试点
    room: Mapped[str] = mapped_column(String(60))  # 考场
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    category: Mapped[PersonnelCategory] = mapped_column(_enum(PersonnelCategory))
    operation_type: Mapped[OperationType | None] = mapped_column(_enum(OperationType))
    blueprint_id: Mapped[int] = mapped_column(ForeignKey("qb_blueprints.id"))
    seats: Mapped[int]
    status: Mapped[SessionStatus] = mapped_column(_enum(SessionStatus), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The reviewing unit that scheduled the sitting and runs it (none when an administrator
    # without a unit did), and the region of its exam site, which decides the regulators
    # who see it.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)

    blueprint: Mapped[Any] = relationship("Blueprint")
    organisation: Mapped[Organisation | None] = relationship()
    region: Mapped[Region] = relationship()
    proctors: Mapped[list[SessionProctor]] = relationship(
        back_populates="session", order_by="SessionProctor.unit"
    )
    attempts: Mapped[list[ExamAttempt]] = relationship(back_populates="session", order_by="ExamAttempt.seat")
    signatures: Mapped[list[SessionSignature]] = relationship(back_populates="session")

    @property
    def subject_label(self) -> str:
        return self.operation_type.label if self.operation_type else self.category.label

    def proctor_unit(self, user) -> ReviewUnit | None:
        """The unit the user proctors this room for: assigned to it, and still a proctor of
        that unit (an active account holding the role now)."""
        unit = next((p.unit for p in self.proctors if p.user_id == user.id), None)
        return unit if unit is not None and holds_unit_role(user, Role.PROCTOR, unit) else None

    def can_proctor(self, user) -> bool:
        """Only the two proctors assigned to this room, each for their own unit, while they
        hold the proctor role."""
        return self.proctor_unit(user) is not None

    def can_schedule(self, user) -> bool:
        """Seat candidates, assign proctors: the reviewers of the unit that owns the sitting."""
        return user.can("exam.schedule", self.organisation)

    def can_view(self, user) -> bool:
        """The room page, its report and its recording: the two proctors, the owning unit's
        schedulers, and regulators whose jurisdiction contains the exam site's region (who
        thereby see the candidates seated in it, wherever they work)."""
        return (
            self.can_proctor(user)
            or self.can_schedule(user)
            or permissions.granted_in_region(user, "exam.results", self.region)
        )

    @hybrid_property
    def results_published(self) -> bool:
        """The one rule for every page, export, API and query: a score, a pass or fail and
        graded answers exist for anyone only once both units have signed the room record."""
        return self.status == SessionStatus.SIGNED


class SessionProctor(db.Model):
    __tablename__ = "session_proctors"
    __table_args__ = (UniqueConstraint("session_id", "unit"), UniqueConstraint("session_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    unit: Mapped[ReviewUnit] = mapped_column(_enum(ReviewUnit))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))

    session: Mapped[ExamSession] = relationship(back_populates="proctors")
    user: Mapped[Any] = relationship("User")


class AttemptState(Labelled):
    NOT_STARTED = "not_started"
    ANSWERING = "answering"
    PAUSED = "paused"
    SUBMITTED = "submitted"
    TIMED_OUT = "timed_out"
    TERMINATED = "terminated"
    ABSENT = "absent"

    @classmethod
    def _labels(cls):
        return {
            cls.NOT_STARTED: _l("Not started"),
            cls.ANSWERING: _l("Answering"),
            cls.PAUSED: _l("Paused"),
            cls.SUBMITTED: _l("Submitted"),
            cls.TIMED_OUT: _l("Timed out"),
            cls.TERMINATED: _l("Terminated"),
            cls.ABSENT: _l("Absent"),
        }

    @property
    def finished(self) -> bool:
        return self in (
            AttemptState.SUBMITTED,
            AttemptState.TIMED_OUT,
            AttemptState.TERMINATED,
            AttemptState.ABSENT,
        )


class IdentityCheck(Labelled):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REFUSED = "refused"

    @classmethod
    def _labels(cls):
        return {
            cls.PENDING: _l("Not checked"),
            cls.CONFIRMED: _l("Identity confirmed"),
            cls.REFUSED: _l("Identity refused"),
        }


class ExamAttempt(db.Model):
    """A candidate's seat in a session and their one attempt at their own paper."""

    __tablename__ = "exam_attempts"
    __table_args__ = (
        UniqueConstraint("session_id", "person_id"),
        UniqueConstraint("session_id", "seat"),
        UniqueConstraint("application_id", "sitting"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("exam_applications.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    retake: Mapped[bool] = mapped_column(default=False)  # 补考
    # 0 the first sitting of the application, 1 … its retakes (``exam.retakes_allowed`` of them).
    sitting: Mapped[int] = mapped_column(default=0, server_default="0")
    seat: Mapped[int]
    identity: Mapped[IdentityCheck] = mapped_column(_enum(IdentityCheck))
    identity_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The last face comparison at the check-in (``exams.identity``): the distance between the
    # camera's face and the photo on record, and the matcher's verdict at its threshold then.
    identity_distance: Mapped[float | None] = mapped_column(Float)
    identity_same_person: Mapped[bool | None]
    allowed_new_device: Mapped[bool] = mapped_column(default=False)
    # The PC the attempt runs on (a hash of its exam cookie); another one takes over only
    # after a proctor allows it.
    device_hash: Mapped[str | None] = mapped_column(String(64))
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("qb_papers.id"))
    state: Mapped[AttemptState] = mapped_column(_enum(AttemptState), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The server's deadline; pauses and added time move it. The client's clock plays no part.
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    saved_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score: Mapped[float | None] = mapped_column(Float)
    item_scores: Mapped[list[float] | None] = mapped_column(JSON)
    passed: Mapped[bool | None]

    session: Mapped[ExamSession] = relationship(back_populates="attempts")
    application: Mapped[ExamApplication] = relationship()
    person: Mapped[Person] = relationship()
    paper: Mapped[Any] = relationship("Paper")
    actions: Mapped[list[ProctorAction]] = relationship(back_populates="attempt", order_by="ProctorAction.at")

    @property
    def result_visible(self) -> bool:
        return self.session.results_published

    @property
    def visible_score(self) -> float | None:
        return self.score if self.result_visible else None

    @property
    def visible_passed(self) -> bool | None:
        return self.passed if self.result_visible else None

    def can_review(self, user) -> bool:
        """See each question with one's own answer, the right one and the 解析: the candidate
        alone, once both proctors have signed, and only where the policy opens real exams'
        answers (it keeps them closed by default: the bank's questions come back)."""
        return (
            user.person_id is not None
            and user.person_id == self.person_id
            and self.paper_id is not None
            and self.result_visible
            and bool(policy.get("exam.review_after_publication"))
        )


class ProctorActionKind(Labelled):
    """What a proctor did to a seat (``ProctorAction.kind``, a plain string column)."""

    IDENTITY_CONFIRM = "identity_confirm"
    IDENTITY_REFUSE = "identity_refuse"
    PAUSE = "pause"
    RESUME = "resume"
    ADD_TIME = "add_time"
    IRREGULARITY = "irregularity"
    ALLOW_NEW_DEVICE = "allow_new_device"
    TERMINATE = "terminate"
    START_ALL = "start_all"  # 统一开考: the proctor started the room's checked seats at once

    @classmethod
    def _labels(cls):
        return {
            cls.IDENTITY_CONFIRM: _l("Identity confirmed"),
            cls.IDENTITY_REFUSE: _l("Identity refused"),
            cls.PAUSE: _l("Paused by the proctor"),
            cls.RESUME: _l("Resumed"),
            cls.ADD_TIME: _l("Time added"),
            cls.IRREGULARITY: _l("Irregularity noted"),
            cls.ALLOW_NEW_DEVICE: _l("Allowed on another PC"),
            cls.TERMINATE: _l("Terminated"),
            cls.START_ALL: _l("Started with the room"),
        }


class ProctorAction(db.Model):
    """Everything a proctor did to a seat: identity, pause, time, irregularity, termination."""

    __tablename__ = "proctor_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int | None]
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    attempt: Mapped[ExamAttempt] = relationship(back_populates="actions")

    @property
    def label(self) -> str:
        return ProctorActionKind(self.kind).label


class SessionSignature(db.Model):
    """A proctor's signature of the room record; one per unit, each with their own login."""

    __tablename__ = "session_signatures"
    __table_args__ = (UniqueConstraint("session_id", "unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    unit: Mapped[ReviewUnit] = mapped_column(_enum(ReviewUnit))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    remarks: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    session: Mapped[ExamSession] = relationship(back_populates="signatures")


class PracticalRubric(db.Model):
    """实操考核评分表 of one operation type: items with points, some of them critical."""

    __tablename__ = "practical_rubrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_type: Mapped[OperationType] = mapped_column(_enum(OperationType), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # [{"name": str, "points": float, "critical": bool}]; a critical item is all or nothing,
    # and failing it fails the exam whatever the total.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class PracticalStatus(Labelled):
    SCORING = "scoring"
    NEEDS_THIRD = "needs_third"
    DECIDED = "decided"

    @classmethod
    def _labels(cls):
        return {
            cls.SCORING: _l("Being scored"),
            cls.NEEDS_THIRD: _l("Third examiner needed"),
            cls.DECIDED: _l("Decided"),
        }


class PracticalExam(db.Model):
    """实操考核 after a passed written exam: two examiners score blind; a third decides
    when they differ too much. A failed one may be retaken (补考) on the same written pass."""

    __tablename__ = "practical_exams"
    __table_args__ = (UniqueConstraint("written_attempt_id", "sitting"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    written_attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempts.id"), index=True)
    # 0 the first practical exam on the written pass, 1 … its retakes (补考), as for the written one.
    sitting: Mapped[int] = mapped_column(default=0, server_default="0")
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("practical_rubrics.id"))
    status: Mapped[PracticalStatus] = mapped_column(_enum(PracticalStatus))
    final_score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None]
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    written_attempt: Mapped[ExamAttempt] = relationship()
    person: Mapped[Person] = relationship()
    rubric: Mapped[PracticalRubric] = relationship()
    examiners: Mapped[list[PracticalExaminer]] = relationship(
        back_populates="practical", order_by="PracticalExaminer.id"
    )

    @property
    def retake(self) -> bool:
        return self.sitting > 0

    def can_view(self, user) -> bool:
        return (
            any(e.user_id == user.id for e in self.examiners)
            or self.written_attempt.session.can_schedule(user)
            or user.can("exam.results", self.person.employer)
            or (user.person_id is not None and self.person_id == user.person_id)
        )


class PracticalExaminer(db.Model):
    """An examiner of one practical exam and, once submitted, their scores."""

    __tablename__ = "practical_examiners"
    __table_args__ = (UniqueConstraint("practical_id", "user_id"), UniqueConstraint("practical_id", "role"))

    id: Mapped[int] = mapped_column(primary_key=True)
    practical_id: Mapped[int] = mapped_column(ForeignKey("practical_exams.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(10))  # "first", "second" or "third"
    item_scores: Mapped[list[float] | None] = mapped_column(JSON)
    total: Mapped[float | None] = mapped_column(Float)
    critical_failed: Mapped[bool | None]
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    practical: Mapped[PracticalExam] = relationship(back_populates="examiners")
    user: Mapped[Any] = relationship("User")


class ExamAppeal(db.Model):
    """A candidate's appeal against the termination of their attempt, and its decision."""

    __tablename__ = "exam_appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempts.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    upheld: Mapped[bool | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    attempt: Mapped[ExamAttempt] = relationship()

    def can_decide(self, user) -> bool:
        return permissions.is_reviewer(user)
