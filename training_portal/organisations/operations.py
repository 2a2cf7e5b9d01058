"""Operations on organisations and classrooms, and who may see which."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from ..core import audit, permissions
from ..core.db import db
from ..core.errors import CONFLICT, DomainError
from ..core.permissions import JURISDICTIONAL_ROLES, Role
from .models import Classroom, MineEnterprise, Organisation, Region, TrainingCenter


class OrganisationError(DomainError):
    """Refused by a rule of organisations (credit code, region)."""


def normalise_credit_code(raw: str) -> str:
    """统一社会信用代码, checked with python-stdnum."""
    try:
        return uscc.validate(raw)
    except ValidationError as exc:
        raise OrganisationError(_l("Not a valid unified social credit code.")) from exc


def in_regions(paths: list[str]):
    return or_(*[or_(Region.path == p, Region.path.startswith(p + "/")) for p in paths])


def visible_organisations(user) -> Select:
    """Organisations whose page the user may see: the same rule as ``Organisation.can_view``."""
    query = select(Organisation).join(Region)
    if user.has_role(Role.ADMIN):
        return query
    granting = permissions.roles_with("organisation.view")
    own = [
        a.organisation_id for a in user.assignments if a.role in granting and a.organisation_id is not None
    ]
    paths = [
        a.organisation.region.path
        for a in user.assignments
        if a.role in JURISDICTIONAL_ROLES and a.organisation is not None
    ]
    conditions = [Organisation.id.in_(own)] if own else []
    if paths:
        conditions.append(in_regions(paths))
    return query.where(or_(*conditions)) if conditions else query.where(False)


def add_classroom(center: TrainingCenter, name: str, seats: int, *, actor, camera_ref: str = "") -> Classroom:
    if seats <= 0:
        raise OrganisationError(_l("A classroom needs at least one seat."))
    if any(c.name == name for c in center.classrooms):
        raise OrganisationError(
            _l("The center already has a classroom of this name."), status=CONFLICT, field="name"
        )
    room = Classroom(center=center, name=name, seats=seats, camera_ref=camera_ref)
    db.session.add(room)
    db.session.flush()
    audit.record(
        "classroom.create",
        room,
        actor=actor,
        organisation=center,
        after={"name": name, "seats": seats, "camera_ref": camera_ref},
    )
    return room


def mines_of(user) -> list[MineEnterprise]:
    """The mines in the user's jurisdiction (a mine officer: their own mine)."""
    visible = visible_organisations(user).with_only_columns(Organisation.id)
    return list(
        db.session.scalars(
            select(MineEnterprise).where(MineEnterprise.id.in_(visible)).order_by(MineEnterprise.name)
        )
    )
