"""In a real browser: upload an Excel bank, read the report, have it reviewed by the other
unit, build a blueprint, preview a paper."""

import pytest

from question_bank import formats

from ..conftest import browser_login
from .conftest import qdata

pytestmark = pytest.mark.slow


def test_upload_review_blueprint_and_preview(live_server, browser, tmp_path):
    bank = tmp_path / "题库.xlsx"
    bank.write_bytes(
        formats.write(
            [qdata("true_false", "浏览器测试/通风") for _ in range(6)]
            + [qdata("single_choice", "浏览器测试/瓦斯") for _ in range(6)],
            "xlsx",
        )
    )
    author = browser.new_context().new_page()
    browser_login(author, live_server, "reviewer_center")
    author.goto(f"{live_server}/questions/import")
    assert author.locator("[data-test=template]").is_visible()
    author.set_input_files("input[name=file]", str(bank))
    author.click("button[type=submit].primary")
    report = author.locator("[data-test=import-ok]").inner_text()
    assert "12" in report

    reviewer = browser.new_context().new_page()
    browser_login(reviewer, live_server, "reviewer_dept")
    reviewer.goto(f"{live_server}/questions/?status=draft&category=浏览器测试")
    boxes = reviewer.locator("input[name=ids]")
    assert boxes.count() == 12
    for k in range(boxes.count()):
        boxes.nth(k).check()
    reviewer.click("[data-test=bulk-approve]")
    reviewer.goto(f"{live_server}/questions/?status=reviewed&category=浏览器测试")
    assert reviewer.locator("input[name=ids]").count() == 12

    author.goto(f"{live_server}/questions/?status=reviewed&category=浏览器测试")
    for k in range(12):
        author.locator("input[name=ids]").nth(k).check()
    author.click("[data-test=bulk-activate]")
    author.goto(f"{live_server}/questions/blueprints/new")
    author.fill("input[name=name]", "浏览器测试抽考")
    author.select_option("select[name=target]", "coal_gas_inspection")
    author.select_option("select[name=purpose]", "spot_test")
    author.select_option("select[name=sections-0-type]", "true_false")
    author.fill("input[name=sections-0-count]", "3")
    author.fill("input[name=sections-0-points]", "10")
    author.fill("input[name=sections-0-category]", "浏览器测试")
    author.select_option("select[name=sections-1-type]", "single_choice")
    author.fill("input[name=sections-1-count]", "3")
    author.fill("input[name=sections-1-points]", "10")
    author.fill("input[name=sections-1-category]", "浏览器测试")
    author.click("button[type=submit].primary")
    assert author.locator("[data-test=can]").is_visible()
    author.click("[data-test=preview]")
    assert author.locator("ol.paper > li").count() == 6
    assert "60" in author.locator("[data-test=expected]").inner_text()
