"""Where people act: administrative regions and the organisations in them.

A region's ``path`` lists its ancestors' codes (``220000/220100/220113``), so a
regulator's jurisdiction (its unit's region and everything below) is one prefix test.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import db
from ..core.db import enum_column as _enum
from ..core.labels import Labelled
from ..core.permissions import Asker


class RegionLevel(Labelled):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"

    @classmethod
    def _labels(cls):
        return {cls.PROVINCE: _l("Province"), cls.CITY: _l("City"), cls.COUNTY: _l("County")}


class Region(db.Model):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    level: Mapped[RegionLevel] = mapped_column(_enum(RegionLevel))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    path: Mapped[str] = mapped_column(String(60), index=True)

    parent: Mapped[Region | None] = relationship(remote_side=[id])

    def contains(self, other: Region) -> bool:
        return other.path == self.path or other.path.startswith(self.path + "/")

    @property
    def full_name(self) -> str:
        names, region = [], self
        while region is not None:
            names.append(region.name)
            region = region.parent
        return "".join(reversed(names))


class OrganisationKind(Labelled):
    TRAINING_CENTER = "training_center"
    MINE = "mine"
    REGULATOR = "regulator"

    @classmethod
    def _labels(cls):
        return {
            cls.TRAINING_CENTER: _l("Training center"),
            cls.MINE: _l("Mine enterprise"),
            cls.REGULATOR: _l("Regulator unit"),
        }


class MineKind(Labelled):
    COAL = "coal"
    METAL_NONMETAL = "metal_nonmetal"

    @classmethod
    def _labels(cls):
        return {cls.COAL: _l("Coal mine"), cls.METAL_NONMETAL: _l("Metal / non-metal mine")}


class MiningMethod(Labelled):
    UNDERGROUND = "underground"
    OPEN_PIT = "open_pit"
    TAILINGS = "tailings"

    @classmethod
    def _labels(cls):
        return {
            cls.UNDERGROUND: _l("Underground"),
            cls.OPEN_PIT: _l("Open pit"),
            cls.TAILINGS: _l("Tailings pond"),
        }


class MineSize(Labelled):
    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"

    @classmethod
    def _labels(cls):
        return {cls.LARGE: _l("Large"), cls.MEDIUM: _l("Medium"), cls.SMALL: _l("Small")}


class ProductionStatus(Labelled):
    NORMAL = "normal"
    CONSTRUCTION = "construction"
    SUSPENDED = "suspended"

    @classmethod
    def _labels(cls):
        return {
            cls.NORMAL: _l("In normal production"),
            cls.CONSTRUCTION: _l("Under construction"),
            cls.SUSPENDED: _l("Production suspended"),
        }


class ReviewUnit(Labelled):
    """The two units of 双审核双监考."""

    EDUCATION_CENTER = "education_center"  # 教育培训中心
    BUSINESS_DEPT = "business_dept"  # 业务处室

    @classmethod
    def _labels(cls):
        return {
            cls.EDUCATION_CENTER: _l("Education and training center"),
            cls.BUSINESS_DEPT: _l("Business department"),
        }


class Organisation(db.Model):
    """One table for every kind; the kind-specific columns are empty for the others."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # 统一社会信用代码, validated with python-stdnum; the natural key of an organisation.
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")

    region: Mapped[Region] = relationship()

    __mapper_args__ = {"polymorphic_on": "kind"}

    def can_view(self, user: Asker) -> bool:
        return user.can("organisation.view", self)


class TrainingCenter(Organisation):
    """培训机构."""

    __mapper_args__ = {"polymorphic_identity": OrganisationKind.TRAINING_CENTER}

    classrooms: Mapped[list[Classroom]] = relationship(
        back_populates="center", order_by="Classroom.name", cascade="all, delete-orphan"
    )

    def can_manage_classrooms(self, user: Asker) -> bool:
        return user.can("classroom.manage", self)


class MineEnterprise(Organisation):
    """矿山企业."""

    __mapper_args__ = {"polymorphic_identity": OrganisationKind.MINE}

    mine_kind: Mapped[MineKind | None] = mapped_column(_enum(MineKind))
    mining_method: Mapped[MiningMethod | None] = mapped_column(_enum(MiningMethod))
    size: Mapped[MineSize | None] = mapped_column(_enum(MineSize))
    production_status: Mapped[ProductionStatus | None] = mapped_column(_enum(ProductionStatus))


class RegulatorUnit(Organisation):
    """A mine-safety regulator at province, city or county level; the region says which."""

    __mapper_args__ = {"polymorphic_identity": OrganisationKind.REGULATOR}

    # Set for the two units that do 双审核双监考; empty for other regulator units.
    review_unit: Mapped[ReviewUnit | None] = mapped_column(_enum(ReviewUnit))


class Classroom(db.Model):
    __tablename__ = "classrooms"
    __table_args__ = (UniqueConstraint("center_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    seats: Mapped[int]
    # The networked camera's identifier at the center (培训教室监控视频联网); empty when none.
    camera_ref: Mapped[str] = mapped_column(String(120), default="")

    center: Mapped[TrainingCenter] = relationship(back_populates="classrooms")

    def can_view(self, user: Asker) -> bool:
        return user.can("organisation.view", self.center)

    def can_manage(self, user: Asker) -> bool:
        return user.can("classroom.manage", self.center)

    def can_upload_video(self, user: Asker) -> bool:
        return user.can("classroom.upload_video", self.center)
