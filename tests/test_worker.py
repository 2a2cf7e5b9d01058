"""A real Celery worker, on the embedded broker and (when TEST_REDIS_URL is set) on Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from training_portal import create_app
from training_portal.core import audit
from training_portal.core.db import db

ROOT = Path(__file__).resolve().parent.parent
BROKERS = ["embedded"] + (["redis"] if os.environ.get("TEST_REDIS_URL") else [])

pytestmark = pytest.mark.slow


@pytest.fixture(params=BROKERS)
def broker(request, tmp_path) -> dict:
    if request.param == "redis":
        url = os.environ["TEST_REDIS_URL"]
        return {"broker_url": url, "result_backend": url}
    return {
        "broker_url": f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}",
        "result_backend": f"db+sqlite:///{tmp_path / 'results.sqlite'}",
    }


def test_a_task_runs_in_a_real_worker_inside_the_app_context(ctx, database_url, broker, tmp_path):
    for i in range(3):
        audit.record("test.decision", i, target_type="things")
    db.session.commit()

    queue = f"test-{uuid.uuid4().hex[:8]}"  # no other worker on a shared Redis takes our task
    env = os.environ | {
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker["broker_url"],
        "CELERY_RESULT_BACKEND": broker["result_backend"],
        "SECRET_KEY": "worker-test",
        "STORAGE_DIR": str(tmp_path / "storage"),
        "AUDIT_KEY": ctx.config["AUDIT_KEY"],
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "wsgi:celery_app",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        sender = create_app(
            {
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": database_url,
                "CELERY": ctx.config["CELERY"] | broker,
            },
            instance_path=str(tmp_path),
        ).extensions["celery"]
        result = sender.send_task("core.verify_audit_chain", queue=queue)
        assert result.get(timeout=90) == {"ok": True, "count": 3, "broken_at": None}
    finally:
        worker.terminate()
        try:
            output = worker.communicate(timeout=30)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            worker.kill()
            output = worker.communicate()[0].decode(errors="replace")
    assert "Traceback" not in output, output
