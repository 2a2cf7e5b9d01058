"""What every request shares: the transaction boundary, security headers, error pages,
the health check and the language switch."""

from __future__ import annotations

import errno
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, jsonify, redirect, render_template, request, session
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import BigInteger, inspect, text
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from .broker import Liveness
from .db import db
from .errors import DomainError
from .jobs import broker_answers

bp = Blueprint("core", __name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


class SessionInterface(SecureCookieSessionInterface):
    """Mark the cookie Secure whenever the request itself came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, but a body nested too deeply for the parser is a ValueError like any
    other bad JSON (a 400, or None from ``get_json(silent=True)``), not a RecursionError and
    a 500."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("the JSON is nested too deeply") from exc


class Refused(HTTPException):
    """A request refused with a reason the user can act on (4xx); see ``refuse``."""

    def __init__(self, code: int, reason: object) -> None:
        super().__init__(description=str(reason))
        self.code = code


def refuse(code: int, reason: object):
    raise Refused(code, reason)


ROW_ID_LIMIT = 2**31  # ids are INTEGER columns; a larger number would be a database error


def id_in_range(model, ident) -> bool:
    """Whether ``ident`` can be a row id of ``model`` at all: an integer key within its
    column's type (32 bits, or 64 for a BIGINT key). A larger number is no row, not a 500."""
    if isinstance(ident, bool):
        return False
    if not isinstance(ident, int):
        return True
    column = inspect(model).primary_key[0]
    return 0 < ident < (2**63 if isinstance(column.type, BigInteger) else ROW_ID_LIMIT)


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in a URL: only numbers an id column can hold (so a huge one is a 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=ROW_ID_LIMIT - 1, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, max, signed)


def get_or_404(model, ident, reason: object):
    """The row with this primary key, or a 404 with the reason."""
    row = db.session.get(model, ident) if id_in_range(model, ident) else None
    if row is None:
        refuse(404, reason)
    return row


def wants_json() -> bool:
    return (
        request.path.startswith("/api/")
        or request.path == "/healthz"
        or (request.accept_mimetypes.best == "application/json")
    )


def keep_writes_of_refusal() -> None:
    """Mark this request's writes as the refusal itself (a refused upload deleted for good):
    the boundary commits them although the answer is a 4xx. Never for a 5xx."""
    g.keep_writes_of_refusal = True


def _finish_transaction(response):
    """The one commit of a request: only when it succeeded. An error response rolls back
    everything the request wrote, so a refused request leaves nothing half-done, unless the
    request said its writes are the refusal (``keep_writes_of_refusal``)."""
    if not db.session.registry.has() or not db.session().in_transaction():
        return response  # the request began no transaction: there is nothing to end
    if response.status_code < 400 or (response.status_code < 500 and g.get("keep_writes_of_refusal")):
        db.session.commit()
    else:
        try:
            db.session.rollback()
        except UNAVAILABLE:  # nothing to undo on a connection that is gone
            db.session.invalidate()
    return response


def security_headers(secure: bool) -> list[tuple[str, str]]:
    """The headers every response carries (a response may set its own instead)."""
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if secure:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return headers


def _security_headers(response):
    h = response.headers
    for name, value in security_headers(request.is_secure):
        h.setdefault(name, value)
    if request.endpoint != "static" and "Cache-Control" not in h:
        h["Cache-Control"] = "no-store"
    return response


def _error(status: int, reason: str):
    if wants_json():
        return jsonify({"error": status, "reason": reason}), status
    return render_template("error.html", status=status, reason=reason), status


def _http_error(exc: HTTPException):
    reasons = {
        400: _("The request was not understood."),
        401: _("Please log in."),
        403: _("You do not have permission to do this."),
        404: _("Not found."),
        405: _("This address does not accept that kind of request."),
        413: _("The upload is too large."),
        429: _("Too many requests; please wait a moment."),
    }
    reason = exc.description if isinstance(exc, Refused) else reasons.get(exc.code, exc.name)
    return _error(exc.code or 500, reason)


def redraw_on_refusal(
    template: str, form, *, form_name: str = "form", context: Callable[[], dict] | None = None, **values
) -> None:
    """Say how this request answers a refusal: ``template`` drawn again with ``form`` (passed
    as ``form_name``), the message beside the error's field or at the top of the form, with
    the error's status. Call it before validating and acting; the view then needs no ``try``.
    ``context`` is called only when drawing (after the refused writes are undone), so the page
    shows the state as it is, and a successful request never computes it."""
    g.redraw_on_refusal = (template, form, form_name, context, values)


def validated(form):
    """The form, validated, or an ``InvalidForm`` refusal (422) with its first message; the
    messages stay on their fields for ``redraw_on_refusal``."""
    if not form.validate_on_submit():
        name, messages = next(((k, v) for k, v in form.errors.items() if v), (None, []))
        first = messages[0] if messages else None
        # Field messages are strings (or lazy ones); a FieldList's are nested lists.
        raise InvalidForm(
            first
            if first and not isinstance(first, (list, dict))
            else _("Please correct the marked fields."),
            field=name,
        )
    return form


class InvalidForm(DomainError):
    """A form its own validators refused (422); the messages are on its fields already."""


def _domain_error(exc: DomainError):
    if wants_json():
        body = {"error": exc.status, "reason": str(exc)}
        if exc.field:
            body["field"] = exc.field
        return jsonify(body), exc.status
    redraw = g.pop("redraw_on_refusal", None)
    if redraw is None:
        return _error(exc.status, str(exc))
    template, form, form_name, context, values = redraw
    message = str(exc)
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        if message not in map(str, field.errors):
            field.errors = [*field.errors, message]
    elif message not in map(str, form.form_errors):
        form.form_errors.append(message)
    # The refused request's writes are undone before the page reads anything back (the
    # boundary would roll them back after drawing it, too late for what it shows).
    if not g.get("keep_writes_of_refusal"):
        db.session.rollback()
    page = {**(context() if context else {}), **values, form_name: form}
    return render_template(template, **page), exc.status


def _csrf_error(exc: CSRFError):
    return _error(
        400, _("The form expired or was sent from elsewhere; please reload the page and try again.")
    )


def _server_error(exc: Exception):
    # Logged with its traceback for the operator; the user sees no internals.
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return _error(500, _("Something went wrong on our side. Nothing was saved; please try again."))


# The database went away (a restart, a failover, a dropped connection) or could not answer in
# time: the request wrote nothing, and the same request sent again will succeed once it is back.
UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError)
RETRY_AFTER_S = 5


def _database_unavailable(exc: Exception):
    # _finish_transaction rolls the request back (or drops the dead connection) as for any 4xx/5xx.
    current_app.logger.warning(
        "database unavailable on %s %s: %s", request.method, request.path, type(exc).__name__
    )
    body, status = _error(
        503,
        _(
            "The database is unavailable for a moment. Nothing was saved; "
            "your answers are kept and sent again automatically."
        ),
    )
    return body, status, {"Retry-After": str(RETRY_AFTER_S)}


BEAT_LATE_AFTER_S = 300  # the beat sends a job every 30 s (close-overdue-attempts)


def _storage_error(exc: Exception):
    """The file store cannot take or give a file: disk full (507), read-only or unreachable (503).
    The request wrote nothing (its transaction rolls back, its files are undone)."""
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT):
        status, reason = (
            507,
            _(
                "The file storage is full. Nothing was saved; please tell the "
                "administrator and try again later."
            ),
        )
    elif code in (errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO) or not isinstance(exc, OSError):
        status, reason = (
            503,
            _("The file storage is unavailable for a moment. Nothing was saved; please try again later."),
        )
    else:
        return _server_error(exc)
    current_app.logger.error("storage error on %s %s: %s", request.method, request.path, exc)
    db.session.rollback()
    body, status = _error(status, reason)
    return body, status, {"Retry-After": "60"}


@bp.get("/healthz")
def healthz():
    """``status``: "ok"; "degraded" (200: pages work, background jobs do not: no worker's
    heartbeat, or no periodic job sent for 5 minutes); "unavailable" (503: the database or the
    broker does not answer). ``?strict=1`` answers 503 for "degraded" too, for monitors that read
    only the status code. See docs/reliability.md."""
    try:
        db.session.execute(text("SELECT 1"))
        database = {"ok": True}
    except Exception as exc:
        database = {"ok": False, "error": type(exc).__name__}
    celery_app = current_app.extensions["celery"]
    ok, error = broker_answers(celery_app)
    broker = {"ok": ok} | ({"error": error} if error else {})
    workers, beat = {"ok": False, "alive": 0}, {"ok": False, "last_run_s": None}
    if ok:
        try:
            place = current_app.extensions.get("liveness")
            if place is None:
                place = current_app.extensions["liveness"] = Liveness(str(celery_app.conf.broker_url or ""))
            seen = place.seen()
            workers = {"ok": bool(seen["workers"]), "alive": len(seen["workers"])}
            last = seen["beat"]
            beat = {
                "ok": last is not None and last < BEAT_LATE_AFTER_S,
                "last_run_s": None if last is None else round(last, 1),
            }
        except Exception as exc:  # the heartbeats cannot be read: nobody is known to run
            workers["error"] = type(exc).__name__
    if not (database["ok"] and broker["ok"]):
        status, code = "unavailable", 503
    elif not (workers["ok"] and beat["ok"]):
        status, code = "degraded", 503 if request.args.get("strict") == "1" else 200
    else:
        status, code = "ok", 200
    body = {"status": status, "database": database, "broker": broker, "workers": workers, "beat": beat}
    return jsonify(body), code


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: an open redirect would make phishing look like the portal."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@bp.post("/language")
def switch_language():
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        return _error(400, _("Unknown language."))
    session["lang"] = lang
    return redirect(safe_next(request.form.get("next")))


def _botocore_error(name: str):
    try:
        from botocore import exceptions
    except ImportError:
        return None
    return getattr(exceptions, name, None)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter  # before any route is added
    app.session_interface = SessionInterface()
    app.json = JSONProvider(app)
    app.after_request(_security_headers)
    app.after_request(_finish_transaction)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DomainError, _domain_error)
    for kind in UNAVAILABLE:
        app.register_error_handler(kind, _database_unavailable)
    app.register_error_handler(OSError, _storage_error)
    for name in ("EndpointConnectionError", "ConnectTimeoutError"):  # the S3 store is unreachable
        kind = _botocore_error(name)
        if kind is not None:
            app.register_error_handler(kind, _storage_error)
    app.register_error_handler(Exception, _server_error)
    app.register_blueprint(bp)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_stream(write, name: str):
    """An Excel workbook written by ``write(file)`` into a temporary file, then sent from it in
    chunks (the file is removed when the response closes)."""
    import tempfile

    from flask import send_file

    spool = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it once sent)
    write(spool)
    spool.seek(0)
    return send_file(spool, as_attachment=True, download_name=name, mimetype=XLSX)


def xlsx_download(data: bytes, name: str):
    """An Excel workbook as a download."""
    import io

    from flask import send_file

    return send_file(io.BytesIO(data), as_attachment=True, download_name=name, mimetype=XLSX)
