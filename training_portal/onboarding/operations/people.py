"""People by 身份证号, with the post each row names (through the category registry)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...core import audit
from ...core.db import db
from ...organisations.models import Organisation
from ...people import categories, idcard
from ...people import operations as people_ops
from ...people.education import Education
from ...people.models import OperationType, Person, Post
from .. import sheets
from ..models import ImportKind
from ..sheets import RowError
from ._base import PEOPLE_COLUMNS, ImportResult, _duplicate, _finish, _word

_EDUCATION_WORDS = {
    Education.JUNIOR_MIDDLE: ("初中", "初中及以下", "初级中学"),
    Education.SENIOR_HIGH: ("高中", "普通高中", "职高", "技校"),
    Education.SECONDARY_VOCATIONAL: ("中专", "中等专业学校", "中职"),
    Education.COLLEGE: ("大专", "专科", "高职", "大学专科"),
    Education.BACHELOR: ("本科", "大学本科", "学士"),
    Education.MASTER: ("硕士", "研究生", "硕士研究生"),
    Education.DOCTOR: ("博士", "博士研究生"),
}


@dataclass
class _PersonRow:
    number: int
    id_number: str
    name: str
    phone: str
    education: Education | None
    work_started_on: date | None
    post: Post | None
    operation_type: OperationType | None
    employer: Organisation | None
    started_on: date | None


def _category_words() -> dict[str, str]:
    words: dict[str, str] = {}
    for locale in ("zh_Hans_CN", "en"):
        with force_locale(locale):
            for kind in categories.REGISTRY.values():
                words.setdefault(categories.normalise_word(str(kind.label)), kind.code)
    for kind in categories.REGISTRY.values():
        words.update({categories.normalise_word(w): kind.code for w in (*kind.aliases, kind.code)})
    return words


def _resolve_post(
    cells: dict, number: int, errors: list[RowError], post_words: dict, category_words: dict
) -> tuple[Post | None, OperationType | None]:
    """岗位, 人员类别 and 作业类别 together: the post named by 岗位 (or, for a category with
    operation types, by 作业类别), which must belong to the category named, if one is."""
    post_cell, category_cell, operation_cell = cells["岗位"], cells["人员类别"], cells["作业类别"]
    if not (post_cell or category_cell or operation_cell):
        return None, None
    category = None
    if category_cell:
        code = category_words.get(categories.normalise_word(category_cell))
        if code is None:
            errors.append(RowError(number, _l("Unknown %(what)s: %(v)s.", what="人员类别", v=category_cell)))
            return None, None
        category = categories.get(code)
    post, operation = None, None
    if post_cell:
        found = post_words.get(categories.normalise_word(post_cell))
        if found is None and category_words.get(categories.normalise_word(post_cell)):
            # A category with operation types named as the post: the 作业类别 says which.
            category = category or categories.get(category_words[categories.normalise_word(post_cell)])
        elif found is None:
            errors.append(RowError(number, _l("Unknown %(what)s: %(v)s.", what="岗位", v=post_cell)))
            return None, None
        else:
            post, operation = found
    if operation_cell:
        found = post_words.get(categories.normalise_word(operation_cell))
        if found is None or found[1] is None:
            errors.append(RowError(number, _l("Unknown %(what)s: %(v)s.", what="作业类别", v=operation_cell)))
            return None, None
        if operation is not None and operation is not found[1]:
            errors.append(
                RowError(
                    number,
                    _l(
                        "岗位 and 作业类别 name different operations: %(a)s, %(b)s.",
                        a=operation.label,
                        b=found[1].label,
                    ),
                )
            )
            return None, None
        post, operation = post or found[0], found[1]
    if post is None and category is not None and not category.operation_types:
        post = Post(category.own_post().code)
    if post is None:
        errors.append(
            RowError(
                number,
                _l("%(c)s needs one of its operation types.", c=category.label if category else "岗位"),
            )
        )
        return None, None
    if category is not None and categories.of_post(post) is not category:
        errors.append(
            RowError(number, _l("岗位 %(p)s is not of the category %(c)s.", p=post.label, c=category.label))
        )
        return None, None
    try:
        categories.operation_type(categories.of_post(post), operation.value if operation else None)
    except categories.UnknownCategory as exc:
        errors.append(RowError(number, str(exc)))
        return None, None
    return post, operation


def import_people(data: bytes, *, actor, filename: str = "") -> ImportResult:
    result = ImportResult(ImportKind.PEOPLE)
    sheet = sheets.read(data, PEOPLE_COLUMNS)
    if sheet.errors:
        result.errors = sheet.errors
        return result
    errors = result.errors
    post_words = categories.post_words()
    category_words = _category_words()
    education_words = sheets.words_of(Education, _EDUCATION_WORDS)
    employers = {o.credit_code: o for o in db.session.scalars(select(Organisation))}
    seen: dict[str, int] = {}
    rows: list[_PersonRow] = []
    for number, cells in sheet.rows:
        bad = len(errors)
        if not cells["姓名"]:
            errors.append(RowError(number, _l("The %(c)s cell is empty.", c="姓名")))
        id_number = ""
        try:
            id_number = idcard.parse(sheets.compact(cells["身份证号"])).number
        except idcard.IdNumberError as exc:
            errors.append(
                RowError(
                    number,
                    _l("%(c)s %(v)s: %(why)s", c="身份证号", v=cells["身份证号"] or "—", why=exc.reason),
                )
            )
        else:
            if dup := _duplicate(seen, id_number, number, _l("身份证号 %(n)s", n=idcard.mask(id_number))):
                errors.append(dup)
        phone = sheets.compact(cells["手机号"])
        if phone and not re.fullmatch(r"\+?[\d-]{5,20}", phone):
            errors.append(RowError(number, _l("手机号 %(p)s is not a phone number.", p=cells["手机号"])))
        education = _word(education_words, cells["学历"], "学历", number, errors)
        dates = {}
        for column in ("参加工作日期", "任职日期"):
            dates[column] = None
            if cells[column]:
                try:
                    dates[column] = sheets.parse_date(cells[column])
                except ValueError:
                    errors.append(
                        RowError(
                            number,
                            _l("%(c)s %(v)s is not a date (e.g. 2020-03-01).", c=column, v=cells[column]),
                        )
                    )
        post, operation = _resolve_post(cells, number, errors, post_words, category_words)
        employer = None
        if cells["单位统一社会信用代码"]:
            employer = employers.get(sheets.compact(cells["单位统一社会信用代码"]))
            if employer is None:
                errors.append(
                    RowError(
                        number,
                        _l(
                            "No organisation with the credit code %(c)s; import it first.",
                            c=cells["单位统一社会信用代码"],
                        ),
                    )
                )
        if post is not None and dates["任职日期"] is None and len(errors) == bad:
            errors.append(RowError(number, _l("A post needs its 任职日期.")))
        if len(errors) == bad:
            rows.append(
                _PersonRow(
                    number,
                    id_number,
                    cells["姓名"],
                    phone,
                    education,
                    dates["参加工作日期"],
                    post,
                    operation,
                    employer,
                    dates["任职日期"],
                )
            )
    errors.sort(key=lambda e: e.row or 0)
    if errors:
        return result
    people = {
        p.id_number: p
        for p in db.session.scalars(select(Person).where(Person.id_number.in_([r.id_number for r in rows])))
    }
    ids: list[int] = []
    for row in rows:
        person = people.get(row.id_number)
        changed = False
        if person is None:
            person = people_ops.create_person(
                row.id_number,
                row.name,
                actor=actor,
                employer=row.employer,
                education=row.education,
                work_started_on=row.work_started_on,
                phone=row.phone,
            )
            result.created += 1
        else:
            changes = {"name": row.name}
            for attr in ("employer", "education", "work_started_on", "phone"):
                value = getattr(row, attr)
                if value:  # an empty cell keeps what the record holds
                    changes[attr] = value
            if "employer" in changes:
                changes["employer_id"] = changes.pop("employer").id
            changed = any(getattr(person, k) != v for k, v in changes.items())
            if changed:
                people_ops.update_person(person, actor=actor, **changes)
        if row.post is not None:
            changed = _set_post(person, row, actor=actor) or changed
        if row.id_number in people and changed:
            result.updated += 1
        ids.append(person.id)
    _finish(result, actor=actor, filename=filename, person_ids=ids)
    return result


def _set_post(person: Person, row: _PersonRow, *, actor) -> bool:
    """The post added, or the one held already (same post and operation, not ended) updated:
    its organisation and start date. Whether anything changed."""
    held = next(
        (
            p
            for p in person.posts
            if p.post is row.post and p.operation_type is row.operation_type and p.ended_on is None
        ),
        None,
    )
    if held is None:
        people_ops.add_post(
            person,
            row.post,
            actor=actor,
            started_on=row.started_on,
            organisation=row.employer,
            operation_type=row.operation_type,
        )
        return True
    organisation = row.employer or held.organisation
    if held.started_on == row.started_on and held.organisation is organisation:
        return False
    before = held.as_json()
    held.started_on, held.organisation = row.started_on, organisation
    db.session.flush()
    audit.record("person.post_update", person, actor=actor, before=before, after=held.as_json())
    return True
