"""What the three importers share: the columns and templates, the result, the row checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ...core import audit
from ...core.db import db
from ...core.errors import DomainError
from ...core.xlsx import simple_table
from ...people import categories
from ..models import ImportKind, ImportRun
from ..sheets import RowError


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
