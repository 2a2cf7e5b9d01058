"""A Celery worker ``kill -9``ed in the middle of a video analysis and of a certificate batch:
once a new worker starts, each job completes exactly once (one result, no duplicate
certificates). Redis hands the unacknowledged job to the new worker after the visibility
timeout (``VISIBILITY_TIMEOUT_S`` here, see ``CELERY_VISIBILITY_TIMEOUT``); the embedded
broker of ``make run`` queues it again when the new worker starts (``core.jobs._restore_on_start``)."""

from __future__ import annotations

import os
import time
import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from proctoring.models import Recording, RecordingEvent
from training_portal import create_app
from training_portal.certificates.models import Certificate, CertificateBatch
from training_portal.core import storage
from training_portal.core.db import db, utcnow
from training_portal.exams import attempts as attempt_ops
from training_portal.exams import practical as practical_ops
from training_portal.exams import sessions as session_ops
from training_portal.organisations.models import Classroom

from ..exams.conftest import (
    answer_all_correctly,
    approved,
    candidate_user,
    gas_inspectors,
    new_session,
    users_by_name,
)
from ..proctoring.conftest import ROSTER, incidents, incidents_report  # noqa: F401 (fixtures)
from .conftest import celery_worker, kill_tree, wait_until

pytestmark = pytest.mark.slow

# Redis hands a job out again once it has been unacknowledged this long, even to a worker still
# running it: it must exceed the longest job, here as in production. At 3 s a video analysis
# slowed by a loaded CI machine was run a second time while it ran.
VISIBILITY_TIMEOUT_S = 10
BROKERS = ["embedded"] + (["redis"] if os.environ.get("TEST_REDIS_URL") else [])


@pytest.fixture(params=BROKERS)
def workers(request, app, database_url, tmp_path):
    """Start workers on a queue of our own; send jobs to it; every worker is stopped after."""
    if os.environ.get("TEST_DATABASE_URL") and database_url.startswith("sqlite"):
        pytest.skip("with PostgreSQL at hand the workers are killed once, on PostgreSQL")
    if request.param == "redis":
        broker = backend = os.environ["TEST_REDIS_URL"]
    else:  # the embedded broker of make run
        broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
        backend = f"db+sqlite:///{tmp_path / 'results.sqlite'}"
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    env = {
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": backend,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_S),
        "SECRET_KEY": app.config["SECRET_KEY"],
        "STORAGE_DIR": app.config["STORAGE_DIR"],
    }
    sender = create_app(
        {
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CELERY": app.config["CELERY"] | {"broker_url": broker, "result_backend": backend},
        },
        instance_path=str(tmp_path),
    ).extensions["celery"]
    app.extensions["celery"].set_current()
    started = []
    log = tmp_path / "workers.log"

    class Workers:
        kind = request.param
        broker_url = broker
        environment = env  # settings of the workers started after a change

        def start(self):
            process = celery_worker(env, queue, log)
            started.append(process)
            return process

        def send(self, name: str, args: list):
            return sender.send_task(name, args=args, queue=queue)

        def log(self) -> str:
            return log.read_text(errors="replace") if log.exists() else ""

    yield Workers()
    for process in started:
        if process.poll() is None:
            kill_tree(process)  # nothing left to finish: no warm shutdown to wait for
    sender.close()


def _fresh(model, ident):
    db.session.rollback()
    return db.session.get(model, ident, populate_existing=True)


def _kill_mid_job(workers, result, started_when, what: str):
    first = workers.start()
    wait_until(lambda: started_when(result), 120, f"the {what} to start\n{workers.log()}", interval=0.02)
    kill_tree(first)


def test_a_video_analysis_killed_midway_completes_once(ctx, demo, workers, incidents, incidents_report):  # noqa: F811
    if workers.kind == "embedded" and "redis" in BROKERS:
        pytest.skip("the analysis is killed on Redis; the embedded broker's restore is the batch's test")
    room = db.session.scalar(select(Classroom).order_by(Classroom.id))
    start = datetime(2026, 3, 2, 8, 0, tzinfo=utcnow().tzinfo)
    recording = Recording(
        classroom_id=room.id,
        starts_at=start,
        ends_at=start + timedelta(seconds=incidents.spec.duration_s),
        filename="room.mp4",
        storage_key=storage.save("recordings", incidents.path.read_bytes(), ".mp4"),
        size_bytes=incidents.path.stat().st_size,
        sha256="0" * 64,
        duration_s=incidents.spec.duration_s,
        width=incidents.spec.width,
        height=incidents.spec.height,
        retain_until=date(2099, 1, 1),
        status="queued",
        uploaded_by_id=users_by_name()["admin"].id,
    )
    db.session.add(recording)
    db.session.commit()
    recording_id = recording.id

    result = workers.send("proctoring.analyse_recording", [recording_id, ROSTER])
    _kill_mid_job(
        workers,
        result,
        lambda r: r.state == "PROGRESS" and 0 < (r.info or {}).get("progress", 0) < 0.5,
        "analysis",
    )
    assert _fresh(Recording, recording_id).status != "analysed", "the analysis finished before the kill"

    workers.start()
    wait_until(
        lambda: _fresh(Recording, recording_id).status == "analysed",
        180,
        f"a new worker to finish the analysis\n{workers.log()}",
        interval=0.5,
    )
    analysed_at = _fresh(Recording, recording_id).analysed_at
    time.sleep(VISIBILITY_TIMEOUT_S + 2)  # past the visibility timeout: nothing runs it again
    recording = _fresh(Recording, recording_id)
    assert recording.analysed_at == analysed_at
    stored = db.session.scalar(
        select(func.count(RecordingEvent.id)).where(RecordingEvent.recording_id == recording_id)
    )
    assert stored == len(incidents_report.events)  # one result, not two runs' events
    assert sorted(e.kind for e in recording.events) == sorted(e.kind for e in incidents_report.events)
    assert result.get(timeout=30)["status"] == "analysed"


def test_a_killed_workers_job_is_taken_up_by_the_worker_still_running(ctx, demo, workers, incidents):  # noqa: F811
    """On the embedded broker the job of a worker killed outright waits for the next heartbeat of
    another worker on the machine (``core.broker.HEARTBEAT_S``), not for a restart."""
    if workers.kind != "embedded":
        pytest.skip("Redis hands the job out after its visibility timeout (the test above)")
    from sqlalchemy import create_engine, text

    from training_portal.core import broker

    room = db.session.scalar(select(Classroom).order_by(Classroom.id))
    start = datetime(2026, 3, 2, 8, 0, tzinfo=utcnow().tzinfo)
    recording = Recording(
        classroom_id=room.id,
        starts_at=start,
        ends_at=start + timedelta(seconds=incidents.spec.duration_s),
        filename="room.mp4",
        storage_key=storage.save("recordings", incidents.path.read_bytes(), ".mp4"),
        size_bytes=incidents.path.stat().st_size,
        sha256="0" * 64,
        duration_s=incidents.spec.duration_s,
        width=incidents.spec.width,
        height=incidents.spec.height,
        retain_until=date(2099, 1, 1),
        status="queued",
        uploaded_by_id=users_by_name()["admin"].id,
    )
    db.session.add(recording)
    db.session.commit()
    both = [workers.start(), workers.start()]
    engine = create_engine(workers.broker_url.removeprefix("sqla+"))
    try:
        wait_until(
            lambda: len(broker.Liveness(workers.broker_url).seen()["workers"]) == 2,
            120,
            f"both workers' heartbeats\n{workers.log()}",
        )
        result = workers.send("proctoring.analyse_recording", [recording.id, ROSTER])

        def holder():
            with engine.connect() as conn:
                return conn.execute(text("SELECT worker FROM portal_broker_claim")).scalar()

        first = wait_until(holder, 60, "the job to be claimed", interval=0.05)
        wait_until(
            lambda: result.state == "PROGRESS", 120, f"the analysis to start\n{workers.log()}", interval=0.02
        )
        victim = next(w for w in both if w.pid == int(first.split(":")[1]))
        kill_tree(victim)
        killed = time.monotonic()
        again = wait_until(
            lambda: (h := holder()) and h != first and h,
            120,
            f"the other worker to take the job\n{workers.log()}",
            interval=0.05,
        )
        waited = time.monotonic() - killed
        print(f"\nthe killed worker's job was taken up again after {waited:.1f} s")
        assert int(again.split(":")[1]) != victim.pid
        assert result.get(timeout=180)["status"] == "analysed"
        with engine.connect() as conn:  # nothing left: the finished job is deleted
            assert conn.execute(text("SELECT count(*) FROM kombu_message")).scalar() == 0
    finally:
        engine.dispose()


def signed_sitting_batch():
    """A sitting signed by both proctors, every candidate through both parts: its certificate
    batch, queued on a broker where no worker runs. Returns (batch id, attempts, people)."""
    users = users_by_name()
    session = new_session(users)
    people = gas_inspectors()
    seated = [session_ops.seat(session, approved(p, users), actor=users["reviewer_center"]) for p in people]
    session_ops.open_session(session, proctor=users["proctor_center"])
    for attempt in seated:
        session_ops.check_identity(attempt, proctor=users["proctor_dept"], confirm=True)
        candidate = candidate_user(attempt.person)
        attempt_ops.start(attempt, candidate=candidate)
        answer_all_correctly(attempt)
        attempt_ops.submit(attempt, candidate=candidate)
    for name in ("proctor_center", "proctor_dept"):
        session_ops.sign(session, proctor=users[name])
    db.session.commit()  # the batch is queued on the embedded broker, where no worker runs
    for attempt in seated:
        practical = practical_ops.create(
            attempt, [users["proctor_center"], users["proctor_dept"]], actor=users["reviewer_center"]
        )
        full = [float(item["points"]) for item in practical.rubric.items]
        for name in ("proctor_center", "proctor_dept"):
            practical_ops.score(practical, examiner=users[name], item_scores=full)
    db.session.commit()
    batch_id = db.session.scalar(select(CertificateBatch.id).where(CertificateBatch.session_id == session.id))
    assert db.session.scalar(select(func.count(Certificate.id)).where(Certificate.pdf_key.is_not(None))) == 0

    return batch_id, seated, people


def test_a_certificate_batch_killed_midway_completes_once(ctx, demo, workers):
    batch_id, seated, people = signed_sitting_batch()
    result = workers.send("certificates.issue_batch", [batch_id])
    _kill_mid_job(workers, result, lambda r: r.state == "STARTED" and time.sleep(0.3) is None, "batch")
    batch = _fresh(CertificateBatch, batch_id)
    assert batch.status in ("queued", "running"), "the batch finished before the kill"

    workers.start()
    assert result.get(timeout=180) == {"batch": batch_id, "certificates": len(people)}
    batch = _fresh(CertificateBatch, batch_id)
    assert (batch.status, batch.issued, batch.total) == ("done", len(people), len(people))
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.written_attempt_id.in_([a.id for a in seated]))
    ).all()
    assert len(certificates) == len(people) == len({c.serial for c in certificates})
    assert all(c.pdf_key and storage.read(c.pdf_key).startswith(b"%PDF") for c in certificates)
