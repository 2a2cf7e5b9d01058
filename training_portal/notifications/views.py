"""The account's notifications: the page, its unread badge, and ``GET /api/me/notifications``."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..core.db import db
from ..core.web import get_or_404, refuse, safe_next
from . import operations as ops
from .models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")
api = Blueprint("notifications_api", __name__, url_prefix="/api")

SHOWN = 200  # the newest; older ones stay stored


def _mine() -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == current_user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(SHOWN)
        )
    )


def unread_count() -> int:
    """For the menu's badge; 0 for a visitor."""
    if not current_user.is_authenticated:
        return 0
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == current_user.id, Notification.read_at.is_(None)
        )
    )


@bp.get("/")
@login_required
def index():
    items = [(n, ops.title(n), ops.text(n)) for n in _mine()]
    return render_template("notifications/index.html", items=items)


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    notification = get_or_404(Notification, notification_id, _("No such notification."))
    if notification.user_id != current_user.id:
        refuse(404, _("No such notification."))
    ops.mark_read(notification)
    return redirect(safe_next(notification.link or None, url_for("notifications.index")))


@api.get("/me/notifications")
@login_required
def my_notifications():
    return jsonify(
        [
            {
                "id": n.id,
                "kind": n.kind,
                "title": ops.title(n),
                "body": ops.text(n),
                "url": n.link,
                "created_at": n.created_at.isoformat(),
                "read": n.read_at is not None,
            }
            for n in _mine()
        ]
    )
