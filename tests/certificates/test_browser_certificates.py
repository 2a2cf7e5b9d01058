"""In a real browser: a passed candidate downloads their certificate; an anonymous visitor
verifies it, and sees it revoked once a regulator has revoked it. Revoking asks once more in a
dialog naming what it does; with an old password it goes through the password check and is
carried out after it with the typed reason; the holder then sees it revoked and is told."""

from __future__ import annotations

import pytest

from training_portal.accounts.recent import STAMP
from training_portal.core.db import db

from ..conftest import DEMO_PASSWORD, browser_login
from ..exams.conftest import CANDIDATE_PASSWORD, candidate_user, users_by_name
from .conftest import certified

pytestmark = pytest.mark.slow


def test_download_verify_revoke(live_server, browser, tmp_path):
    users = users_by_name()
    certificate = certified(users)
    holder = candidate_user(certificate.person)
    serial, certificate_id, username = certificate.serial, certificate.id, holder.username
    db.session.commit()

    own = browser.new_context(accept_downloads=True).new_page()
    browser_login(own, live_server, username, CANDIDATE_PASSWORD)
    own.goto(f"{live_server}/certificates/mine")
    with own.expect_download() as download:
        own.click(f"[data-test=download-{serial}]")
    saved = tmp_path / "mine.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF") and download.value.suggested_filename == f"{serial}.pdf"

    visitor = browser.new_context().new_page()
    visitor.goto(f"{live_server}/verify/{serial}")
    assert visitor.locator("[data-test=verdict]").inner_text() == "有效"

    regulator = browser.new_context().new_page()
    browser_login(regulator, live_server, "regulator")
    regulator.goto(f"{live_server}/certificates/{certificate_id}")
    regulator.fill("#reason", "考试舞弊，依法吊销")
    regulator.click("[data-test=revoke]")
    regulator.check("[data-test=understood]")
    regulator.click("[data-test=revoke-confirm]")
    regulator.wait_for_selector("[data-test=state] >> text=已吊销")

    visitor.reload()
    assert visitor.locator("[data-test=verdict]").inner_text() == "已吊销"
    assert "考试舞弊" not in visitor.content()


def _age_password(app, context) -> None:
    """The log-in's password stamp made 11 minutes old, in the browser's own signed cookie."""
    signer = app.session_interface.get_signing_serializer(app)
    cookie = next(c for c in context.cookies() if c["name"] == app.config["SESSION_COOKIE_NAME"])
    data = signer.loads(cookie["value"])
    data[STAMP] -= 11 * 60
    context.add_cookies([cookie | {"value": signer.dumps(data)}])


@pytest.mark.parametrize("width", [1280, 390])
def test_revoke_confirm_password_then_the_holder_sees_it(app, live_server, browser, tmp_path, width):
    users = users_by_name()
    certificate = certified(users)
    holder = candidate_user(certificate.person)
    serial, certificate_id, username = certificate.serial, certificate.id, holder.username
    name = certificate.person.name
    db.session.commit()
    size = {"width": width, "height": 900 if width > 400 else 844}
    reason = "伪造培训学时记录，依法吊销"

    def shot(page, what: str) -> None:
        path = tmp_path / f"{width}-{what}.png"
        page.screenshot(path=path, full_page=True)
        print(f"\nscreenshot: {path}")

    context = browser.new_context(viewport=size)
    regulator = context.new_page()
    browser_login(regulator, live_server, "regulator")
    _age_password(app, context)
    regulator.goto(f"{live_server}/certificates/{certificate_id}")
    regulator.fill("#reason", reason)
    regulator.click("[data-test=revoke]")
    dialog = regulator.locator("[data-test=revoke-dialog]")
    dialog.wait_for(state="visible")
    consequences = dialog.inner_text()
    assert "公开核验页面立即显示该证书“已吊销”" in consequences and "吊销不可撤销" in consequences
    assert f"{name} 不得再凭此证从事煤矿瓦斯检查作业（持证上岗）" in consequences and reason in consequences
    assert regulator.locator("[data-test=revoke-confirm]").is_disabled()
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # the whole dialog on the screen
    shot(regulator, "revoke-dialog")
    regulator.check("[data-test=understood]")
    regulator.click("[data-test=revoke-confirm]")

    regulator.wait_for_url("**/account/confirm**")
    shot(regulator, "password")
    regulator.fill("input[name=password]", DEMO_PASSWORD)
    regulator.click("[data-test=confirm]")
    regulator.wait_for_url(f"{live_server}/certificates/{certificate_id}")
    regulator.wait_for_selector("[data-test=state] >> text=已吊销")
    assert regulator.locator("[data-test=status-reason]").inner_text() == reason  # kept
    assert regulator.locator("[data-test=status-form]").count() == 0  # nothing left to change
    shot(regulator, "revoked")

    own = browser.new_context(viewport=size).new_page()
    browser_login(own, live_server, username, CANDIDATE_PASSWORD)
    own.goto(f"{live_server}/certificates/mine")
    assert own.locator(f"[data-test=state-{serial}]").inner_text() == "已吊销"
    shot(own, "holder-mine")
    own.goto(f"{live_server}/notifications/")
    assert reason in own.content() and serial in own.content()
    shot(own, "holder-notice")
    own.goto(f"{live_server}/verify/{serial}")
    assert own.locator("[data-test=verdict]").inner_text() == "已吊销"
