"""Practice rounds and the wrong-answer book through the API, as the practice page uses it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from training_portal.core import policy
from training_portal.core.db import db
from training_portal.core.permissions import Role
from training_portal.practice.models import PracticeItem, WrongAnswer

from .. import factories as make
from .conftest import logged_in


def right(round_id: int, question_id: int) -> list[int]:
    """The right options of a question as the round shows them."""
    item = db.session.scalar(
        select(PracticeItem).where(PracticeItem.round_id == round_id, PracticeItem.question_id == question_id)
    )
    return [shown for shown, k in enumerate(item.option_order) if k in item.version.correct]


def wrong(round_id: int, question_id: int) -> list[int]:
    return [next(k for k in range(4) if k not in right(round_id, question_id))]


def start(client, **body):
    response = client.post("/api/practice", json={"mode": "practice", **body})
    assert response.status_code == 201, response.json
    return response.json


def answer(client, round_id, question_id, chosen):
    return client.put(f"/api/practice/{round_id}/answers/{question_id}", json={"answer": chosen})


def test_a_round_holds_only_active_questions_that_apply_to_the_post(client, bank):
    body = start(client)
    ids = {q["id"] for q in body["questions"]}
    assert ids == {q.id for q in bank["gas"]}  # fewer than a round's 20: all of them
    assert not ids & {q.id for q in bank["other"]}
    first = body["questions"][0]
    assert first.keys() >= {"id", "type", "stem", "options", "points"}
    assert "correct" not in first and "explanation" not in first and body["feedback"] == {}


def test_a_category_narrows_the_round_to_its_path(client, bank):
    body = start(client, category="煤矿安全/通风管理")
    assert body["questions"] and all(q["category"] == "煤矿安全/通风管理" for q in body["questions"])
    assert len(body["questions"]) == 4  # the odd-numbered of 4 + 3 + 2
    refused = client.post("/api/practice", json={"mode": "practice", "category": "机电运输"})
    assert refused.status_code == 409 and refused.json["reason"]


def test_each_answer_gets_the_answer_and_the_explanation_at_once(client):
    body = start(client)
    q = body["questions"][0]
    response = answer(client, body["id"], q["id"], right(body["id"], q["id"]))
    assert response.status_code == 200
    assert response.json == {
        "correct": True,
        "answer": right(body["id"], q["id"]),
        "explanation": "依据《煤矿安全规程》",
    }
    q2 = body["questions"][1]
    response = answer(client, body["id"], q2["id"], wrong(body["id"], q2["id"]))
    assert response.json["correct"] is False and response.json["answer"] == right(body["id"], q2["id"])
    # The page comes back to the round where it left off, answered questions with their feedback.
    again = client.get(f"/api/practice/{body['id']}").json
    assert again["feedback"].keys() == {str(q["id"]), str(q2["id"])}


def test_a_retry_of_the_same_answer_is_answered_alike_another_answer_is_refused(client):
    body = start(client)
    q = body["questions"][0]
    first = answer(client, body["id"], q["id"], wrong(body["id"], q["id"]))
    assert answer(client, body["id"], q["id"], wrong(body["id"], q["id"])).json == first.json
    changed = answer(client, body["id"], q["id"], right(body["id"], q["id"]))
    assert changed.status_code == 409 and changed.json["reason"]
    entry = db.session.scalar(select(WrongAnswer).where(WrongAnswer.question_id == q["id"]))
    assert entry.times_wrong == 1  # the retry counted once


def book(client) -> dict[int, dict]:
    response = client.get("/api/me/wrong-answers")
    assert response.status_code == 200
    return {e["question_id"]: e for e in response.json}


def test_a_question_leaves_the_book_after_two_right_answers_in_a_row(client):
    q_id = start(client)["questions"][0]["id"]

    def answered(is_right: bool):
        body = start(client)
        chosen = (right if is_right else wrong)(body["id"], q_id)
        assert answer(client, body["id"], q_id, chosen).json["correct"] is is_right

    assert book(client) == {}
    answered(False)
    entry = book(client)[q_id]
    assert entry.keys() == {"question_id", "stem", "times_wrong", "right_in_a_row"}
    assert (entry["times_wrong"], entry["right_in_a_row"]) == (1, 0)
    answered(True)
    assert (book(client)[q_id]["times_wrong"], book(client)[q_id]["right_in_a_row"]) == (1, 1)
    answered(False)  # the run of right answers starts again
    assert (book(client)[q_id]["times_wrong"], book(client)[q_id]["right_in_a_row"]) == (2, 0)
    answered(True)
    assert q_id in book(client)
    answered(True)
    assert q_id not in book(client)
    answered(True)  # a right answer after it left changes nothing
    assert q_id not in book(client)
    answered(False)  # and a wrong one puts it back
    assert (book(client)[q_id]["times_wrong"], book(client)[q_id]["right_in_a_row"]) == (3, 0)


def test_the_number_of_right_answers_to_leave_the_book_is_the_policys(client):
    policy.set_value("practice.right_in_a_row_to_leave_book", 1, actor=make.admin())
    db.session.commit()
    body = start(client)
    q = body["questions"][0]
    answer(client, body["id"], q["id"], wrong(body["id"], q["id"]))
    body = start(client)
    answer(client, body["id"], q["id"], right(body["id"], q["id"]))
    assert book(client) == {}


def test_practising_the_book_draws_only_its_questions(client):
    refused = client.post("/api/practice", json={"mode": "wrong_book"})
    assert refused.status_code == 409 and refused.json["reason"]
    body = start(client)
    missed = [q["id"] for q in body["questions"][:2]]
    for q_id in missed:
        answer(client, body["id"], q_id, wrong(body["id"], q_id))
    answer(client, body["id"], body["questions"][2]["id"], right(body["id"], body["questions"][2]["id"]))
    from_book = start(client, mode="wrong_book")
    assert sorted(q["id"] for q in from_book["questions"]) == sorted(missed)
    assert from_book["mode"] == "wrong_book"


def test_progress_per_knowledge_point_shows_the_weakest(client, learner):
    from training_portal.practice import operations as ops

    body = start(client)
    for q in body["questions"]:
        gas = q["category"] == "煤矿安全/瓦斯防治"
        answer(client, body["id"], q["id"], (wrong if gas else right)(body["id"], q["id"]))
    progress = ops.progress(learner)
    assert [p.category for p in progress] == ["煤矿安全/瓦斯防治", "煤矿安全/通风管理"]
    assert (progress[0].share_right, progress[1].share_right) == (0.0, 1.0)
    assert progress[0].in_book == 5 and progress[1].in_book == 0
    page = client.get("/practice/wrong-answers")
    assert page.status_code == 200
    weakest = page.text.split('data-test="weakest"')[1].split("</p>")[0]
    assert "煤矿安全/瓦斯防治" in weakest


def test_a_round_is_its_learners_alone(app, client, learner):
    body = start(client)
    q_id = body["questions"][0]["id"]
    stranger = make.user(Role.TRAINEE, person=make.person(operation_type=make.GAS))
    db.session.commit()
    other = logged_in(app, stranger)
    for response in (
        other.get(f"/api/practice/{body['id']}"),
        answer(other, body["id"], q_id, [0]),
        other.post(f"/api/practice/{body['id']}/submit"),
        other.put(f"/api/practice/{body['id']}/answers", json={"answers": {}, "seq": 1}),
        other.get(f"/practice/{body['id']}"),
    ):
        assert response.status_code == 404
    assert db.session.scalar(select(PracticeItem.answer).where(PracticeItem.question_id == q_id)) is None
    assert other.get("/api/me/wrong-answers").json == []


@pytest.mark.parametrize(
    "body, status",
    [
        ("{not json", 400),
        ("[1, 2]", 400),
        ({"answer": 1}, 400),
        ({"answer": [7]}, 400),
        ({"answer": [-1]}, 400),
        ({"answer": [True]}, 400),
        ({"answer": ["0"]}, 400),
        ({"answer": [0.0]}, 400),
        ({"answer": []}, 400),
        ({"answer": [0, 1]}, 400),  # a single-choice question takes one option
        ({}, 400),
    ],
)
def test_bad_answers_are_a_4xx_with_a_reason_and_store_nothing(client, bank, body, status):
    single = next(q for q in bank["gas"] if q.current_version.type == "single_choice")
    round_id = start(client)["id"]
    url = f"/api/practice/{round_id}/answers/{single.id}"
    if isinstance(body, str):
        response = client.put(url, data=body, content_type="application/json")
    else:
        response = client.put(url, json=body)
    assert response.status_code == status and response.json["reason"]
    assert db.session.scalar(select(PracticeItem.answer).where(PracticeItem.question_id == single.id)) is None
    assert book(client) == {}


def test_a_question_not_in_the_round_is_a_404(client, bank):
    round_id = start(client, category="煤矿安全/通风管理")["id"]
    elsewhere = next(q for q in bank["gas"] if q.current_version.category == "煤矿安全/瓦斯防治")
    for q_id in (elsewhere.id, bank["other"][0].id, 999_999):
        response = answer(client, round_id, q_id, [0])
        assert response.status_code == 404 and response.json["reason"]


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "exam"},
        {"mode": None},
        {},
        {"mode": "practice", "category": 5},
        {"mode": "practice", "category": "x" * 201},
        "nonsense",
    ],
)
def test_a_bad_start_is_a_400(client, body):
    if isinstance(body, str):
        response = client.post("/api/practice", data=body, content_type="application/json")
    else:
        response = client.post("/api/practice", json=body)
    assert response.status_code == 400 and response.json["reason"]


def test_practice_needs_a_record_with_a_post(app, ctx, bank):
    staff = make.user(Role.TRAINEE, person=make.person())  # a record, no post
    nobody = make.user()
    db.session.commit()
    for user in (staff, nobody):
        response = logged_in(app, user).post("/api/practice", json={"mode": "practice"})
        assert response.status_code == 403 and response.json["reason"]


def test_the_pages_show_practice_and_the_book(client):
    index = client.get("/practice/")
    assert index.status_code == 200 and 'data-test="start-practice"' in index.text
    assert "煤矿安全/瓦斯防治" in index.text
    started = client.post(
        "/practice/start",
        data={"mode": "practice", "category": "", "csrf_token": client.environ_base["HTTP_X_CSRFTOKEN"]},
    )
    assert started.status_code == 303
    page = client.get(started.headers["Location"])
    assert page.status_code == 200 and "js/practice.js" in page.text
    refused = client.post(
        "/practice/start", data={"mode": "wrong_book", "csrf_token": client.environ_base["HTTP_X_CSRFTOKEN"]}
    )
    assert refused.status_code == 409 and 'data-test="error"' in refused.text
    assert client.get("/practice/wrong-answers").status_code == 200


def test_the_demo_trainee_can_practise_and_take_a_mock(app, demo):
    """``flask seed-demo`` leaves an active bank for the demo gas inspector: a practice round
    and a mock from the demo exam blueprint."""
    from ..conftest import login

    client = app.test_client()
    assert login(client, "trainee").status_code == 302
    client.environ_base["HTTP_X_CSRFTOKEN"] = (
        client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]
    )
    practice = client.post("/api/practice", json={"mode": "practice"})
    assert practice.status_code == 201 and len(practice.json["questions"]) >= 10
    mock = client.post("/api/practice", json={"mode": "mock"})
    assert mock.status_code == 201 and mock.json["questions"]
    assert sum(q["points"] for q in mock.json["questions"]) == 100
