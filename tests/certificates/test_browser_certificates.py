"""In a real browser: a passed candidate downloads their certificate; an anonymous visitor
verifies it, and sees it revoked once a regulator has revoked it."""

from __future__ import annotations

import pytest

from training_portal.core.db import db

from ..conftest import browser_login
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
    regulator.wait_for_selector("[data-test=state] >> text=已吊销")

    visitor.reload()
    assert visitor.locator("[data-test=verdict]").inner_text() == "已吊销"
    assert "考试舞弊" not in visitor.content()
