"""The light state the candidate's page polls while the exam runs: a proctor's pause, resume,
added time and termination reach the page without a reload, and the poll tells nothing else."""

import pytest
from sqlalchemy import event

from training_portal.core.db import db
from training_portal.exams import attempts
from training_portal.exams import sessions as session_ops
from training_portal.exams.applications import ExamError

from ..conftest import login
from .conftest import CANDIDATE_PASSWORD, gas_inspectors, seated


def state(client, attempt):
    response = client.get(f"/api/attempts/{attempt.id}/state")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_state_follows_the_proctors_pause_time_and_termination(sitting, users):
    attempt, client = sitting
    running = state(client, attempt)
    assert set(running) == {"state", "remaining_s", "reason"}  # nothing else, ever
    assert running["state"] == "answering" and running["reason"] == ""
    assert abs(running["remaining_s"] - attempts.remaining_seconds(attempt)) <= 2

    session_ops.pause(attempt, proctor=users["proctor_center"], reason="考生身体不适")
    db.session.commit()
    paused = state(client, attempt)
    assert paused["state"] == "paused" and paused["reason"] == "考生身体不适"
    full = client.get(f"/api/attempts/{attempt.id}").get_json()
    assert full["reason"] == "考生身体不适" and full["remaining_s"] == paused["remaining_s"]

    session_ops.resume(attempt, proctor=users["proctor_dept"])
    db.session.commit()
    resumed = state(client, attempt)
    assert resumed["state"] == "answering" and resumed["reason"] == ""  # the pause's reason is gone

    session_ops.add_time(attempt, proctor=users["proctor_center"], minutes=10, reason="停电")
    db.session.commit()
    assert abs(state(client, attempt)["remaining_s"] - resumed["remaining_s"] - 600) <= 2

    session_ops.terminate(attempt, proctor=users["proctor_dept"], reason="携带手机作弊")
    db.session.commit()
    ended = state(client, attempt)
    assert ended == {"state": "terminated", "remaining_s": 0, "reason": "携带手机作弊"}
    body = client.get(f"/api/attempts/{attempt.id}").get_json()
    assert (
        body["reason"] == "携带手机作弊" and "score" not in body["result"]
    )  # no result before the signatures


def test_a_pause_needs_a_reason_for_the_candidates_locked_screen(sitting, users):
    attempt, client = sitting
    with pytest.raises(ExamError) as refused:
        session_ops.pause(attempt, proctor=users["proctor_center"], reason=" ")
    assert refused.value.field == "reason"
    db.session.rollback()
    after = state(client, attempt)
    assert after["state"] == "answering" and after["reason"] == ""


def test_only_the_candidate_on_their_pc_polls_their_attempt(sitting, app, users):
    attempt, client = sitting
    assert client.get(f"/api/attempts/{attempt.id}").status_code == 200  # binds this PC
    other = app.test_client()
    login(other, "trainee")
    assert other.get(f"/api/attempts/{attempt.id}/state").status_code == 404
    _, neighbour = seated(users, gas_inspectors()[1])  # a candidate with an attempt of their own
    thief = app.test_client()
    login(thief, neighbour.username, CANDIDATE_PASSWORD)
    assert thief.get(f"/api/attempts/{attempt.id}/state").status_code == 404
    assert thief.get(f"/api/attempts/{attempt.id + 1000}/state").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/api/attempts/{attempt.id}/state").status_code in (302, 401)
    second_pc = app.test_client()
    login(second_pc, _username(attempt), CANDIDATE_PASSWORD)
    refused = second_pc.get(f"/api/attempts/{attempt.id}/state")
    assert refused.status_code == 409 and refused.get_json()["reason"]


def _username(attempt):
    from training_portal.accounts.models import User

    return db.session.scalar(db.select(User.username).where(User.person_id == attempt.person_id))


@pytest.mark.parametrize("paused", [False, True])
def test_a_poll_is_one_select_of_the_attempt(sitting, users, paused):
    """Rooms of 100+ candidates poll every 1.5 s: beyond the log-in's own statements, a poll
    reads one row of one table (the reason a subquery of it) and writes nothing."""
    attempt, client = sitting
    if paused:
        session_ops.pause(attempt, proctor=users["proctor_center"], reason="停电")
        db.session.commit()
    client.get(
        f"/api/attempts/{attempt.id}/state"
    )  # warm: the log-in's checks are the same for every request
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        client.get(f"/api/attempts/{attempt.id}/state")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    ours = [s for s in statements if "exam_attempts" in s]
    assert len(ours) == 1 and ours[0].lstrip().upper().startswith("SELECT")
    print(f"\nstatements per poll ({'paused' if paused else 'answering'}): {len(statements)}")
    for s in statements:
        print("  ", " ".join(s.split())[:160])
