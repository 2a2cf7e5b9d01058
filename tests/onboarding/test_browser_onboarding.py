"""In a real browser: an administrator stands up a small province from three files, issues
accounts for the people imported and downloads their activation sheet; one of them activates
the account with the code on the sheet and logs in."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests import factories as make
from training_portal.core.db import db
from training_portal.core.permissions import Role

from ..conftest import browser_login
from .helpers import organisations_file, people_file, regions_file

pytestmark = pytest.mark.slow


def _upload(page, base: str, kind_label: str, path) -> None:
    page.goto(f"{base}/admin/onboarding/")
    page.select_option("#kind", label=kind_label)
    page.set_input_files("#file", str(path))
    page.click("[data-test=import]")
    page.wait_for_selector("[data-test=import-done]")


def test_an_administrator_onboards_people_who_then_activate(live_server, browser, app, tmp_path):
    make.user(Role.ADMIN, username="onboarding_admin")
    mine_code, center_code = make.credit_code("990100"), make.credit_code("990100")
    worker, director = make.id_number(), make.id_number()
    db.session.commit()
    files = {
        "regions": regions_file([("990000", "浏览器省", "", ""), ("990100", "浏览器市", "990000", "")]),
        "organisations": organisations_file(
            [
                (
                    "矿山企业",
                    "浏览器金矿有限公司",
                    mine_code,
                    "990100",
                    "",
                    "非煤矿山",
                    "地下",
                    "大型",
                    "正常生产",
                ),
                ("培训机构", "浏览器培训中心", center_code, "990100"),
            ]
        ),
        "people": people_file(
            [
                ("周尾矿", worker, "", "高中", "", "尾矿作业", "", "", mine_code, "2023-05-01"),
                (
                    "吴矿长",
                    director,
                    "",
                    "本科",
                    "2001-07-01",
                    "矿长",
                    "主要负责人",
                    "",
                    mine_code,
                    "2024-01-02",
                ),
            ]
        ),
    }
    paths = {}
    for kind, data in files.items():
        paths[kind] = tmp_path / f"{kind}.xlsx"
        paths[kind].write_bytes(data)

    page = browser.new_context(accept_downloads=True).new_page()
    browser_login(page, live_server, "onboarding_admin", make.PASSWORD)
    page.click("nav >> text=导入与开户")
    with page.expect_download() as template:
        page.click("[data-test=template-people_file]")
    assert template.value.suggested_filename.endswith(".xlsx")

    # A file naming a region not on record is refused whole, its row named.
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(organisations_file([("矿山企业", "无区划矿", make.credit_code(), "880000")]))
    page.select_option("#kind", label="单位")
    page.set_input_files("#file", str(bad))
    page.click("[data-test=import]")
    assert "第 2 行" in page.locator("[data-test=import-errors]").inner_text()

    _upload(page, live_server, "行政区划", paths["regions"])
    _upload(page, live_server, "单位", paths["organisations"])
    _upload(page, live_server, "人员及岗位", paths["people"])
    assert "周尾矿" in page.locator("[data-test=people]").inner_text()
    with page.expect_download() as sheet:
        page.click("[data-test=issue-all]")
    pdf = tmp_path / "sheet.pdf"
    sheet.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "周尾矿" in text and "吴矿长" in text and "/accounts/activate" in text
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+2\b", pages)
    block = text[text.index("周尾矿") :]
    found = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", block)
    assert found, text
    code = found.group(0)

    person = browser.new_context().new_page()
    person.goto(f"{live_server}/accounts/activate")
    person.fill("#username", worker)
    person.fill("#code", "2222-3333-4444")
    person.fill("#password", "zhou-password-2026")
    person.fill("#confirm", "zhou-password-2026")
    person.click("[data-test=activate]")
    assert "登录名或激活码错误" in person.content()
    person.fill("#code", code.lower().replace("-", " "))
    person.fill("#password", "zhou-password-2026")
    person.fill("#confirm", "zhou-password-2026")
    person.click("[data-test=activate]")
    person.wait_for_selector("[data-test=activated]")
    browser_login(person, live_server, worker, "zhou-password-2026")
    person.goto(f"{live_server}/people/me")
    assert "周尾矿" in person.content()
