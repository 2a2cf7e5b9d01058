"""A full sitting in a real browser: the candidate and the two proctors in three contexts,
with the network dropped in the middle of the exam and no answer lost."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from training_portal.core.db import db
from training_portal.exams.models import ExamAttempt, ExamSession

from ..conftest import browser_login

pytestmark = pytest.mark.slow


def test_full_sitting_with_a_network_drop(live_server, browser, app):
    session = db.session.scalar(select(ExamSession))
    attempt_id = session.attempts[0].id
    candidate_ctx = browser.new_context()
    candidate = candidate_ctx.new_page()
    browser_login(candidate, live_server, "trainee")
    candidate.click("[data-test=my-exams]")
    candidate.click("[data-test=go-exam]")
    candidate.click("[data-test=start]")
    candidate.wait_for_selector("ol#questions > li")
    questions = candidate.locator("ol#questions > li")
    total = questions.count()
    assert total == 17

    # The proctors watch the room.
    proctors = []
    for name in ("proctor_center", "proctor_dept"):
        page = browser.new_context().new_page()
        browser_login(page, live_server, name)
        page.goto(f"{live_server}/exams/sessions/{session.id}")
        proctors.append(page)

    half = total // 2
    for k in range(half):
        questions.nth(k).locator("input").first.check()
    saved = candidate.locator("#exam").get_attribute("data-msg-saved")
    expect(candidate.locator("[data-test=save-status]")).to_have_text(saved)

    candidate_ctx.set_offline(True)
    for k in range(half, total):
        questions.nth(k).locator("input").first.check()
    candidate.wait_for_timeout(800)
    status = candidate.locator("[data-test=save-status]").inner_text()
    assert status == candidate.locator("#exam").get_attribute("data-msg-offline")
    db.session.expire_all()
    assert len(db.session.get(ExamAttempt, attempt_id).answers) == half  # only what got through

    # The PC's browser is closed while the network is down; the answers wait in it.
    candidate.close()
    candidate_ctx.set_offline(False)
    candidate = candidate_ctx.new_page()
    candidate.goto(f"{live_server}/exam/{attempt_id}")
    candidate.wait_for_selector("ol#questions > li")
    expect(candidate.locator("[data-test=save-status]")).to_have_text(saved, timeout=15000)
    db.session.expire_all()
    assert len(db.session.get(ExamAttempt, attempt_id).answers) == total

    candidate.once("dialog", lambda dialog: dialog.accept())
    candidate.click("[data-test=submit]")
    candidate.wait_for_selector("[data-test=message]:not([hidden])")

    for page in proctors:
        page.reload()
        page.click("[data-test=sign]")
        page.wait_for_load_state()
    assert "已签字" in proctors[1].locator("[data-test=session-status]").inner_text()

    candidate.goto(f"{live_server}/exams/")
    row = candidate.locator("[data-test=attempts] tbody tr").first.inner_text()
    assert "合格" in row  # the result is shown once both have signed
