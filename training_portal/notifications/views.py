"""The account's notifications."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..core.db import db
from ..core.web import get_or_404, refuse, safe_next
from . import operations as ops
from .models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")


@bp.get("/")
@login_required
def index():
    items = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc())
        .limit(200)
    ).all()
    return render_template("notifications/index.html", items=[(n, ops.text(n)) for n in items])


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    notification = get_or_404(Notification, notification_id, _("No such notification."))
    if notification.user_id != current_user.id:
        refuse(404, _("No such notification."))
    ops.mark_read(notification)
    return redirect(safe_next(notification.link or None, url_for("notifications.index")))
