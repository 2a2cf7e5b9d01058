"""Junk in every field of every form and API call, as every kind of user: a 4xx with a
reason or a normal page, never a server error."""

import pytest

from .test_access_matrix import objects, routes  # noqa: F401  (the fixture)

JUNK = [
    {},
    {
        "action": "terminate",
        "reason": "x" * 5000,
        "minutes": "-1",
        "user_id": "abc",
        "application_id": "1e9",
        "attempt_id": "0",
        "examiner1": "NaN",
        "examiner2": "",
        "score": ["a", "-5", "1e308"],
        "decision": "maybe",
        "ids": ["x", "-1"],
        "lang": "xx",
        "key": "exam.pass_mark",
        "value": "{]",
        "role": "god",
        "organisation_id": "-7",
    },
    {
        "id_number": "1" * 18,
        "name": "<script>alert(1)</script>",
        "category": "principal",
        "operation_type": "nope",
        "appointed_on": "2026-02-30",
        "seats": "999999999999",
        "starts_at": "yesterday",
        "blueprint_id": "'; DROP TABLE users; --",
        "count": "-3",
        "sections-0-type": "essay",
        "sections-0-count": "1",
        "sections-0-points": "inf",
    },
]
JSON_JUNK = [
    None,
    [],
    {"answers": {"1": [0, 0, 0, 999999999999999999999]}, "seq": 10**30},
    {"answers": "all", "seq": 1.5},
    {"answers": {"__proto__": [1]}, "seq": -1},
]


@pytest.mark.parametrize("role", ["anonymous", "admin", "trainee", "reviewer_center", "proctor_center"])
def test_no_server_error_on_junk(app, objects, role):  # noqa: F811  (the imported fixture)
    from .conftest import login

    app.config["WTF_CSRF_ENABLED"] = False
    try:
        client = app.test_client()
        if role != "anonymous":
            login(client, role)
        errors = []
        for endpoint, method, rule in routes(app):
            if method == "GET" or endpoint in ("accounts.logout",):
                continue
            url = rule
            for name, value in objects.items():
                url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
            bodies = [{"json": j} for j in JSON_JUNK] if method == "PUT" else [{"data": d} for d in JUNK]
            for body in bodies:
                response = client.open(url, method=method, **body)
                if response.status_code >= 500:
                    errors.append(f"{method} {url} {str(body)[:120]}: {response.status_code}")
        assert not errors, "\n".join(errors)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
