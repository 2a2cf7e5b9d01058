"""In a real browser on a 390 px phone, the demo trainee practises (one wrong, one right answer),
sees the question in the wrong-answer book, then hands in a mock exam and sees the score."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from training_portal.core.db import db
from training_portal.practice.models import PracticeItem, PracticeRound

from ..conftest import browser_login

pytestmark = pytest.mark.slow

SHOTS = os.environ.get("PRACTICE_SCREENSHOTS")  # a folder to keep the screenshots in


def _item(question_id: int) -> PracticeItem:
    db.session.commit()  # a fresh snapshot: the server wrote the round
    latest = db.session.scalar(select(PracticeRound.id).order_by(PracticeRound.id.desc()))
    return db.session.scalar(
        select(PracticeItem).where(PracticeItem.round_id == latest, PracticeItem.question_id == question_id)
    )


def _right(item: PracticeItem) -> list[int]:
    return [shown for shown, k in enumerate(item.option_order) if k in item.version.correct]


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _answer(page, right: bool) -> tuple[int, str]:
    question = page.locator("#question")
    question_id = int(question.get_attribute("data-question"))
    item = _item(question_id)
    correct = _right(item)
    chosen = correct if right else [next(k for k in range(len(item.option_order)) if k not in correct)]
    for k in chosen:
        page.check(f"#question label[data-option='{k}'] input")
    page.click("[data-test=check]")
    page.wait_for_selector("[data-test=feedback]:visible")
    return question_id, item.version.stem


def test_practice_the_book_and_a_mock_on_a_phone(live_server, browser):
    db.session.commit()
    page = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    browser_login(page, live_server, "trainee")
    page.click("nav >> text=练习")
    page.wait_for_selector("[data-test=start-practice]")
    _shot(page, "1-index")
    page.click("[data-test=start-practice]")
    page.wait_for_selector("#question label.option")
    assert page.locator("[data-test=counter]").inner_text().startswith("第 1 题")
    _shot(page, "2-question")

    missed, stem = _answer(page, right=False)
    feedback = page.locator("[data-test=feedback]").inner_text()
    assert "答错了" in feedback and "解析" in feedback
    assert page.locator("#question label.wrong").count() == 1
    _shot(page, "3-wrong")
    page.click("[data-test=next]")
    page.wait_for_selector("[data-test=check]:visible")
    _answer(page, right=True)
    assert "答对了" in page.locator("[data-test=feedback]").inner_text()
    _shot(page, "4-right")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling

    page.goto(f"{live_server}/practice/wrong-answers")
    book = page.locator("[data-test=book]").inner_text()
    assert stem in book and "答错 1 次" in book
    assert page.locator("[data-test=book] li").count() == 1
    assert page.locator("[data-test=weakest]").is_visible()
    _shot(page, "5-book")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1

    page.goto(f"{live_server}/practice/")
    page.click("[data-test=start-mock]")
    page.wait_for_selector("#questions li")
    expect(page.locator("[data-test=clock]")).to_have_text(re.compile(r"^1(20|19):[0-5][0-9]$"))
    for li in page.locator("#questions > li").all():
        li.locator("input").first.check()
    expect(page.locator("[data-test=save-status]")).to_have_text("答案已全部保存")
    _shot(page, "6-mock")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("[data-test=submit]")
    page.wait_for_selector("[data-test=score]")
    assert "得分" in page.locator("[data-test=score]").inner_text()
    assert page.locator("[data-test=review] > li").count() == 17  # the demo exam blueprint's paper
    _shot(page, "7-mock-result")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    assert missed  # the practised question was really in the book before the mock
