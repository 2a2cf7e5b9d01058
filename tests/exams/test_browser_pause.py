"""A proctor's pause, resume, added time and termination reach the candidate's open page in a
real browser without a reload: the page locks with the reason and its clock stands still,
unlocks, follows the server's clock after added time, and says why it was ended.

The delays are measured and printed (run with -s), not asserted: the waits are bounded."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from training_portal.core.db import db
from training_portal.exams import attempts
from training_portal.exams import sessions as session_ops
from training_portal.exams.models import ExamSession

from ..conftest import browser_login

pytestmark = pytest.mark.slow

CLOCK_SECONDS = """() => {
  const [m, s] = document.querySelector('[data-test=clock]').textContent.split(':').map(Number);
  return m * 60 + s;
}"""
CLOCK_ABOVE = """(least) => {
  const [m, s] = document.querySelector('[data-test=clock]').textContent.split(':').map(Number);
  return m * 60 + s > least;
}"""


def test_pause_resume_added_time_and_termination_reach_the_open_page(live_server, browser, users, tmp_path):
    session = db.session.scalar(select(ExamSession))
    attempt = session.attempts[0]
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    browser_login(page, live_server, "trainee")
    page.goto(f"{live_server}/exam/{attempt.id}")
    page.click("[data-test=start]")
    questions = page.locator("ol#questions > li")
    expect(questions).to_have_count(17)
    options = page.locator("ol#questions input")
    questions.nth(0).locator("input").first.check()
    expect(page.locator("[data-test=save-status]")).to_have_text("答案已全部保存")
    message = page.locator("[data-test=message]")
    delays = {}

    def after(action, name, seen, arg=None):
        """Act as the proctor, then wait (bounded; looked at every 50 ms) until the page shows it."""
        db.session.refresh(attempt)
        action()
        db.session.commit()
        since = time.monotonic()
        page.wait_for_function(seen, arg=arg, polling=50, timeout=5000)
        delays[name] = time.monotonic() - since

    # Paused while answering: the page locks, says so and why, and its clock stands still.
    after(
        lambda: session_ops.pause(attempt, proctor=users["proctor_center"], reason="考场停电"),
        "pause",
        "() => document.querySelector('ol#questions input').disabled",
    )
    expect(options.first).to_be_disabled()
    expect(message).to_be_visible()
    expect(message).to_contain_text("考试已暂停")
    expect(message).to_contain_text("原因：考场停电")
    assert options.evaluate_all("els => els.every(e => e.disabled)")
    assert page.locator("[data-test=mark]").first.is_disabled()
    assert page.locator("[data-test=submit]").is_disabled()
    page.screenshot(path=tmp_path / "390-paused.png")
    print(f"\nscreenshot: {tmp_path / '390-paused.png'}")
    page.wait_for_timeout(600)  # one tick of the page's clock after the pause
    clock = page.locator("[data-test=clock]").inner_text()
    page.wait_for_timeout(2100)
    assert page.locator("[data-test=clock]").inner_text() == clock  # stands still
    clicked = questions.nth(2).locator("label.option").first
    clicked.click(force=True)
    assert not clicked.locator("input").is_checked()  # not clickable

    # Resumed: unlocked, the message gone.
    after(
        lambda: session_ops.resume(attempt, proctor=users["proctor_dept"]),
        "resume",
        "() => !document.querySelector('ol#questions input').disabled",
    )
    expect(options.first).to_be_enabled()
    expect(message).to_be_hidden()
    questions.nth(1).locator("input").first.check()
    expect(page.locator("[data-test=save-status]")).to_have_text("答案已全部保存")

    # Ten minutes added: the page's clock follows the server's.
    before = page.evaluate(CLOCK_SECONDS)
    after(
        lambda: session_ops.add_time(attempt, proctor=users["proctor_center"], minutes=10, reason="停电补时"),
        "add_time",
        CLOCK_ABOVE,
        before + 500,
    )
    db.session.refresh(attempt)
    server = attempts.remaining_seconds(attempt)
    shown = page.evaluate(CLOCK_SECONDS)
    assert abs(shown - server) <= 3, (shown, server)

    # Terminated: locked for good, told why.
    after(
        lambda: session_ops.terminate(attempt, proctor=users["proctor_dept"], reason="携带手机"),
        "terminate",
        "() => document.querySelector('[data-test=message]').textContent.includes('监考员已终止您的考试')",
    )
    expect(message).to_contain_text("监考员已终止您的考试")
    expect(message).to_contain_text("原因：携带手机")
    assert options.evaluate_all("els => els.every(e => e.disabled)")
    expect(page.locator("[data-test=submit]")).to_be_hidden()
    print("delays to the candidate's page (s): " + ", ".join(f"{k} {v:.2f}" for k, v in delays.items()))
