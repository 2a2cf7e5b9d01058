"""In a real browser: a regulator writes an accident bulletin with its PDF and forwards it to one
chosen mine; the mine's officer, in another browser, finds it among the notices and bulletins and
acknowledges it; the regulator then sees the receipt with who and when."""

from __future__ import annotations

import pytest

from ..conftest import browser_login

pytestmark = pytest.mark.slow

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_a_bulletin_forwarded_read_and_acknowledged(live_server, browser, tmp_path):
    pdf = tmp_path / "通报.pdf"
    pdf.write_bytes(PDF)
    shots = tmp_path

    regulator = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    browser_login(regulator, live_server, "regulator_changchun")
    regulator.goto(f"{live_server}/warnings/bulletins")
    regulator.click("[data-test=new-bulletin]")
    regulator.fill("#title", "关于一起冒顶事故的警示通报")
    regulator.fill("#summary", "某矿井下采场发生冒顶，一人受伤。")
    regulator.fill("#lessons", "严格执行敲帮问顶制度；组织全员学习。")
    regulator.set_input_files("#attachment", str(pdf))
    regulator.select_option("#to", "chosen")
    regulator.check("[data-test=mines] label:has-text('龙嘉堡煤矿') input")
    regulator.screenshot(path=str(shots / "1-regulator-form.png"), full_page=True)
    regulator.click("button[type=submit].primary")
    regulator.wait_for_selector("[data-test=receipts]")
    receipts = regulator.locator("[data-test=receipts]").inner_text()
    assert "龙嘉堡煤矿" in receipts and "尚未阅读" in receipts and "双阳" not in receipts
    bulletin_url = regulator.url

    officer = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone
    browser_login(officer, live_server, "mine_officer")
    officer.goto(f"{live_server}/notifications/")
    assert "关于一起冒顶事故的警示通报" in officer.content()
    officer.goto(f"{live_server}/warnings/bulletins")
    officer.click("text=关于一起冒顶事故的警示通报")
    assert "严格执行敲帮问顶制度" in officer.locator("[data-test=bulletin]").inner_text()
    officer.screenshot(path=str(shots / "2-officer-before.png"), full_page=True)
    officer.click("[data-test=acknowledge]")
    officer.wait_for_selector("[data-test=my-receipt] .badge")
    assert "已确认阅读" in officer.locator("[data-test=my-receipt]").inner_text()
    officer.screenshot(path=str(shots / "3-officer-after.png"), full_page=True)

    regulator.goto(bulletin_url)
    row = regulator.locator("[data-test=receipts] tr", has_text="龙嘉堡煤矿").inner_text()
    assert "已确认阅读" in row and "尚未阅读" not in row
    regulator.screenshot(path=str(shots / "4-regulator-receipt.png"), full_page=True)
    print(f"screenshots in {shots}")
