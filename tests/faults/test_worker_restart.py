"""A worker restarted cleanly runs no finished job again, and the embedded broker keeps only what
waits or runs (``core.broker``). Real worker processes on the embedded broker of ``make run``."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from sqlalchemy import create_engine, text

from training_portal import create_app
from training_portal.core import audit
from training_portal.core.db import db

from .conftest import celery_worker, stop

pytestmark = pytest.mark.slow


@pytest.fixture()
def embedded(app, database_url, tmp_path):
    broker_url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    backend = f"db+sqlite:///{tmp_path / 'results.sqlite'}"
    env = {
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": backend,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "AUDIT_KEY": app.config["AUDIT_KEY"],
        "STORAGE_DIR": app.config["STORAGE_DIR"],
    }
    sender = create_app(
        {
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CELERY": app.config["CELERY"] | {"broker_url": broker_url, "result_backend": backend},
        },
        instance_path=str(tmp_path),
    ).extensions["celery"]
    app.extensions["celery"].set_current()
    engine = create_engine(broker_url.removeprefix("sqla+"))
    yield {
        "env": env,
        "sender": sender,
        "engine": engine,
        "queue": f"restart-{uuid.uuid4().hex[:8]}",
        "log": tmp_path / "worker.log",
    }
    sender.close()
    engine.dispose()


def _messages(engine) -> list[tuple]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT id, visible FROM kombu_message")))


@pytest.mark.one_backend  # the broker under test is the embedded SQLite one whatever the portal's database
def test_a_clean_restart_runs_no_finished_job_again(ctx, embedded):
    audit.record("test.decision", 1, target_type="things")
    db.session.commit()
    sender, queue, log = embedded["sender"], embedded["queue"], embedded["log"]

    first = celery_worker(embedded["env"], queue, log)
    try:
        finished = [sender.send_task("core.verify_audit_chain", queue=queue) for _ in range(3)]
        for result in finished:
            assert result.get(timeout=120)["ok"] is True
    finally:
        stop(first)
    # Acknowledged messages are gone: the table holds only what waits or runs.
    assert _messages(embedded["engine"]) == []

    second = celery_worker(embedded["env"], queue, log)
    try:
        assert sender.send_task("core.verify_audit_chain", queue=queue).get(timeout=120)["ok"] is True
        time.sleep(3)  # whatever the start put back would have been taken by now
    finally:
        stop(second)
    output = log.read_text(errors="replace")
    for result in finished:
        runs = re.findall(rf"Task core\.verify_audit_chain\[{result.id}\] received", output)
        assert len(runs) == 1, f"job {result.id} ran {len(runs)} times\n{output}"
    assert _messages(embedded["engine"]) == []


@pytest.mark.one_backend
def test_a_worker_taking_and_acknowledging_many_short_jobs_at_once_stays_up(ctx, embedded):
    """As under ``make run``, where the camera sampler runs every 2 s: the consumer's loop takes
    messages while the pool's result thread acknowledges finished ones, on one broker session.
    Before the channel's lock, the worker died within seconds ("commit() is already in
    progress")."""
    sender, queue, log = embedded["sender"], embedded["queue"], embedded["log"]
    worker = celery_worker(embedded["env"], queue, log, concurrency=2)
    try:
        sent = [sender.send_task("proctoring.sample_cameras", queue=queue) for _ in range(150)]
        for result in sent:
            outcome = result.get(timeout=60)  # no camera; or skipped while the other pool process samples
            assert outcome.get("cameras") == 0 or outcome == {"skipped": True}, outcome
        assert worker.poll() is None, log.read_text(errors="replace")
    finally:
        stop(worker)
    output = log.read_text(errors="replace")
    assert "Unrecoverable error" not in output, output
    assert _messages(embedded["engine"]) == []
