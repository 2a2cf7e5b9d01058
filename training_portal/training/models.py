"""Courses and their modules, class sessions (班次) with lessons (课次), the roster, attendance,
the hour credits attendance earns, fatal accidents (which add re-training) and degree upgrades.

Hours are kept in tenths of a 学时 as integers, so that sums are exact on every database.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow
from ..core.db import enum_column as _enum
from ..core.labels import Labelled
from ..organisations.models import Classroom, MineEnterprise, Organisation, RegulatorUnit
from ..people.models import Education, OperationType, Person, PersonnelCategory, Post

if TYPE_CHECKING:
    from ..accounts.models import User


def hours_text(tenths: int) -> str:
    """Tenths of a 学时 as the figure people read: ``48``, ``2.5``."""
    return f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths / 10:.1f}"


class CourseKind(Labelled):
    INITIAL = "initial"  # 初次培训
    ANNUAL = "annual"  # 每年再培训
    REVIEW = "review"  # 复审培训
    CONTINUING = "continuing"  # 继续教育
    SPECIAL = "special"  # 专题培训班, 应急大讲堂, the annual special training of managers

    @classmethod
    def _labels(cls):
        return {
            cls.INITIAL: _l("Initial training"),
            cls.ANNUAL: _l("Annual re-training"),
            cls.REVIEW: _l("复审 training"),
            cls.CONTINUING: _l("Continuing education"),
            cls.SPECIAL: _l("Special training"),
        }

    @property
    def counts_as_retraining(self) -> bool:
        """Hours of these kinds fill the yearly continuing-education ledger."""
        return self in (CourseKind.ANNUAL, CourseKind.CONTINUING, CourseKind.SPECIAL)


class Course(db.Model):
    __tablename__ = "training_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    kind: Mapped[CourseKind] = mapped_column(_enum(CourseKind))
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The year whose annual special training of the 五职矿长 and 主要负责人 this course is
    # (organised with the national mine-safety administration's provincial bureau).
    special_training_year: Mapped[int | None] = mapped_column(Integer, index=True)

    # The organiser: a training center, or a mine training its own people of the categories a
    # mine trains (``trained_by_mine``); the column keeps its first name.
    center: Mapped[Organisation] = relationship()
    targets: Mapped[list[CourseTarget]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseTarget.id"
    )
    modules: Mapped[list[CourseModule]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseModule.position"
    )
    classes: Mapped[list[TrainingClass]] = relationship(
        back_populates="course", order_by="TrainingClass.starts_on"
    )

    @property
    def hours_tenths(self) -> int:
        return sum(m.hours_tenths for m in self.modules)

    def counts_for(self, category: PersonnelCategory, operation_type: OperationType | None) -> bool:
        return any(
            t.category == category and (t.operation_type is None or t.operation_type == operation_type)
            for t in self.targets
        )

    @property
    def run_by_mine(self) -> bool:
        return isinstance(self.center, MineEnterprise)

    @property
    def run_by_regulator(self) -> bool:
        """A regulator unit's own course for its officials (监管干部)."""
        return isinstance(self.center, RegulatorUnit)

    @property
    def held_outside_classroom(self) -> bool:
        """A mine's or a regulator unit's classes are held at the mine or the unit, in no
        center's classroom: no camera, the organiser's sign-in and sign-out attest the hours."""
        return self.run_by_mine or self.run_by_regulator

    @property
    def held_at(self):
        """Where a class held outside a classroom takes place, in words."""
        return _l("Held at the regulator unit") if self.run_by_regulator else _l("Held at the mine")

    def can_manage(self, user: User) -> bool:
        return user.can(manage_permission(self.center), self.center)

    def can_view(self, user: User) -> bool:
        """A center's catalogue is public to the portal's users; a mine's courses are for its
        officer, the regulators over it (and the inspectorate), and the people on its rosters."""
        if not self.run_by_mine:
            return True
        return (
            self.can_manage(user)
            or user.can("training.oversee", self.center)
            or (
                user.person_id is not None
                and any(e.person_id == user.person_id for c in self.classes for e in c.enrolments)
            )
        )


def manage_permission(organiser: Organisation) -> str:
    """Who runs an organiser's courses: its staff, or for a regulator unit its regulators."""
    return "staff_training.organise" if isinstance(organiser, RegulatorUnit) else "training.manage"


class CourseTarget(db.Model):
    """A personnel category (and for special operations, optionally a type) the course counts for."""

    __tablename__ = "training_course_targets"
    __table_args__ = (UniqueConstraint("course_id", "category", "operation_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"))
    category: Mapped[PersonnelCategory] = mapped_column(_enum(PersonnelCategory))
    operation_type: Mapped[OperationType | None] = mapped_column(_enum(OperationType))

    course: Mapped[Course] = relationship(back_populates="targets")

    @property
    def label(self) -> str:
        return self.operation_type.label if self.operation_type else self.category.label


class CourseModule(db.Model):
    __tablename__ = "training_course_modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(120))
    hours_tenths: Mapped[int] = mapped_column(Integer)

    course: Mapped[Course] = relationship(back_populates="modules")


class TrainingClass(db.Model):
    """班次: one run of a course at its center, in a classroom, with a roster and lessons; a
    mine's class is held at the mine, in no classroom of a center (no seats, no camera)."""

    __tablename__ = "training_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), index=True)
    classroom_id: Mapped[int | None] = mapped_column(ForeignKey("classrooms.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship(back_populates="classes")
    classroom: Mapped[Classroom | None] = relationship()
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="training_class", cascade="all, delete-orphan", order_by="Lesson.starts_at"
    )
    enrolments: Mapped[list[Enrolment]] = relationship(
        back_populates="training_class", cascade="all, delete-orphan", order_by="Enrolment.id"
    )

    @property
    def center(self) -> Organisation:
        return self.course.center

    def can_manage(self, user: User) -> bool:
        return self.course.can_manage(user)

    def can_view(self, user: User) -> bool:
        return (
            self.can_manage(user)
            or user.can("training.oversee", self.course.center)
            or (user.person_id is not None and any(e.person_id == user.person_id for e in self.enrolments))
        )


class VideoVerdict(Labelled):
    """What the classroom's video says about a lesson."""

    NO_VIDEO = "no_video"
    PENDING = "pending"  # a recording covers it but is not analysed yet
    IN_USE = "in_use"  # verified
    NOT_IN_USE = "not_in_use"
    # A mine's class has no networked classroom: its officer's sign-in and sign-out attest the
    # hours, which count as a verified class's do.
    MINE_ATTESTED = "mine_attested"
    # The same for a regulator unit's class for its officials.
    UNIT_ATTESTED = "unit_attested"

    @classmethod
    def _labels(cls):
        return {
            cls.NO_VIDEO: _l("No video"),
            cls.PENDING: _l("Video not yet analysed"),
            cls.IN_USE: _l("Verified by video"),
            cls.NOT_IN_USE: _l("Video does not confirm"),
            cls.MINE_ATTESTED: _l("Attested by the mine"),
            cls.UNIT_ATTESTED: _l("Attested by the regulator unit"),
        }


# The verdicts whose hours count where only verified hours do.
COUNTED_VERDICTS = (VideoVerdict.IN_USE, VideoVerdict.MINE_ATTESTED, VideoVerdict.UNIT_ATTESTED)


class Lesson(db.Model):
    """课次: a time slot of a class, worth ``hours_tenths`` to a trainee who sits all of it."""

    __tablename__ = "training_lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("training_course_modules.id"))
    title: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    hours_tenths: Mapped[int] = mapped_column(Integer)
    code_secret: Mapped[str] = mapped_column(String(32))  # seeds the rotating sign-in code
    video_verdict: Mapped[VideoVerdict] = mapped_column(_enum(VideoVerdict), default=VideoVerdict.NO_VIDEO)
    video_detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    video_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    training_class: Mapped[TrainingClass] = relationship(back_populates="lessons")
    module: Mapped[CourseModule | None] = relationship()
    attendance: Mapped[list[Attendance]] = relationship(
        back_populates="lesson", cascade="all, delete-orphan", order_by="Attendance.id"
    )

    @property
    def verified(self) -> bool:
        return self.video_verdict in COUNTED_VERDICTS


class Enrolment(db.Model):
    __tablename__ = "training_enrolments"
    __table_args__ = (UniqueConstraint("class_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # The post the trainee trains for, as the roster says (花名册的岗位).
    post: Mapped[Post | None] = mapped_column(_enum(Post))
    operation_type: Mapped[OperationType | None] = mapped_column(_enum(OperationType))
    enrolled_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    training_class: Mapped[TrainingClass] = relationship(back_populates="enrolments")
    person: Mapped[Person] = relationship()


class Attendance(db.Model):
    """签到/签退 of one trainee at one lesson; ``*_by_id`` is the staff member who marked it, or
    None when the trainee signed with the classroom code."""

    __tablename__ = "training_attendance"
    __table_args__ = (UniqueConstraint("lesson_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("training_lessons.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    signed_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
    signed_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_out_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    lesson: Mapped[Lesson] = relationship(back_populates="attendance")
    person: Mapped[Person] = relationship()
    credits: Mapped[list[HourCredit]] = relationship(
        back_populates="attendance", cascade="all, delete-orphan", order_by="HourCredit.year"
    )


class HourCredit(db.Model):
    """The hours an attendance (``source`` "classroom") or an online study of a lesson video
    (``source`` "online", with the viewing's id) earns in one calendar year (a lesson across
    New Year's midnight gives two rows); an online study has one row per local day it earned
    on, so that each hour keeps the date it was earned (the exam check's window reads it).
    Recomputed whenever the attendance or the viewing changes; sums come from here. Online
    hours count as verified (the server counted them from the playback), but only up to the
    policy's share of a year's requirement (``ledger``)."""

    __tablename__ = "training_hour_credits"
    __table_args__ = (UniqueConstraint("attendance_id", "year"), UniqueConstraint("viewing_id", "earned_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(10), default="classroom", index=True)
    attendance_id: Mapped[int | None] = mapped_column(ForeignKey("training_attendance.id"))
    viewing_id: Mapped[int | None] = mapped_column(ForeignKey("ln_viewings.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("training_lessons.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"))
    year: Mapped[int] = mapped_column(Integer)
    tenths: Mapped[int] = mapped_column(Integer)
    earned_on: Mapped[date] = mapped_column(Date)  # the local date the credited time ended

    attendance: Mapped[Attendance | None] = relationship(back_populates="credits")


class FatalAccident(db.Model):
    """A fatal accident a regulator records at a mine: its managers, and the special operators
    directly responsible, must re-train that year."""

    __tablename__ = "training_fatal_accidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    # 身份证-keyed people directly responsible (special operators), besides the mine's managers.
    responsible_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    mine: Mapped[MineEnterprise] = relationship()


class EducationUpgrade(db.Model):
    """学历提升: a degree earned, with its evidence; a higher one updates the person's education."""

    __tablename__ = "training_education_upgrades"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    education: Mapped[Education] = mapped_column(_enum(Education))
    field: Mapped[str] = mapped_column(String(80), default="")
    mining_related: Mapped[bool] = mapped_column(Boolean, default=False)
    institution: Mapped[str] = mapped_column(String(120))
    completed_on: Mapped[date] = mapped_column(Date)
    evidence_key: Mapped[str] = mapped_column(String(80))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship()


class CodeFailure(db.Model):
    """A wrong classroom code typed by a trainee; a few in a row lock the trainee out a while,
    so the six digits cannot be guessed by trying them all."""

    __tablename__ = "training_code_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AssessmentState(Labelled):
    """Where a mine's assessment of one of its people stands."""

    PENDING = "pending"  # the written test passed; the 岗位实操 assessment is to come
    PASSED = "passed"
    FAILED = "failed"

    @classmethod
    def _labels(cls):
        return {
            cls.PENDING: _l("Practical assessment pending"),
            cls.PASSED: _l("Passed"),
            cls.FAILED: _l("Failed"),
        }


class MineAssessment(db.Model):
    """A mine's own assessment of a team leader or front-line worker: a written test, then, once
    passed, a 岗位实操 assessment scored on a rubric by the mine's assessor. A pass is valid the
    category's years; the state issues no certificate for it."""

    __tablename__ = "training_mine_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    category: Mapped[PersonnelCategory] = mapped_column(_enum(PersonnelCategory))
    state: Mapped[AssessmentState] = mapped_column(_enum(AssessmentState))
    written_score: Mapped[int] = mapped_column(Integer)
    written_on: Mapped[date] = mapped_column(Date)
    written_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The rubric as scored: [{"item": ..., "max": 20, "score": 18}, ...], the maxima adding to 100.
    practical_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    practical_score: Mapped[int | None] = mapped_column(Integer)
    practical_on: Mapped[date | None] = mapped_column(Date)
    practical_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    valid_until: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship()
    mine: Mapped[MineEnterprise] = relationship()
    written_by: Mapped[User] = relationship(foreign_keys=[written_by_id])
    practical_by: Mapped[User | None] = relationship(foreign_keys=[practical_by_id])

    def can_record(self, user: User) -> bool:
        return user.can("training.assess", self.mine)

    def can_view(self, user: User) -> bool:
        return (
            self.can_record(user)
            or user.can("training.oversee", self.mine)
            or (user.person_id is not None and user.person_id == self.person_id)
        )

    def valid_on(self, day: date) -> bool:
        return (
            self.state is AssessmentState.PASSED and self.valid_until is not None and day <= self.valid_until
        )
