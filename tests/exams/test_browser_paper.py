"""The candidate's paper in a real browser, on a PC (1280 px) and on a phone (390 px): the
duration before the start, sections by type, numbered questions with type and points, the
answer sheet with a question marked for review (kept over a reload), the hand-in naming the
blank and the marked questions, then after both signatures the score, and the review of
answers and 解析 only once the policy opens it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from training_portal.core import policy
from training_portal.core.db import db
from training_portal.exams import sessions as session_ops
from training_portal.exams.models import ExamSession

from ..conftest import browser_login

pytestmark = pytest.mark.slow

BLANK = (3, 7)  # the numbers shown of the questions left unanswered
MARKED = 5


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"] - 40


@pytest.mark.parametrize("width", [1280, 390])
def test_a_sitting_with_the_answer_sheet_then_the_result(live_server, browser, users, tmp_path, width):
    session = db.session.scalar(select(ExamSession))
    attempt = session.attempts[0]
    minutes = attempt.session.blueprint.duration_minutes
    context = browser.new_context(viewport={"width": width, "height": 844 if width < 600 else 900})
    page = context.new_page()

    def shot(name: str, full_page: bool = False) -> None:
        page.screenshot(path=tmp_path / f"{width}-{name}.png", full_page=full_page)

    browser_login(page, live_server, "trainee")
    page.goto(f"{live_server}/exam/{attempt.id}")

    # Before the start the clock shows the whole duration, not 0:00.
    expect(page.locator("[data-test=clock]")).to_have_text(f"{minutes}:00")
    expect(page.locator("[data-test=duration]")).to_contain_text(f"考试时长 {minutes} 分钟")
    shot("1-before-start")
    page.click("[data-test=start]")
    questions = page.locator("ol#questions > li")
    expect(questions).to_have_count(17)
    expect(page.locator("[data-test=duration]")).to_be_hidden()

    # Sections by type in the registry's order, each with its points; numbered questions.
    heads = page.locator("[data-test=section]").all_inner_texts()
    assert [h.split()[0] for h in heads] == ["判断题", "单选题", "多选题"]
    assert all(re.search(r"共 \d+ 题.*共 \d+ 分", h) for h in heads)
    first = questions.nth(0).locator(".q-head").inner_text()
    assert first.startswith("1.") and "判断题" in first and re.search(r"\d+ 分", first)
    multiple = page.locator("li.type-multiple_choice")
    assert multiple.count() > 0
    expect(multiple.first.locator("[data-test=multi-note]")).to_have_text("多选题，选择所有正确答案")
    assert multiple.first.locator("input[type=checkbox]").count() >= 2
    assert page.locator("li.type-single_choice").first.locator("input[type=radio]").count() >= 2
    assert questions.nth(1).locator("label.option .letter").all_inner_texts()[:2] == ["A", "B"]

    for k in range(17):
        if k + 1 not in BLANK:
            questions.nth(k).locator("input").first.check()
    questions.nth(MARKED - 1).locator("[data-test=mark]").click()
    expect(page.locator("[data-test=save-status]")).to_have_text("答案已全部保存")

    sheet = page.locator("[data-test=answer-sheet]")
    if width < 600:  # on a phone the sheet is a bar at the bottom that opens
        assert not sheet.locator("#sheet-grid").is_visible()
        sheet.locator("summary").click()
    expect(sheet.locator("[data-test=sheet-count]")).to_have_text("已答 15/17")
    cells = sheet.locator("[data-test=sheet-cell]")
    assert cells.nth(2).get_attribute("data-state") == "unanswered"
    assert cells.nth(MARKED - 1).get_attribute("data-state") == "answered marked"
    assert cells.nth(0).get_attribute("data-state") == "answered"
    page.evaluate("window.scrollTo(0, 0)")
    shot("2-answer-sheet")
    cells.nth(16).click()  # jump to the last question
    assert _in_view(page, questions.nth(16).locator(".q-head"))
    shot("3-jumped-to-17")
    if width < 600:
        assert not sheet.locator("#sheet-grid").is_visible()  # closed again, the paper shows

    # The mark is kept in the browser with the answers: a reload keeps it.
    page.reload()
    expect(questions).to_have_count(17)
    expect(questions.nth(MARKED - 1).locator("[data-test=mark]")).to_have_attribute("aria-pressed", "true")

    asked = []

    def dismiss_then_remember(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss_then_remember)
    page.click("[data-test=submit]")
    page.wait_for_timeout(200)
    assert "第 3、7 题未作答。" in asked[0] and "第 5 题标记待检查。" in asked[0]
    assert "确定" in asked[0] or "交卷" in asked[0]
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-test=submit]")
    expect(page.locator("[data-test=message]")).to_contain_text("签字后公布成绩")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1

    # Both proctors sign: the score, pass or fail; the answers stay closed by default.
    db.session.expire_all()
    for name in ("proctor_center", "proctor_dept"):
        session_ops.sign(db.session.get(ExamSession, session.id), proctor=users[name])
    db.session.commit()
    page.goto(f"{live_server}/exam/{attempt.id}")
    expect(page.locator("[data-test=verdict]")).to_contain_text("得分")
    expect(page.locator("[data-test=message]")).to_have_text("成绩已公布，见下方。")
    expect(page.locator("[data-test=no-review]")).to_be_visible()
    assert page.locator("[data-test=review]").count() == 0
    shot("4-result-closed", full_page=True)

    policy.set_value("exam.review_after_publication", True, actor=users["admin"])
    db.session.commit()
    page.reload()
    review = page.locator("[data-test=review] li[data-question]")
    expect(review).to_have_count(17)
    assert review.nth(2).locator("text=未作答").count() == 1  # question 3, left blank
    assert "正确答案" in review.nth(0).inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    shot("5-review", full_page=True)
    context.close()
