"""In a real browser on a 390 px phone, the demo trainee opens the online lesson, plays the
H.264 video (Debian's Chromium plays it), answers the check question when it comes, and sees the
study time credited."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from training_portal.core.db import db
from training_portal.learning.models import Viewing

from ..conftest import browser_login

pytestmark = pytest.mark.slow

SHOTS = os.environ.get("LEARNING_SCREENSHOTS")  # a folder to keep the screenshots in


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_a_lesson_video_with_its_check_question_on_a_phone(live_server, browser):
    db.session.commit()
    page = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    browser_login(page, live_server, "trainee")
    page.click("nav >> text=线上学习")
    page.click("[data-test=my-lessons] a")
    page.wait_for_selector("[data-test=credited]")
    assert "0.0 分钟" in page.locator("[data-test=credited]").inner_text()
    page.locator("#video").click()  # a tap on the video plays it
    page.wait_for_function("() => document.getElementById('video').currentTime > 2", timeout=20_000)
    _shot(page, "1-playing")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling

    page.wait_for_selector("[data-test=check]:visible", timeout=60_000)
    assert page.evaluate("document.getElementById('video').paused")  # the question stops the video
    stem = page.locator("#check-stem").inner_text()
    assert stem.startswith("确认题：")
    _shot(page, "2-check")
    db.session.commit()
    viewing = db.session.scalar(
        select(Viewing).where(Viewing.lesson_id.is_not(None)).order_by(Viewing.id.desc())
    )
    page.click(f"[data-test=option-{viewing.check['answer']}]")
    page.wait_for_selector("[data-test=check]", state="hidden")
    assert "回答正确" in page.locator("[data-test=message]").inner_text()
    credited = page.locator("[data-test=credited]").inner_text()
    assert "已计学习时长" in credited and "0.0 分钟" not in credited
    _shot(page, "3-credited")
    db.session.commit()
    db.session.refresh(viewing)
    assert viewing.credited_s > 5 and viewing.checks_passed == 1


def test_the_same_file_chosen_for_another_lesson_is_not_resumed_into_the_first(
    live_server, browser, clip, tmp_path
):
    import hashlib
    import re
    from datetime import timedelta

    from proctoring import operations as uploads
    from proctoring.models import Upload
    from training_portal.accounts.models import User
    from training_portal.core.db import utcnow
    from training_portal.demo.seed import DEMO_ONLINE_LESSON
    from training_portal.learning import operations as ops
    from training_portal.learning.models import OnlineLesson

    first = db.session.scalar(select(OnlineLesson).where(OnlineLesson.title == DEMO_ONLINE_LESSON))
    staff = db.session.scalar(select(User).where(User.username == "center"))
    second = ops.add_lesson(first.course, "第二课", actor=staff)
    db.session.commit()
    video = tmp_path / "课.mp4"
    video.write_bytes(clip)
    page = browser.new_page()
    browser_login(page, live_server, "center")
    chunks = re.compile(r"/api/learning/uploads/[^/]+\?offset=")
    page.route(chunks, lambda route: route.abort())  # the connection drops on the first lesson
    page.goto(f"{live_server}/learning/lessons/{first.id}")
    page.set_input_files("#file", str(video))
    page.click("#send")
    page.wait_for_function("() => Object.keys(sessionStorage).some(k => k.startsWith('upload:'))")
    page.unroute(chunks)
    page.goto(f"{live_server}/learning/lessons/{second.id}")
    page.set_input_files("#file", str(video))
    with page.expect_navigation(timeout=30_000):  # to the page of the lesson the video went to
        page.click("#send")
    assert page.url == f"{live_server}/learning/lessons/{second.id}"
    db.session.expire_all()
    assert db.session.get(OnlineLesson, second.id).video_sha256 == hashlib.sha256(clip).hexdigest()
    # The first lesson's unfinished upload goes as the cleaning job would take it.
    uploads.delete_abandoned_uploads(utcnow() + timedelta(minutes=1))
    db.session.commit()
    assert db.session.scalar(select(Upload.id).where(Upload.purpose == ops.purpose_of(first))) is None
