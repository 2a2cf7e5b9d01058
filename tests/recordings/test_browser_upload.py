"""In a real browser: a center uploads a recording in chunks, watches the bar, opens the
report, and sees what the analysis found."""

import pytest
from sqlalchemy import select

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
    recording = db.session.scalar(select(Recording))
    assert recording.size_bytes == len(video)
    analyse_recording.apply(args=[recording.id])  # what the worker does
    page.reload()
    page.wait_for_selector("[data-test=timeline]")
    assert "摄像头被遮挡" in page.locator("[data-test=events]").inner_text()  # in words, not the code
