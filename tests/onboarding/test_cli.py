"""``flask import regions|organisations|people PATH [--json]``."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from tests import factories as make
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.organisations.models import MineEnterprise, Region
from training_portal.people.models import Person

from .helpers import organisations_file, people_file, regions_file


def test_the_three_imports_in_order_with_json(app, ctx, tmp_path):
    runner = app.test_cli_runner()
    mine_code, number = make.credit_code("990100"), make.id_number()
    files = {
        "regions": regions_file([("990000", "测试省", "", ""), ("990100", "测试市", "990000", "")]),
        "organisations": organisations_file([("矿山企业", "测试矿", mine_code, "990100", "", "煤矿")]),
        "people": people_file(
            [("张三", number, "", "", "", "瓦斯检查作业", "", "", mine_code, "2020-01-01")]
        ),
    }
    for kind, data in files.items():
        path = tmp_path / f"{kind}.xlsx"
        path.write_bytes(data)
        result = runner.invoke(args=["import", kind, str(path), "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == {"created": 2 if kind == "regions" else 1, "updated": 0}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Region)) == 2
    assert db.session.scalar(select(MineEnterprise.name)) == "测试矿"
    assert db.session.scalar(select(Person.name)) == "张三"
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "onboarding.import").order_by(AuditEntry.id)
    ).all()
    assert [(e.actor_name, e.after["kind"]) for e in entries] == [
        ("system", "region_file"),
        ("system", "organisation_file"),
        ("system", "people_file"),
    ]
    again = runner.invoke(args=["import", "people", str(tmp_path / "people.xlsx"), "--json"])
    assert json.loads(again.output) == {"created": 0, "updated": 0}


def test_errors_as_json_in_chinese_with_exit_status_1(app, ctx, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "regions.xlsx"
    path.write_bytes(
        regions_file([("990000", "测试省", "", ""), ("990100", "测试市", "980000", ""), ("1", "", "", "")])
    )
    result = runner.invoke(args=["import", "regions", str(path), "--json"])
    assert result.exit_code == 1
    body = json.loads(result.output)
    assert [e["row"] for e in body["errors"]] == [3, 4, 4]
    assert "980000" in body["errors"][0]["message"] and "上级" in body["errors"][0]["message"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Region)) == 0
    plain = runner.invoke(args=["import", "regions", str(path)])
    assert plain.exit_code == 1 and "第 3 行" in plain.output


def test_a_file_that_is_no_workbook(app, ctx, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"hello")
    result = app.test_cli_runner().invoke(args=["import", "organisations", str(path), "--json"])
    assert result.exit_code == 1
    (error,) = json.loads(result.output)["errors"]
    assert error["row"] is None and "Excel" in error["message"]
