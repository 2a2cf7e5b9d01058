"""Classroom recordings: resumable chunked upload checked by content, the analysis job
(idempotent), the report page, and who may upload and see what."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from proctoring import operations as ops
from proctoring.models import Recording, RecordingEvent, Upload
from proctoring.synthetic import ClassroomSpec, Scripted, write_classroom
from proctoring.tasks import analyse_recording, delete_expired_recordings
from training_portal.core import storage
from training_portal.core.db import db
from training_portal.organisations.models import Classroom, Organisation

from ..conftest import csrf_token, login

# Every test here uploads or analyses generated video: slow (run with the full suite).
pytestmark = pytest.mark.slow

DURATION_S = 310.0  # just over the policy's 5 minutes: shorter recordings are refused


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    path = tmp_path_factory.mktemp("rec") / "lesson.mp4"
    write_classroom(
        path, ClassroomSpec(duration_s=DURATION_S, fps=5, seed=5, events=(Scripted("covered", 14, 24),))
    )
    return path.read_bytes()


@pytest.fixture(scope="module")
def short_video(tmp_path_factory):
    path = tmp_path_factory.mktemp("rec") / "clip.mp4"
    write_classroom(path, ClassroomSpec(duration_s=60.0, fps=5, seed=5))
    return path.read_bytes()


def classroom(center="长春市矿山安全技术培训中心") -> Classroom:
    org = db.session.scalar(select(Organisation).where(Organisation.name == center))
    return org.classrooms[0]


def staff_client(app):
    client = app.test_client()
    login(client, "center")
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client, "/")
    return client


def start(client, room, size, **kw):
    body = {
        "classroom_id": room.id,
        "size": size,
        "filename": "第一课.mp4",
        "starts_at": "2026-11-20T08:30",
        "ends_at": "2026-11-20T09:30",
    } | kw
    return client.post("/api/recordings/uploads", json=body)


def send(client, upload_id, data, chunk=64 * 1024, offset=0):
    while offset < len(data):
        response = client.put(
            f"/api/recordings/uploads/{upload_id}?offset={offset}", data=data[offset : offset + chunk]
        )
        assert response.status_code == 200, response.get_json()
        offset = response.get_json()["received"]
    return offset


def test_a_chunked_upload_resumes_and_becomes_a_recording(demo, app, video):
    client = staff_client(app)
    room = classroom()
    upload_id = start(client, room, len(video)).get_json()["id"]
    half = len(video) // 2
    send(client, upload_id, video[:half])
    # The connection dropped: a chunk at the wrong offset is refused with where to go on.
    wrong = client.put(f"/api/recordings/uploads/{upload_id}?offset=0", data=video[:10])
    assert wrong.status_code == 409 and wrong.get_json()["received"] == half
    assert client.get(f"/api/recordings/uploads/{upload_id}").get_json()["received"] == half
    send(client, upload_id, video, offset=half)
    done = client.post(f"/api/recordings/uploads/{upload_id}/complete")
    assert done.status_code == 200
    recording = db.session.get(Recording, done.get_json()["recording"])
    assert recording.size_bytes == len(video) and recording.status == "queued"
    assert storage.read(recording.storage_key) == video
    assert recording.retain_until.year == 2029  # the policy's three years
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 0


@pytest.mark.parametrize("bad", [b"", b"not a video at all" * 100, "truncated"])
def test_non_videos_and_truncated_files_are_refused(demo, app, video, bad):
    client = staff_client(app)
    recordings_before = db.session.scalar(select(func.count()).select_from(Recording))  # the demo's
    data = video[: len(video) * 2 // 3] if bad == "truncated" else bad
    response = start(client, classroom(), len(data))
    if not data:
        assert response.status_code == 400
        return
    upload_id = response.get_json()["id"]
    send(client, upload_id, data)
    refused = client.post(f"/api/recordings/uploads/{upload_id}/complete")
    assert refused.status_code == 422 and refused.get_json()["reason"]
    assert db.session.scalar(select(func.count()).select_from(Recording)) == recordings_before
    # Nothing of a refused upload is kept: neither its row nor its staged bytes.
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 0
    assert not storage.staging_path(f"{upload_id}.part").exists()
    assert client.get(f"/api/recordings/uploads/{upload_id}").status_code == 404


def test_oversize_is_refused_before_anything_is_sent(demo, app):
    client = staff_client(app)
    response = start(client, classroom(), app.config["RECORDING_MAX_BYTES"] + 1)
    assert response.status_code == 400


def test_a_center_uploads_only_for_its_own_classrooms(demo, app, video):
    client = staff_client(app)
    assert start(client, classroom("延边州安全生产培训学校"), len(video)).status_code == 403
    regulator = app.test_client()
    login(regulator, "regulator")
    regulator.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(regulator, "/")
    assert start(regulator, classroom(), len(video)).status_code == 403


def test_the_analysis_job_finds_the_events_and_a_rerun_replaces_them(demo, app, video):
    client = staff_client(app)
    upload_id = start(client, classroom(), len(video)).get_json()["id"]
    send(client, upload_id, video, chunk=1 << 20)
    recording_id = client.post(f"/api/recordings/uploads/{upload_id}/complete").get_json()["recording"]
    for _ in range(2):  # a re-run (a crashed worker's job taken up again) changes nothing
        result = analyse_recording.apply(args=[recording_id])
        assert result.get()["status"] == "analysed"
    db.session.expire_all()
    recording = db.session.get(Recording, recording_id)
    kinds = [e.kind for e in recording.events]
    assert kinds == ["covered"]
    assert db.session.scalar(select(func.count()).select_from(RecordingEvent)) == 1
    assert recording.report["samples"] and recording.report["duration_s"] == DURATION_S
    page = client.get(f"/recordings/{recording_id}")
    # The event in words, not its code.
    assert page.status_code == 200 and 'data-test="timeline"' in page.text and "摄像头被遮挡" in page.text
    evidence = client.get(f"/recordings/events/{recording.events[0].id}/evidence.jpg")
    assert evidence.status_code == 200 and evidence.data[:3] == b"\xff\xd8\xff"
    assert client.get(f"/recordings/{recording_id}/progress").get_json() == {
        "status": "analysed",
        "label": "分析完成",
        "progress": 1.0,
    }
    other = app.test_client()
    login(other, "mine_officer")
    assert other.get(f"/recordings/{recording_id}").status_code == 403


def _analysed(app, video) -> Recording:
    client = staff_client(app)
    upload_id = start(client, classroom(), len(video)).get_json()["id"]
    send(client, upload_id, video, chunk=1 << 20)
    recording_id = client.post(f"/api/recordings/uploads/{upload_id}/complete").get_json()["recording"]
    analyse_recording.apply(args=[recording_id])
    db.session.expire_all()
    return db.session.get(Recording, recording_id)


def test_a_stretch_is_judged_by_the_share_of_its_time_trusted_with_the_right_count(demo, app, video):
    recording = _analysed(app, video)  # 8 people throughout; the lens covered from 14 to 24 s

    def judge(start, end, people, tolerance=0):
        return ops.judge(recording, start, end, people, tolerance=tolerance, min_share=0.9)

    whole = judge(30, DURATION_S, 8)
    assert whole.verified and whole.share == 1.0 and whole.median_count == 8
    # Attendance claims what the video does not show.
    claimed = judge(30, DURATION_S, 4, tolerance=1)
    assert not claimed.verified and claimed.why == "head_count" and claimed.off == 1.0
    # A minute with the lens covered for 10 s of it: 80% at most.
    covered = judge(0, 60, 8)
    assert not covered.verified and covered.why == "untrusted" and 0.1 <= covered.untrusted <= 0.2
    # The same 10 s at the edge of a long stretch costs those seconds, not the stretch.
    edge = judge(20, DURATION_S, 8)
    assert edge.verified and 0.97 <= edge.share < 1.0


def test_a_recording_shorter_than_the_policy_minimum_is_refused_with_that_reason(demo, app, short_video):
    client = staff_client(app)
    recordings_before = db.session.scalar(select(func.count()).select_from(Recording))  # the demo's
    upload_id = start(client, classroom(), len(short_video)).get_json()["id"]
    send(client, upload_id, short_video, chunk=1 << 20)
    refused = client.post(f"/api/recordings/uploads/{upload_id}/complete")
    assert refused.status_code == 422
    assert "60" in refused.get_json()["reason"] and "5" in refused.get_json()["reason"]
    assert db.session.scalar(select(func.count()).select_from(Recording)) == recordings_before
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 0
    assert not storage.staging_path(f"{upload_id}.part").exists()


def test_cleanup_never_deletes_before_the_retention_date(demo, app, video):
    recording = _analysed(app, video)
    key, recording_id = recording.storage_key, recording.id
    # The demo's older recordings (of its earlier class) expire first: the counts are of ours too.
    day_before = recording.retain_until.isoformat()
    older = db.session.scalar(
        select(func.count()).select_from(Recording).where(Recording.retain_until < recording.retain_until)
    )
    assert delete_expired_recordings.apply(kwargs={"today": day_before}).get() == older
    db.session.expire_all()
    assert storage.exists(key) and db.session.get(Recording, recording_id) is not None
    day_after = (recording.retain_until + timedelta(days=1)).isoformat()
    assert delete_expired_recordings.apply(kwargs={"today": day_after}).get() == 1
    db.session.expire_all()
    assert not storage.exists(key) and db.session.get(Recording, recording_id) is None


def _age(upload_id: str, hours: float) -> None:
    """Make an upload's row and staged file look ``hours`` old."""
    upload = db.session.get(Upload, upload_id)
    upload.created_at -= timedelta(hours=hours)
    db.session.commit()
    when = time.time() - hours * 3600
    os.utime(storage.staging_path(f"{upload_id}.part"), (when, when))


def test_uploads_abandoned_for_a_day_are_deleted_with_their_staged_files(demo, app, video):
    from proctoring.tasks import delete_abandoned_uploads

    assert "proctoring.delete_abandoned_uploads" in {
        entry["task"] for entry in app.config["CELERY"]["beat_schedule"].values()
    }
    client = staff_client(app)
    room = classroom()
    ids = [start(client, room, len(video)).get_json()["id"] for _ in range(3)]
    abandoned, slow, fresh = ids
    send(client, abandoned, video[:1000])
    send(client, slow, video[:1000])
    _age(abandoned, 25)
    _age(slow, 25)
    send(client, slow, video[:2000], offset=1000)  # begun yesterday, still arriving
    orphan = storage.staging_path("0" * 32 + ".part")  # staged by a request that then failed
    orphan.write_bytes(b"x" * 100)
    yesterday = time.time() - 25 * 3600
    os.utime(orphan, (yesterday, yesterday))

    assert delete_abandoned_uploads.apply().get() == 1
    db.session.expire_all()
    assert db.session.get(Upload, abandoned) is None
    assert not storage.staging_path(f"{abandoned}.part").exists() and not orphan.exists()
    assert client.get(f"/api/recordings/uploads/{abandoned}").status_code == 404
    for upload_id in (slow, fresh):
        assert storage.staging_path(f"{upload_id}.part").exists()
        assert db.session.get(Upload, upload_id) is not None
    assert client.get(f"/api/recordings/uploads/{slow}").get_json()["received"] == 2000
    assert delete_abandoned_uploads.apply().get() == 0


def test_exam_room_recordings_come_from_the_rooms_proctors_and_are_kept_three_years(demo, app, video):
    from training_portal.exams.models import ExamSession

    session = db.session.scalar(select(ExamSession))
    proctor = app.test_client()
    login(proctor, "proctor_dept")
    proctor.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(proctor, "/")
    body = {
        "exam_session_id": session.id,
        "size": len(video),
        "filename": "考场.mp4",
        "starts_at": "2026-11-29T08:00",
        "ends_at": "2026-11-29T10:00",
    }
    upload_id = proctor.post("/api/recordings/uploads", json=body).get_json()["id"]
    send(proctor, upload_id, video, chunk=1 << 20)
    recording_id = proctor.post(f"/api/recordings/uploads/{upload_id}/complete").get_json()["recording"]
    recording = db.session.get(Recording, recording_id)
    assert recording.exam_session_id == session.id and recording.retain_until.year == 2029
    assert proctor.get(f"/recordings/{recording_id}").status_code == 200
    center = staff_client(app)
    assert center.post("/api/recordings/uploads", json=body).status_code == 403
    assert center.get(f"/recordings/{recording_id}").status_code == 403


def test_a_failed_analysis_says_why_and_a_retry_completes_it(demo, app, video, monkeypatch):
    import proctoring.analysis

    client = staff_client(app)
    upload_id = start(client, classroom(), len(video)).get_json()["id"]
    send(client, upload_id, video, chunk=1 << 20)
    recording_id = client.post(f"/api/recordings/uploads/{upload_id}/complete").get_json()["recording"]

    def broken(*_args, **_kwargs):
        raise MemoryError("decoder ran out of memory")

    monkeypatch.setattr(proctoring.analysis, "analyse", broken)
    assert analyse_recording.apply(args=[recording_id]).get()["status"] == "failed"
    db.session.expire_all()
    recording = db.session.get(Recording, recording_id)
    assert (recording.status, recording.failure) == ("failed", "MemoryError: decoder ran out of memory")
    page = client.get(f"/recordings/{recording_id}").text
    assert "分析失败" in page and "MemoryError: decoder ran out of memory" in page and ">failed<" not in page
    monkeypatch.undo()
    token = csrf_token(client, f"/recordings/{recording_id}")
    assert client.post(f"/recordings/{recording_id}/retry", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Recording, recording_id).status == "queued"
    assert analyse_recording.apply(args=[recording_id]).get()["status"] == "analysed"  # the queued job
    db.session.expire_all()
    assert db.session.get(Recording, recording_id).failure == ""
    assert client.post(f"/recordings/{recording_id}/retry", data={"csrf_token": token}).status_code == 409
