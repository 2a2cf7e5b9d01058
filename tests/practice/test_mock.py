"""Mock exams: the blueprint for the learner's post, the server's timer, graded at once with the
question types' own grading, and never an exam attempt, a bank paper or item statistics."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from question_bank import statistics_store, types
from question_bank.models import ItemResponse, ItemStatistic, Paper
from training_portal.core.db import db, utcnow
from training_portal.exams.models import ExamAttempt
from training_portal.practice.models import PracticeItem, PracticeRound

from .. import factories as make
from .test_practice import answer, book, right, wrong


@pytest.fixture()
def mock_blueprint(bank):
    """4 true/false at 10, 3 single choice at 10, 2 multiple choice at 15 (partial credit):
    every gas question of the bank, 100 points."""
    made = make.blueprint(
        [("true_false", 4, 10.0), ("single_choice", 3, 10.0), ("multiple_choice", 2, 15.0)],
        partial_credit=True,
        name="模拟组卷规则",
    )
    db.session.commit()
    return made


def start_mock(client) -> dict:
    response = client.post("/api/practice", json={"mode": "mock"})
    assert response.status_code == 201, response.json
    return response.json


def test_a_mock_follows_the_blueprint_and_keeps_the_answers_secret_until_handed_in(
    client, mock_blueprint, bank
):
    body = start_mock(client)
    assert sorted(q["type"] for q in body["questions"]) == sorted(
        ["true_false"] * 4 + ["single_choice"] * 3 + ["multiple_choice"] * 2
    )
    assert {q["id"] for q in body["questions"]} == {q.id for q in bank["gas"]}
    assert 120 * 60 - 5 <= body["remaining_s"] <= 120 * 60 and body["state"] == "answering"
    q = body["questions"][0]
    saved = answer(client, body["id"], q["id"], right(body["id"], q["id"]))
    assert saved.status_code == 200 and saved.json.keys() == {"saved", "remaining_s"}
    seen = client.get(f"/api/practice/{body['id']}").json
    assert seen["feedback"] == {} and "result" not in seen
    assert seen["answers"] == {str(q["id"]): right(body["id"], q["id"])}
    assert book(client) == {}  # nothing graded yet


def test_a_handed_in_mock_is_graded_at_once_by_the_question_types(client, mock_blueprint):
    body = start_mock(client)
    mock_id, questions = body["id"], body["questions"]
    sheet, expected = {}, 0.0
    first_tf = next(q for q in questions if q["type"] == "true_false")
    for q in questions:
        item = db.session.scalar(
            select(PracticeItem).where(PracticeItem.round_id == mock_id, PracticeItem.question_id == q["id"])
        )
        if q["type"] == "multiple_choice":
            chosen = right(mock_id, q["id"])[:1]  # half of a two-option answer: partial credit
        elif q is first_tf:
            chosen = wrong(mock_id, q["id"])
        else:
            chosen = right(mock_id, q["id"])
        sheet[str(q["id"])] = chosen
        original = [item.option_order[k] for k in chosen]
        expected += types.get(q["type"]).grade(item.version.correct, original, item.points, True)
    saved = client.put(f"/api/practice/{mock_id}/answers", json={"answers": sheet, "seq": 3})
    assert saved.status_code == 200 and saved.json["saved_seq"] == 3
    late = client.put(f"/api/practice/{mock_id}/answers", json={"answers": {}, "seq": 2})
    assert late.json["saved_seq"] == 3  # an older save arriving late changes nothing
    result = client.post(f"/api/practice/{mock_id}/submit")
    assert result.status_code == 200
    assert result.json == {
        "score": round(expected, 2),
        "total_points": 100.0,
        "passed": expected >= 80,
        "state": "submitted",
    }
    assert client.post(f"/api/practice/{mock_id}/submit").json == result.json  # twice: the same
    # Afterwards each question's answer and explanation, and nothing more is stored.
    q = questions[1]
    shown = client.put(f"/api/practice/{mock_id}/answers/{q['id']}", json={"answer": [0]})
    assert shown.status_code == 200 and shown.json.keys() == {"correct", "answer", "explanation"}
    assert client.put(f"/api/practice/{mock_id}/answers", json={"answers": {}, "seq": 9}).status_code == 409
    assert client.get(f"/api/practice/{mock_id}").json["result"]["score"] == round(expected, 2)
    # The wrong true/false answer and the half-right multiple choices are in the book.
    in_book = set(book(client))
    assert first_tf["id"] in in_book
    assert {q["id"] for q in questions if q["type"] == "multiple_choice"} <= in_book
    page = client.get(f"/practice/{mock_id}")
    assert page.status_code == 200 and 'data-test="score"' in page.text


def test_a_mock_reaches_neither_the_record_nor_the_item_statistics(client, mock_blueprint, learner):
    body = start_mock(client)
    for q in body["questions"]:
        answer(client, body["id"], q["id"], right(body["id"], q["id"]))
    assert client.post(f"/api/practice/{body['id']}/submit").json["score"] == 100.0
    assert db.session.scalar(select(func.count()).select_from(ExamAttempt)) == 0
    assert db.session.scalar(select(func.count()).select_from(Paper)) == 0  # no bank paper
    assert db.session.scalar(select(func.count()).select_from(ItemResponse)) == 0
    versions = set(db.session.scalars(select(PracticeItem.version_id)))
    statistics_store.refresh(versions)  # what a signed sitting runs: it finds nothing to count
    assert db.session.scalar(select(func.count()).select_from(ItemStatistic)) == 0
    db.session.commit()
    exams = client.get("/api/records/me").json["exams"]
    assert exams.keys() >= {"applications", "written"} and not any(exams.values())


def test_the_server_closes_a_mock_at_its_deadline(client, mock_blueprint):
    body = start_mock(client)
    q = body["questions"][0]
    answer(client, body["id"], q["id"], right(body["id"], q["id"]))
    mock = db.session.get(PracticeRound, body["id"])
    mock.deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    late = answer(client, body["id"], body["questions"][1]["id"], [0])
    assert late.status_code == 200 and late.json.keys() == {"correct", "answer", "explanation"}
    seen = client.get(f"/api/practice/{body['id']}").json
    assert seen["state"] == "timed_out" and seen["remaining_s"] == 0
    assert seen["result"]["score"] == 10.0  # the one answer given before the deadline


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {}, "seq": 0},
        {"answers": {}, "seq": True},
        {"answers": {}, "seq": "1"},
        {"answers": {}},
        {"answers": [], "seq": 1},
        {"answers": {"999999": [0]}, "seq": 1},
        {"answers": {"x": [0]}, "seq": 1},
    ],
)
def test_a_bad_sheet_is_a_400_and_stores_nothing(client, mock_blueprint, body):
    mock_id = start_mock(client)["id"]
    response = client.put(f"/api/practice/{mock_id}/answers", json=body)
    assert response.status_code == 400 and response.json["reason"]
    assert db.session.get(PracticeRound, mock_id).saved_seq == 0


def test_a_bad_option_in_a_sheet_is_a_400(client, mock_blueprint):
    body = start_mock(client)
    q = body["questions"][0]
    response = client.put(
        f"/api/practice/{body['id']}/answers", json={"answers": {str(q["id"]): [len(q["options"])]}, "seq": 1}
    )
    assert response.status_code == 400 and response.json["reason"]


def test_a_practice_round_is_not_handed_in(client):
    body = client.post("/api/practice", json={"mode": "practice"}).json
    assert client.post(f"/api/practice/{body['id']}/submit").status_code == 409
    sheet = client.put(f"/api/practice/{body['id']}/answers", json={"answers": {}, "seq": 1})
    assert sheet.status_code == 409


def test_no_mock_without_a_blueprint_or_a_bank_that_fills_it(client, bank):
    response = client.post("/api/practice", json={"mode": "mock"})
    assert response.status_code == 409 and response.json["reason"]
    make.blueprint([("true_false", 40, 2.5)])
    db.session.commit()
    response = client.post("/api/practice", json={"mode": "mock"})
    assert response.status_code == 409 and response.json["reason"]


def test_the_mock_page_is_the_exam_client(client, mock_blueprint):
    mock_id = start_mock(client)["id"]
    page = client.get(f"/practice/{mock_id}")
    assert page.status_code == 200
    assert "js/exam.js" in page.text and f'data-api="/api/practice/{mock_id}"' in page.text
