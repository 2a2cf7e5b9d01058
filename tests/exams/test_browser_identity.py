"""The check-in in Chromium with a fake camera: the camera shows a real photograph (a y4m made
here from the demo's photos), the page sends a frame, the server compares it with the photo
on record, and the proctor decides. A matching and a non-matching face, at 1280 and 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from training_portal.core.db import db
from training_portal.demo import photos
from training_portal.exams import sessions as session_ops
from training_portal.exams.models import IdentityCheck, ProctorAction
from training_portal.people import operations as people_ops

from ..conftest import CHROMIUM_ARGS, browser_login
from .conftest import approved, gas_inspectors, new_session
from .y4m import write_y4m

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def camera_file(tmp_path_factory):
    return tmp_path_factory.mktemp("camera") / "camera.y4m"


@pytest.fixture(scope="module")
def camera_browser(camera_file):
    """Chromium whose camera plays ``camera_file`` (rewritten before each page opens it)."""
    from playwright.sync_api import sync_playwright

    write_y4m(camera_file, photos.named("obama2"))
    fake = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={camera_file}",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS + fake)
        yield browser
        browser.close()


def _seats(users, n: int):
    session = new_session(users)
    seats = []
    for person in gas_inspectors()[:n]:
        people_ops.set_photo(person, photos.named("obama"), actor=None)
        seats.append(session_ops.seat(session, approved(person, users), actor=users["reviewer_center"]))
    session_ops.open_session(session, proctor=users["proctor_center"])
    db.session.commit()
    return seats


@pytest.mark.parametrize("width", [1280, 390])
def test_a_matching_and_a_non_matching_face_at_the_check_in(
    live_server, camera_browser, camera_file, users, tmp_path, width
):
    match, impostor = _seats(users, 2)
    page = camera_browser.new_context(viewport={"width": width, "height": 900}).new_page()
    browser_login(page, live_server, "proctor_center")
    shots = {}
    cases = ((match, "obama2", "很可能是同一人"), (impostor, "biden", "很可能不是同一人"))
    for attempt, face, verdict in cases:
        write_y4m(camera_file, photos.named(face))
        page.goto(f"{live_server}/exams/attempts/{attempt.id}/identity")
        expect(page.locator("[data-test=photo-on-record]")).to_be_visible()
        capture = page.locator("[data-test=capture]")
        expect(capture).to_be_enabled(timeout=10_000)  # the camera is playing
        page.wait_for_function("() => document.querySelector('video').videoWidth > 0")
        capture.click()
        expect(page.locator("[data-test=verdict]")).to_contain_text(verdict, timeout=15_000)
        shots[face] = tmp_path / f"identity-{width}-{face}.png"
        page.screenshot(path=shots[face], full_page=True)
        print(f"\nscreenshot: {shots[face]}")
    # The decisions stay the proctor's: confirm the match, refuse the other with a reason.
    page.goto(f"{live_server}/exams/attempts/{match.id}/identity")
    page.click("[data-test=confirm]")
    expect(page.locator("[data-test=identity-state]")).to_have_text("身份已确认")
    page.goto(f"{live_server}/exams/attempts/{impostor.id}/identity")
    page.click("[data-test=refuse]")  # no reason: the page says so and nothing is written
    expect(page.locator("[data-test=field-error-reason]")).to_be_visible()
    page.fill("[data-test=reason]", "与档案照片不符，非本人")
    page.click("[data-test=refuse]")
    expect(page.locator("[data-test=identity-state]")).to_have_text("身份核验未通过")
    page.context.close()
    db.session.expire_all()
    assert match.identity is IdentityCheck.CONFIRMED and match.identity_same_person is True
    assert impostor.identity is IdentityCheck.REFUSED and impostor.identity_same_person is False
    reasons = db.session.scalars(select(ProctorAction.reason).where(ProctorAction.attempt_id == impostor.id))
    assert list(reasons) == ["与档案照片不符，非本人"]
