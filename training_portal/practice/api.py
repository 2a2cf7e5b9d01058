"""The practice API. A round is its learner's alone: anyone else's id is a 404, ids reveal
nothing. Answers are indices into the options as the round shows them, as the exam client
sends them. A mock also speaks the exam client's protocol (``GET``, ``PUT …/answers`` with the
whole sheet, ``POST …/submit``), so the exam's own page script runs it unchanged."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core import policy
from ..core.web import get_or_404, refuse
from . import operations as ops
from .models import PracticeItem, PracticeRound, RoundMode

bp = Blueprint("practice_api", __name__, url_prefix="/api")


def own_round(round_id: int) -> PracticeRound:
    practice = get_or_404(PracticeRound, round_id, _("No such practice round."))
    if not practice.can_answer(current_user):
        refuse(404, _("No such practice round."))
    return practice


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        refuse(400, _("Send a JSON object."))
    return body


def question_json(item: PracticeItem) -> dict:
    v = item.version
    return {
        "id": item.question_id,
        "position": item.position,
        "type": v.type,
        "stem": v.stem,
        "stem_format": v.stem_format,
        "options": [v.options[k] for k in item.option_order],
        "points": item.points,
        "category": v.category,
    }


def round_json(practice: PracticeRound) -> dict:
    """The round as its page needs it; for a mock also what the exam client reads (``paper``,
    ``remaining_s``, ``saved_seq``, ``answers``). Right answers only where they may be known:
    a practice question once answered, a mock once handed in."""
    questions = [question_json(item) for item in practice.items]
    body = {
        "id": practice.id,
        "mode": practice.mode.value,
        "state": practice.state.value,
        "category": practice.category,
        "questions": questions,
        "answers": {str(i.question_id): i.answer for i in practice.items if i.answer is not None},
        "feedback": {},
    }
    if practice.is_mock:
        body |= {
            "paper": questions,
            "remaining_s": ops.remaining_seconds(practice),
            "duration_s": practice.blueprint.duration_minutes * 60 if practice.blueprint else 0,
            "saved_seq": practice.saved_seq,
        }
    # A handed-in mock's right answers and 解析 only where the policy opens them.
    if not practice.is_mock or practice.state.finished and policy.get("practice.review_after_mock"):
        body["feedback"] = {
            str(i.question_id): ops.feedback(i.shown, i.answer or [])
            for i in practice.items
            if i.answer is not None or practice.is_mock
        }
    if practice.is_mock and practice.state.finished:
        body["result"] = result_json(practice)
    return body


def result_json(mock: PracticeRound) -> dict:
    return {
        "score": mock.score,
        "total_points": mock.total_points,
        "passed": mock.passed,
        "state": mock.state.value,
    }


@bp.post("/practice")
@login_required
def start():
    body = _body()
    try:
        practice = ops.start_round(current_user, body.get("mode"), body.get("category") or "")
    except ops.PracticeError as exc:
        refuse(exc.status, exc)
    return jsonify(round_json(practice)), 201


@bp.get("/practice/<int:round_id>")
@login_required
def practice_round(round_id: int):
    practice = own_round(round_id)
    ops.close_if_overdue(practice)
    return jsonify(round_json(practice))


@bp.put("/practice/<int:round_id>/answers/<int:question_id>")
@login_required
def answer(round_id: int, question_id: int):
    """Practice: the feedback at once. A mock: the answer is kept until it is handed in, then
    the same feedback (for the answer sent; the mock's score stays as handed in)."""
    found = ops.answerable(round_id, question_id)
    if found is None or not found.can_answer(current_user):
        own_round(round_id)  # no such round (or not theirs) says so; else the question is missing
        refuse(404, _("Question %(id)d is not in this round.", id=question_id))
    body = _body()
    try:
        answer = ops.check_answer(found.question, body.get("answer"))
        if found.mode is not RoundMode.MOCK:
            return jsonify(ops.answer_practice(found, answer))
        mock = own_round(round_id)
        ops.close_if_overdue(mock)
        if mock.state.finished:
            if not policy.get("practice.review_after_mock"):  # a crafted PUT asks no answer out
                refuse(409, _("The mock exam is handed in; its answers are not shown."))
            return jsonify(ops.feedback(found.question, answer))
        ops.save_mock_answer(mock, found.item_id, answer)
    except ops.PracticeError as exc:
        refuse(exc.status, exc)
    return jsonify({"saved": True, "remaining_s": ops.remaining_seconds(mock)})


def _own_mock(round_id: int) -> PracticeRound:
    practice = own_round(round_id)
    if practice.mode is not RoundMode.MOCK:
        refuse(409, _("Only a mock exam is handed in."))
    return practice


@bp.put("/practice/<int:round_id>/answers")
@login_required
def save_sheet(round_id: int):
    """The exam client's save: ``{"answers": {"<question id>": [option, …]}, "seq": n}``."""
    mock = _own_mock(round_id)
    body = _body()
    seq = body.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq < 2**31:
        refuse(400, _("seq must be a whole number from 1."))
    try:
        saved = ops.save_mock_sheet(mock, body.get("answers"), seq)
    except ops.PracticeError as exc:
        refuse(exc.status, exc)
    return jsonify({"saved_seq": saved, "remaining_s": ops.remaining_seconds(mock)})


@bp.post("/practice/<int:round_id>/submit")
@login_required
def submit(round_id: int):
    mock = ops.hand_in(_own_mock(round_id))
    return jsonify(result_json(mock))


@bp.get("/me/wrong-answers")
@login_required
def my_wrong_answers():
    return jsonify(
        [
            {k: entry[k] for k in ("question_id", "stem", "times_wrong", "right_in_a_row")}
            for entry in ops.wrong_answers(current_user)
        ]
    )
