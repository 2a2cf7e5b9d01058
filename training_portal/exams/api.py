"""The exam client's API. Only the candidate touches their attempt; nothing sent reveals the
answers; the deadline and the remaining seconds are the server's."""

from __future__ import annotations

import secrets

from flask import Blueprint, g, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from question_bank import assembly

from ..core.db import db, utcnow
from ..core.web import get_or_404, refuse
from . import attempts as ops
from . import sessions as session_ops
from .applications import ExamError
from .models import AttemptState, ExamAttempt, ExamSession, ProctorAction, ProctorActionKind

bp = Blueprint("exams_api", __name__, url_prefix="/api")


def _own_attempt(attempt_id: int) -> ExamAttempt:
    attempt = get_or_404(ExamAttempt, attempt_id, _("No such attempt."))
    # Someone else's attempt is answered as if it did not exist: ids reveal nothing.
    if current_user.person_id is None or attempt.person_id != current_user.person_id:
        refuse(404, _("No such attempt."))
    return attempt


@bp.get("/me/attempts")
@login_required
def my_attempts():
    if current_user.person_id is None:
        return jsonify([])
    rows = db.session.scalars(
        select(ExamAttempt).where(ExamAttempt.person_id == current_user.person_id).order_by(ExamAttempt.id)
    ).all()
    return jsonify([{"id": a.id, "session": a.session.name, "state": a.state.value} for a in rows])


def _attempt_json(attempt: ExamAttempt) -> dict:
    body = {
        "id": attempt.id,
        "session": attempt.session.name,
        "state": attempt.state.value,
        "identity": attempt.identity.value,
        "remaining_s": ops.remaining_seconds(attempt),
        "saved_seq": attempt.saved_seq,
        "answers": attempt.answers or {},
        "paper": None,
    }
    if attempt.paper is not None and attempt.state in (AttemptState.ANSWERING, AttemptState.PAUSED):
        body["paper"] = [{"id": str(q["position"]), **q} for q in assembly.paper_view(attempt.paper)]
    # Before the start too: the candidate waiting at the seat sees how long the exam lasts.
    body["duration_s"] = ops.duration_minutes(attempt) * 60
    body["reason"] = _proctor_reason(attempt.id) if attempt.state in _TOLD_WHY else ""
    if attempt.state.finished:
        body["result"] = ops.result_json(attempt, with_review=attempt.can_review(current_user))
    return body


def _device() -> str:
    """This browser's exam cookie: kept by the PC, so the attempt knows which PC it runs on."""
    if "exam_device" not in g:
        g.exam_device = request.cookies.get(ops.DEVICE_COOKIE) or secrets.token_urlsafe(24)
    return g.exam_device


@bp.after_app_request
def _keep_device_cookie(response):
    if "exam_device" in g and request.cookies.get(ops.DEVICE_COOKIE) != g.exam_device:
        response.set_cookie(
            ops.DEVICE_COOKIE,
            g.exam_device,
            max_age=86400,
            httponly=True,
            samesite="Strict",
            secure=request.is_secure,
        )
    return response


def _on_this_device(item: ExamAttempt) -> None:
    if item.state in (AttemptState.ANSWERING, AttemptState.PAUSED):
        try:
            ops.bind_device(item, _device(), candidate=current_user)
        except ExamError as exc:
            refuse(409, exc)


# The states a proctor put the seat in, whose reason the candidate is told.
_TOLD_WHY = (AttemptState.PAUSED, AttemptState.TERMINATED)


def _latest_reason():
    """The reason of the seat's latest pause or termination: while paused, the pause's (a
    termination ends the attempt); once terminated, the termination's."""
    return (
        select(ProctorAction.reason)
        .where(
            ProctorAction.attempt_id == ExamAttempt.id,
            ProctorAction.kind.in_((ProctorActionKind.PAUSE.value, ProctorActionKind.TERMINATE.value)),
        )
        .order_by(ProctorAction.id.desc())
        .limit(1)
        .correlate(ExamAttempt)
        .scalar_subquery()
    )


def _proctor_reason(attempt_id: int) -> str:
    return (
        db.session.scalar(
            select(_latest_reason()).select_from(ExamAttempt).where(ExamAttempt.id == attempt_id)
        )
        or ""
    )


@bp.get("/attempts/<int:attempt_id>/state")
@login_required
def attempt_state(attempt_id: int):
    """What the candidate's page polls every second and a half while the exam runs, so a
    pause, added time or a termination reaches it without a reload: the state, the server's
    remaining seconds and the proctor's reason, in one SELECT of one row. Nothing else."""
    row = db.session.execute(
        select(
            ExamAttempt.person_id,
            ExamAttempt.state,
            ExamAttempt.deadline,
            ExamAttempt.paused_at,
            ExamAttempt.device_hash,
            _latest_reason().label("reason"),
        ).where(ExamAttempt.id == attempt_id)
    ).first()
    if row is None or current_user.person_id is None or row.person_id != current_user.person_id:
        refuse(404, _("No such attempt."))
    if row.device_hash is not None and row.device_hash != ops.device_hash(
        request.cookies.get(ops.DEVICE_COOKIE)
    ):
        refuse(409, _("This exam is running on another PC. A proctor can allow this one."))
    if row.state.finished or row.deadline is None:
        remaining = 0
    else:
        until = row.paused_at if row.state is AttemptState.PAUSED and row.paused_at else utcnow()
        remaining = max(0, int((row.deadline - until).total_seconds()))
    return jsonify(
        {
            "state": row.state.value,
            "remaining_s": remaining,
            "reason": (row.reason or "") if row.state in _TOLD_WHY else "",
        }
    )


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    item = _own_attempt(attempt_id)
    _on_this_device(item)
    return jsonify(_attempt_json(item))


@bp.post("/attempts/<int:attempt_id>/start")
@login_required
def start(attempt_id: int):
    item = _own_attempt(attempt_id)
    try:
        ops.start(item, candidate=current_user)
    except ExamError as exc:
        refuse(409, exc)
    _on_this_device(item)
    return jsonify(_attempt_json(item))


@bp.put("/attempts/<int:attempt_id>/answers")
@login_required
def save(attempt_id: int):
    """The busiest request of a sitting, a route like any other: Flask's session, Flask-Login
    and Flask-WTF's CSRF check have passed before it runs. What never changes of an attempt
    is remembered by the process, so a save is its one UPDATE, the log-in checked again
    inside it."""
    known = ops.owner_and_paper(attempt_id)
    if known is None or current_user.person_id is None or known[0] != current_user.person_id:
        refuse(404, _("No such attempt."))
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not ops.valid_seq(body.get("seq")):
        refuse(
            400,
            _('Send {"answers": {…}, "seq": n} with n a whole number from 1 to %(most)d.', most=ops.MAX_SEQ),
        )
    if known[1] is None:
        refuse(409, _("The exam has not started."))
    try:
        answers = ops.validate_answers(known[1], body.get("answers"))
    except ValueError as exc:
        refuse(400, str(exc))
    try:
        saved, remaining = ops.save_answers(
            attempt_id,
            current_user.session_token,
            answers,
            body["seq"],
            request.cookies.get(ops.DEVICE_COOKIE),
        )
    except ops.LoggedOut as exc:
        refuse(401, exc)
    except ops.AttemptClosed as exc:
        refuse(409, exc)
    return jsonify({"saved_seq": saved, "remaining_s": remaining})


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    item = _own_attempt(attempt_id)
    _on_this_device(item)
    try:
        ops.submit(item, candidate=current_user)
    except ExamError as exc:
        refuse(409, exc)
    return jsonify(ops.result_json(item))


@bp.get("/sessions/<int:session_id>/seats")
@login_required
def seats(session_id: int):
    """The proctors' console polls this every few seconds: each seat's state, progress, time
    left, flags and the actions open at it now, and what the room's bulk actions would cover.
    The room's two proctors only (asked of the session); nobody else learns who sits there."""
    session = get_or_404(ExamSession, session_id, _("No such session."))
    if not session.can_proctor(current_user):
        refuse(403, _("Only the room's two proctors act in it."))
    return jsonify(room_json(session))


def room_json(session: ExamSession) -> dict:
    """The room as the console reads it (``session_ops.room_state``), each seat with its photo's
    address when the person has one on record; for the room's proctors only."""
    room = session_ops.room_state(session)
    for seat in room["seats"]:
        photo = seat["has_photo"]
        seat["photo"] = url_for("exams.candidate_photo", attempt_id=seat["attempt"]) if photo else None
    return room
