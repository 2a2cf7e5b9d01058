"""Networked classroom cameras: the registry, credentials kept apart, sampling and status, the
regulators' wall and the 联网 figure, with a real RTSP camera going offline and coming back."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from proctoring import cameras as cam
from proctoring.live import BadStreamUrl, StreamAddress, grab, parse_stream_url
from proctoring.models import CameraStatusChange
from proctoring.tasks import sample_cameras
from training_portal.core import storage
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db, utcnow
from training_portal.core.i18n import local_today
from training_portal.core.permissions import Role

from .. import factories as make
from ..conftest import csrf_token, login
from .conftest import free_port

SECRET = "s3cret-Pa55"


def _refused_url() -> str:
    return f"rtsp://127.0.0.1:{free_port()}/room"  # nothing listens there


def test_stream_addresses_are_checked_and_credentials_kept_apart():
    address = parse_stream_url(f"rtsp://admin:{SECRET}@10.1.2.3:554/Streaming/Channels/101")
    assert address == StreamAddress("rtsp://10.1.2.3:554/Streaming/Channels/101", "admin", SECRET)
    assert parse_stream_url("HTTPS://cam.example/snap?x=1", "u", "p").url == "https://cam.example/snap?x=1"
    for bad in (
        "file:///etc/passwd",
        "ftp://h/x",
        "rtsp://",
        "rtsp://h/a b",
        "rtsp://h:99999/x",
        "",
        "x" * 600,
    ):
        with pytest.raises(BadStreamUrl):
            parse_stream_url(bad)


def _setup():
    province = make.region()
    city, other_city = make.region(parent=province), make.region(parent=province)
    center = make.center(region=city)
    room = make.classroom(center)
    staff = make.user(Role.CENTER_STAFF, at=center)
    regulator = make.user(Role.REGULATOR, at=make.regulator(region=city))
    stranger = make.user(Role.REGULATOR, at=make.regulator(region=other_city))
    other_staff = make.user(Role.CENTER_STAFF, at=make.center(region=city))
    db.session.commit()
    return room, staff, regulator, stranger, other_staff


def test_the_center_registers_its_camera_and_credentials_stay_out_of_pages_and_audit(ctx, client):
    room, staff, regulator, stranger, other_staff = _setup()
    form = {"stream_url": f"rtsp://admin:{SECRET}@10.1.2.3/ch1", "username": "", "password": ""}
    login(client, other_staff.username, make.PASSWORD)
    token = csrf_token(client, f"/cameras/classrooms/{room.id}")
    assert client.post(f"/cameras/classrooms/{room.id}", data=form | {"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login(client, staff.username, make.PASSWORD)
    token = csrf_token(client, f"/cameras/classrooms/{room.id}")
    bad = client.post(
        f"/cameras/classrooms/{room.id}", data=form | {"stream_url": "file:///x", "csrf_token": token}
    )
    assert bad.status_code == 422 and "rtsp://" in bad.get_data(as_text=True)
    assert client.post(f"/cameras/classrooms/{room.id}", data=form | {"csrf_token": token}).status_code == 302
    camera = cam.camera_of(room.id)
    assert (camera.stream_url, camera.username, camera.password) == ("rtsp://10.1.2.3/ch1", "admin", SECRET)
    # A new address with the password left empty keeps the stored password.
    form2 = {"stream_url": "rtsp://10.1.2.4/ch1", "username": "admin", "password": "", "csrf_token": token}
    assert client.post(f"/cameras/classrooms/{room.id}", data=form2).status_code == 302
    db.session.expire_all()
    assert (cam.camera_of(room.id).stream_url, cam.camera_of(room.id).password) == (
        "rtsp://10.1.2.4/ch1",
        SECRET,
    )
    page = client.get(f"/cameras/classrooms/{room.id}").get_data(as_text=True)
    assert "rtsp://10.1.2.4/ch1" in page and SECRET not in page
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "pr_cameras")).all()
    assert [e.action for e in entries] == ["camera.register", "camera.change"]
    assert all(SECRET not in repr((e.before, e.after)) for e in entries)
    assert entries[0].after == {"stream_url": "rtsp://10.1.2.3/ch1", "credentials": True}
    assert SECRET not in repr(camera)
    # The regulator of the classroom's city sees the page without the form; another city's is refused.
    client.post("/logout", data={"csrf_token": token})
    login(client, regulator.username, make.PASSWORD)
    page = client.get(f"/cameras/classrooms/{room.id}")
    assert page.status_code == 200 and 'name="stream_url"' not in page.get_data(as_text=True)
    token = csrf_token(client, f"/cameras/classrooms/{room.id}")
    assert client.post(f"/cameras/classrooms/{room.id}/remove", data={"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login(client, stranger.username, make.PASSWORD)
    assert client.get(f"/cameras/classrooms/{room.id}").status_code == 403
    assert client.get(f"/cameras/classrooms/{room.id}/snapshot.jpg").status_code == 403


def test_an_unreachable_camera_is_offline_with_the_time_it_changed_and_no_address_in_the_error(ctx, caplog):
    room, staff, *_ = _setup()
    cam.register_camera(room.id, _refused_url(), username="admin", password=SECRET, actor=staff)
    db.session.commit()
    before = utcnow()
    assert sample_cameras.apply().get() == {"cameras": 1, "online": 0, "changed": 1, "recordings": 0}
    camera = cam.camera_of(room.id)
    assert camera.online is False and camera.last_error == "refused" and camera.status_since >= before
    assert camera.snapshot_key is None
    [change] = db.session.scalars(select(CameraStatusChange)).all()
    assert (change.online, change.error, change.classroom_id) == (False, "refused", room.id)
    offline = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "camera.offline")).all()
    assert len(offline) == 1 and SECRET not in repr(offline[0].after)
    assert sample_cameras.apply().get()["changed"] == 0  # still offline: no new change
    assert SECRET not in caplog.text


def _silent_server() -> tuple[socket.socket, int]:
    """A camera that accepts the connection and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return server, server.getsockname()[1]


@pytest.mark.slow
def test_a_real_camera_goes_offline_and_comes_back_and_a_silent_one_holds_nobody_up(
    ctx, client, rtsp_camera, app
):
    room, staff, regulator, stranger, _ = _setup()
    silent_room = make.classroom(room.center)
    live = rtsp_camera()
    cam.register_camera(room.id, live.url.replace("rtsp://", f"rtsp://admin:{SECRET}@"), actor=staff)
    silent, port = _silent_server()
    cam.register_camera(silent_room.id, f"rtsp://127.0.0.1:{port}/x", actor=staff)
    db.session.commit()
    app.config["CAMERA_TIMEOUT_S"] = 2
    try:
        started = time.monotonic()
        assert sample_cameras.apply().get() == {"cameras": 2, "online": 1, "changed": 2, "recordings": 0}
        assert time.monotonic() - started < 6  # the silent camera's timeout, not longer
        camera = cam.camera_of(room.id)
        assert camera.online is True and camera.snapshot_key
        picture = storage.read(camera.snapshot_key)
        assert picture[:3] == b"\xff\xd8\xff"
        assert cam.camera_of(silent_room.id).last_error == "timeout"
        first_key = camera.snapshot_key
        sample_cameras.apply().get()
        db.session.expire_all()
        camera = cam.camera_of(room.id)
        assert camera.snapshot_key != first_key and not storage.exists(first_key)  # replaced, not piled up

        live.stop()
        sample_cameras.apply().get()
        db.session.expire_all()
        camera = cam.camera_of(room.id)
        went = camera.status_since
        assert camera.online is False and camera.last_error == "refused"
        assert storage.exists(camera.snapshot_key)  # the last picture stays on the wall

        live.start()
        sample_cameras.apply().get()
        db.session.expire_all()
        camera = cam.camera_of(room.id)
        assert camera.online is True and camera.status_since > went
        changes = db.session.scalars(
            select(CameraStatusChange)
            .where(CameraStatusChange.classroom_id == room.id)
            .order_by(CameraStatusChange.id)
        ).all()
        assert [c.online for c in changes] == [True, False, True]
        actions = db.session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.object_type == "pr_cameras", AuditEntry.action != "camera.register"
            )
        ).all()
        assert sorted(actions) == ["camera.offline", "camera.offline", "camera.online"]  # silent one too
    finally:
        silent.close()
        app.config["CAMERA_TIMEOUT_S"] = 4

    login(client, regulator.username, make.PASSWORD)
    wall = client.get("/cameras/wall").get_data(as_text=True)
    assert (
        f'data-test="wall-room-{room.id}"' in wall and f"/cameras/classrooms/{room.id}/snapshot.jpg" in wall
    )
    shot = client.get(f"/cameras/classrooms/{room.id}/snapshot.jpg")
    assert shot.status_code == 200 and shot.data[:3] == b"\xff\xd8\xff"
    assert SECRET not in wall
    token = csrf_token(client, "/cameras/wall")
    client.post("/logout", data={"csrf_token": token})
    login(client, stranger.username, make.PASSWORD)
    assert f'data-test="wall-room-{room.id}"' not in client.get("/cameras/wall").get_data(as_text=True)
    assert client.get(f"/cameras/classrooms/{room.id}/snapshot.jpg").status_code == 403


@pytest.mark.slow
def test_one_frame_from_a_real_camera(rtsp_camera):
    live = rtsp_camera()
    result = grab(parse_stream_url(live.url), timeout_s=3)
    assert result.ok and result.image.shape == (360, 640, 3) and result.seconds < 3


def test_the_networked_figure_is_the_online_share_of_scheduled_lesson_time(ctx):
    from training_portal.cameras.figures import networked

    room, staff, *_ = _setup()
    other = make.classroom(room.center)
    lesson = make.lesson(make.training_class(make.course(at=room.center), room=room))
    make.lesson(make.training_class(make.course(at=room.center), room=other), starts_at=lesson.starts_at)
    camera = cam.register_camera(room.id, "rtsp://10.0.0.9/x", actor=staff)
    length = lesson.ends_at - lesson.starts_at
    # Online from a quarter into the lesson to three quarters: half of it.
    for share, ok in ((0.25, True), (0.75, False)):
        db.session.add(
            CameraStatusChange(
                camera_id=camera.id, classroom_id=room.id, online=ok, at=lesson.starts_at + length * share
            )
        )
    db.session.flush()
    figures = networked([room.center], now=lesson.ends_at + timedelta(hours=1))
    assert figures.rooms[room.id].percent == pytest.approx(50.0)
    assert figures.rooms[other.id].percent == 0.0  # no camera
    assert figures.centers[room.center.id].percent == pytest.approx(25.0)
    assert figures.total.percent == pytest.approx(25.0) and figures.target == 100.0
    # Still "online" (the offline change never came) but no sample since halfway through the
    # lesson: counted up to a minute after the last sample, not to the lesson's end.
    db.session.delete(
        db.session.scalar(select(CameraStatusChange).where(CameraStatusChange.online.is_(False)))
    )
    camera.last_sample_at = lesson.starts_at + length * 0.5
    db.session.flush()
    figures = networked([room.center], now=lesson.ends_at + timedelta(hours=1))
    expected = 100 * (length * 0.25 + timedelta(seconds=cam.STALE_AFTER_S)) / length
    assert figures.rooms[room.id].percent == pytest.approx(expected)


def test_oversight_and_the_dashboard_judge_networking_by_camera_status_during_lessons(ctx, client):
    from training_portal.regulator import dashboard as board
    from training_portal.regulator import oversight

    room, staff, regulator, *_ = _setup()
    days_ago = min(3, local_today().timetuple().tm_yday - 1)  # within this year
    held = make.training_class(
        make.course(at=room.center), room=room, starts_on=local_today() - timedelta(days_ago)
    )
    lesson = make.lesson(held)
    camera = cam.register_camera(room.id, "rtsp://10.0.0.9/x", actor=staff)
    after = lesson.ends_at + timedelta(hours=1)
    row = oversight.oversee(room.center, {}, now=after)
    assert row.networked_percent == 0.0 and any("0%" in f and "100%" in f for f in row.flags)
    db.session.add(
        CameraStatusChange(
            camera_id=camera.id, classroom_id=room.id, online=True, at=lesson.starts_at - timedelta(minutes=5)
        )
    )
    db.session.flush()
    row = oversight.oversee(room.center, {}, now=after)
    assert row.networked_percent == pytest.approx(100.0)
    assert not any("100%" in f for f in row.flags)
    figure = board.figure(board.METRICS["networked"], room.center.region.parent, after.date())
    if after <= utcnow():  # the lesson is over by now: the dashboard counts it
        assert figure.value == pytest.approx(100.0)
    db.session.commit()
    login(client, regulator.username, make.PASSWORD)
    page = client.get("/regulator/centers").get_data(as_text=True)
    assert f'data-test="networked-{room.center.id}"' in page


@pytest.mark.slow
@pytest.mark.one_backend  # a 50-second lesson in real time: the camera is under test, not the dialect
def test_a_lesson_is_verified_from_live_samples_of_a_real_camera_with_no_upload(
    ctx, rtsp_camera, tmp_path, app
):
    """A classroom of real faces streamed over RTSP during a (short) scheduled lesson: the live
    samples become a recording judged per lesson as an upload is; the hours are verified, and
    more sign-ins than faces in view are not."""
    from proctoring.models import Recording
    from proctoring.synthetic import ClassroomSpec, write_classroom
    from proctoring.tasks import analyse_recording
    from training_portal.training import operations as training_ops
    from training_portal.training.models import VideoVerdict

    spec = ClassroomSpec(duration_s=120.0, seed=3)  # 8 real faces; longer than the lesson: no replay
    write_classroom(tmp_path / "room.mp4", spec)
    live = rtsp_camera(clip=tmp_path / "room.mp4")
    room, staff, *_ = _setup()
    people = [make.person() for _ in range(spec.roster + 3)]
    held = make.training_class(make.course(at=room.center), room=room, people=people)
    lesson = make.lesson(held)
    start = utcnow()
    lesson.starts_at, lesson.ends_at = start, start + timedelta(seconds=50)
    for person in people[: spec.roster]:
        training_ops.sign_in(lesson, person, at=start, actor=staff)
    cam.register_camera(room.id, live.url, actor=staff)
    db.session.commit()

    outcomes = []
    while utcnow() < lesson.ends_at + timedelta(seconds=1):  # the beat's rhythm: every 2 s
        began = time.monotonic()
        outcomes.append(sample_cameras.apply().get())
        time.sleep(max(0.0, 2.0 - (time.monotonic() - began)))
    outcomes.append(sample_cameras.apply().get())
    assert all(o["online"] == 1 for o in outcomes) and len(outcomes) >= 20
    # Once the lesson is over (and only then), its samples became one recording.
    assert [o["recordings"] for o in outcomes if o["recordings"]] == [1] and not outcomes[-1]["recordings"]
    [recording] = db.session.scalars(select(Recording).where(Recording.classroom_id == room.id)).all()
    assert recording.filename == "live camera" and recording.uploaded_by_id is None
    assert recording.starts_at - lesson.starts_at < timedelta(seconds=4)
    assert analyse_recording.apply(args=[recording.id]).get()["status"] == "analysed"
    db.session.expire_all()
    lesson = db.session.get(type(lesson), lesson.id)
    assert lesson.video_verdict is VideoVerdict.IN_USE, lesson.video_detail
    assert lesson.video_detail["verified_percent"] >= 90
    assert not storage.staging_folders("live-")  # the samples went into the recording

    # Three more sign-ins than the camera shows: judged again from the same samples, not verified.
    for person in people[spec.roster :]:
        training_ops.sign_in(lesson, person, at=lesson.starts_at, actor=staff)
    db.session.flush()
    assert lesson.video_verdict is VideoVerdict.NOT_IN_USE
    assert lesson.video_detail["why"] == "head_count"


def test_a_run_of_the_sampler_while_another_still_reads_is_skipped(ctx):
    import fcntl

    room, staff, *_ = _setup()
    cam.register_camera(room.id, _refused_url(), actor=staff)
    db.session.commit()
    with (storage.staging_folder("camera-sampler") / "lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the run still reading
        assert sample_cameras.apply().get() == {"skipped": True}
        assert cam.camera_of(room.id).last_sample_at is None
    assert sample_cameras.apply().get()["cameras"] == 1
