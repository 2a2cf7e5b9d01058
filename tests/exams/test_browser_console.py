"""The proctors' console of a full room (30 seats) in a real browser, on a PC's screen (1280 px)
and on a phone (390 px): one card per seat with its name on one line, a side panel per seat with
a confirmation naming the consequence, the grid and the open panel following an act taken on the
other proctor's screen without a reload, the room's bulk acts, and the candidate's clock after
time is added for all."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from training_portal.core.db import db
from training_portal.exams import sessions as session_ops
from training_portal.people import operations as people_ops

from ..conftest import browser_login, png_bytes
from .conftest import CANDIDATE_PASSWORD, approved, candidate_user, gas_inspectors, new_session
from .test_console import approved_candidate

pytestmark = pytest.mark.slow

NAMES = [
    "欧阳思聪", "司马长风", "阿卜杜热合曼·买买提明", "王磊", "诸葛明远", "爱新觉罗·启星", "李娜", "张伟",
    "刘洋", "陈静", "杨帆", "赵丽颖", "黄晓明", "周杰", "吴敏", "徐浩然", "孙悦", "胡军", "朱一龙", "高圆",
    "林志强", "何小萍", "郭德纲", "马云飞", "罗振宇", "梁朝阳",
]  # fmt: skip

# Every name on one line, at least two characters wide (never one character per line), and no
# page wider than the screen.
LAYOUT = """() => {
  const names = [...document.querySelectorAll('.seat-name')];
  const bad = names.filter(n => {
    const r = n.getBoundingClientRect(), s = getComputedStyle(n);
    const shown = Math.min(2, n.textContent.length);  // characters that must fit side by side
    return r.height > parseFloat(s.lineHeight) * 1.3 || r.width < shown * parseFloat(s.fontSize) * 0.9;
  }).map(n => n.textContent);
  // Nothing of a card is cut off at its right edge (the time left last of all).
  const cut = [...document.querySelectorAll('.seat-time')].filter(t =>
    t.getBoundingClientRect().right > t.closest('.seat-open').getBoundingClientRect().right + 1).length;
  return {cards: names.length, bad, cut, wide: document.documentElement.scrollWidth - window.innerWidth,
          columns: new Set(names.map(n => Math.round(n.closest('li').getBoundingClientRect().left))).size};
}"""
CLOCK = """() => {
  const [m, s] = document.querySelector('[data-test=clock]').textContent.split(':').map(Number);
  return m * 60 + s;
}"""


def _full_room(users):
    """Thirty seats: 1–24 checked, 25 refused, 26–30 not checked; ten with a photo on record."""
    session = new_session(users, seats=30)
    applications = [approved(p, users) for p in gas_inspectors()] + [
        approved_candidate(users, n) for n in NAMES
    ]
    seats = [session_ops.seat(session, a, actor=users["reviewer_center"]) for a in applications[:30]]
    session_ops.open_session(session, proctor=users["proctor_center"])
    for attempt in seats:
        attempt.person.photo_key = None  # the demo's photos taken off: ten are set below
    for attempt in seats[:24]:
        session_ops.check_identity(
            attempt, proctor=users["proctor_dept"], confirm=True, reason="核对身份证原件"
        )
    session_ops.check_identity(
        seats[24], proctor=users["proctor_dept"], confirm=False, reason="与证件照片不符"
    )
    for attempt in seats[::3]:
        people_ops.set_photo(attempt.person, png_bytes(color=(90, 120, 160)), actor=users["admin"])
    candidate = candidate_user(seats[0].person)
    db.session.commit()
    return session.id, [a.id for a in seats], candidate.username


def _shot(page, tmp_path, name):
    path = tmp_path / name
    page.screenshot(path=path, full_page=name.endswith("-grid.png"))
    print(f"\nscreenshot: {path}")


def test_a_full_room_on_the_console_at_1280_and_390_px(live_server, browser, users, tmp_path):
    session_id, seats, candidate_name = _full_room(users)
    room = f"{live_server}/exams/sessions/{session_id}"

    # The candidate of seat 1 waits at their PC for the start.
    candidate = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    browser_login(candidate, live_server, candidate_name, CANDIDATE_PASSWORD)
    candidate.goto(f"{live_server}/exam/{seats[0]}")
    expect(candidate.locator("[data-test=start]")).to_be_visible()

    # The education center's proctor on a PC's screen.
    pc = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    browser_login(pc, live_server, "proctor_center")
    pc.goto(room)
    expect(pc.locator(".seat-card")).to_have_count(30)
    layout = pc.evaluate(LAYOUT)
    assert (
        layout["cards"] == 30
        and not layout["bad"]
        and not layout["cut"]
        and layout["wide"] <= 0
        and layout["columns"] >= 5
    ), layout
    assert (
        pc.locator(".seat-card img.thumb").count() == 10
        and pc.locator(".seat-card .thumb.none").count() == 20
    )
    expect(pc.locator("[data-test=seat-25] .flag-identity_refused")).to_be_visible()
    expect(pc.locator("[data-test=seat-30] .flag-identity_pending")).to_be_visible()
    _shot(pc, tmp_path, "1280-console-grid.png")

    # 统一开考: the 24 checked seats, after a confirmation that says how many.
    pc.click("[data-test=start-all]")
    dialog = pc.locator("[data-test=confirm-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("24 个座位")
    _shot(pc, tmp_path, "1280-start-all-confirm.png")
    pc.click("[data-test=confirm-ok]")
    expect(pc.locator("[data-test=seat-24] [data-field=state_label]")).to_have_text("答题中")
    expect(pc.locator("[data-test=seat-25] [data-field=state_label]")).to_have_text("未开始")
    expect(pc.locator("[data-test=add-time-all] [data-count]")).to_have_text("24")
    expect(pc.locator("[data-test=start-all]")).to_be_disabled()
    # The waiting candidate's page finds the exam started (it asks every 5 s while waiting).
    expect(candidate.locator("ol#questions > li")).to_have_count(17, timeout=8000)

    # Seat 30 is not checked yet: its panel leads to the check-in page (camera against photo).
    pc.click("[data-test=seat-30] .seat-open")
    panel = pc.locator("[data-test=seat-panel]")
    check = panel.locator("[data-test=panel-identity-check]")
    expect(check).to_be_visible()
    assert check.get_attribute("href").endswith(f"/exams/attempts/{seats[29]}/identity")

    # The PC proctor opens seat 2's panel: pause is offered, resume is not, nor the check-in.
    pc.click("[data-test=seat-2] .seat-open")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-test=panel-pause]")).to_be_visible()
    expect(panel.locator("[data-test=panel-resume]")).to_be_hidden()
    expect(panel.locator("[data-test=panel-confirm]")).to_be_hidden()
    expect(check).to_be_hidden()

    # The business department's proctor, on a phone, pauses seat 2 from the panel.
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    browser_login(phone, live_server, "proctor_dept")
    phone.goto(room)
    expect(phone.locator(".seat-card")).to_have_count(30)
    layout = phone.evaluate(LAYOUT)
    assert not layout["bad"] and not layout["cut"] and layout["wide"] <= 0 and layout["columns"] == 2, layout
    _shot(phone, tmp_path, "390-console-grid.png")
    phone.click("[data-test=seat-2] .seat-open")
    phone_panel = phone.locator("[data-test=seat-panel]")
    expect(phone_panel).to_be_visible()
    phone_panel.locator("[data-test=panel-pause]").click()  # no reason typed: the browser asks for one
    expect(phone.locator("[data-test=confirm-dialog]")).to_be_hidden()
    phone_panel.locator("[data-test=reason-pause]").fill("考生身体不适")
    phone_panel.locator("[data-test=panel-pause]").click()
    phone_dialog = phone.locator("[data-test=confirm-dialog]")
    expect(phone_dialog).to_contain_text("暂停 2 号座位")
    expect(phone_dialog).to_contain_text("原因：考生身体不适")
    _shot(phone, tmp_path, "390-pause-confirm.png")
    phone.click("[data-test=confirm-ok]")
    expect(phone_panel.locator("[data-test=panel-state]")).to_have_text("已暂停")  # back, the panel open
    expect(phone_panel.locator("[data-test=panel-resume]")).to_be_visible()
    _shot(phone, tmp_path, "390-panel-paused.png")

    # The PC's grid and its open panel follow without a reload: state, flag and buttons.
    expect(pc.locator("[data-test=seat-2] [data-field=state_label]")).to_have_text("已暂停")
    expect(pc.locator("[data-test=seat-2] .flag-paused")).to_be_visible()
    expect(panel.locator("[data-test=panel-resume]")).to_be_visible()
    expect(panel.locator("[data-test=panel-pause]")).to_be_hidden()

    # Termination names its consequence before anything happens; cancelled, nothing does.
    pc.click("[data-test=seat-3] .seat-open")
    panel.locator("[data-test=reason-terminate]").fill("携带手机")
    panel.locator("[data-test=panel-terminate]").click()
    expect(dialog).to_contain_text("终止 3 号座位")
    for words in ("立即结束", "不能再作答", "不合格", "不再安排补考", "申诉", "原因：携带手机"):
        expect(dialog).to_contain_text(words)
    _shot(pc, tmp_path, "1280-terminate-confirm.png")
    pc.click("[data-test=confirm-cancel]")
    expect(dialog).to_be_hidden()
    expect(pc.locator("[data-test=seat-3] [data-field=state_label]")).to_have_text("答题中")
    panel.locator("[data-test=panel-terminate]").click()
    pc.click("[data-test=confirm-ok]")
    expect(pc.locator("[data-test=seat-3] [data-field=state_label]")).to_have_text("已终止")
    expect(panel.locator("[data-test=panel-terminate]")).to_be_hidden()
    expect(phone.locator("[data-test=seat-3] [data-field=state_label]")).to_have_text("已终止")  # live

    # Ten minutes for every seat still answering or paused: 23 (seat 3 is over).
    before = candidate.evaluate(CLOCK)
    pc.click("[data-test=panel-close]")
    pc.fill("[data-test=all-reason]", "考场停电")
    pc.click("[data-test=add-time-all]")
    expect(dialog).to_contain_text("为 23 个座位各延长 10 分钟")
    pc.click("[data-test=confirm-ok]")
    candidate.wait_for_function(f"() => ({CLOCK})() > {before + 500}", polling=100, timeout=5000)
    _shot(candidate, tmp_path, "1280-candidate-after-add-time.png")
    _shot(pc, tmp_path, "1280-console-after.png")
    assert pc.evaluate(LAYOUT)["bad"] == [] and phone.evaluate(LAYOUT)["cut"] == 0  # with clocks running
