"""一人一档: the person, their education and work history, and the posts they hold."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ColumnElement, Date, ForeignKey, Select, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow
from ..core.i18n import local_today
from ..organisations.models import Labelled, MineKind, Organisation, _enum

if TYPE_CHECKING:
    from ..accounts.models import User


class Gender(Labelled):
    MALE = "M"
    FEMALE = "F"

    @classmethod
    def _labels(cls):
        return {cls.MALE: _l("Male"), cls.FEMALE: _l("Female")}


class Education(Labelled):
    """学历, in increasing order (the admission rules compare them)."""

    JUNIOR_MIDDLE = "junior_middle"  # 初中
    SENIOR_HIGH = "senior_high"  # 高中
    SECONDARY_VOCATIONAL = "secondary_vocational"  # 中专
    COLLEGE = "college"  # 大专
    BACHELOR = "bachelor"  # 本科
    MASTER = "master"
    DOCTOR = "doctor"

    @classmethod
    def _labels(cls):
        return {cls.JUNIOR_MIDDLE: _l("Junior middle school"), cls.SENIOR_HIGH: _l("Senior high school"),
                cls.SECONDARY_VOCATIONAL: _l("Secondary vocational school"),
                cls.COLLEGE: _l("College (大专)"), cls.BACHELOR: _l("Bachelor"),
                cls.MASTER: _l("Master"), cls.DOCTOR: _l("Doctorate")}

    @property
    def level(self) -> int:
        return _EDUCATION_LEVEL[self]

    def at_least(self, other: Education) -> bool:
        return self.level >= other.level


# 高中 and 中专 are the same level for the admission rules.
_EDUCATION_LEVEL = {
    Education.JUNIOR_MIDDLE: 0, Education.SENIOR_HIGH: 1, Education.SECONDARY_VOCATIONAL: 1,
    Education.COLLEGE: 2, Education.BACHELOR: 3, Education.MASTER: 4, Education.DOCTOR: 5,
}


class PersonnelCategory(Labelled):
    """三项岗位人员, plus regulator officials who train too."""

    PRINCIPAL = "principal"  # 主要负责人
    SAFETY_MANAGER = "safety_manager"  # 安全生产管理人员
    SPECIAL_OPERATOR = "special_operator"  # 特种作业人员
    REGULATOR_OFFICIAL = "regulator_official"  # 监管干部

    @classmethod
    def _labels(cls):
        return {cls.PRINCIPAL: _l("Principal person in charge"),
                cls.SAFETY_MANAGER: _l("Safety management staff"),
                cls.SPECIAL_OPERATOR: _l("Special-operations worker"),
                cls.REGULATOR_OFFICIAL: _l("Regulator official")}


class Post(Labelled):
    MINE_DIRECTOR = "mine_director"  # 矿长
    CHIEF_ENGINEER = "chief_engineer"  # 总工程师
    DEPUTY_SAFETY = "deputy_safety"  # 安全副矿长
    DEPUTY_PRODUCTION = "deputy_production"  # 生产副矿长
    DEPUTY_MECH_ELEC = "deputy_mech_elec"  # 机电副矿长
    PRINCIPAL = "principal"  # 主要负责人 (other than a mine director)
    SAFETY_MANAGER = "safety_manager"  # 安全生产管理人员
    SPECIAL_OPERATOR = "special_operator"  # 特种作业人员: with an operation type
    REGULATOR_OFFICIAL = "regulator_official"  # 监管干部

    @classmethod
    def _labels(cls):
        return {cls.MINE_DIRECTOR: _l("Mine director"), cls.CHIEF_ENGINEER: _l("Chief engineer"),
                cls.DEPUTY_SAFETY: _l("Deputy director for safety"),
                cls.DEPUTY_PRODUCTION: _l("Deputy director for production"),
                cls.DEPUTY_MECH_ELEC: _l("Deputy director for mechanical and electrical"),
                cls.PRINCIPAL: _l("Principal person in charge"),
                cls.SAFETY_MANAGER: _l("Safety management staff"),
                cls.SPECIAL_OPERATOR: _l("Special-operations worker"),
                cls.REGULATOR_OFFICIAL: _l("Regulator official")}

    @property
    def is_five_manager(self) -> bool:
        """One of the 五职矿长."""
        return self in FIVE_MANAGER_POSTS

    @property
    def personnel_category(self) -> PersonnelCategory:
        return _POST_CATEGORY[self]


FIVE_MANAGER_POSTS = (Post.MINE_DIRECTOR, Post.CHIEF_ENGINEER, Post.DEPUTY_SAFETY,
                      Post.DEPUTY_PRODUCTION, Post.DEPUTY_MECH_ELEC)

# The mine director is the mine's principal person; the other four are safety management staff.
_POST_CATEGORY = {
    Post.MINE_DIRECTOR: PersonnelCategory.PRINCIPAL,
    Post.PRINCIPAL: PersonnelCategory.PRINCIPAL,
    Post.CHIEF_ENGINEER: PersonnelCategory.SAFETY_MANAGER,
    Post.DEPUTY_SAFETY: PersonnelCategory.SAFETY_MANAGER,
    Post.DEPUTY_PRODUCTION: PersonnelCategory.SAFETY_MANAGER,
    Post.DEPUTY_MECH_ELEC: PersonnelCategory.SAFETY_MANAGER,
    Post.SAFETY_MANAGER: PersonnelCategory.SAFETY_MANAGER,
    Post.SPECIAL_OPERATOR: PersonnelCategory.SPECIAL_OPERATOR,
    Post.REGULATOR_OFFICIAL: PersonnelCategory.REGULATOR_OFFICIAL,
}


class OperationType(Labelled):
    """特种作业类别: ten for coal mines, eight for metal and non-metal mines."""

    COAL_ELECTRICAL = "coal_electrical"
    COAL_BLASTING = "coal_blasting"
    COAL_MONITORING = "coal_monitoring"
    COAL_GAS_INSPECTION = "coal_gas_inspection"
    COAL_SAFETY_INSPECTION = "coal_safety_inspection"
    COAL_HOIST = "coal_hoist"
    COAL_SHEARER = "coal_shearer"
    COAL_GAS_DRAINAGE = "coal_gas_drainage"
    COAL_OUTBURST_PREVENTION = "coal_outburst_prevention"
    COAL_WATER_EXPLORATION = "coal_water_exploration"
    MN_VENTILATION = "mn_ventilation"
    MN_TAILINGS = "mn_tailings"
    MN_SAFETY_INSPECTION = "mn_safety_inspection"
    MN_HOIST = "mn_hoist"
    MN_SUPPORT = "mn_support"
    MN_ELECTRICAL = "mn_electrical"
    MN_DRAINAGE = "mn_drainage"
    MN_BLASTING = "mn_blasting"

    @classmethod
    def _labels(cls):
        return {
            cls.COAL_ELECTRICAL: _l("Coal: underground electrical work"),
            cls.COAL_BLASTING: _l("Coal: underground blasting"),
            cls.COAL_MONITORING: _l("Coal: safety monitoring and control"),
            cls.COAL_GAS_INSPECTION: _l("Coal: gas inspection"),
            cls.COAL_SAFETY_INSPECTION: _l("Coal: safety inspection"),
            cls.COAL_HOIST: _l("Coal: hoist operation"),
            cls.COAL_SHEARER: _l("Coal: shearer (roadheader) operation"),
            cls.COAL_GAS_DRAINAGE: _l("Coal: gas drainage"),
            cls.COAL_OUTBURST_PREVENTION: _l("Coal: outburst prevention"),
            cls.COAL_WATER_EXPLORATION: _l("Coal: water exploration and drainage"),
            cls.MN_VENTILATION: _l("Metal/non-metal: mine ventilation"),
            cls.MN_TAILINGS: _l("Metal/non-metal: tailings work"),
            cls.MN_SAFETY_INSPECTION: _l("Metal/non-metal: safety inspection"),
            cls.MN_HOIST: _l("Metal/non-metal: hoist operation"),
            cls.MN_SUPPORT: _l("Metal/non-metal: roof support"),
            cls.MN_ELECTRICAL: _l("Metal/non-metal: underground electrical work"),
            cls.MN_DRAINAGE: _l("Metal/non-metal: drainage"),
            cls.MN_BLASTING: _l("Metal/non-metal: blasting"),
        }

    @property
    def mine_kind(self) -> MineKind:
        return MineKind.COAL if self.value.startswith("coal_") else MineKind.METAL_NONMETAL


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
        back_populates="person", order_by="PersonPost.started_on", cascade="all, delete-orphan")

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
        return on.year - self.birth_date.year - (
            (on.month, on.day) < (self.birth_date.month, self.birth_date.day))

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

    def can_view_record(self, user: User) -> bool:
        return user.person_id == self.id or self._granted(user, "person.view_record")

    def can_read_api(self, user: User) -> bool:
        return self._granted(user, "person.read_api") or user.person_id == self.id

    def can_edit(self, user: User) -> bool:
        return self._granted(user, "person.edit")

    def _granted(self, user: User, permission: str) -> bool:
        return user.can(permission, None) or any(
            user.can(permission, org) for org in self.related_organisations())


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

    person: Mapped[Person] = relationship(back_populates="posts")
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def label(self) -> str:
        if self.operation_type is not None:
            return f"{self.post.label}（{self.operation_type.label}）"
        return self.post.label

    def as_json(self) -> dict:
        return {
            "post": self.post.value,
            "personnel_category": self.post.personnel_category.value,
            "operation_type": self.operation_type.value if self.operation_type else None,
            "organisation": self.organisation.name if self.organisation else None,
            "started_on": self.started_on.isoformat(),
            "ended_on": self.ended_on.isoformat() if self.ended_on else None,
        }
