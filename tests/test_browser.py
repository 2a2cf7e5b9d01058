"""In a real browser (Debian's Chromium driven by Playwright): each demo login sees its own
home page, switches language and logs out."""

from __future__ import annotations

import pytest

from .conftest import DEMO_PASSWORD

pytestmark = pytest.mark.slow

HOME_SECTION = {
    "admin": "admin",
    "trainee": "trainee",
    "center": "center_staff",
    "reviewer_center": "reviewer",
    "reviewer_dept": "reviewer",
    "proctor_center": "proctor",
    "proctor_dept": "proctor",
    "regulator": "regulator",
    "mine_officer": "mine_officer",
}


def test_each_demo_login_sees_its_home_switches_language_and_logs_out(live_server, browser):
    for username, section in HOME_SECTION.items():
        phone = username == "trainee"
        context = browser.new_context(viewport={"width": 390, "height": 844} if phone else None)
        page = context.new_page()
        page.goto(f"{live_server}/")
        assert page.url.startswith(f"{live_server}/login")
        assert page.locator("h1").inner_text() == "登录"
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(f"{live_server}/")
        assert page.locator(f"section[data-role={section}]").first.is_visible(), username
        assert page.locator("[data-test=logout]").inner_text() == "退出"
        page.click("[data-test=lang-en]")
        page.wait_for_load_state()
        assert page.locator("[data-test=logout]").inner_text() == "Log out"
        assert page.locator(f"section[data-role={section}]").first.is_visible()
        page.click("[data-test=logout]")
        page.wait_for_url(f"{live_server}/login")
        page.goto(f"{live_server}/")
        assert page.url.startswith(f"{live_server}/login"), "logged out means logged out"
        context.close()


def test_a_wrong_password_shows_the_reason(live_server, browser):
    page = browser.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "trainee")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit].primary")
    assert page.locator("[data-test=login-error]").inner_text() == "用户名或密码错误。"
    page.close()
