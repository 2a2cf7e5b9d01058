"""The plan's topics of officials' training (an editable list) and what a course for officials
adds to a course: its topic, its form and whether it is the year's 第一课."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import db
from ..core.db import enum_column as _enum
from ..core.labels import Labelled
from ..training.models import Course


class StaffTopic(db.Model):
    """A topic of officials' training (隐蔽致灾因素普查, 应急救援, 水害, 瓦斯, 冲击地压, new laws, big
    data and AI, 政治理论 to begin with): a topic no longer taught is retired, its courses keep it."""

    __tablename__ = "staff_training_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def label(self) -> str:
        return self.name_en if self.name_en and get_locale().language == "en" else self.name

    def as_audit(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "name_en": self.name_en,
            "position": self.position,
            "retired": self.retired,
        }


class StaffCourseForm(Labelled):
    """How officials are trained, in the plan's words."""

    SEMINAR = "seminar"  # 专题培训班
    LECTURE = "lecture"  # 应急大讲堂
    FIELD = "field"  # practical training at mines
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {
            cls.SEMINAR: _l("Special training class (专题培训班)"),
            cls.LECTURE: _l("Emergency lecture hall (应急大讲堂)"),
            cls.FIELD: _l("Practical training at mines"),
            cls.OTHER: _l("Other"),
        }


class StaffCourse(db.Model):
    """A course for 监管干部 as their training counts it."""

    __tablename__ = "staff_training_courses"

    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), primary_key=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("staff_training_topics.id"), index=True)
    form: Mapped[StaffCourseForm] = mapped_column(_enum(StaffCourseForm), default=StaffCourseForm.SEMINAR)
    # 第一课: the first lesson every official attends each year (political theory).
    first_lesson: Mapped[bool] = mapped_column(Boolean, default=False)

    course: Mapped[Course] = relationship()
    topic: Mapped[StaffTopic | None] = relationship()

    def as_audit(self) -> dict:
        return {
            "topic": self.topic.key if self.topic else None,
            "form": self.form.value,
            "first_lesson": self.first_lesson,
        }
