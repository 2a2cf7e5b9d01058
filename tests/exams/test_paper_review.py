"""The candidate's paper as the API gives it (each question's type and points, the duration
before the start) and what the candidate may see afterwards: the score once both proctors have
signed, the right answers and the 解析 only where the policy opens them."""

from __future__ import annotations

import pytest

from question_bank import types
from training_portal.core import policy
from training_portal.core.db import db
from training_portal.exams import attempts
from training_portal.exams import sessions as session_ops

from ..conftest import login
from .conftest import CANDIDATE_PASSWORD, gas_inspectors, seated, users_by_name

# Every field the exam client and other systems read of GET /api/attempts/<id>: kept as they are.
ATTEMPT_FIELDS = {"id", "session", "state", "identity", "remaining_s", "saved_seq", "answers", "paper"}
WAITING = "两名监考员在考场记录上签字后公布成绩"
QUESTION_FIELDS = {"id", "position", "type", "stem", "stem_format", "points", "options"}


def _client(app, candidate):
    client = app.test_client()
    assert login(client, candidate.username, CANDIDATE_PASSWORD).status_code == 302
    token = client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    return client


def _sentinels(attempt) -> list[str]:
    """Give each question of the paper a 解析 that can be found in any response."""
    marks = []
    for item in attempt.paper.items:
        item.version.explanation = f"解析哨兵{item.version.id}"
        marks.append(item.version.explanation)
    db.session.commit()
    return marks


def _handed_in(users, app, answered: int = 3):
    """A started attempt with a few answers (the first right), handed in, not yet signed."""
    attempt, candidate = seated(users, gas_inspectors()[0])
    client = _client(app, candidate)
    sentinels = _sentinels(attempt)
    body = client.get(f"/api/attempts/{attempt.id}").get_json()
    sheet = {q["id"]: [0] for q in body["paper"][:answered]}
    assert (
        client.put(f"/api/attempts/{attempt.id}/answers", json={"answers": sheet, "seq": 1}).status_code
        == 200
    )
    assert client.post(f"/api/attempts/{attempt.id}/submit").status_code == 200
    return attempt, client, sentinels, candidate


def _sign(attempt, users) -> None:
    for name in ("proctor_center", "proctor_dept"):
        session_ops.sign(attempt.session, proctor=users[name])
    db.session.commit()


def _reveals(text: str, sentinels: list[str]) -> bool:
    return '"correct"' in text or '"explanation"' in text or any(s in text for s in sentinels)


def test_each_question_has_its_type_and_points_and_the_old_fields_stay(sitting):
    attempt, client = sitting
    body = client.get(f"/api/attempts/{attempt.id}").get_json()
    assert body.keys() >= ATTEMPT_FIELDS and body["duration_s"] == attempt.paper.duration_minutes * 60
    for q in body["paper"]:
        assert q.keys() >= QUESTION_FIELDS
        assert q["type"] in types.REGISTRY and q["points"] > 0
    assert sum(q["points"] for q in body["paper"]) == attempt.paper.total_points
    assert {q["type"] for q in body["paper"]} == {"true_false", "single_choice", "multiple_choice"}


def test_before_the_start_the_candidate_sees_how_long_the_exam_lasts(users, app):
    attempt, candidate = seated(users, gas_inspectors()[0], start=False)
    client = _client(app, candidate)
    body = client.get(f"/api/attempts/{attempt.id}").get_json()
    assert body["state"] == "not_started" and body["paper"] is None
    assert body["duration_s"] == attempt.session.blueprint.duration_minutes * 60 > 0
    page = client.get(f"/exam/{attempt.id}").text
    minutes = attempt.session.blueprint.duration_minutes
    assert f"考试时长 {minutes} 分钟" in page


def test_nothing_of_the_result_before_both_signatures_even_where_the_policy_opens_answers(users, app):
    policy.set_value("exam.review_after_publication", True, actor=users["admin"])
    attempt, client, sentinels, candidate = _handed_in(users, app)
    session_ops.sign(attempt.session, proctor=users["proctor_center"])  # one signature only
    db.session.commit()
    response = client.get(f"/api/attempts/{attempt.id}")
    result = response.get_json()["result"]
    assert result["published"] is False and "score" not in result and "review" not in result
    assert not _reveals(response.text, sentinels)
    page = client.get(f"/exam/{attempt.id}").text
    assert 'data-test="result"' not in page and not any(s in page for s in sentinels)
    assert WAITING in page  # still waiting, and says so


def test_after_publication_the_score_but_by_default_no_answers(users, app):
    attempt, client, sentinels, candidate = _handed_in(users, app)
    _sign(attempt, users)
    response = client.get(f"/api/attempts/{attempt.id}")
    result = response.get_json()["result"]
    assert result["published"] is True and result["score"] == attempt.score
    assert result["passed"] is False and result["total_points"] == attempt.paper.total_points
    assert "review" not in result and not _reveals(response.text, sentinels)
    page = client.get(f"/exam/{attempt.id}").text
    assert 'data-test="verdict"' in page and "不合格" in page
    assert 'data-test="no-review"' in page and not any(s in page for s in sentinels)
    assert "成绩已公布" in page and WAITING not in page  # no longer "after both signatures"
    mine = client.get("/exams/").text
    assert 'data-test="see-result"' in mine


def test_where_the_policy_allows_each_question_with_both_answers_and_the_explanation(users, app):
    policy.set_value("exam.review_after_publication", True, actor=users["admin"])
    attempt, client, sentinels, candidate = _handed_in(users, app, answered=2)
    _sign(attempt, users)
    review = client.get(f"/api/attempts/{attempt.id}").get_json()["result"]["review"]
    assert len(review) == len(attempt.paper.items)
    assert sorted(q["explanation"] for q in review) == sorted(sentinels)
    answered = [q for q in review if q["answer"]]
    assert len(answered) == 2 and all(q["answer"] == [0] for q in answered)
    for q in review:
        assert q["correct"] and q["type"] in types.REGISTRY and q["score"] in (0, q["points"])
        assert q["score"] == (q["points"] if sorted(q["answer"]) == sorted(q["correct"]) else 0)
    page = client.get(f"/exam/{attempt.id}").text
    assert 'data-test="review"' in page and all(s in page for s in sentinels)
    assert "正确答案" in page and "您的答案" in page and "未作答" in page


def test_only_the_candidate_may_review_and_a_crafted_request_gets_nothing(users, app):
    policy.set_value("exam.review_after_publication", True, actor=users["admin"])
    attempt, client, sentinels, candidate = _handed_in(users, app)
    _sign(attempt, users)
    assert attempt.can_review(candidate)
    for name in ("proctor_center", "reviewer_center", "admin", "trainee"):
        assert not attempt.can_review(users_by_name()[name])
    other = app.test_client()
    assert login(other, "trainee").status_code == 302
    for path in (f"/api/attempts/{attempt.id}", f"/exam/{attempt.id}"):
        response = other.get(path)
        assert response.status_code == 404 and not any(s in response.text for s in sentinels)
    policy.set_value("exam.review_after_publication", False, actor=users["admin"])
    db.session.commit()
    response = client.get(f"/api/attempts/{attempt.id}")
    assert "review" not in response.get_json()["result"] and not _reveals(response.text, sentinels)


@pytest.mark.one_backend
def test_answers_are_open_by_default_for_mock_exams_and_closed_for_real_ones():
    assert policy.rule("exam.review_after_publication").default is False
    assert policy.rule("practice.review_after_mock").default is True


def test_the_review_numbers_the_questions_as_the_paper_showed_them(users, app):
    """By type in the registry's order (判断题, 单选题, 多选题), the paper's order within a type:
    what the exam client shows, so question 3 is question 3 on both pages."""
    attempt, candidate = seated(users, gas_inspectors()[0])
    attempts.submit(attempt, candidate=candidate)
    rows = attempts.review(attempt)
    order = list(types.labels())
    shown = sorted(attempt.paper.items, key=lambda i: (order.index(i.version.type), i.position))
    assert [r["id"] for r in rows] == [str(i.position) for i in shown]
    assert [r["type"] for r in rows] == sorted((r["type"] for r in rows), key=order.index)
    assert all(r["answer"] == [] and r["score"] == 0 for r in rows)
