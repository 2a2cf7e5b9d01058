"""Importing a province from its files: administrative divisions, organisations, people with
their posts. Every row is checked before anything is written; one bad row and nothing is (each
bad row is reported, by its number). A row whose key is on record already updates it: a region
by its code, an organisation by its 统一社会信用代码, a person by 身份证号, a post by its holder
and what it is."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core import audit
from ..core.db import db
from ..core.errors import DomainError
from ..core.xlsx import simple_table
from ..organisations.models import (
    MineEnterprise,
    MineKind,
    MineSize,
    MiningMethod,
    Organisation,
    OrganisationKind,
    ProductionStatus,
    Region,
    RegionLevel,
    RegulatorUnit,
    ReviewUnit,
    TrainingCenter,
)
from ..organisations.operations import OrganisationError, normalise_credit_code
from ..people import categories, idcard
from ..people import operations as people_ops
from ..people.education import Education
from ..people.models import OperationType, Person, Post
from . import sheets
from .models import ImportKind, ImportRun
from .sheets import RowError


class OnboardingError(DomainError):
    """Refused by a rule of onboarding (a file, a code)."""


REGION_COLUMNS = ("行政区划代码", "名称", "上级代码", "级别")
ORGANISATION_COLUMNS = (
    "类型",
    "名称",
    "统一社会信用代码",
    "行政区划代码",
    "地址",
    "矿山类别",
    "开采方式",
    "规模",
    "生产状态",
    "审核单位",
)
PEOPLE_COLUMNS = (
    "姓名",
    "身份证号",
    "手机号",
    "学历",
    "参加工作日期",
    "岗位",
    "人员类别",
    "作业类别",
    "单位统一社会信用代码",
    "任职日期",
)
COLUMNS = {
    ImportKind.REGIONS: REGION_COLUMNS,
    ImportKind.ORGANISATIONS: ORGANISATION_COLUMNS,
    ImportKind.PEOPLE: PEOPLE_COLUMNS,
}
EXAMPLES = {
    # Real GB/T 2260 codes: importing the example untouched only writes what is true.
    ImportKind.REGIONS: [("220000", "吉林省", "", "省"), ("220100", "长春市", "220000", "")],
    ImportKind.ORGANISATIONS: [
        (
            "矿山企业",
            "示例矿业有限公司",
            "91990100MA0000000X（填写真实代码）",
            "990100",
            "示例市示例路1号",
            "金属非金属矿山",
            "地下开采",
            "中型",
            "正常生产",
            "",
        )
    ],
    ImportKind.PEOPLE: [
        (
            "张三",
            "110101199003070011（填写真实号码）",
            "13800000000",
            "高中",
            "2015-03-01",
            "特种作业人员",
            "特种作业人员",
            "尾矿作业",
            "91990100MA0000000X（填写真实代码）",
            "2020-01-01",
        )
    ],
}
TEMPLATE_TITLES = {
    ImportKind.REGIONS: "行政区划",
    ImportKind.ORGANISATIONS: "单位",
    ImportKind.PEOPLE: "人员",
}


def template(kind: ImportKind) -> bytes:
    """The workbook a clerk fills: the headers the importer accepts, and one example row (its
    codes marked as placeholders, so an untouched example is refused, not imported)."""
    return simple_table(TEMPLATE_TITLES[kind], COLUMNS[kind], EXAMPLES[kind])


@dataclass
class ImportResult:
    kind: ImportKind
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    run: ImportRun | None = None

    def as_json(self) -> dict:
        if self.errors:
            return {"errors": [e.as_json() for e in self.errors]}
        return {"created": self.created, "updated": self.updated}


def _duplicate(seen: dict[str, int], key: str, number: int, what: object) -> RowError | None:
    if key in seen:
        return RowError(number, _l("%(what)s is on rows %(a)d and %(b)d.", what=what, a=seen[key], b=number))
    seen[key] = number
    return None


def _word(words: dict, text: str, label: object, number: int, errors: list[RowError]):
    """The member a cell names, None for an empty cell; an unknown word is a row error."""
    if not text:
        return None
    found = words.get(categories.normalise_word(text))
    if found is None:
        errors.append(RowError(number, _l("Unknown %(what)s: %(v)s.", what=label, v=text)))
    return found


def _finish(result: ImportResult, *, actor, filename: str, person_ids: list[int] | None = None) -> None:
    run = ImportRun(
        kind=result.kind,
        filename=filename[:200],
        created=result.created,
        updated=result.updated,
        person_ids=person_ids or [],
        imported_by_id=getattr(actor, "id", None),
    )
    db.session.add(run)
    db.session.flush()
    audit.record(
        "onboarding.import",
        run,
        actor=actor,
        after={
            "kind": result.kind.value,
            "file": run.filename,
            "created": run.created,
            "updated": run.updated,
        },
    )
    result.run = run


# ----------------------------------------------------------------------------- regions

_REGION_LEVEL_WORDS = {
    RegionLevel.PROVINCE: ("省", "省级", "自治区", "直辖市"),
    RegionLevel.CITY: ("市", "地级", "地级市", "市级", "州", "自治州", "地区", "盟"),
    RegionLevel.COUNTY: ("县", "县级", "区", "县级市", "自治县", "旗", "县区"),
}


@dataclass
class _RegionRow:
    number: int
    code: str
    name: str
    parent_code: str
    level: RegionLevel | None


def _region_rows(sheet: sheets.Sheet) -> tuple[list[_RegionRow], list[RowError]]:
    errors: list[RowError] = []
    rows: list[_RegionRow] = []
    seen: dict[str, int] = {}
    level_words = sheets.words_of(RegionLevel, _REGION_LEVEL_WORDS)
    for number, cells in sheet.rows:
        bad = len(errors)
        code, parent = sheets.compact(cells["行政区划代码"]), sheets.compact(cells["上级代码"])
        if not re.fullmatch(r"[1-9]\d{5}", code):
            errors.append(
                RowError(number, _l("行政区划代码 %(c)s is not a six-digit code (GB/T 2260).", c=code or "—"))
            )
        elif dup := _duplicate(seen, code, number, _l("行政区划代码 %(c)s", c=code)):
            errors.append(dup)
        if parent and not re.fullmatch(r"[1-9]\d{5}", parent):
            errors.append(RowError(number, _l("上级代码 %(c)s is not a six-digit code.", c=parent)))
        if parent and parent == code:
            errors.append(RowError(number, _l("A region cannot be its own parent.")))
        if not cells["名称"]:
            errors.append(RowError(number, _l("The %(c)s cell is empty.", c="名称")))
        level = _word(level_words, cells["级别"], "级别", number, errors)
        if len(errors) == bad:
            rows.append(_RegionRow(number, code, cells["名称"], parent, level))
    return rows, errors


def import_regions(data: bytes, *, actor, filename: str = "") -> ImportResult:
    result = ImportResult(ImportKind.REGIONS)
    sheet = sheets.read(data, REGION_COLUMNS)
    if sheet.errors:
        result.errors = sheet.errors
        return result
    rows, result.errors = _region_rows(sheet)
    in_file = {r.code: r for r in rows}
    known = {r.code: r for r in db.session.scalars(select(Region))}
    paths: dict[str, str] = {}

    def path_of(code: str, trail: tuple[str, ...] = ()) -> str | None:
        """The region's path as it will be: its parent's (from the file, else the record)."""
        if code in paths:
            return paths[code]
        row = in_file.get(code)
        if row is None:
            return known[code].path if code in known else None
        if code in trail:
            return None
        if not row.parent_code:
            paths[code] = code
        else:
            above = path_of(row.parent_code, (*trail, code))
            paths[code] = f"{above}/{code}" if above else None
        return paths[code]

    for row in rows:
        if row.parent_code and row.parent_code not in in_file and row.parent_code not in known:
            result.errors.append(RowError(row.number, _l("Unknown parent region %(c)s.", c=row.parent_code)))
            continue
        path = path_of(row.code)
        if path is None:
            result.errors.append(RowError(row.number, _l("The parent codes go round in a circle.")))
            continue
        depth = path.count("/")
        derived = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY)[min(depth, 2)]
        if row.level is not None and (row.level is RegionLevel.PROVINCE) != (depth == 0):
            result.errors.append(
                RowError(row.number, _l("级别 %(l)s does not fit the 上级代码.", l=row.level.label))
            )
            continue
        row.level = row.level or derived
        if row.code in known:
            moved_below = [known[row.code].path + "/"]
            if any(path.startswith(p) for p in moved_below):
                result.errors.append(RowError(row.number, _l("The parent codes go round in a circle.")))
    result.errors.sort(key=lambda e: e.row or 0)
    if result.errors:
        return result
    # Parents before children: a new region's parent row must exist when it is flushed.
    for row in sorted(rows, key=lambda r: paths[r.code].count("/")):
        region = known.get(row.code)
        parent = known.get(row.parent_code) if row.parent_code else None
        path = paths[row.code]
        if region is None:
            region = Region(code=row.code, name=row.name, level=row.level, parent=parent, path=path)
            db.session.add(region)
            db.session.flush()
            known[row.code] = region
            audit.record("region.create", region, actor=actor, after=_region_json(region))
            result.created += 1
            continue
        before = _region_json(region)
        old_path = region.path
        region.name, region.level, region.parent, region.path = row.name, row.level, parent, path
        if old_path != path:
            for below in db.session.scalars(select(Region).where(Region.path.startswith(old_path + "/"))):
                below.path = path + below.path[len(old_path) :]
        db.session.flush()
        if _region_json(region) != before:
            audit.record("region.update", region, actor=actor, before=before, after=_region_json(region))
            result.updated += 1
    _finish(result, actor=actor, filename=filename)
    return result


def _region_json(region: Region) -> dict:
    return {"code": region.code, "name": region.name, "level": region.level, "path": region.path}


# ----------------------------------------------------------------------------- organisations

_KIND_WORDS = {
    OrganisationKind.MINE: ("矿山企业", "矿山", "矿山单位", "煤矿企业", "非煤矿山企业", "企业"),
    OrganisationKind.TRAINING_CENTER: ("培训机构", "培训中心", "安全培训机构"),
    OrganisationKind.REGULATOR: ("监管部门", "监管单位", "监管机构", "应急管理部门", "监察机构"),
}
_MINE_KIND_WORDS = {
    MineKind.COAL: ("煤矿",),
    MineKind.METAL_NONMETAL: ("非煤矿山", "金属非金属矿山", "非煤", "金属矿山", "非金属矿山"),
}
_METHOD_WORDS = {
    MiningMethod.UNDERGROUND: ("地下", "井工", "地下矿山", "井工开采", "地下开采"),
    MiningMethod.OPEN_PIT: ("露天", "露天开采", "露天矿山"),
    MiningMethod.TAILINGS: ("尾矿库", "尾矿"),
}
_SIZE_WORDS = {
    MineSize.LARGE: ("大型", "大"),
    MineSize.MEDIUM: ("中型", "中"),
    MineSize.SMALL: ("小型", "小"),
}
_STATUS_WORDS = {
    ProductionStatus.NORMAL: ("正常生产", "生产", "正常"),
    ProductionStatus.CONSTRUCTION: ("基建", "在建", "建设"),
    ProductionStatus.SUSPENDED: ("停产", "停产整顿", "长期停产"),
}
_REVIEW_UNIT_WORDS = {
    ReviewUnit.EDUCATION_CENTER: ("教育培训中心",),
    ReviewUnit.BUSINESS_DEPT: ("业务处室",),
}
_CLASSES = {
    OrganisationKind.MINE: MineEnterprise,
    OrganisationKind.TRAINING_CENTER: TrainingCenter,
    OrganisationKind.REGULATOR: RegulatorUnit,
}
_MINE_FIELDS = {
    "矿山类别": "mine_kind",
    "开采方式": "mining_method",
    "规模": "size",
    "生产状态": "production_status",
}


def import_organisations(data: bytes, *, actor, filename: str = "") -> ImportResult:
    result = ImportResult(ImportKind.ORGANISATIONS)
    sheet = sheets.read(data, ORGANISATION_COLUMNS)
    if sheet.errors:
        result.errors = sheet.errors
        return result
    words = {
        "类型": sheets.words_of(OrganisationKind, _KIND_WORDS),
        "矿山类别": sheets.words_of(MineKind, _MINE_KIND_WORDS),
        "开采方式": sheets.words_of(MiningMethod, _METHOD_WORDS),
        "规模": sheets.words_of(MineSize, _SIZE_WORDS),
        "生产状态": sheets.words_of(ProductionStatus, _STATUS_WORDS),
        "审核单位": sheets.words_of(ReviewUnit, _REVIEW_UNIT_WORDS),
    }
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    known = {o.credit_code: o for o in db.session.scalars(select(Organisation))}
    seen: dict[str, int] = {}
    units_seen: dict[ReviewUnit, int] = {}
    todo: list[tuple[int, dict]] = []
    errors = result.errors
    for number, cells in sheet.rows:
        bad = len(errors)
        values = {c: _word(w, cells[c], c, number, errors) for c, w in words.items()}
        kind = values["类型"]
        if not cells["类型"]:
            errors.append(RowError(number, _l("The %(c)s cell is empty.", c="类型")))
        if not cells["名称"]:
            errors.append(RowError(number, _l("The %(c)s cell is empty.", c="名称")))
        code = sheets.compact(cells["统一社会信用代码"])
        try:
            code = normalise_credit_code(code)
        except OrganisationError as exc:
            errors.append(
                RowError(
                    number, _l("%(c)s %(v)s: %(why)s", c="统一社会信用代码", v=code or "—", why=exc.reason)
                )
            )
        else:
            if dup := _duplicate(seen, code, number, _l("统一社会信用代码 %(c)s", c=code)):
                errors.append(dup)
        region = regions.get(sheets.compact(cells["行政区划代码"]))
        if region is None:
            errors.append(
                RowError(number, _l("Unknown region %(c)s; import it first.", c=cells["行政区划代码"] or "—"))
            )
        if kind is not None and kind is not OrganisationKind.MINE:
            extra = [c for c in _MINE_FIELDS if cells[c]]
            if extra:
                errors.append(RowError(number, _l("Only a mine has %(c)s.", c="、".join(extra))))
        unit = values["审核单位"]
        if unit is not None and kind is not None and kind is not OrganisationKind.REGULATOR:
            errors.append(RowError(number, _l("Only a regulator unit has a 审核单位.")))
        old = known.get(code)
        if old is not None and kind is not None and old.kind is not kind:
            errors.append(RowError(number, _l("The organisation is on record as a %(k)s.", k=old.kind.label)))
        if unit is not None:
            if unit in units_seen:
                errors.append(
                    RowError(
                        number,
                        _l(
                            "%(what)s is on rows %(a)d and %(b)d.",
                            what=unit.label,
                            a=units_seen[unit],
                            b=number,
                        ),
                    )
                )
            units_seen[unit] = number
            holder = db.session.scalar(select(RegulatorUnit).where(RegulatorUnit.review_unit == unit))
            if holder is not None and holder.credit_code != code:
                errors.append(
                    RowError(
                        number,
                        _l("%(u)s is %(o)s already; there is one of each.", u=unit.label, o=holder.name),
                    )
                )
        if len(errors) == bad:
            todo.append(
                (
                    number,
                    {
                        "kind": kind,
                        "name": cells["名称"],
                        "credit_code": code,
                        "region": region,
                        "address": cells["地址"],
                        "unit": unit,
                        **{attr: values[c] for c, attr in _MINE_FIELDS.items()},
                    },
                )
            )
    errors.sort(key=lambda e: e.row or 0)
    if errors:
        return result
    for _, row in todo:
        org = known.get(row["credit_code"])
        fields = {"name": row["name"], "region": row["region"], "address": row["address"]}
        if row["kind"] is OrganisationKind.MINE:
            fields.update({attr: row[attr] for attr in _MINE_FIELDS.values()})
        if row["kind"] is OrganisationKind.REGULATOR:
            fields["review_unit"] = row["unit"]
        if org is None:
            org = _CLASSES[row["kind"]](credit_code=row["credit_code"], **fields)
            db.session.add(org)
            db.session.flush()
            audit.record("organisation.create", org, actor=actor, organisation=org, after=_org_json(org))
            result.created += 1
            continue
        before = _org_json(org)
        for attr, value in fields.items():
            setattr(org, attr, value)
        db.session.flush()
        if _org_json(org) != before:
            audit.record(
                "organisation.update", org, actor=actor, organisation=org, before=before, after=_org_json(org)
            )
            result.updated += 1
    _finish(result, actor=actor, filename=filename)
    return result


def _org_json(org: Organisation) -> dict:
    data = {
        "kind": org.kind,
        "name": org.name,
        "credit_code": org.credit_code,
        "region": org.region.code,
        "address": org.address,
    }
    for attr in (*_MINE_FIELDS.values(), "review_unit"):
        if hasattr(org, attr):
            data[attr] = getattr(org, attr)
    return data


# ----------------------------------------------------------------------------- people

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


IMPORTERS = {
    ImportKind.REGIONS: import_regions,
    ImportKind.ORGANISATIONS: import_organisations,
    ImportKind.PEOPLE: import_people,
}


def run_import(kind: ImportKind, data: bytes, *, actor, filename: str = "") -> ImportResult:
    return IMPORTERS[kind](data, actor=actor, filename=filename)


def people_of(run: ImportRun) -> list[Person]:
    if not run.person_ids:
        return []
    return list(db.session.scalars(select(Person).where(Person.id.in_(run.person_ids)).order_by(Person.name)))
