"""The spot test on the tested person's own phone, opened from the QR code on the regulator's
page. Logged in as nobody: the link's token is the only key, it opens this one test and
nothing else, and the page is bare (no portal navigation). The page runs the exam client
(``static/js/exam.js``) unchanged, against the exam client's protocol spoken here: ``GET``,
``PUT …/answers`` with the whole sheet, ``POST …/submit``."""

from __future__ import annotations

from flask import Blueprint, jsonify, make_response, render_template, request
from flask_babel import gettext as _

from question_bank import types as question_types

from ..core.web import refuse
from .models import SpotTest
from .operations import phone as ops

bp = Blueprint("spot_phone", __name__, template_folder="templates")


def _cookie(test: SpotTest) -> str:
    return f"spot_phone_{test.id}"


def _test(token: str, *, opened: bool = True) -> SpotTest:
    """The link's test on the phone that holds it; the API answers only after the page opened."""
    test = ops.test_for_link(token)
    ops.check_phone(test, request.cookies.get(_cookie(test)))
    if opened and test.device_hash is None:
        refuse(409, _("Open the link on the phone first."))
    return test


@bp.get("/spot/<token>")
def page(token: str):
    try:
        test = _test(token, opened=False)
    except ops.LinkRefused as refused:
        page = render_template("regulator/spot_phone_refused.html", reason=str(refused))
        return page, refused.status
    device = ops.open_on_phone(test)
    html = render_template(
        "regulator/spot_phone.html", test=test, token=token, type_labels=question_types.labels()
    )
    response = make_response(html)
    if device is not None:
        response.set_cookie(
            _cookie(test),
            device,
            max_age=int((test.link_expires_at - test.started_at).total_seconds()) + 60,
            path="/",
            httponly=True,
            samesite="Strict",
            secure=request.is_secure,
        )
    return response


@bp.get("/api/spot/<token>")
def paper(token: str):
    return jsonify(ops.phone_json(_test(token)))


@bp.put("/api/spot/<token>/answers")
def save_sheet(token: str):
    """``{"answers": {"<question number>": [option, …]}, "seq": n}``: the whole sheet."""
    test = _test(token)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        refuse(400, _("Send a JSON object."))
    seq = body.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq < 2**31:
        refuse(400, _("seq must be a whole number from 1."))
    saved = ops.save_phone_sheet(test, body.get("answers"), seq)
    return jsonify({"saved_seq": saved, "remaining_s": ops.remaining_seconds(test)})


@bp.post("/api/spot/<token>/submit")
def submit(token: str):
    test = ops.hand_in_from_phone(_test(token))
    return jsonify({"state": "submitted", "handed_in": True, "id": test.id})
