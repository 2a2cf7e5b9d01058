"""The 五科: the editable list of a mine's technical departments, and who heads each of them
(a safety-management post held at the mine in that department)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from ..core import audit
from ..core.db import db, locked
from ..core.errors import CONFLICT, DomainError
from ..organisations.models import MineEnterprise
from .models import Department, Person, PersonPost, Post

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,39}")
# The post a department head holds: heads of a mine's departments are 安全生产管理人员.
HEAD_POST = Post.SAFETY_MANAGER


class DepartmentError(DomainError):
    """Refused by a rule of the 五科."""


def departments(*, with_retired: bool = False) -> list[Department]:
    query = select(Department).order_by(Department.position, Department.id)
    if not with_retired:
        query = query.where(Department.retired.is_(False))
    return list(db.session.scalars(query))


def _fields(name: str, name_en: str) -> tuple[str, str]:
    name, name_en = name.strip(), name_en.strip()
    if not name:
        raise DepartmentError(_l("Give the department a name."), field="name")
    return name[:60], name_en[:120]


def add_department(key: str, name: str, name_en: str, position: int, *, actor) -> Department:
    key = key.strip()
    if not KEY_PATTERN.fullmatch(key):
        raise DepartmentError(
            _l("The code is 2 to 40 lower-case letters, digits or underscores, starting with a letter."),
            field="key",
        )
    name, name_en = _fields(name, name_en)
    if db.session.scalar(select(Department.id).where(Department.key == key)) is not None:
        raise DepartmentError(_l("A department with this code exists already."), field="key", status=CONFLICT)
    row = Department(key=key, name=name, name_en=name_en, position=position, retired=False)
    db.session.add(row)
    db.session.flush()
    audit.record("department.add", row, actor=actor, after=row.as_audit())
    return row


def edit_department(row: Department, name: str, name_en: str, position: int, retired: bool, *, actor) -> None:
    row = locked(Department, row.id)
    name, name_en = _fields(name, name_en)
    before = row.as_audit()
    row.name, row.name_en, row.position, row.retired = name, name_en, position, retired
    if row.as_audit() == before:
        return
    db.session.flush()
    audit.record("department.edit", row, actor=actor, before=before, after=row.as_audit())


def appoint_head(
    mine: MineEnterprise, department: Department, person: Person, started_on: date, *, actor
) -> PersonPost:
    """``person`` heads ``department`` of ``mine`` from ``started_on``; the head before, if any,
    leaves the post the day before."""
    if department.retired:
        raise DepartmentError(_l("This department is no longer asked for."), field="department_id")
    if person.employer_id != mine.id:
        raise DepartmentError(_l("The head of a department is employed by the mine."), field="id_number")
    current = db.session.scalars(
        select(PersonPost).where(
            PersonPost.organisation_id == mine.id,
            PersonPost.department_id == department.id,
            or_(PersonPost.ended_on.is_(None), PersonPost.ended_on >= started_on),
        )
    ).all()
    if any(p.person_id == person.id and p.started_on <= started_on for p in current):
        raise DepartmentError(_l("This person heads the department already."), status=CONFLICT)
    if any(p.started_on >= started_on for p in current):
        raise DepartmentError(
            _l("A later appointment to this department is on record."), field="started_on", status=CONFLICT
        )
    for previous in current:
        previous.ended_on = date.fromordinal(started_on.toordinal() - 1)
    post = PersonPost(
        person=person, post=HEAD_POST, organisation=mine, department=department, started_on=started_on
    )
    db.session.add(post)
    db.session.flush()
    audit.record(
        "department.appoint",
        person,
        actor=actor,
        organisation=mine,
        before={"heads": [p.person_id for p in current]},
        after=post.as_json(),
    )
    return post


@dataclass
class DepartmentHead:
    department: Department
    holder: Person | None
    since: date | None = None


def heads(mine_ids: Select | list[int], on: date) -> dict[int, list[DepartmentHead]]:
    """Each mine's 五科 in force with their heads on ``on``: one query whatever the number of
    mines (with the list of departments)."""
    listed = departments()
    rows = db.session.execute(
        select(PersonPost.organisation_id, PersonPost.department_id, PersonPost.started_on, Person)
        .join(Person, Person.id == PersonPost.person_id)
        .where(
            PersonPost.organisation_id.in_(mine_ids),
            PersonPost.department_id.is_not(None),
            PersonPost.started_on <= on,
            or_(PersonPost.ended_on.is_(None), PersonPost.ended_on >= on),
        )
        .order_by(PersonPost.started_on)
    ).all()
    found: dict[tuple[int, int], tuple[Person, date]] = {}
    for mine_id, department_id, started_on, person in rows:
        found[(mine_id, department_id)] = (person, started_on)  # the latest appointment wins
    ids = {mine_id for mine_id, *_ in rows}
    return {
        mine_id: [DepartmentHead(d, *found.get((mine_id, d.id), (None, None))) for d in listed]
        for mine_id in ids
    } | {VACANT: [DepartmentHead(d, None) for d in listed]}


VACANT = 0  # the key of the rows of a mine with no head at all


def of_mine(table: dict[int, list[DepartmentHead]], mine_id: int) -> list[DepartmentHead]:
    return table.get(mine_id, table[VACANT])


def heads_of(mine: MineEnterprise, on: date) -> list[DepartmentHead]:
    return of_mine(heads([mine.id], on), mine.id)
