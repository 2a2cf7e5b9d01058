"""练习 pages: choose what to practise, one question at a time on a phone, the mock exam in the
exam client, and the 错题本 with the progress per knowledge point."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from question_bank import types as question_types

from ..core import policy
from ..core.web import refuse
from . import operations as ops
from .api import own_round
from .models import RoundMode

bp = Blueprint("practice", __name__, url_prefix="/practice", template_folder="templates")


def _learner():
    """Practice is for people with a record (一人一档): whose posts decide what applies."""
    if current_user.person is None:
        refuse(403, _("Practice needs a personal record."))
    return current_user.person


def _index(error: str | None = None, status: int = 200):
    person = _learner()
    blueprint = ops.mock_blueprint(person)
    return render_template(
        "practice/index.html",
        has_post=bool(person.current_posts),
        categories=ops.categories(person),
        blueprint=blueprint,
        in_book=len(ops.wrong_answers(current_user)),
        rounds=ops.recent_rounds(current_user),
        error=error,
    ), status


@bp.get("/")
@login_required
def index():
    return _index()


@bp.post("/start")
@login_required
def start():
    _learner()
    try:
        practice = ops.start_round(
            current_user, request.form.get("mode", ""), request.form.get("category", "")
        )
    except ops.PracticeError as exc:
        return _index(str(exc), exc.status)
    return redirect(url_for("practice.practice_round", round_id=practice.id), 303)


@bp.get("/<int:round_id>")
@login_required
def practice_round(round_id: int):
    practice = own_round(round_id)
    if practice.mode is not RoundMode.MOCK:
        return render_template("practice/round.html", practice=practice)
    ops.close_if_overdue(practice)
    if practice.state.finished:
        return render_template(
            "practice/mock_result.html",
            mock=practice,
            feedback={i.id: ops.feedback(i.shown, i.answer or []) for i in practice.items},
            review=policy.get("practice.review_after_mock"),
        )
    return render_template("practice/mock.html", mock=practice, type_labels=question_types.labels())


@bp.get("/wrong-answers")
@login_required
def wrong_answers():
    _learner()
    entries = ops.wrong_answers(current_user)
    progress = ops.progress(current_user)
    weakest = next((p for p in progress if p.answered and p.share_right < 1 or p.in_book), None)
    return render_template(
        "practice/wrong_answers.html",
        entries=entries,
        progress=progress,
        weakest=weakest,
        needed=policy.get("practice.right_in_a_row_to_leave_book"),
    )
