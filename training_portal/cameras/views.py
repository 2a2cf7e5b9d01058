"""A classroom's camera page, its latest picture, and the regulators' wall of pictures.

Each route loads the classroom and asks it: ``can_view`` for the page and the picture (a
regulator sees the classrooms of centers in the jurisdiction), ``can_manage`` to register,
change or take away the camera (the center's own staff).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from proctoring import cameras as cam
from proctoring.models import Camera

from ..core import storage
from ..core.db import db
from ..core.web import get_or_404, redraw_on_refusal, refuse, validated
from ..organisations.models import Classroom, TrainingCenter
from . import figures
from .forms import CameraForm

bp = Blueprint("cameras", __name__, url_prefix="/cameras", template_folder="templates")


def _classroom(classroom_id: int) -> Classroom:
    room = get_or_404(Classroom, classroom_id, _("No such classroom."))
    if not room.can_view(current_user):
        refuse(403, _("This classroom is outside what you may see."))
    return room


def _page(room: Classroom, form: CameraForm | None = None) -> dict:
    camera = cam.camera_of(room.id)
    can_manage = room.can_manage(current_user)
    if can_manage and form is None:
        form = CameraForm(
            data={"stream_url": camera.stream_url, "username": camera.username} if camera else None
        )
    return dict(room=room, camera=camera, form=form if can_manage else None)


@bp.get("/classrooms/<int:classroom_id>")
@login_required
def classroom(classroom_id: int):
    return render_template("cameras/classroom.html", **_page(_classroom(classroom_id)))


@bp.post("/classrooms/<int:classroom_id>")
@login_required
def register(classroom_id: int):
    room = _classroom(classroom_id)
    if not room.can_manage(current_user):
        refuse(403, _("Only the center's own staff manage its classrooms."))
    form = CameraForm()
    redraw_on_refusal("cameras/classroom.html", form, context=lambda: _page(room, form))
    validated(form)
    cam.register_camera(
        room.id,
        form.stream_url.data,
        username=form.username.data or "",
        password=form.password.data or "",
        actor=current_user,
        organisation=room.center,
    )
    return redirect(url_for("cameras.classroom", classroom_id=room.id))


@bp.post("/classrooms/<int:classroom_id>/remove")
@login_required
def remove(classroom_id: int):
    room = _classroom(classroom_id)
    if not room.can_manage(current_user):
        refuse(403, _("Only the center's own staff manage its classrooms."))
    camera = cam.camera_of(room.id)
    if camera is None:
        refuse(404, _("This classroom has no camera."))
    cam.remove_camera(camera, actor=current_user, organisation=room.center)
    return redirect(url_for("cameras.classroom", classroom_id=room.id))


@bp.get("/classrooms/<int:classroom_id>/snapshot.jpg")
@login_required
def snapshot(classroom_id: int):
    room = _classroom(classroom_id)
    camera = cam.camera_of(room.id)
    if camera is None or not camera.snapshot_key:
        refuse(404, _("No picture from this classroom's camera yet."))
    response = storage.send(camera.snapshot_key, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/wall")
@login_required
def wall():
    """The latest picture of every classroom the user oversees, and the 联网 figures."""
    if not current_user.holds("training.oversee"):
        refuse(403, _("Only regulators see the wall of classroom cameras."))
    centers = [
        c
        for c in db.session.scalars(select(TrainingCenter).order_by(TrainingCenter.name))
        if current_user.can("training.oversee", c)
    ]
    rooms = [room for center in centers for room in center.classrooms]
    cameras = {
        c.classroom_id: c
        for c in db.session.scalars(select(Camera).where(Camera.classroom_id.in_([r.id for r in rooms])))
    }
    return render_template(
        "cameras/wall.html",
        centers=centers,
        cameras=cameras,
        networked=figures.networked(centers),
    )
