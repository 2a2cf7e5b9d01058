"""A handed-in mock shows its right answers and 解析 by default; an administrator can close them
(``practice.review_after_mock``), and then no request gets them."""

from __future__ import annotations

from training_portal.core import policy
from training_portal.core.db import db
from training_portal.core.permissions import Role

from .. import factories as make
from .test_mock import mock_blueprint, start_mock  # noqa: F401  (a fixture)


def test_closed_by_policy_a_handed_in_mock_shows_the_score_and_no_answer(client, mock_blueprint):  # noqa: F811
    policy.set_value("practice.review_after_mock", False, actor=make.user(Role.ADMIN))
    db.session.commit()
    body = start_mock(client)
    mock_id, questions = body["id"], body["questions"]
    assert client.post(f"/api/practice/{mock_id}/submit").status_code == 200
    seen = client.get(f"/api/practice/{mock_id}")
    assert seen.json["feedback"] == {} and "score" in seen.json["result"]
    assert '"correct"' not in seen.text and '"explanation"' not in seen.text
    crafted = client.put(f"/api/practice/{mock_id}/answers/{questions[0]['id']}", json={"answer": [0]})
    assert crafted.status_code == 409 and "correct" not in crafted.text
    page = client.get(f"/practice/{mock_id}").text
    assert 'data-test="score"' in page and 'data-test="no-review"' in page
    assert 'data-test="review"' not in page and "依据《煤矿安全规程》" not in page


def test_open_by_default_the_mock_result_page_has_each_explanation(client, mock_blueprint):  # noqa: F811
    body = start_mock(client)
    assert client.post(f"/api/practice/{body['id']}/submit").status_code == 200
    page = client.get(f"/practice/{body['id']}").text
    assert 'data-test="review"' in page and "依据《煤矿安全规程》" in page
