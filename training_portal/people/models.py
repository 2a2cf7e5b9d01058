"""一人一档: the person, their education and work history, and the posts they hold."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ColumnElement, Date, ForeignKey, Integer, Select, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow
from ..core.db import enum_column as _enum
from ..core.i18n import local_today
from ..core.labels import Labelled
from ..core.permissions import Asker
from ..organisations.models import Organisation

# The registry's codes, where the models have always been imported from.
from .categories import FIVE_MANAGER_POSTS as FIVE_MANAGER_POSTS
from .categories import OperationType as OperationType
from .categories import PersonnelCategory as PersonnelCategory
from .categories import Post
from .education import Education


class Gender(Labelled):
    MALE = "M"
    FEMALE = "F"

    @classmethod
    def _labels(cls):
        return {cls.MALE: _l("Male"), cls.FEMALE: _l("Female")}


class OrganisationLink(Protocol):
    """A domain's way of relating people to organisations (say, trainees to their center):
    the same rule for one person and, in SQL, for lists."""

    def organisations_of(self, person: Person) -> list[Organisation]: ...

    def related_at(self, organisation_ids: Select | list[int]) -> ColumnElement[bool]:
        """A condition on ``Person`` (correlated, e.g. EXISTS) for lists."""
        ...


# Filled by the app factory (``add_organisation_link``); this module never imports those domains.
RELATED_ORGANISATION_LINKS: list[OrganisationLink] = []


def add_organisation_link(link: OrganisationLink) -> None:
    if link not in RELATED_ORGANISATION_LINKS:
        RELATED_ORGANISATION_LINKS.append(link)


class Person(db.Model):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)  # 身份证号, normalised
    name: Mapped[str] = mapped_column(String(60), index=True)
    gender: Mapped[Gender] = mapped_column(_enum(Gender))  # from the number
    birth_date: Mapped[date] = mapped_column(Date)  # from the number
    education: Mapped[Education | None] = mapped_column(_enum(Education))
    education_field: Mapped[str] = mapped_column(String(80), default="")
    mining_related_degree: Mapped[bool] = mapped_column(Boolean, default=False)
    # 从业年限 is counted from this date, so it never goes stale on the record.
    work_started_on: Mapped[date | None] = mapped_column(Date)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20), default="")
    photo_key: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    employer: Mapped[Organisation | None] = relationship()
    posts: Mapped[list[PersonPost]] = relationship(
        back_populates="person", order_by="PersonPost.started_on", cascade="all, delete-orphan"
    )

    def mining_years(self, on: date | None = None) -> int:
        if self.work_started_on is None:
            return 0
        on = on or local_today()
        years = on.year - self.work_started_on.year
        if (on.month, on.day) < (self.work_started_on.month, self.work_started_on.day):
            years -= 1
        return max(years, 0)

    def age(self, on: date | None = None) -> int:
        on = on or local_today()
        return (
            on.year
            - self.birth_date.year
            - ((on.month, on.day) < (self.birth_date.month, self.birth_date.day))
        )

    @property
    def current_posts(self) -> list[PersonPost]:
        today = local_today()
        return [p for p in self.posts if p.ended_on is None or p.ended_on >= today]

    def related_organisations(self) -> list[Organisation]:
        """The organisations whose staff may see this record (employer, post holders, and what
        other domains link, e.g. the training centers that train the person)."""
        orgs = [self.employer] if self.employer else []
        orgs += [p.organisation for p in self.current_posts if p.organisation is not None]
        for link in RELATED_ORGANISATION_LINKS:
            orgs += link.organisations_of(self)
        return orgs

    def can_view_record(self, user: Asker) -> bool:
        return user.person_id == self.id or self._granted(user, "person.view_record")

    def can_read_api(self, user: Asker) -> bool:
        return self._granted(user, "person.read_api") or user.person_id == self.id

    def can_edit(self, user: Asker) -> bool:
        return self._granted(user, "person.edit")

    def _granted(self, user: Asker, permission: str) -> bool:
        return user.can(permission, None) or any(
            user.can(permission, org) for org in self.related_organisations()
        )


class Department(db.Model):
    """One of the 五科, the technical departments a mine staffs beside the 五职 (安全, 生产技术/采掘,
    机电, 通风, 地测防治水 to begin with): an editable list, a department no longer asked for is
    retired, and the posts held in it stay on the record."""

    __tablename__ = "mine_departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))  # Chinese, as mines name it
    name_en: Mapped[str] = mapped_column(String(120), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def label(self) -> str:
        """The name in the reader's language (English only where one was given)."""
        return self.name_en if self.name_en and get_locale().language == "en" else self.name

    def as_audit(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "name_en": self.name_en,
            "position": self.position,
            "retired": self.retired,
        }


class PersonPost(db.Model):
    """A post a person holds or held, at an organisation (the mine, or the regulator unit)."""

    __tablename__ = "person_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    post: Mapped[Post] = mapped_column(_enum(Post))
    operation_type: Mapped[OperationType | None] = mapped_column(_enum(OperationType))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    started_on: Mapped[date] = mapped_column(Date)  # the appointment date
    ended_on: Mapped[date | None] = mapped_column(Date)
    # The head of one of the mine's 五科 (a safety-management post).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("mine_departments.id"), index=True)

    person: Mapped[Person] = relationship(back_populates="posts")
    organisation: Mapped[Organisation | None] = relationship()
    department: Mapped[Department | None] = relationship()

    @property
    def label(self) -> str:
        if self.operation_type is not None:
            return f"{self.post.label}（{self.operation_type.label}）"
        if self.department is not None:
            return f"{self.post.label}（{self.department.label}）"
        return self.post.label

    def as_json(self) -> dict:
        return {
            "post": self.post.value,
            "personnel_category": self.post.personnel_category.value,
            "operation_type": self.operation_type.value if self.operation_type else None,
            "organisation": self.organisation.name if self.organisation else None,
            "department": self.department.key if self.department else None,
            "started_on": self.started_on.isoformat(),
            "ended_on": self.ended_on.isoformat() if self.ended_on else None,
        }
