"""Over HTTPS (behind the province's TLS front end), every page carries HSTS and the session
cookie is Secure, on top of what ``check_headers`` asks of every response over plain HTTP."""

from __future__ import annotations

import pytest

from .conftest import login
from .test_access_matrix import check_headers, objects, routes  # noqa: F401  (the fixture)

pytestmark = pytest.mark.one_backend


def test_every_page_over_https_has_hsts_and_a_secure_cookie(app, objects):  # noqa: F811
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    assert login(client, "admin").status_code == 302
    failures: list[str] = []
    for endpoint, method, rule in routes(app):
        if method != "GET" or endpoint in ("accounts.logout",):
            continue
        url = rule
        for name, value in objects.items():
            url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
            url = url.replace(f"<path:{name}>", str(value))
        response = client.get(url, base_url="https://localhost")
        check_headers(response, failures, f"GET {url}")
        if "max-age=31536000" not in response.headers.get("Strict-Transport-Security", ""):
            failures.append(f"GET {url}: no HSTS over HTTPS")
        for cookie in response.headers.getlist("Set-Cookie"):
            if cookie.startswith("portal_session=") and "Secure" not in cookie:
                failures.append(f"GET {url}: session cookie without Secure over HTTPS")
    assert not failures, "\n".join(failures)


def test_plain_http_gets_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
