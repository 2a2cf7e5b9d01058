"""Quick routes: the few requests answered before Flask, for the hot path of a sitting.

Flask's work for one request (its contexts, routing, the hooks of every extension, a response
object) costs more than the exam client's answer save itself. A quick route makes the checks
that request needs exactly as Flask and Flask-WTF would make them (the signed session cookie,
the CSRF token and, over HTTPS, the referrer, the JSON body) and answers only success. Whatever
it cannot decide for sure, or fails at, it hands on to Flask unchanged, and Flask's own route
answers with the reason. A quick route can therefore be narrower than Flask's, never wider.
"""

from __future__ import annotations

import hmac
import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable

from flask import Flask
from flask_wtf.csrf import same_origin
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import SecurityError
from werkzeug.http import parse_cookie, parse_options_header
from werkzeug.wsgi import get_host

from .web import UNAVAILABLE, security_headers

log = logging.getLogger(__name__)

DATABASE_ERRORS = (*UNAVAILABLE, sa_exc.DBAPIError)

# Larger bodies go to Flask, which knows MAX_CONTENT_LENGTH and says 413.
QUICK_BODY_LIMIT = 256 * 1024


class QuickRequest:
    """What a quick route may know of the request, read the way Flask reads it."""

    def __init__(self, app: Flask, environ: dict, body: bytes) -> None:
        self.app, self.environ, self.body = app, environ, body
        self.cookies = parse_cookie(environ)
        self.is_secure = environ.get("wsgi.url_scheme") == "https"

    def session(self) -> dict | None:
        """The signed cookie session, as ``SecureCookieSessionInterface.open_session`` reads
        it; None when there is none or it does not verify."""
        interface = self.app.session_interface
        cookie = self.cookies.get(interface.get_cookie_name(self.app))
        if not cookie or not self.app.secret_key:
            return None
        try:
            data = _verified_loads((self.app.secret_key, interface.salt), cookie,
                                   int(self.app.permanent_session_lifetime.total_seconds()),
                                   lambda: interface.get_signing_serializer(self.app))
        except BadData:
            return None
        return dict(data) if isinstance(data, dict) else None

    def login_token(self, session: dict) -> str | None:
        """What Flask-Login keeps of the log-in (``User.get_id()``), if it would take it as it
        is: "strong" session protection may end a log-in that is not permanent."""
        token = session.get("_user_id")
        if not isinstance(token, str):
            return None
        protection = self.app.config.get("SESSION_PROTECTION",
                                         self.app.login_manager.session_protection)
        return token if protection != "strong" or session.get("_permanent") else None

    def csrf_passes(self, session: dict) -> bool:
        """Flask-WTF's ``CSRFProtect.protect`` for a request with no form: the token of a header
        signed and matching the session's, and over HTTPS a referrer of this host."""
        cfg = self.app.config
        if not cfg["WTF_CSRF_ENABLED"] or not cfg["WTF_CSRF_CHECK_DEFAULT"]:
            return True
        if self.environ["REQUEST_METHOD"] not in cfg["WTF_CSRF_METHODS"]:
            return True
        signed = next((v for name in cfg["WTF_CSRF_HEADERS"]
                       if (v := self.environ.get("HTTP_" + name.upper().replace("-", "_")))), None)
        expected = session.get(cfg["WTF_CSRF_FIELD_NAME"])
        if not signed or not isinstance(expected, str):
            return False
        secret = cfg.get("WTF_CSRF_SECRET_KEY") or self.app.secret_key
        try:
            token = _verified_loads((secret, "wtf-csrf-token"), signed, cfg["WTF_CSRF_TIME_LIMIT"],
                                    lambda: URLSafeTimedSerializer(secret, salt="wtf-csrf-token"))
        except BadData:
            return False
        if not isinstance(token, str) or not hmac.compare_digest(expected, token):
            return False
        if self.is_secure and cfg["WTF_CSRF_SSL_STRICT"]:
            referrer = self.environ.get("HTTP_REFERER")
            return bool(referrer) and same_origin(referrer, f"https://{self.host()}/")
        return True

    def host(self) -> str:
        return get_host(self.environ, self.app.config["TRUSTED_HOSTS"])

    def json(self) -> object:
        """The body as ``request.get_json(silent=True)`` reads it: None unless JSON."""
        mimetype = parse_options_header(self.environ.get("CONTENT_TYPE", ""))[0].lower()
        if not (mimetype == "application/json"
                or mimetype.startswith("application/") and mimetype.endswith("+json")):
            return None
        try:
            return self.app.json.loads(self.body)
        except ValueError:
            return None


# Signed values already verified: (secret, salt, value) -> (payload, signed at). The exam client
# sends the same cookie and CSRF token with every save of a sitting; checking their signatures
# again each time would be most of a quick save's work.
_verified: dict[tuple, tuple[object, float]] = {}


def _verified_loads(signer: tuple, value: str, max_age: int,
                    serializer: Callable[[], URLSafeTimedSerializer]) -> object:
    """``serializer().loads(value, max_age=max_age)``, remembering the values that verified
    for this ``signer`` (secret, salt); their age is checked every time, as itsdangerous does."""
    key = (*signer, value)
    known = _verified.get(key)
    if known is None:
        payload, signed_at = serializer().loads(value, max_age=max_age, return_timestamp=True)
        if len(_verified) > 20_000:
            _verified.clear()
        known = _verified[key] = (payload, signed_at.timestamp())
    age = time.time() - known[1]
    if not 0 <= age <= max_age:
        raise SignatureExpired("the signature is too old or from the future")
    return known[0]


# A quick route: given the request and the path's groups, the JSON body of a 200, or None to
# hand the request on to Flask.
Handler = Callable[..., dict | None]


class QuickRoutes:
    """WSGI middleware in front of the Flask app: a few (method, path) pairs tried first."""

    def __init__(self, app: Flask, wsgi_app, routes: Iterable[tuple[str, str, Handler]]) -> None:
        self.app, self.wsgi_app = app, wsgi_app
        self.routes = [(method, re.compile(pattern), handler) for method, pattern, handler in routes]

    def __call__(self, environ: dict, start_response):
        for method, pattern, handler in self.routes:
            match = environ["REQUEST_METHOD"] == method and pattern.fullmatch(environ.get("PATH_INFO", ""))
            if match:
                answer = self._try(environ, handler, match.groups())
                if answer is not None:
                    return answer(start_response)
                break
        return self.wsgi_app(environ, start_response)

    def _try(self, environ: dict, handler: Handler, groups: tuple):
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            return None
        if not 0 <= length <= QUICK_BODY_LIMIT:
            return None  # no length (chunked) or too long: Flask reads it its own way
        try:
            body = environ["wsgi.input"].read(length) if length else b""
        except OSError:  # the client went away; Flask finds the body short and says 400
            body = b""
        # Flask reads the body again if the quick route hands the request on.
        environ["wsgi.input"] = io.BytesIO(body)
        if len(body) != length:
            return None
        request = QuickRequest(self.app, environ, body)
        try:
            if self.app.config["TRUSTED_HOSTS"] is not None:
                request.host()  # Flask checks the host of every request when told which to trust
            with self.app.app_context():
                result = handler(request, *groups)
        except SecurityError:  # an untrusted host: Flask refuses it
            return None
        except DATABASE_ERRORS as exc:
            # Flask answers the same request the long way: a 503 if the database is gone.
            log.warning("quick route %s: %s; handed on to Flask", environ.get("PATH_INFO"),
                        type(exc).__name__)
            return None
        except Exception:
            if self.app.testing:
                raise
            log.exception("quick route %s failed; handed on to Flask", environ.get("PATH_INFO"))
            return None
        return None if result is None else _json_response(result, request.is_secure)


def _json_response(body: dict, secure: bool):
    """What ``jsonify`` and the portal's after-request hooks make of a 200: the same bytes
    and headers (a test compares them with Flask's)."""
    data = (json.dumps(body, sort_keys=True, separators=(",", ":")) + "\n").encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data))),
               *security_headers(secure), ("Cache-Control", "no-store"), ("Vary", "Cookie")]

    def answer(start_response):
        start_response("200 OK", headers)
        return [data]

    return answer


def init_app(app: Flask, routes: Iterable[tuple[str, str, Handler]]) -> None:
    """Put the quick routes in front of the app; call before any proxy middleware wraps it,
    so that they see the request as Flask does (scheme and address as the proxy said)."""
    app.wsgi_app = QuickRoutes(app, app.wsgi_app, routes)
