"""The answer save is a Flask route like any other: Flask's session, Flask-Login's log-in and
Flask-WTF's CSRF check decide who may send it; its one conditional UPDATE decides what is
stored."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from training_portal.core.db import db
from training_portal.exams import attempts


def put(client, attempt, answers, seq, **kwargs):
    return client.put(f"/api/attempts/{attempt.id}/answers", json={"answers": answers, "seq": seq}, **kwargs)


def stored(attempt) -> tuple[dict, int]:
    db.session.refresh(attempt)
    return attempt.answers, attempt.saved_seq


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_save_answers_its_seq_with_the_portals_headers(sitting, scheme):
    attempt, client = sitting
    base = f"{scheme}://localhost"
    response = put(client, attempt, {"1": [0]}, 5, base_url=base, headers={"Referer": f"{base}/exams"})
    assert response.status_code == 200
    assert response.json.keys() == {"saved_seq", "remaining_s"} and response.json["saved_seq"] == 5
    assert 0 < response.json["remaining_s"] <= 120 * 60
    headers = response.headers
    assert headers["Content-Type"] == "application/json" and headers["Cache-Control"] == "no-store"
    assert (
        headers["X-Content-Type-Options"] == "nosniff"
        and "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    )
    assert ("Strict-Transport-Security" in headers) == (scheme == "https")
    assert "Set-Cookie" not in headers  # a save changes nothing of the session
    assert stored(attempt) == ({"1": [0]}, 5)


def _tampered(value: str) -> str:
    return value[:-2] + ("AA" if value[-2:] != "AA" else "BB")


@pytest.mark.parametrize(
    "how",
    [
        "no CSRF token",
        "a tampered CSRF token",
        "another session's CSRF token",
        "a tampered session cookie",
        "no session cookie",
        "a text body",
        "HTTPS without a referrer",
        "HTTPS from another site",
    ],
)
def test_a_save_flask_wtf_refuses_is_a_400_with_a_reason(sitting, app, how):
    attempt, client = sitting
    kwargs: dict = {}
    if how == "no CSRF token":
        del client.environ_base["HTTP_X_CSRFTOKEN"]
    elif how == "a tampered CSRF token":
        client.environ_base["HTTP_X_CSRFTOKEN"] = _tampered(client.environ_base["HTTP_X_CSRFTOKEN"])
    elif how == "another session's CSRF token":
        other = app.test_client()
        client.environ_base["HTTP_X_CSRFTOKEN"] = (
            other.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        )
    elif how == "a tampered session cookie":
        client.set_cookie("portal_session", _tampered(client.get_cookie("portal_session").value))
    elif how == "no session cookie":
        client.delete_cookie("portal_session")
    elif how.startswith("HTTPS"):
        kwargs["base_url"] = "https://localhost"
        if how.endswith("another site"):
            kwargs["headers"] = {"Referer": "https://elsewhere.example/exams"}
    if how == "a text body":
        response = client.put(
            f"/api/attempts/{attempt.id}/answers",
            content_type="text/plain",
            data='{"answers": {"1": [0]}, "seq": 1}',
        )
    else:
        response = put(client, attempt, {"1": [0]}, 1, **kwargs)
    assert response.status_code == 400, response.text
    assert response.json["reason"]
    assert stored(attempt) == ({}, 0)


@pytest.mark.parametrize("proto", ["https", "wss"])
def test_behind_a_proxy_a_secure_scheme_needs_a_referrer_of_this_site(sitting, app, monkeypatch, proto):
    """Werkzeug counts ``wss`` as secure as well as ``https``: a save from another site is
    refused whichever the proxy says (a copy of the checks before Flask once let ``wss`` by)."""
    attempt, client = sitting
    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1, x_proto=1))
    response = put(
        client,
        attempt,
        {"1": [0]},
        1,
        headers={
            "X-Forwarded-Proto": proto,
            "X-Forwarded-For": "10.0.0.7",
            "Referer": "https://elsewhere.example/exams",
        },
    )
    assert response.status_code == 400, response.text
    assert stored(attempt) == ({}, 0)


def test_an_expired_csrf_token_is_refused(sitting, app):
    attempt, client = sitting
    assert put(client, attempt, {"1": [0]}, 1).status_code == 200
    time.sleep(1.1)
    limit = app.config["WTF_CSRF_TIME_LIMIT"]
    app.config["WTF_CSRF_TIME_LIMIT"] = 0  # seconds: the token is now too old
    try:
        response = put(client, attempt, {"1": [1]}, 2)
    finally:
        app.config["WTF_CSRF_TIME_LIMIT"] = limit
    assert response.status_code == 400
    assert stored(attempt) == ({"1": [0]}, 1)


def test_json_nested_too_deeply_is_a_400(sitting):
    attempt, client = sitting
    response = client.put(
        f"/api/attempts/{attempt.id}/answers",
        content_type="application/json",
        data="[" * 100_000 + "]" * 100_000,
    )
    assert response.status_code == 400 and response.json["reason"]
    assert stored(attempt) == ({}, 0)


def test_a_save_is_the_log_ins_query_and_one_update(sitting):
    """What never changes of an attempt is remembered: a save, after the first, is the
    session loader's SELECT and the conditional UPDATE, nothing else."""
    attempt, client = sitting
    assert put(client, attempt, {"1": [0]}, 1).status_code == 200
    statements: list[str] = []

    def note(conn, cursor, statement, *args):
        statements.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert put(client, attempt, {"1": [1]}, 2).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert statements == ["SELECT", "UPDATE"]


def test_a_log_in_ended_after_the_request_loaded_it_stores_nothing(sitting):
    """The log-in is checked again inside the UPDATE: a log-out in another tab between the
    loading of the user and the save leaves the sheet as it was."""
    attempt, _ = sitting
    with pytest.raises(attempts.LoggedOut):
        attempts.save_answers(attempt.id, "a-token-of-no-live-session", {"1": [0]}, 1)
    db.session.rollback()
    assert stored(attempt) == ({}, 0)
