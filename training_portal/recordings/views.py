"""Uploading a classroom recording in resumable chunks, and its analysis report."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from proctoring import operations as ops
from proctoring.models import Recording, RecordingEvent
from proctoring.tasks import analyse_recording

from ..core import policy, storage
from ..core.db import db
from ..core.i18n import from_local
from ..core.jobs import after_commit, task_progress
from ..core.web import get_or_404, keep_writes_of_refusal, refuse
from ..exams.models import ExamSession
from ..organisations.models import Classroom
from . import chunks, rosters

bp = Blueprint("recordings", __name__, template_folder="templates")


def _place_label(classroom: Classroom | None, session: ExamSession | None) -> str:
    if classroom is not None:
        return f"{classroom.center.name} · {classroom.name}"
    return f"{session.name} · {session.site} · {session.room}"


def _place_for_upload(
    classroom_id: object, session_id: object
) -> tuple[Classroom | None, ExamSession | None]:
    """A classroom's video is uploaded by its center's staff; an exam room's by its proctors."""
    if isinstance(session_id, int) and not isinstance(session_id, bool):
        session = get_or_404(ExamSession, session_id, _("No such session."))
        if not session.can_proctor(current_user):
            refuse(403, _("Only the room's two proctors act in it."))
        return None, session
    classroom = get_or_404(
        Classroom, classroom_id if isinstance(classroom_id, int) else 0, _("No such classroom.")
    )
    if not classroom.can_upload_video(current_user):
        refuse(403, _("Only the center's own staff upload its classrooms' video."))
    return classroom, None


def _can_see(recording: Recording) -> str | None:
    """The place's label when the user may see the recording, else None."""
    if recording.classroom_id:
        classroom = db.session.get(Classroom, recording.classroom_id)
        return _place_label(classroom, None) if classroom.can_view(current_user) else None
    session = db.session.get(ExamSession, recording.exam_session_id)
    return _place_label(None, session) if session.can_view(current_user) else None


def _may_upload(recording: Recording) -> bool:
    """Who may upload the place's video may also have its analysis run again."""
    if recording.classroom_id:
        return db.session.get(Classroom, recording.classroom_id).can_upload_video(current_user)
    return db.session.get(ExamSession, recording.exam_session_id).can_proctor(current_user)


def _recording_visible(recording: Recording) -> str:
    label = _can_see(recording)
    if label is None:
        refuse(403, _("This recording is outside what you may see."))
    return label


@bp.get("/recordings/")
@login_required
def index():
    recordings = db.session.scalars(select(Recording).order_by(Recording.starts_at.desc()).limit(500))
    visible = [(r, label) for r in recordings if (label := _can_see(r)) is not None]
    rooms = [
        c
        for c in db.session.scalars(select(Classroom).order_by(Classroom.name))
        if c.can_upload_video(current_user)
    ]
    if not visible and not rooms and not current_user.holds("organisation.view"):
        refuse(403, _("Your roles do not include recordings."))
    return render_template("recordings/index.html", rows=visible, rooms=rooms)


@bp.get("/recordings/upload")
@login_required
def upload_page():
    classroom, session = _place_for_upload(
        request.args.get("classroom", type=int), request.args.get("session", type=int)
    )
    return render_template(
        "recordings/upload.html",
        classroom=classroom,
        session=session,
        label=_place_label(classroom, session),
        chunk=current_app.config["RECORDING_CHUNK_BYTES"],
    )


def _when(value: object) -> datetime:
    try:
        return from_local(datetime.fromisoformat(str(value)))
    except ValueError:
        refuse(400, _("Give the start and end as dates and times."))


@bp.post("/api/recordings/uploads")
@login_required
def start_upload():
    body = request.get_json(silent=True) or {}
    classroom, session = _place_for_upload(body.get("classroom_id"), body.get("exam_session_id"))
    size = body.get("size")
    if not isinstance(size, int) or isinstance(size, bool):
        refuse(400, _("Give the file's size in bytes."))
    try:
        upload = ops.start_upload(
            classroom_id=classroom.id if classroom else None,
            exam_session_id=session.id if session else None,
            starts_at=_when(body.get("starts_at")),
            ends_at=_when(body.get("ends_at")),
            filename=str(body.get("filename", "")),
            total_size=size,
            actor=current_user,
        )
    except ops.RecordingError as exc:
        refuse(400, exc)
    return jsonify(
        {"id": upload.id, "received": 0, "chunk_bytes": current_app.config["RECORDING_CHUNK_BYTES"]}
    )


@bp.get("/api/recordings/uploads/<upload_id>")
@login_required
def upload_status(upload_id: str):
    return chunks.status_response(chunks.own_upload(upload_id))


@bp.put("/api/recordings/uploads/<upload_id>")
@login_required
def upload_chunk(upload_id: str):
    return chunks.chunk_response(chunks.own_upload(upload_id))


@bp.post("/api/recordings/uploads/<upload_id>/complete")
@login_required
def finish_upload(upload_id: str):
    upload = chunks.own_upload(upload_id)
    try:
        recording = ops.finish_upload(upload, actor=current_user)
    except ops.UploadRefused as exc:
        keep_writes_of_refusal()  # the refusal is final: the upload's row goes for good
        refuse(422, exc)
    except ops.RecordingError as exc:
        refuse(422, exc)
    # The job starts only once the recording is committed, under an id known beforehand.
    recording.task_id = task_id = uuid.uuid4().hex
    recording_id = recording.id
    after_commit(lambda: analyse_recording.apply_async(args=[recording_id], task_id=task_id))
    return jsonify(
        {"recording": recording_id, "url": url_for("recordings.report", recording_id=recording_id)}
    )


@bp.get("/recordings/<int:recording_id>")
@login_required
def report(recording_id: int):
    recording = get_or_404(Recording, recording_id, _("No such recording."))
    label = _recording_visible(recording)
    lessons = rosters.lessons_of(recording)
    return render_template(
        "recordings/report.html",
        recording=recording,
        label=label,
        lessons=lessons,
        min_percent=policy.get("training.video_min_verified_percent"),
        state=recording.status_label,
        may_retry=recording.status == "failed" and _may_upload(recording),
    )


@bp.post("/recordings/<int:recording_id>/retry")
@login_required
def retry(recording_id: int):
    """A failed analysis queued again, by whoever may upload the place's video."""
    recording = get_or_404(Recording, recording_id, _("No such recording."))
    _recording_visible(recording)
    if not _may_upload(recording):
        refuse(403, _("Only those who upload the place's video retry its analysis."))
    try:
        ops.retry_analysis(recording, actor=current_user)
    except ops.RecordingError as exc:
        refuse(409, exc)
    recording.task_id = task_id = uuid.uuid4().hex
    after_commit(lambda: analyse_recording.apply_async(args=[recording_id], task_id=task_id))
    return redirect(url_for("recordings.report", recording_id=recording_id))


@bp.get("/recordings/<int:recording_id>/progress")
@login_required
def progress(recording_id: int):
    recording = get_or_404(Recording, recording_id, _("No such recording."))
    _recording_visible(recording)
    fraction = 1.0 if recording.status == "analysed" else 0.0
    if recording.status not in ("analysed", "failed"):
        fraction = task_progress(recording.task_id) or fraction
    return jsonify({"status": recording.status, "label": recording.status_label, "progress": fraction})


@bp.get("/recordings/events/<int:event_id>/evidence.jpg")
@login_required
def evidence(event_id: int):
    item = get_or_404(RecordingEvent, event_id, _("No such event."))
    _recording_visible(item.recording)
    if item.evidence_key is None:
        refuse(404, _("No evidence frame."))
    return storage.send(item.evidence_key, mimetype="image/jpeg", max_age=0)
