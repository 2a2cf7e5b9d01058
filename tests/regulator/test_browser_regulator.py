"""In a real browser, phone-sized: a regulator searches a person, opens the record, then
inspects the mine and runs a spot test on the phone."""

from __future__ import annotations

import pytest

from training_portal.core.db import db
from training_portal.people.models import Post
from training_portal.regulator import operations as ops

from ..conftest import browser_login
from .conftest import longjiabao

pytestmark = pytest.mark.slow


def test_search_record_and_spot_test_on_a_phone(live_server, browser, tmp_path):
    mine = longjiabao()
    director = next(p for p in ops.managers_at(mine) if p.post is Post.MINE_DIRECTOR).person
    name, mine_id = director.name, mine.id
    db.session.commit()
    page = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    browser_login(page, live_server, "regulator")
    page.goto(f"{live_server}/regulator/search")
    page.fill("[data-test=q]", name)
    page.press("[data-test=q]", "Enter")
    page.click(f"[data-test=results] >> text={name}")
    page.wait_for_selector("[data-test=record-spot-tests]")
    assert name in page.content()

    page.goto(f"{live_server}/regulator/mines/{mine_id}")
    assert "未达标" in page.locator("h2").first.inner_text()  # no manager holds a valid certificate yet
    page.click("[data-test=inspection-form] button[type=submit]")
    page.wait_for_selector("[data-test=spot-test-form]")
    page.select_option("#post_id", label=f"{name}（矿长）")
    page.select_option("#blueprint_id", label="主要负责人 逢查必考抽考")  # a 矿长 is a 主要负责人
    page.click("[data-test=spot-test-form] button[type=submit]")
    page.wait_for_selector("[data-test=spot-paper]")
    first = page.locator("[data-test=spot-paper] fieldset").first  # lettered options, the type told
    assert first.locator(".letter").all_inner_texts()[:2] == ["A", "B"]
    assert first.locator("legend .tag").inner_text() in ("判断题", "单选题", "多选题")
    page.screenshot(path=tmp_path / "spot-paper-390.png", full_page=True)
    for fieldset in page.locator("[data-test=spot-paper] fieldset").all():
        fieldset.locator("input").first.check()
    page.click("[data-test=hand-in]")
    result = page.locator("[data-test=spot-result]").inner_text()
    assert "分" in result or "Score" in result
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling


def test_dashboard_charts_drill_down_from_province_to_county_and_open_the_lists(live_server, browser):
    db.session.commit()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    browser_login(page, live_server, "regulator")
    page.click("nav >> text=监管看板")
    page.wait_for_selector("[data-test=chart-noncompliant]")
    # A city's name in the chart opens the city's dashboard; its bar opens the list behind it.
    page.click("[data-test=chart-noncompliant] >> text=长春市")
    page.wait_for_url("**/regulator/dashboard?region=220100")
    assert "长春市" in page.locator("h1").inner_text()
    shown = page.locator("[data-test=cell-noncompliant-220113]").inner_text()
    page.locator("[data-test=chart-noncompliant] rect").nth(1).click()  # 九台区, the second county
    page.wait_for_url("**/regulator/dashboard/noncompliant?region=220113")
    assert page.locator("[data-test=figure]").inner_text() == shown
    assert page.locator("[data-test=rows] tbody tr").count() == int(shown)
    assert "龙嘉堡煤矿" in page.locator("[data-test=rows]").inner_text()
