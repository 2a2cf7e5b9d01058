"""The roster: enrolling one person, and importing a class's roster from Excel."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...core import audit
from ...core.db import db
from ...core.errors import CONFLICT
from ...core.xlsx import WorkbookError, sheet_rows
from ...organisations.models import Organisation
from ...people import categories, idcard
from ...people import operations as people_ops
from ...people.models import OperationType, Person, Post
from ..models import (
    Course,
    Enrolment,
    TrainingClass,
)
from ._base import ROSTER_MAX_ROWS, TrainingError


def _check_post(course: Course, post: Post | None, operation_type: OperationType | None) -> None:
    if post is not None:
        try:
            categories.operation_type(categories.of_post(post), operation_type)
        except categories.UnknownCategory as exc:
            raise TrainingError(str(exc)) from None
    if post is not None and not course.counts_for(post.personnel_category, operation_type):
        raise TrainingError(
            _l(
                "The course does not count for the post %(p)s.",
                p=operation_type.label if operation_type else post.label,
            )
        )


def works_at(person: Person, mine_id: int) -> bool:
    """Whether the mine employs the person or the person holds a current post there."""
    return person.employer_id == mine_id or any(p.organisation_id == mine_id for p in person.current_posts)


def _check_own_people(course: Course, person: Person | None) -> None:
    """A mine trains its own people: its employees and the holders of its posts. A regulator
    unit's course is for officials (监管干部) of the units its jurisdiction covers."""
    if course.run_by_regulator and (
        person is None
        or not any(
            p.post is Post.REGULATOR_OFFICIAL
            and p.organisation is not None
            and course.center.region.contains(p.organisation.region)
            for p in person.current_posts
        )
    ):
        raise TrainingError(
            _l(
                "%(name)s is no regulator official of %(unit)s or a unit under it.",
                name=person.name if person else "—",
                unit=course.center.name,
            )
        )
    if course.run_by_mine and (person is None or not works_at(person, course.center_id)):
        raise TrainingError(
            _l(
                "%(name)s does not work at %(mine)s; a mine trains its own people.",
                name=person.name if person else "—",
                mine=course.center.name,
            )
        )


def enrol(
    training_class: TrainingClass,
    person: Person,
    *,
    actor,
    post: Post | None = None,
    operation_type: OperationType | None = None,
) -> Enrolment:
    _check_post(training_class.course, post, operation_type)
    _check_own_people(training_class.course, person)
    if any(e.person_id == person.id for e in training_class.enrolments):
        raise TrainingError(_l("%(name)s is already on the roster.", name=person.name), status=CONFLICT)
    if (
        training_class.classroom is not None
        and len(training_class.enrolments) >= training_class.classroom.seats
    ):
        raise TrainingError(
            _l("The classroom has %(n)d seats and the roster is full.", n=training_class.classroom.seats),
            status=CONFLICT,
        )
    enrolment = Enrolment(
        training_class=training_class,
        person=person,
        post=post,
        operation_type=operation_type,
        enrolled_by_id=actor.id,
    )
    db.session.add(enrolment)
    db.session.flush()
    audit.record(
        "class.enrol",
        enrolment,
        actor=actor,
        organisation=training_class.center,
        after={
            "class_id": training_class.id,
            "person_id": person.id,
            "post": post,
            "operation_type": operation_type,
        },
    )
    return enrolment


ROSTER_COLUMNS = ("姓名", "身份证号", "单位", "岗位")


@dataclass
class RosterRow:
    number: int
    name: str
    id_number: str
    unit: Organisation | None
    post: Post
    operation_type: OperationType | None
    person: Person | None


@dataclass
class RosterResult:
    enrolled: int = 0
    created: int = 0
    unchanged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (row, reason)

    def as_json(self) -> dict:
        return {
            "enrolled": self.enrolled,
            "created": self.created,
            "unchanged": self.unchanged,
            "errors": [{"item": item, "reason": reason} for item, reason in self.errors],
        }


def _norm(text: str) -> str:
    return categories.normalise_word(text)


def post_words() -> dict[str, tuple[Post, OperationType | None]]:
    """What a roster's 岗位 cell may say (the registry's words; see ``categories.post_words``)."""
    return categories.post_words()


def _roster_rows(data: bytes) -> tuple[list[RosterRow], list[tuple[str, str]]]:
    try:
        rows = sheet_rows(data, ROSTER_MAX_ROWS + 10)
    except WorkbookError as exc:
        return [], [("file", str(exc.issue.reason))]
    header_at, columns = None, {}
    for index, row in enumerate(rows[:10]):
        found = {_norm(v): i for i, v in reversed(list(enumerate(row)))}
        if _norm("身份证号") in found:
            header_at, columns = index, {c: found.get(_norm(c)) for c in ROSTER_COLUMNS}
            break
    missing = [c for c, i in columns.items() if i is None] if header_at is not None else list(ROSTER_COLUMNS)
    if missing:
        return [], [("header", str(_l("The header row lacks the columns: %(c)s.", c="、".join(missing))))]
    words = post_words()
    units: dict[str, Organisation] = {}
    errors: list[tuple[str, str]] = []
    parsed: list[RosterRow] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        cells = {c: (row[i].strip() if i < len(row) else "") for c, i in columns.items()}
        if not any(cells.values()):
            continue
        item = f"row {number}"
        if not cells["姓名"]:
            errors.append((item, str(_l("The 姓名 cell is empty."))))
            continue
        try:
            number_ok = idcard.parse(cells["身份证号"]).number
        except idcard.IdNumberError as exc:
            errors.append(
                (item, str(_l("身份证号 %(n)s: %(why)s", n=cells["身份证号"] or "—", why=exc.reason)))
            )
            continue
        if number_ok in seen:
            errors.append((item, str(_l("The same 身份证号 is on row %(r)d too.", r=seen[number_ok]))))
            continue
        seen[number_ok] = number
        post = words.get(_norm(cells["岗位"]))
        if post is None:
            errors.append((item, str(_l("Unknown 岗位 %(p)s.", p=cells["岗位"] or "—"))))
            continue
        unit = None
        if cells["单位"]:
            key = _norm(cells["单位"])
            if key not in units:
                units[key] = next(
                    (
                        o
                        for o in db.session.scalars(
                            select(Organisation).where(
                                Organisation.name == unicodedata.normalize("NFKC", cells["单位"]).strip()
                            )
                        )
                    ),
                    None,
                )
            unit = units[key]
            if unit is None:
                errors.append((item, str(_l("No organisation named %(u)s.", u=cells["单位"]))))
                continue
        person = people_ops.find_by_id_number(number_ok)
        if person is not None and _norm(person.name) != _norm(cells["姓名"]):
            errors.append(
                (
                    item,
                    str(
                        _l(
                            "The record of %(n)s holds the name %(have)s, not %(given)s.",
                            n=idcard.mask(number_ok),
                            have=person.name,
                            given=cells["姓名"],
                        )
                    ),
                )
            )
            continue
        parsed.append(RosterRow(number, cells["姓名"], number_ok, unit, post[0], post[1], person))
    if not parsed and not errors:
        errors.append(("file", str(_l("The roster has no trainees."))))
    return parsed, errors


def import_roster(training_class: TrainingClass, data: bytes, *, actor) -> RosterResult:
    """Enrol everyone on an Excel roster (姓名, 身份证号, 单位, 岗位), or no one: any bad row is
    reported with its number and nothing is written. People new to the platform get a record."""
    rows, errors = _roster_rows(data)
    result = RosterResult(errors=errors)
    enrolled_ids = {e.person_id for e in training_class.enrolments}
    for row in rows:
        try:
            _check_post(training_class.course, row.post, row.operation_type)
            if training_class.course.run_by_mine and row.person is None:
                # A new record would be the mine's only if the row names it as the unit.
                if row.unit is None or row.unit.id != training_class.course.center_id:
                    _check_own_people(training_class.course, None)
            else:
                _check_own_people(training_class.course, row.person)
        except TrainingError as exc:
            result.errors.append((f"row {row.number}", str(exc)))
    new_rows = [r for r in rows if r.person is None or r.person.id not in enrolled_ids]
    seats = training_class.classroom.seats if training_class.classroom is not None else None
    if not result.errors and seats is not None and len(enrolled_ids) + len(new_rows) > seats:
        result.errors.append(
            (
                "file",
                str(
                    _l(
                        "The classroom has %(n)d seats; the roster would have %(m)d.",
                        n=seats,
                        m=len(enrolled_ids) + len(new_rows),
                    )
                ),
            )
        )
    if result.errors:
        return result
    result.unchanged = len(rows) - len(new_rows)
    for row in new_rows:
        person = row.person
        if person is None:
            person = people_ops.create_person(row.id_number, row.name, actor=actor, employer=row.unit)
            result.created += 1
        enrol(training_class, person, actor=actor, post=row.post, operation_type=row.operation_type)
        result.enrolled += 1
    return result
