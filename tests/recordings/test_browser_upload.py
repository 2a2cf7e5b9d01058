"""In a real browser: a center uploads a recording in chunks, watches the bar, opens the
report, and sees what the analysis found."""

import re

import pytest

from proctoring.models import Recording
from proctoring.tasks import analyse_recording
from training_portal.core.db import db

from ..conftest import browser_login
from .test_recordings import classroom, video  # noqa: F401  (the module's generated video)

pytestmark = pytest.mark.slow


def test_upload_in_chunks_and_open_the_report(live_server, browser, app, video, tmp_path):  # noqa: F811
    path = tmp_path / "第一课.mp4"
    path.write_bytes(video)
    app.config["RECORDING_CHUNK_BYTES"] = 256 * 1024  # several chunks for this small file
    try:
        page = browser.new_context().new_page()
        browser_login(page, live_server, "center")
        page.click("[data-test=recordings]")
        page.click(f"[data-test=upload-{classroom().id}]")
        page.set_input_files("#file", str(path))
        page.fill("#starts_at", "2026-11-20T08:30")
        page.fill("#ends_at", "2026-11-20T09:30")
        page.click("[data-test=send]")
        page.wait_for_url(f"{live_server}/recordings/*")
        assert page.locator("[data-test=analysis-state]").inner_text() == "等待分析"
    finally:
        app.config["RECORDING_CHUNK_BYTES"] = 8 * 1024 * 1024
    recording = db.session.get(Recording, int(page.url.rsplit("/", 1)[1]))  # the one the page opened
    assert recording.size_bytes == len(video)
    analyse_recording.apply(args=[recording.id])  # what the worker does
    page.reload()
    page.wait_for_selector("[data-test=timeline]")
    assert "摄像头被遮挡" in page.locator("[data-test=events]").inner_text()  # in words, not the code


def test_after_a_server_error_the_page_resumes_from_what_the_server_holds(
    live_server,
    browser,
    app,
    video,  # noqa: F811
    tmp_path,
):
    path = tmp_path / "第二课.mp4"
    path.write_bytes(video)
    app.config["RECORDING_CHUNK_BYTES"] = len(video) // 4 + 1  # four chunks
    failed, starts, offsets = [], [], []
    try:
        page = browser.new_context().new_page()
        browser_login(page, live_server, "center")

        def one_chunk_fails(route):  # the server answers one chunk with a 503, as in an outage
            offsets.append(route.request.url.rsplit("offset=", 1)[1])
            if route.request.method == "PUT" and not failed and offsets[-1] != "0":
                failed.append(offsets[-1])
                return route.fulfill(
                    status=503,
                    content_type="application/json",
                    body='{"error": 503, "reason": "数据库暂时不可用"}',
                )
            return route.continue_()

        page.route(lambda url: "/api/recordings/uploads/" in url and "offset=" in url, one_chunk_fails)
        page.on(
            "request",
            lambda r: (
                starts.append(r) if r.method == "POST" and r.url.endswith("/api/recordings/uploads") else None
            ),
        )
        page.goto(f"{live_server}/recordings/upload?classroom={classroom().id}")
        page.set_input_files("#file", str(path))
        page.fill("#starts_at", "2026-11-20T08:30")
        page.fill("#ends_at", "2026-11-20T09:30")
        page.click("[data-test=send]")
        page.wait_for_url(re.compile(r".*/recordings/\d+$"), timeout=60000)
    finally:
        app.config["RECORDING_CHUNK_BYTES"] = 8 * 1024 * 1024
    assert failed and len(starts) == 1  # one upload, resumed, not begun again
    assert offsets.count("0") == 1 and offsets.count(failed[0]) == 2  # the failed chunk sent again
    assert db.session.get(Recording, int(page.url.rsplit("/", 1)[1])).size_bytes == len(video)
