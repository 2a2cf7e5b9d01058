"""The importers: all rows or none, every bad row reported in Chinese by its number, re-imports
that update, and files filled the way clerks fill them."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import force_locale
from sqlalchemy import func, select

from tests import factories as make
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.onboarding import operations as ops
from training_portal.onboarding.models import ImportKind, ImportRun
from training_portal.organisations.models import (
    MineEnterprise,
    MineKind,
    MiningMethod,
    Organisation,
    OrganisationKind,
    ProductionStatus,
    Region,
    RegionLevel,
    RegulatorUnit,
    ReviewUnit,
)
from training_portal.people.education import Education
from training_portal.people.models import OperationType, Person, PersonPost, Post

from .helpers import fullwidth, organisations_file, people_file, regions_file, workbook


def zh(result) -> list[str]:
    with force_locale("zh_CN"):
        return [str(e) for e in result.errors]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ----------------------------------------------------------------------------- regions


def test_regions_import_derives_levels_and_paths_in_any_order(ctx):
    admin = make.admin()
    data = regions_file(
        [
            ("990112", "测试区", "990100", ""),  # the child before its parent
            ("990100", "测试市", "990000", "地级市"),
            (" 990000 ", "测试省", "", "省"),
        ]
    )
    result = ops.import_regions(data, actor=admin, filename="regions.xlsx")
    assert result.errors == []
    assert (result.created, result.updated) == (3, 0)
    county = db.session.scalar(select(Region).where(Region.code == "990112"))
    assert county.path == "990000/990100/990112"
    assert county.level is RegionLevel.COUNTY
    assert county.parent.level is RegionLevel.CITY
    assert county.full_name == "测试省测试市测试区"
    run = db.session.scalar(select(ImportRun))
    assert (run.kind, run.created, run.imported_by_id) == (ImportKind.REGIONS, 3, admin.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "onboarding.import"))
    assert entry.after == {"kind": "region_file", "file": "regions.xlsx", "created": 3, "updated": 0}
    assert entry.actor_user_id == admin.id


def test_regions_reimport_updates_and_moves_descendants(ctx):
    admin = make.admin()
    first = regions_file(
        [("990000", "测试省", "", ""), ("990100", "测试市", "990000", ""), ("990101", "测试区", "990100", "")]
    )
    assert ops.import_regions(first, actor=admin).errors == []
    again = regions_file(
        [
            ("990000", "测试省", "", ""),
            ("990200", "另一市", "990000", ""),
            ("990100", "测试市（新名）", "990200", ""),
        ]
    )
    result = ops.import_regions(again, actor=admin)
    assert result.errors == []
    assert (result.created, result.updated) == (1, 1)  # 990000 unchanged, not counted
    assert count(Region) == 4
    moved = db.session.scalar(select(Region).where(Region.code == "990101"))
    assert moved.path == "990000/990200/990100/990101"
    assert moved.parent.name == "测试市（新名）"


def test_regions_report_every_bad_row_and_write_nothing(ctx):
    admin = make.admin()
    data = regions_file(
        [
            ("990000", "测试省", "", ""),
            ("99010", "短码", "990000", ""),  # row 3: not six digits
            ("990100", "测试市", "980000", ""),  # row 4: unknown parent
            ("990200", "", "990000", ""),  # row 5: no name
            ("990300", "甲市", "990000", "乡"),  # row 6: unknown level
            ("990000", "重复省", "", ""),  # row 7: duplicate of row 2
            ("990400", "乙市", "990000", "省"),  # row 8: a province under a province
        ]
    )
    result = ops.import_regions(data, actor=admin)
    messages = zh(result)
    assert [e.row for e in result.errors] == [3, 4, 5, 6, 7, 8]
    assert messages[0].startswith("第 3 行")
    assert "六位" in messages[0]
    assert "980000" in messages[1] and "上级" in messages[1]
    assert "名称" in messages[2]
    assert "乡" in messages[3]
    assert "第 2 行" in messages[4] and "第 7 行" in messages[4]
    assert count(Region) == 0
    assert count(ImportRun) == 0


def test_a_file_that_is_not_the_template_is_refused(ctx):
    admin = make.admin()
    result = ops.import_regions(workbook(("代码", "名称"), [("990000", "x")]), actor=admin)
    assert result.errors and result.errors[0].row == 1
    assert "行政区划代码" in zh(result)[0]
    extra = workbook((*ops.REGION_COLUMNS, "备注"), [("990000", "测试省", "", "", "x")])
    assert "备注" in zh(ops.import_regions(extra, actor=admin))[0]
    broken = ops.import_regions(b"not a workbook", actor=admin)
    assert broken.errors[0].row is None and "Excel" in zh(broken)[0]
    assert count(Region) == 0


def test_headers_in_any_order_with_spaces_and_full_width(ctx):
    admin = make.admin()
    header = ("上级 代码", "名  称", "级别", fullwidth("行政区划代码"))
    data = workbook(header, [("", "测试省", "", fullwidth("990000")), ("990000", "测试市", "", "990100")])
    result = ops.import_regions(data, actor=admin)
    assert result.errors == [], zh(result)
    assert db.session.scalar(select(Region.path).where(Region.code == "990100")) == "990000/990100"


# ----------------------------------------------------------------------------- organisations


def _province():
    top = make.region("测试省", code="990000")
    return top, make.region("测试市", parent=top, code="990100")


def test_organisations_of_each_kind_with_chinese_words(ctx):
    admin = make.admin()
    _, city = _province()
    mine_code, center_code, unit_code = make.credit_code(), make.credit_code(), make.credit_code()
    data = organisations_file(
        [
            (
                "矿山企业",
                "测试金矿有限公司",
                fullwidth(mine_code),
                "990100",
                "测试路1号",
                "非煤矿山",
                "井工",
                "大型",
                "正常生产",
            ),
            ("培训机构 ", "测试培训中心", mine_code and center_code.lower(), "990100", "", "", "", "", ""),
            (
                "监管部门",
                "测试省应急管理厅教育培训中心",
                unit_code,
                "990100",
                "",
                "",
                "",
                "",
                "",
                "教育培训中心",
            ),
        ]
    )
    result = ops.import_organisations(data, actor=admin)
    assert result.errors == [], zh(result)
    assert result.created == 3
    mine = db.session.scalar(select(MineEnterprise).where(MineEnterprise.credit_code == mine_code))
    assert (mine.mine_kind, mine.mining_method, mine.production_status) == (
        MineKind.METAL_NONMETAL,
        MiningMethod.UNDERGROUND,
        ProductionStatus.NORMAL,
    )
    assert mine.region is city and mine.address == "测试路1号"
    unit = db.session.scalar(select(RegulatorUnit).where(RegulatorUnit.credit_code == unit_code))
    assert unit.review_unit is ReviewUnit.EDUCATION_CENTER
    center = db.session.scalar(select(Organisation).where(Organisation.credit_code == center_code))
    assert center.kind is OrganisationKind.TRAINING_CENTER


def test_organisations_reimport_updates_by_credit_code(ctx):
    admin = make.admin()
    _province()
    code = make.credit_code()
    row = ["矿山企业", "测试矿业", code, "990100", "", "煤矿", "井工", "中型", "基建"]
    assert ops.import_organisations(organisations_file([row]), actor=admin).errors == []
    row[1], row[8] = "测试矿业（更名）", "正常生产"
    result = ops.import_organisations(organisations_file([row]), actor=admin)
    assert (result.created, result.updated) == (0, 1)
    mines = db.session.scalars(select(MineEnterprise)).all()
    assert [(m.name, m.production_status) for m in mines] == [("测试矿业（更名）", ProductionStatus.NORMAL)]
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.update")).before["name"]
        == "测试矿业"
    )


def test_organisation_rows_all_reported(ctx):
    admin = make.admin()
    _province()
    good, held = make.credit_code(), make.mine()
    data = organisations_file(
        [
            ("矿山企业", "甲矿", good, "990100", "", "煤矿"),  # row 2: fine
            ("矿山企业", "乙矿", "91990100MA0000000X", "990100"),  # row 3: bad check digit
            ("矿山企业", "丙矿", make.credit_code(), "980000"),  # row 4: unknown region
            ("工厂", "丁厂", make.credit_code(), "990100"),  # row 5: unknown kind
            ("培训机构", "戊中心", make.credit_code(), "990100", "", "煤矿"),  # row 6: mine field
            ("矿山企业", "甲矿二", good, "990100"),  # row 7: duplicate of row 2
            ("培训机构", "己中心", held.credit_code, "990100"),  # row 8: a mine on record
        ]
    )
    result = ops.import_organisations(data, actor=admin)
    messages = zh(result)
    assert [e.row for e in result.errors] == [3, 4, 5, 6, 7, 8]
    assert "统一社会信用代码" in messages[0]
    assert "980000" in messages[1]
    assert "工厂" in messages[2]
    assert "矿山类别" in messages[3]
    assert "第 2 行" in messages[4] and "第 7 行" in messages[4]
    assert "矿山企业" in messages[5]
    assert count(Organisation) == 1  # the factory's mine only


# ----------------------------------------------------------------------------- people


def _employer():
    _province()
    return make.mine(region=db.session.scalar(select(Region).where(Region.code == "990100")))


def test_people_with_posts_as_clerks_type_them(ctx):
    admin = make.admin()
    mine = _employer()
    director, gas, tails, leader = (make.id_number() for _ in range(4))
    data = people_file(
        [
            (
                "王 矿长",
                director,
                "13800000001",
                "本科",
                date(2005, 7, 1),
                "矿长",
                "",
                "",
                mine.credit_code,
                datetime(2024, 3, 1),
            ),
            (
                "李瓦检",
                gas.lower().replace("x", "x"),
                "",
                "高中",
                "2012/9/1",
                "瓦检员",
                "特种作业人员",
                "",
                fullwidth(mine.credit_code),
                "2021年5月6日",
            ),
            (
                "赵尾矿",
                fullwidth(tails),
                "",
                "初中",
                "",
                "特种作业人员",
                "",
                " 尾矿 作业 ",
                mine.credit_code,
                "20220101",
            ),
            ("钱班长", leader, "", "中专", "", "班组长", "", "", mine.credit_code, 45292),  # an Excel serial
        ]
    )
    result = ops.import_people(data, actor=admin, filename="people.xlsx")
    assert result.errors == [], zh(result)
    assert (result.created, result.updated) == (4, 0)
    boss = db.session.scalar(select(Person).where(Person.id_number == director))
    assert boss.name == "王 矿长" and boss.education is Education.BACHELOR and boss.employer is mine
    assert boss.work_started_on == date(2005, 7, 1) and boss.phone == "13800000001"
    assert [(p.post, p.started_on, p.organisation) for p in boss.posts] == [
        (Post.MINE_DIRECTOR, date(2024, 3, 1), mine)
    ]
    worker = db.session.scalar(select(Person).where(Person.id_number == gas))
    assert worker.work_started_on == date(2012, 9, 1)
    assert [(p.post, p.operation_type, p.started_on) for p in worker.posts] == [
        (Post.SPECIAL_OPERATOR, OperationType.COAL_GAS_INSPECTION, date(2021, 5, 6))
    ]
    tailings = db.session.scalar(select(Person).where(Person.id_number == tails))
    assert [(p.operation_type, p.started_on) for p in tailings.posts] == [
        (OperationType.MN_TAILINGS, date(2022, 1, 1))
    ]
    team = db.session.scalar(select(Person).where(Person.id_number == leader))
    assert team.posts[0].post is Post.TEAM_LEADER and team.posts[0].started_on == date(2024, 1, 1)
    run = db.session.scalar(select(ImportRun))
    assert sorted(run.person_ids) == sorted(p.id for p in (boss, worker, tailings, team))


def test_people_reimport_updates_record_and_post_without_duplicating(ctx):
    admin = make.admin()
    mine = _employer()
    other = make.mine()
    number = make.id_number()
    row = ["张三", number, "", "高中", "", "瓦斯检查作业", "", "", mine.credit_code, "2020-01-01"]
    assert ops.import_people(people_file([row]), actor=admin).errors == []
    row[0], row[2], row[8], row[9] = "张叁", "13900000000", other.credit_code, "2021-02-03"
    result = ops.import_people(people_file([row]), actor=admin)
    assert result.errors == [], zh(result)
    assert (result.created, result.updated) == (0, 1)
    person = db.session.scalar(select(Person))
    db.session.refresh(person)
    assert (person.name, person.phone, person.employer_id) == ("张叁", "13900000000", other.id)
    assert [(p.started_on, p.organisation_id) for p in person.posts] == [(date(2021, 2, 3), other.id)]
    assert count(PersonPost) == 1
    unchanged = ops.import_people(people_file([row]), actor=admin)
    assert (unchanged.created, unchanged.updated) == (0, 0)


def test_people_rows_all_reported_and_nothing_written(ctx):
    admin = make.admin()
    mine = _employer()
    first = make.id_number()
    data = people_file(
        [
            ("甲", first, "", "", "", "矿长", "", "", mine.credit_code, "2024-01-01"),  # row 2: fine
            (
                "乙",
                "110101198501010010",
                "",
                "",
                "",
                "矿长",
                "",
                "",
                mine.credit_code,
                "2024-01-01",
            ),  # 3: checksum
            (
                "丙",
                make.id_number(),
                "",
                "",
                "",
                "矿长",
                "",
                "",
                "91990100MB9999999X",
                "2024-01-01",
            ),  # 4: employer
            ("丁", make.id_number(), "", "", "", "挖掘工", "", "", mine.credit_code, "2024-01-01"),  # 5: post
            (
                "戊",
                make.id_number(),
                "",
                "",
                "",
                "特种作业人员",
                "",
                "",
                mine.credit_code,
                "2024-01-01",
            ),  # 6: no op
            (
                "己",
                make.id_number(),
                "",
                "",
                "",
                "矿长",
                "特种作业人员",
                "",
                mine.credit_code,
                "2024-01-01",
            ),  # 7
            ("庚", make.id_number(), "", "", "", "矿长", "", "", mine.credit_code, "去年"),  # 8: date
            ("辛", first, "", "", "", "矿长", "", "", mine.credit_code, "2024-01-01"),  # 9: duplicate of 2
            ("", make.id_number(), "", "", "", "", "", "", "", ""),  # 10: no name
        ]
    )
    result = ops.import_people(data, actor=admin)
    messages = zh(result)
    assert [e.row for e in result.errors] == [3, 4, 5, 6, 7, 8, 9, 10]
    assert all(m.startswith(f"第 {e.row} 行") for m, e in zip(messages, result.errors, strict=True))
    assert "校验" in messages[0]
    assert "91990100MB9999999X" in messages[1]
    assert "挖掘工" in messages[2]
    assert "作业类别" in messages[3] or "特种作业" in messages[3]
    assert "人员类别" in messages[4] or "特种作业" in messages[4]
    assert "去年" in messages[5]
    assert "第 2 行" in messages[6] and "第 9 行" in messages[6]
    assert "姓名" in messages[7]
    assert count(Person) == 0 and count(ImportRun) == 0


def test_a_person_without_a_post(ctx):
    admin = make.admin()
    result = ops.import_people(people_file([("孙某", make.id_number(), "", "大专")]), actor=admin)
    assert result.errors == [], zh(result)
    assert db.session.scalar(select(Person)).posts == []


def test_templates_have_the_accepted_headers(ctx):
    import io

    from openpyxl import load_workbook

    for kind, columns in ops.COLUMNS.items():
        sheet = load_workbook(io.BytesIO(ops.template(kind))).active
        assert tuple(c.value for c in sheet[1]) == columns
        assert sheet.max_row == 1 + len(ops.EXAMPLES[kind])
