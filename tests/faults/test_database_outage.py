"""The database restarted during a sitting: a save fails cleanly (503 with a reason and a
Retry-After, nothing half-written, never a 500), and the same save succeeds once the database is
back, through the pool's fresh connections."""

from __future__ import annotations

import time

from sqlalchemy import select

from training_portal import create_app
from training_portal.core.db import IDLE_BEFORE_PING_S, db
from training_portal.exams.models import AttemptState, ExamAttempt

from ..conftest import IsolatedClient, login
from ..exams.conftest import CANDIDATE_PASSWORD, gas_inspectors, seated, users_by_name
from .conftest import through


def _stored(attempt_id: int) -> tuple[int, dict]:
    db.session.rollback()  # a fresh read, not what this session saw before
    row = db.session.execute(
        select(ExamAttempt.saved_seq, ExamAttempt.answers).where(ExamAttempt.id == attempt_id)
    ).one()
    return row.saved_seq, row.answers


def _portal_through(proxy, app, tmp_path):
    """The portal reaching its database through the proxy, with the test app's settings."""
    portal = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": through(app.config["SQLALCHEMY_DATABASE_URI"], proxy.port),
            "STORAGE_DIR": app.config["STORAGE_DIR"],
        },
        instance_path=str(tmp_path),
    )
    portal.test_client_class = IsolatedClient
    return portal


def test_saves_fail_cleanly_while_the_database_is_down_and_succeed_after(demo, proxy, app, tmp_path):
    attempt, candidate = seated(users_by_name(), gas_inspectors()[0])
    positions = [str(item.position) for item in attempt.paper.items]
    attempt_id = attempt.id

    portal = _portal_through(proxy, app, tmp_path)
    client = portal.test_client()
    assert login(client, candidate.username, CANDIDATE_PASSWORD).status_code == 302
    client.environ_base["HTTP_X_CSRFTOKEN"] = (
        client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]
    )
    url = f"/api/attempts/{attempt_id}/answers"
    first = {positions[0]: [0]}
    assert client.put(url, json={"answers": first, "seq": 1}).json["saved_seq"] == 1

    proxy.cut()  # the server restarts: every connection drops, new ones are refused
    second = {positions[0]: [1], positions[1]: [0]}
    for _ in range(3):  # the client retries while the database is away
        response = client.put(url, json={"answers": second, "seq": 2})
        assert response.status_code == 503, response.text
        assert response.json["reason"] and response.headers["Retry-After"] == "5"
    read = client.get(f"/api/attempts/{attempt_id}")
    assert read.status_code == 503 and read.json["error"] == 503
    assert _stored(attempt_id) == (1, first)  # nothing half-written

    proxy.restore()
    response = client.put(url, json={"answers": second, "seq": 2})
    assert response.status_code == 200 and response.json["saved_seq"] == 2
    assert _stored(attempt_id) == (2, second)
    result = client.post(f"/api/attempts/{attempt_id}/submit").json
    assert client.post(f"/api/attempts/{attempt_id}/submit").json == result
    db.session.rollback()
    assert db.session.get(ExamAttempt, attempt_id).state is AttemptState.SUBMITTED
    with portal.app_context():
        db.engine.dispose()


def test_a_restart_between_requests_is_not_seen(demo, proxy, app, tmp_path):
    """The pool's connections died while idle (the database restarted between two requests):
    the next request tests its connection first, takes a fresh one, and succeeds."""
    portal = _portal_through(proxy, app, tmp_path)
    client = portal.test_client()
    assert login(client, "trainee").status_code == 302
    assert client.get("/").status_code == 200
    proxy.cut()
    proxy.restore()
    time.sleep(IDLE_BEFORE_PING_S + 0.2)
    assert client.get("/").status_code == 200
    assert client.get("/healthz").json["database"] == {"ok": True}
    with portal.app_context():
        db.engine.dispose()


def test_a_pinged_connection_is_handed_over_idle(ctx, postgresql):
    """The ping opens no transaction that the request would then run inside."""
    from psycopg.pq import TransactionStatus

    with db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    time.sleep(IDLE_BEFORE_PING_S + 0.2)  # idle long enough to be pinged at its next checkout
    with db.engine.connect() as conn:
        assert conn.connection.dbapi_connection.info.transaction_status is TransactionStatus.IDLE
