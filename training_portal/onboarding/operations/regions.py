"""Administrative divisions (行政区划, GB/T 2260), by code; a region's path follows its parent."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...core import audit
from ...core.db import db
from ...organisations.models import Region, RegionLevel
from .. import sheets
from ..models import ImportKind
from ..sheets import RowError
from ._base import REGION_COLUMNS, ImportResult, _duplicate, _finish, _word

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
