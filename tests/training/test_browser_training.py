"""In a real browser: a center creates a class, imports a roster, adds a lesson and marks
attendance; the trainee then sees the hours on "my training"."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from openpyxl import Workbook

from training_portal.core.db import db
from training_portal.core.i18n import local_zone

from ..conftest import browser_login
from ..exams.conftest import users_by_name

pytestmark = pytest.mark.slow


def _roster(tmp_path, rows) -> str:
    book = Workbook()
    book.active.append(["姓名", "身份证号", "单位", "岗位"])
    for row in rows:
        book.active.append(row)
    path = tmp_path / "花名册.xlsx"
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_a_center_runs_a_class_and_the_trainee_sees_the_hours(live_server, browser, app, tmp_path):
    trainee = users_by_name()["trainee"].person
    name, number = trainee.name, trainee.id_number
    db.session.commit()
    today = datetime.now(local_zone()).date()
    page = browser.new_context().new_page()
    browser_login(page, live_server, "center")
    page.goto(f"{live_server}/training/courses")
    page.click("text=煤矿瓦斯检查作业初次培训")
    page.click("text=新建班次")
    page.fill("#name", "浏览器测试班")
    page.select_option("#classroom_id", label="二号教室")
    page.fill("#starts_on", today.isoformat())
    page.fill("#ends_on", (today + timedelta(days=2)).isoformat())
    page.click("button[type=submit].primary")
    page.wait_for_selector("[data-test=roster]")

    # A roster with a bad identity number is refused whole, with its row named.
    bad_row = ["错号", "222402199001010013", "", "瓦斯检查作业"]
    page.set_input_files("#roster-roster", _roster(tmp_path, [[name, number, "", "瓦斯检查作业"], bad_row]))
    page.click("[data-test=roster-import]")
    assert "row 3" in page.locator("[data-test=roster-errors]").inner_text()
    assert name not in page.locator("[data-test=roster]").inner_text()
    page.set_input_files("#roster-roster", _roster(tmp_path, [[name, number, "", "瓦斯检查作业"]]))
    page.click("[data-test=roster-import]")
    page.wait_for_selector("[data-test=roster-done]")
    assert name in page.locator("[data-test=roster]").inner_text()

    start = f"{today.isoformat()}T00:05"
    page.fill("#lesson-title", "煤矿安全规程")
    page.fill("#lesson-starts_at", start)
    page.fill("#lesson-ends_at", f"{today.isoformat()}T01:35")
    page.fill("#lesson-hours", "2")
    page.click("[data-test=lesson-form] button[type=submit]")
    page.click("text=煤矿安全规程")
    page.wait_for_selector("[data-test=attendance]")
    assert "无视频" in page.locator("[data-test=video-status]").inner_text()
    person_id = trainee.id
    page.fill(f"[data-test=at-{person_id}]", start)
    page.click("[data-test=mark-in]")
    page.wait_for_selector("[data-test=mark-out]")
    page.fill(f"[data-test=at-{person_id}]", f"{today.isoformat()}T01:35")
    page.click("[data-test=mark-out]")
    page.wait_for_selector(f"[data-person='{person_id}'] >> text=01:35")

    own = browser.new_context().new_page()
    browser_login(own, live_server, "trainee")
    own.goto(f"{live_server}/training/me")
    hours = own.locator("[data-test=my-hours]").inner_text()
    assert "煤矿瓦斯检查作业初次培训" in hours
    row = [line for line in hours.splitlines() if str(today.year) in line and "初次培训" in line]
    assert row and "6" in row[0]  # yesterday's demo lesson (4) and today's (2), claimed, none verified
