"""Mines, training centers and regulator units, by 统一社会信用代码."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...core import audit
from ...core.db import db
from ...organisations.models import (
    MineEnterprise,
    MineKind,
    MineSize,
    MiningMethod,
    Organisation,
    OrganisationKind,
    ProductionStatus,
    Region,
    RegulatorUnit,
    ReviewUnit,
    TrainingCenter,
)
from ...organisations.operations import OrganisationError, normalise_credit_code
from .. import sheets
from ..models import ImportKind
from ..sheets import RowError
from ._base import ORGANISATION_COLUMNS, ImportResult, _duplicate, _finish, _word

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
