"""Roles and the one registry of named permissions.

A permission names an action (``classroom.upload_video``) and the roles that
may take it. Whether a given user may take it on a given object is asked of
the object (``classroom.can_upload_video(user)``), which passes the
organisation the object belongs to; the account model decides whether one of
the user's role assignments covers that organisation (its own organisation,
or a regulator's jurisdiction).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from flask_babel import lazy_gettext as _l


class Role(enum.StrEnum):
    TRAINEE = "trainee"
    CENTER_STAFF = "center_staff"
    REVIEWER = "reviewer"
    PROCTOR = "proctor"
    REGULATOR = "regulator"
    MINE_OFFICER = "mine_officer"
    # A supervising body (国家矿山安全监察局's provincial bureau): reads what a regulator of its
    # region reads, decides nothing.
    INSPECTORATE = "inspectorate"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])

    @property
    def needs_organisation(self) -> bool:
        return self not in (Role.TRAINEE, Role.ADMIN)


ROLE_LABELS = {
    Role.TRAINEE: _l("Trainee"),
    Role.CENTER_STAFF: _l("Training center staff"),
    Role.REVIEWER: _l("Reviewer"),
    Role.PROCTOR: _l("Proctor / examiner"),
    Role.REGULATOR: _l("Regulator"),
    Role.MINE_OFFICER: _l("Mine safety officer"),
    Role.INSPECTORATE: _l("Mine safety inspectorate (read only)"),
    Role.ADMIN: _l("Administrator"),
}

# Which organisation kind each role acts for; a role assignment elsewhere is refused.
ROLE_ORGANISATION_KIND = {
    Role.CENTER_STAFF: "training_center",
    Role.REVIEWER: "regulator",
    Role.PROCTOR: "regulator",
    Role.REGULATOR: "regulator",
    Role.MINE_OFFICER: "mine",
    Role.INSPECTORATE: "regulator",
}

# Roles whose assignment covers every organisation in the unit's region and below.
JURISDICTIONAL_ROLES = frozenset({Role.REGULATOR, Role.INSPECTORATE})


class Asker(Protocol):
    """Who asks an object whether they may act on it: a logged-in account
    (``accounts.models.User``). Models type their ``can_*`` methods with this, not with the
    account model, so that the models of organisations and people need not import accounts."""

    id: int
    person_id: int | None

    def holds(self, permission: str) -> bool: ...

    def can(self, permission: str, organisation) -> bool: ...

    def organisations(self, role: Role | None = None) -> list: ...


@dataclass(frozen=True)
class Permission:
    name: str
    description: object  # a lazy string
    roles: frozenset[Role]


PERMISSIONS: dict[str, Permission] = {}


def register(name: str, description, *roles: Role) -> Permission:
    if name in PERMISSIONS:
        raise ValueError(f"permission {name!r} registered twice")
    perm = Permission(name, description, frozenset(roles) | {Role.ADMIN})
    PERMISSIONS[name] = perm
    return perm


def get(name: str) -> Permission:
    try:
        return PERMISSIONS[name]
    except KeyError:
        raise LookupError(f"unknown permission {name!r}") from None


def roles_with(name: str) -> frozenset[Role]:
    return get(name).roles


register(
    "person.view_record",
    _l("See a person's record (一人一档)"),
    Role.REGULATOR,
    Role.MINE_OFFICER,
    Role.CENTER_STAFF,
    Role.INSPECTORATE,
)
register("person.read_api", _l("Look up records through the API"), Role.REGULATOR, Role.INSPECTORATE)
register("person.edit", _l("Create and edit people"), Role.MINE_OFFICER)
register(
    "organisation.view",
    _l("See an organisation's page"),
    Role.CENTER_STAFF,
    Role.REVIEWER,
    Role.PROCTOR,
    Role.REGULATOR,
    Role.MINE_OFFICER,
    Role.INSPECTORATE,
)
register("classroom.manage", _l("Manage classrooms"), Role.CENTER_STAFF)
register("classroom.upload_video", _l("Upload classroom video"), Role.CENTER_STAFF)
register("application.review", _l("Review exam applications (双审核)"), Role.REVIEWER)
register("exam.proctor", _l("Proctor exam sessions (双监考)"), Role.PROCTOR)
register("audit.view", _l("Read the audit trail"))
register("user.manage", _l("Manage accounts and roles"))
register("policy.edit", _l("Edit the policy table"))
register("exam.schedule", _l("Schedule exam sessions and seat candidates"), Role.REVIEWER)
register(
    "exam.apply_for",
    _l("Apply for exams on a trainee's or employee's behalf"),
    Role.CENTER_STAFF,
    Role.MINE_OFFICER,
)
register("exam.results", _l("See every exam result in the jurisdiction"), Role.REGULATOR, Role.INSPECTORATE)
# A mine officer runs the training its mine gives its own team leaders and front-line workers.
register(
    "training.manage",
    _l("Run courses, classes, rosters and attendance"),
    Role.CENTER_STAFF,
    Role.MINE_OFFICER,
)
register(
    "training.oversee", _l("See training centers' classes and attendance"), Role.REGULATOR, Role.INSPECTORATE
)
register(
    "training.assess",
    _l("Assess the mine's own team leaders and front-line workers (written test and 岗位实操)"),
    Role.MINE_OFFICER,
)
register("training.mark_special", _l("Mark the year's special training of managers"), Role.REGULATOR)
# 监管干部's own training: a regulator unit organises courses for its officials (and those of the
# units below it); the unit's regulators, and those of the units above, oversee its officials' hours.
register(
    "staff_training.organise",
    _l("Organise courses for regulator officials (专题培训班, 应急大讲堂, 第一课)"),
    Role.REGULATOR,
)
register(
    "staff_training.oversee",
    _l("See the training record of the unit's regulator officials and who is short of hours"),
    Role.REGULATOR,
)
# 警示教育: regulators forward accident bulletins to the mines of their jurisdiction, whose
# officers acknowledge them; mines record their warning-education days, regulators follow them.
register("warning.send_bulletin", _l("Forward accident bulletins (事故警示通报) to mines"), Role.REGULATOR)
register(
    "warning.receive_bulletin",
    _l("Read and acknowledge accident bulletins for one's mine"),
    Role.MINE_OFFICER,
)
register("warning.record_day", _l("Record the mine's warning-education days (警示教育日)"), Role.MINE_OFFICER)
register("warning.oversee", _l("See mines' warning-education days"), Role.REGULATOR, Role.INSPECTORATE)
register("training.record_accident", _l("Record fatal accidents (re-training duty)"), Role.REGULATOR)
register(
    "learning.add_film",
    _l("Add warning-education films and accident cases to the library"),
    Role.REGULATOR,
    Role.CENTER_STAFF,
)
register(
    "learning.assign_film",
    _l("Assign warning-education films to a mine's staff"),
    Role.REGULATOR,
    Role.MINE_OFFICER,
)
register("certificate.revoke", _l("Suspend, reinstate and revoke certificates"), Role.REGULATOR)
register(
    "certificate.search", _l("Search certificates in the jurisdiction"), Role.REGULATOR, Role.INSPECTORATE
)
register("certificate.record_violation", _l("Record violations of certificate holders"), Role.REGULATOR)
register("inspection.conduct", _l("Inspect mines and run spot tests (逢查必考)"), Role.REGULATOR)
register("order.respond", _l("Answer reassignment orders for one's mine"), Role.MINE_OFFICER)
register("dashboard.view", _l("See the jurisdiction's dashboards"), Role.REGULATOR, Role.INSPECTORATE)
register(
    "compliance.view", _l("See 五职矿长 compliance"), Role.REGULATOR, Role.MINE_OFFICER, Role.INSPECTORATE
)


def granted_in_region(user, name: str, region) -> bool:
    """Whether ``user`` may take ``name`` over something that lies in ``region`` but belongs
    to no organisation there (an exam sitting at a site): an administrator, or a jurisdictional
    role whose unit's region contains ``region``."""
    granting = roles_with(name)
    for assignment in user.assignments:
        if assignment.role not in granting:
            continue
        if assignment.role is Role.ADMIN:
            return True
        if (
            assignment.role in JURISDICTIONAL_ROLES
            and assignment.organisation is not None
            and assignment.organisation.region.contains(region)
        ):
            return True
    return False


def is_reviewer(user) -> bool:
    """A reviewer of one of the two units of 双审核 (or an administrator): both units review
    every application, so this is a question of the user, not of one application."""
    return any(
        a.role is Role.ADMIN
        or (a.role is Role.REVIEWER and getattr(a.organisation, "review_unit", None) is not None)
        for a in user.assignments
    )
