"""In a real browser: a regulator searches a person and opens the record on a phone, inspects a
mine and runs a spot test on the tested person's own phone, and drills down the dashboards."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from playwright.sync_api import expect

from training_portal.core.db import db
from training_portal.people.models import OperationType, Post
from training_portal.regulator import operations as ops

from ..conftest import browser_login
from .conftest import longjiabao

pytestmark = pytest.mark.slow


def test_search_and_record_on_a_phone(live_server, browser):
    mine = longjiabao()
    director = next(p for p in ops.managers_at(mine) if p.post is Post.MINE_DIRECTOR).person
    name = director.name
    mine_id = mine.id
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
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling

    # The director's mine as the regulator sees it: in the demo no manager of 龙家堡 holds a valid
    # certificate yet, and the page's first heading says so.
    assert not ops.compliance([db.session.get(type(mine), mine_id)])[0].ok
    page.goto(f"{live_server}/regulator/mines/{mine_id}")
    expect(page.locator("h2").first).to_contain_text("未达标")


def _shot(page, tmp_path, name: str) -> None:
    folder = Path(os.environ.get("SPOT_SCREENSHOTS") or tmp_path)  # a folder to keep them in
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky head where it belongs in a full-page shot
    page.screenshot(path=folder / f"{name}.png", full_page=True)


def test_a_spot_test_on_the_persons_own_phone_with_the_network_cut(live_server, browser, tmp_path):
    """The regulator (1280 px) starts a spot test of a gas inspector and shows the QR code; the
    inspector's phone (390 px, a second browser) opens the link, loses the network while
    answering, gets it back, is told the blank question before handing in; the regulator's
    page shows the result without a reload."""
    mine = longjiabao()
    gas = next(p for p in ops.spot_testable_at(mine) if p.operation_type is OperationType.COAL_GAS_INSPECTION)
    mine_id, gas_id, gas_name = mine.id, gas.id, gas.person.name
    db.session.commit()
    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    browser_login(desk, live_server, "regulator")
    desk.goto(f"{live_server}/regulator/mines/{mine_id}")
    desk.click("[data-test=inspection-form] button[type=submit]")
    desk.wait_for_selector("[data-test=spot-test-form]")
    desk.select_option("#post_id", value=str(gas_id))
    desk.click("[data-test=spot-test-form] button[type=submit]")
    qr = desk.locator("[data-test=spot-qr] img")
    qr.wait_for()
    box = qr.bounding_box()
    assert box["width"] >= 200 and box["height"] >= 200  # big enough to scan from a phone
    assert "等待" in desk.locator("[data-test=spot-state]").inner_text()
    link = desk.locator("[data-test=spot-link]").get_attribute("href")
    assert "/spot/" in link
    # The code on the screen, as a camera would read it, is the link.
    shown = cv2.imdecode(np.frombuffer(qr.screenshot(), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert cv2.QRCodeDetector().detectAndDecode(shown)[0] == link
    _shot(desk, tmp_path, "spot-regulator-qr-1280")
    desk.evaluate("window.notReloaded = true")

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(link)
    questions = phone.locator("#questions > li")
    questions.first.wait_for()
    total = questions.count()
    assert total == 10 and gas_name in phone.locator("h1").inner_text()
    assert phone.locator("header.top, nav").count() == 0  # nothing of the portal around it
    saved = phone.get_attribute("#exam", "data-msg-saved")
    offline = phone.get_attribute("#exam", "data-msg-offline")
    status = phone.locator("[data-test=save-status]")
    for k in range(5):
        questions.nth(k).locator("input").first.check()
    expect(status).to_have_text(saved)
    expect(desk.locator("[data-test=spot-progress]")).to_contain_text("5 / 10")  # polled, no reload
    _shot(phone, tmp_path, "spot-phone-paper-390")

    context.set_offline(True)  # underground: the signal drops while answering
    for k in range(5, total - 1):
        questions.nth(k).locator("input").first.check()
    expect(status).to_have_text(offline)
    kept = phone.evaluate(
        "Object.keys(JSON.parse(localStorage.getItem(Object.keys(localStorage)"
        ".find(k => k.startsWith('exam-answers:')))).answers).length"
    )
    assert kept == total - 1  # on the phone until the server has them
    _shot(phone, tmp_path, "spot-phone-offline-390")
    context.set_offline(False)
    expect(status).to_have_text(saved)
    expect(desk.locator("[data-test=spot-progress]")).to_contain_text(f"{total - 1} / 10")

    told = []
    phone.once("dialog", lambda dialog: (told.append(dialog.message), dialog.accept()))
    phone.click("[data-test=submit]")
    expect(phone.locator("[data-test=message]")).to_have_text(
        phone.get_attribute("#exam", "data-msg-finished")
    )
    assert told and f"第 {total} 题未作答" in told[0]  # the blank named before the hand-in
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    _shot(phone, tmp_path, "spot-phone-handed-in-390")

    result = desk.locator("[data-test=spot-result]")
    expect(result).to_be_visible()
    assert "得分" in result.inner_text() and desk.evaluate("window.notReloaded") is True
    expect(desk.locator("[data-test=spot-monitor]")).to_be_hidden()
    _shot(desk, tmp_path, "spot-regulator-result-1280")

    phone.goto(link)  # the link is used up
    assert "已交卷" in phone.locator("[data-test=spot-refused]").inner_text()
    _shot(phone, tmp_path, "spot-phone-used-up-390")
    context.close()


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
