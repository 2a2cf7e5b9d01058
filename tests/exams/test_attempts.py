"""The exam client's contract: seq ordering, resume, the server's deadline, one grading."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from question_bank.models import ItemStatistic
from training_portal.accounts.models import AuthSession, User
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db, utcnow
from training_portal.exams import attempts
from training_portal.exams import sessions as session_ops
from training_portal.exams.applications import ExamError
from training_portal.exams.models import AttemptState, ExamAttempt

from ..conftest import login
from .conftest import CANDIDATE_PASSWORD, gas_inspectors, seated


def put(client, attempt, answers, seq):
    return client.put(f"/api/attempts/{attempt.id}/answers", json={"answers": answers, "seq": seq})


def test_the_paper_reveals_no_answers(sitting):
    attempt, client = sitting
    body = client.get(f"/api/attempts/{attempt.id}").get_json()
    assert body["state"] == "answering" and 0 < body["remaining_s"] <= 120 * 60
    text = str(body["paper"])
    assert "correct" not in text and "explanation" not in text
    assert {q["id"] for q in body["paper"]} == {str(i.position) for i in attempt.paper.items}


def test_a_lower_seq_is_ignored_and_a_reload_resumes(sitting):
    attempt, client = sitting
    assert put(client, attempt, {"1": [0], "2": [1]}, 5).get_json()["saved_seq"] == 5
    late = put(client, attempt, {"1": [1]}, 4)  # an older save arriving after a newer one
    assert late.status_code == 200 and late.get_json()["saved_seq"] == 5
    again = client.get(f"/api/attempts/{attempt.id}").get_json()  # a reload, or another PC
    assert again["answers"] == {"1": [0], "2": [1]} and again["saved_seq"] == 5


def test_two_tabs_newest_seq_wins(sitting):
    attempt, client = sitting
    put(client, attempt, {"1": [0]}, 1)
    put(client, attempt, {"1": [1]}, 3)
    put(client, attempt, {"1": [0]}, 2)
    db.session.refresh(attempt)
    assert attempt.answers == {"1": [1]} and attempt.saved_seq == 3


@pytest.mark.parametrize(
    "body",
    [
        None,
        {"answers": {"1": [0]}},
        {"answers": {"1": [0]}, "seq": "7"},
        {"answers": {"1": [99]}, "seq": 1},
        {"answers": {"x": [0]}, "seq": 1},
        {"answers": [1, 2], "seq": 1},
        {"answers": {"1": [True]}, "seq": 1},
    ],
)
def test_malformed_saves_are_refused_and_write_nothing(sitting, body):
    attempt, client = sitting
    response = client.put(f"/api/attempts/{attempt.id}/answers", json=body)
    assert response.status_code == 400 and response.get_json()["reason"]
    db.session.refresh(attempt)
    assert attempt.saved_seq == 0 and attempt.answers == {}


@pytest.mark.parametrize("seq", [2**31, 2**63, 2**80, -1, 0, True, 1.0, 1.5, "1", None, [1]])
def test_a_seq_outside_what_the_database_stores_is_a_400_with_the_reason(sitting, seq):
    attempt, client = sitting
    response = put(client, attempt, {"1": [0]}, seq)
    assert response.status_code == 400, response.text
    assert "2147483647" in response.get_json()["reason"]
    db.session.refresh(attempt)
    assert attempt.saved_seq == 0 and attempt.answers == {}


def test_the_largest_seq_the_database_stores_is_saved(sitting):
    attempt, client = sitting
    assert put(client, attempt, {"1": [0]}, 2**31 - 1).get_json()["saved_seq"] == 2**31 - 1
    db.session.refresh(attempt)
    assert attempt.saved_seq == 2**31 - 1 and attempt.answers == {"1": [0]}


def test_every_option_shown_can_be_chosen_and_none_beyond(sitting):
    attempt, client = sitting
    last = {str(i.position): [len(i.option_order) - 1] for i in attempt.paper.items}
    assert {len(i.option_order) for i in attempt.paper.items} >= {2, 4}  # judgement and choice
    beyond = dict(last, **{key: [chosen[0] + 1] for key, chosen in list(last.items())[-1:]})
    assert put(client, attempt, beyond, 1).status_code == 400
    assert put(client, attempt, last, 2).status_code == 200
    db.session.refresh(attempt)
    assert attempt.answers == last and attempt.saved_seq == 2


def test_submit_grades_once_and_a_second_submit_returns_the_same(sitting):
    attempt, client = sitting
    first = client.post(f"/api/attempts/{attempt.id}/submit")
    second = client.post(f"/api/attempts/{attempt.id}/submit")
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json()
    assert first.get_json()["state"] == "submitted" and "score" not in first.get_json()
    grades = db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "attempt.grade", AuditEntry.object_id == str(attempt.id))
    )
    assert grades == 1
    after = put(client, attempt, {"1": [0]}, 9)
    assert after.status_code == 409 and after.get_json()["reason"]


def test_saves_after_the_deadline_are_refused_and_the_task_closes_at_the_deadline(sitting):
    attempt, client = sitting
    put(client, attempt, {"1": [0]}, 1)
    deadline = utcnow() - timedelta(seconds=5)
    attempt.deadline = deadline
    db.session.commit()
    assert put(client, attempt, {"1": [1]}, 2).status_code == 409
    assert attempts.close_overdue() == 1
    db.session.commit()
    db.session.refresh(attempt)
    assert attempt.state is AttemptState.TIMED_OUT
    assert attempt.finished_at == deadline  # the deadline, not the moment the task ran
    assert attempt.answers == {"1": [0]} and attempt.score is not None
    assert attempts.close_overdue() == 0  # never twice


def test_the_clients_clock_plays_no_part(sitting):
    attempt, client = sitting
    skewed = client.get(f"/api/attempts/{attempt.id}", headers={"Date": "Mon, 01 Jan 2035 00:00:00 GMT"})
    assert abs(skewed.get_json()["remaining_s"] - attempts.remaining_seconds(attempt)) <= 2


def test_only_the_candidate_touches_their_attempt(sitting, app, users):
    attempt, _ = sitting
    other = app.test_client()
    login(other, "trainee")
    assert other.get(f"/api/attempts/{attempt.id}").status_code == 404
    assert other.post(f"/api/attempts/{attempt.id}/submit").status_code in (400, 404)
    db.session.refresh(attempt)
    assert attempt.state is AttemptState.ANSWERING


def _end_by(how: str, app, client, candidate) -> None:
    """End the candidate's log-in session the way ``how`` says, keeping the browser's cookie."""
    auth = db.session.scalar(select(AuthSession).where(AuthSession.user_id == candidate.id))
    if how == "logged out":
        cookie = client.get_cookie("portal_session").value
        client.post("/logout", data={"csrf_token": client.environ_base["HTTP_X_CSRFTOKEN"]})
        client.set_cookie("portal_session", cookie)  # the old cookie, sent again
    elif how == "idle":
        auth.last_seen_at = utcnow() - timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"], seconds=5)
    elif how == "too old":
        auth.created_at = utcnow() - timedelta(hours=app.config["SESSION_MAX_HOURS"], seconds=5)
    elif how == "deactivated":
        candidate.active = False
    db.session.commit()


@pytest.mark.parametrize("how", ["logged out", "idle", "too old", "deactivated"])
def test_a_save_needs_a_live_session_of_the_candidate(sitting, app, how):
    attempt, client = sitting
    assert put(client, attempt, {"1": [0]}, 1).status_code == 200  # the log-in was live a moment ago
    candidate = db.session.scalar(select(User).where(User.person_id == attempt.person_id))
    _end_by(how, app, client, candidate)
    assert put(client, attempt, {"1": [1]}, 2).status_code == 401
    db.session.refresh(attempt)
    assert attempt.answers == {"1": [0]} and attempt.saved_seq == 1


def test_another_candidates_session_saves_nothing(sitting, app, users):
    attempt, client = sitting
    assert put(client, attempt, {"1": [0]}, 1).status_code == 200
    _, other = seated(users, gas_inspectors()[1])  # a candidate with an attempt of their own
    thief = app.test_client()
    assert login(thief, other.username, CANDIDATE_PASSWORD).status_code == 302
    token = thief.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]
    thief.environ_base["HTTP_X_CSRFTOKEN"] = token
    assert put(thief, attempt, {"1": [1]}, 2).status_code == 404
    db.session.refresh(attempt)
    assert attempt.answers == {"1": [0]} and attempt.saved_seq == 1


def test_saving_keeps_the_log_in_alive(sitting, app):
    attempt, client = sitting
    auth = db.session.scalar(select(AuthSession))
    auth.last_seen_at = utcnow() - timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] - 1)
    db.session.commit()
    assert put(client, attempt, {"1": [0]}, 1).status_code == 200
    db.session.expire_all()
    assert utcnow() - db.session.scalar(select(AuthSession)).last_seen_at < timedelta(minutes=1)


def test_pause_freezes_the_clock_and_resume_gives_the_time_back(sitting, users):
    attempt, client = sitting
    before = attempts.remaining_seconds(attempt)
    session_ops.pause(attempt, proctor=users["proctor_center"], reason="考生身体不适")
    db.session.commit()
    assert put(client, attempt, {"1": [0]}, 1).status_code == 409
    # Ten minutes pass in the pause: move the pause and the deadline ten minutes back.
    attempt.paused_at -= timedelta(minutes=10)
    attempt.deadline -= timedelta(minutes=10)
    assert abs(attempts.remaining_seconds(attempt) - before) <= 2  # frozen while paused
    session_ops.resume(attempt, proctor=users["proctor_dept"])
    db.session.commit()
    assert abs(attempts.remaining_seconds(attempt) - before) <= 2
    session_ops.add_time(attempt, proctor=users["proctor_center"], minutes=5, reason="停电")
    assert abs(attempts.remaining_seconds(attempt) - before - 300) <= 2
    with pytest.raises(ExamError):  # added time needs a reason
        session_ops.add_time(attempt, proctor=users["proctor_center"], minutes=5, reason="")


def test_results_exist_only_when_both_proctors_have_signed(sitting, users):
    from training_portal.exams import sessions as session_ops
    from training_portal.exams.applications import ExamError

    attempt, client = sitting
    view = client.get(f"/api/attempts/{attempt.id}").get_json()["paper"]
    put(client, attempt, {q["id"]: [0] for q in view}, 1)
    with pytest.raises(ExamError):  # a seat is still answering
        session_ops.sign(attempt.session, proctor=users["proctor_center"])
    client.post(f"/api/attempts/{attempt.id}/submit")
    session_ops.sign(attempt.session, proctor=users["proctor_center"], remarks="秩序良好")
    with pytest.raises(ExamError):  # the same unit twice
        session_ops.sign(attempt.session, proctor=users["proctor_center"])
    db.session.commit()
    assert "score" not in client.get(f"/api/attempts/{attempt.id}").get_json()["result"]
    with pytest.raises(ExamError):  # somebody who is not a proctor of this room
        session_ops.sign(attempt.session, proctor=users["reviewer_dept"])
    session_ops.sign(attempt.session, proctor=users["proctor_dept"])
    db.session.commit()
    result = client.get(f"/api/attempts/{attempt.id}").get_json()["result"]
    assert result["published"] and result["score"] is not None
    assert db.session.get(ItemStatistic, attempt.paper.items[0].version_id).n == 1


def test_terminated_attempt_fails_and_keeps_the_reason(sitting, users):
    attempt, client = sitting
    session_ops.terminate(attempt, proctor=users["proctor_dept"], reason="携带手机作弊")
    db.session.commit()
    assert attempt.state is AttemptState.TERMINATED and attempt.passed is False
    assert [a.kind for a in attempt.actions][-1] == "terminate"
    assert client.post(f"/api/attempts/{attempt.id}/submit").status_code == 200
    assert db.session.get(ExamAttempt, attempt.id).state is AttemptState.TERMINATED


def test_another_pc_takes_over_only_when_a_proctor_allows_it(sitting, app, users):
    attempt, first_pc = sitting
    assert first_pc.get(f"/api/attempts/{attempt.id}").status_code == 200  # binds this PC
    assert put(first_pc, attempt, {"1": [0]}, 1).status_code == 200
    second_pc = app.test_client()
    login(second_pc, _username(attempt), CANDIDATE_PASSWORD)
    token = second_pc.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]
    second_pc.environ_base["HTTP_X_CSRFTOKEN"] = token
    refused = second_pc.get(f"/api/attempts/{attempt.id}")
    assert refused.status_code == 409 and refused.get_json()["reason"]
    assert put(second_pc, attempt, {"1": [1]}, 2).status_code == 409
    session_ops.allow_new_device(attempt, proctor=users["proctor_center"])
    db.session.commit()
    resumed = second_pc.get(f"/api/attempts/{attempt.id}").get_json()
    assert resumed["answers"] == {"1": [0]}  # everything saved comes along
    assert put(second_pc, attempt, {"1": [1]}, 2).status_code == 200
    assert put(first_pc, attempt, {"1": [0]}, 3).status_code == 409  # the old PC is out


def _username(attempt) -> str:
    return db.session.scalar(select(User.username).where(User.person_id == attempt.person_id))
