"""The answer save served before Flask (``core.quick``): it answers only a save it stored, with
what Flask would have sent, and hands everything else to Flask, which says why."""

from __future__ import annotations

import time

import pytest
from flask import request_started

from training_portal.core import quick
from training_portal.core.db import db


@pytest.fixture()
def flask_requests(app):
    """The paths of the requests that reached Flask."""
    seen: list[str] = []

    def note(sender, **extra):
        from flask import request
        seen.append(request.path)

    request_started.connect(note, app)
    yield seen
    request_started.disconnect(note, app)


def put(client, attempt, answers, seq, **kwargs):
    return client.put(f"/api/attempts/{attempt.id}/answers", json={"answers": answers, "seq": seq},
                      **kwargs)


def stored(attempt) -> tuple[dict, int]:
    db.session.refresh(attempt)
    return attempt.answers, attempt.saved_seq


def test_a_save_that_can_be_stored_never_reaches_flask(sitting, flask_requests):
    attempt, client = sitting
    response = put(client, attempt, {"1": [0]}, 1)
    assert response.status_code == 200 and response.json["saved_seq"] == 1
    assert flask_requests == []
    assert stored(attempt) == ({"1": [0]}, 1)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_quick_answer_is_what_flask_would_send(sitting, flask_requests, scheme):
    attempt, client = sitting
    base = f"{scheme}://localhost"
    referrer = {"headers": {"Referer": f"{base}/exams"}}
    quick_answer = put(client, attempt, {"1": [0]}, 5, base_url=base, **referrer)
    assert flask_requests == []
    # An older seq is Flask's to answer: a 200 with the stored seq.
    flask_answer = put(client, attempt, {"1": [1]}, 4, base_url=base, **referrer)
    assert flask_requests == [f"/api/attempts/{attempt.id}/answers"]
    assert quick_answer.status_code == flask_answer.status_code == 200
    assert quick_answer.json.keys() == flask_answer.json.keys()
    assert quick_answer.json["saved_seq"] == flask_answer.json["saved_seq"] == 5

    def headers(response):
        return {k: v for k, v in response.headers.items() if k != "Content-Length"}

    assert headers(quick_answer) == headers(flask_answer)
    assert ("Strict-Transport-Security" in quick_answer.headers) == (scheme == "https")
    assert stored(attempt) == ({"1": [0]}, 5)


def _tampered(value: str) -> str:
    return value[:-2] + ("AA" if value[-2:] != "AA" else "BB")


@pytest.mark.parametrize("how, status", [
    ("no CSRF token", 400), ("a tampered CSRF token", 400), ("another session's CSRF token", 400),
    ("a tampered session cookie", 400), ("no session cookie", 400), ("a text body", 400),
    ("HTTPS without a referrer", 400), ("HTTPS from another site", 400)])
def test_what_the_quick_path_cannot_decide_flask_refuses_with_a_reason(sitting, flask_requests, app,
                                                                       how, status):
    attempt, client = sitting
    kwargs: dict = {}
    if how == "no CSRF token":
        del client.environ_base["HTTP_X_CSRFTOKEN"]
    elif how == "a tampered CSRF token":
        client.environ_base["HTTP_X_CSRFTOKEN"] = _tampered(client.environ_base["HTTP_X_CSRFTOKEN"])
    elif how == "another session's CSRF token":
        other = app.test_client()
        client.environ_base["HTTP_X_CSRFTOKEN"] = other.get("/login").text.split(
            'name="csrf_token" value="')[1].split('"')[0]
    elif how == "a tampered session cookie":
        client.set_cookie("portal_session", _tampered(client.get_cookie("portal_session").value))
    elif how == "no session cookie":
        client.delete_cookie("portal_session")
    elif how.startswith("HTTPS"):
        kwargs["base_url"] = "https://localhost"
        if how.endswith("another site"):
            kwargs["headers"] = {"Referer": "https://elsewhere.example/exams"}
    if how == "a text body":
        response = client.put(f"/api/attempts/{attempt.id}/answers", content_type="text/plain",
                              data='{"answers": {"1": [0]}, "seq": 1}')
    else:
        response = put(client, attempt, {"1": [0]}, 1, **kwargs)
    assert response.status_code == status, response.text
    assert response.json["reason"]
    assert flask_requests[-1:] == [f"/api/attempts/{attempt.id}/answers"]
    assert stored(attempt) == ({}, 0)


def test_a_remembered_csrf_token_still_expires(sitting, app):
    attempt, client = sitting
    assert put(client, attempt, {"1": [0]}, 1).status_code == 200  # the token verified once
    time.sleep(1.1)
    limit = app.config["WTF_CSRF_TIME_LIMIT"]
    app.config["WTF_CSRF_TIME_LIMIT"] = 0  # seconds: the token is now too old
    try:
        response = put(client, attempt, {"1": [1]}, 2)
    finally:
        app.config["WTF_CSRF_TIME_LIMIT"] = limit
    assert response.status_code == 400
    assert stored(attempt) == ({"1": [0]}, 1)


def test_a_body_too_large_for_the_quick_path_is_flasks(sitting, flask_requests):
    attempt, client = sitting
    answers = {str(k): [0] for k in range(quick.QUICK_BODY_LIMIT // 8)}
    response = put(client, attempt, answers, 1)
    assert response.status_code == 400 and "no question" in response.json["reason"]
    assert flask_requests == [f"/api/attempts/{attempt.id}/answers"]


def test_json_nested_too_deeply_is_a_400(sitting):
    attempt, client = sitting
    response = client.put(f"/api/attempts/{attempt.id}/answers", content_type="application/json",
                          data="[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400 and response.json["reason"]
    assert stored(attempt) == ({}, 0)
