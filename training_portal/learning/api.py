"""The learning API: uploading a lesson's or a film's video in resumable chunks, and a viewing's
playback reports, check answers and "still studying" answers. A viewing is its person's alone:
anyone else's id is a 404. Every report carries the page's token (from opening the viewing)
and a sequence number above the last one; the server's clock decides what it earns."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from proctoring import operations as upload_ops

from ..core.db import db
from ..core.web import ROW_ID_LIMIT, get_or_404, keep_writes_of_refusal, refuse
from ..recordings import chunks
from . import operations as ops
from .models import OnlineLesson, Viewing, WarningFilm

bp = Blueprint("learning_api", __name__, url_prefix="/api/learning")


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        refuse(400, _("Send a JSON object."))
    return body


def _id(body: dict, key: str) -> int | None:
    """The id the body gives under ``key`` (None if it gives none); anything but a whole
    number an id column can hold is refused."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < ROW_ID_LIMIT:
        refuse(400, _("The request's %(key)s is not an id.", key=key))
    return value


def _managed_target(body: dict) -> OnlineLesson | WarningFilm:
    """The lesson or film the upload is for, if the user may give it its video."""
    if (lesson_id := _id(body, "lesson_id")) is not None:
        target = get_or_404(OnlineLesson, lesson_id, _("No such lesson."))
    else:
        target = get_or_404(WarningFilm, _id(body, "film_id") or 0, _("No such film."))
    if not target.can_manage(current_user):
        refuse(403, _("Only its organiser uploads this video."))
    return target


def _page_of(target: OnlineLesson | WarningFilm) -> str:
    if isinstance(target, OnlineLesson):
        return url_for("learning.lesson", online_lesson_id=target.id)
    return url_for("learning.film", film_id=target.id)


@bp.post("/uploads")
@login_required
def start_upload():
    body = _body()
    target = _managed_target(body)
    size = body.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 < size < 2**63:
        refuse(400, _("Give the file's size in bytes."))
    upload = ops.start_video_upload(
        target, filename=str(body.get("filename", "")), size=size, actor=current_user
    )
    return jsonify(
        {"id": upload.id, "received": 0, "chunk_bytes": current_app.config["RECORDING_CHUNK_BYTES"]}
    )


def _own_learning_upload(upload_id: str):
    upload = chunks.own_upload(upload_id)
    if ops.target_of(upload) is None:
        refuse(404, _("No such upload."))
    return upload


@bp.get("/uploads/<upload_id>")
@login_required
def upload_status(upload_id: str):
    return chunks.status_response(_own_learning_upload(upload_id))


@bp.put("/uploads/<upload_id>")
@login_required
def upload_chunk(upload_id: str):
    return chunks.chunk_response(_own_learning_upload(upload_id))


@bp.post("/uploads/<upload_id>/complete")
@login_required
def finish_upload(upload_id: str):
    upload = _own_learning_upload(upload_id)
    target = ops.target_of(upload)
    if not target.can_manage(current_user):
        refuse(403, _("Only its organiser uploads this video."))
    try:
        ops.finish_video_upload(upload, target, actor=current_user)
    except upload_ops.UploadRefused as exc:
        keep_writes_of_refusal()  # the refusal is final: the upload's row goes for good
        refuse(422, exc)
    except upload_ops.RecordingError as exc:
        refuse(422, exc)
    return jsonify({"url": _page_of(target)})


@bp.post("/viewings")
@login_required
def open_viewing():
    """Open (or reopen) the user's viewing of a lesson or film from its study page."""
    body = _body()
    person = current_user.person
    if (lesson_id := _id(body, "lesson_id")) is not None:
        target = get_or_404(OnlineLesson, lesson_id, _("No such lesson."))
        allowed = target.can_study(current_user)
    else:
        target = get_or_404(WarningFilm, _id(body, "film_id") or 0, _("No such film."))
        allowed = ops.in_audience(target, person)
    if not allowed:
        refuse(404, _("No such lesson or film."))
    viewing = ops.open_viewing(person, target)
    return jsonify(
        {"id": viewing.id, "token": viewing.token, "duration_s": target.duration_s, **ops.status(viewing)}
    )


def _own_viewing(viewing_id: int) -> Viewing:
    """The user's viewing, if they may still study it (reports, checks and "still here")."""
    viewing = db.session.get(Viewing, viewing_id)
    if viewing is None or current_user.person_id is None or viewing.person_id != current_user.person_id:
        refuse(404, _("No such viewing."))
    if viewing.lesson is not None:
        allowed = viewing.lesson.can_study(current_user)
    else:
        allowed = ops.in_audience(viewing.film, current_user.person)
    if not allowed:  # taken off the roster, or out of the film's audience, since opening it
        refuse(409, _("You are no longer on the list for this lesson or film; study time is not counted."))
    return viewing


@bp.post("/viewings/<int:viewing_id>/reports")
@login_required
def report(viewing_id: int):
    body = _body()
    return jsonify(ops.report(_own_viewing(viewing_id), body.get("token"), body))


@bp.post("/viewings/<int:viewing_id>/check")
@login_required
def answer_check(viewing_id: int):
    body = _body()
    return jsonify(
        ops.answer_check(_own_viewing(viewing_id), body.get("token"), body.get("answer"), actor=current_user)
    )


@bp.post("/viewings/<int:viewing_id>/still-here")
@login_required
def still_here(viewing_id: int):
    body = _body()
    return jsonify(ops.still_here(_own_viewing(viewing_id), body.get("token")))
