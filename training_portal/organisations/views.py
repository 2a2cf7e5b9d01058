"""Organisation pages: the list a user may see, one organisation with its classrooms or staff."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.db import db
from ..core.web import get_or_404, redraw_on_refusal, refuse, validated
from . import operations as ops
from .forms import ClassroomForm
from .models import Organisation, OrganisationKind, TrainingCenter

bp = Blueprint("organisations", __name__, url_prefix="/organisations", template_folder="templates")


@bp.get("/")
@login_required
def index():
    if not current_user.holds("organisation.view"):
        refuse(403, _("Your roles do not include organisation pages."))
    orgs = db.session.scalars(
        ops.visible_organisations(current_user).order_by(Organisation.kind, Organisation.name)
    ).all()
    grouped = {kind: [o for o in orgs if o.kind == kind] for kind in OrganisationKind}
    return render_template("organisations/index.html", grouped=grouped)


def _visible_or_error(org_id: int) -> Organisation:
    org = get_or_404(Organisation, org_id, _("No such organisation."))
    if not org.can_view(current_user):
        refuse(403, _("This organisation is outside what you may see."))
    return org


def _detail_page(org: Organisation, form: ClassroomForm | None = None) -> dict:
    can_manage = isinstance(org, TrainingCenter) and org.can_manage_classrooms(current_user)
    return dict(
        org=org,
        can_see_people=current_user.can("person.view_record", org),
        form=(form or ClassroomForm()) if can_manage else None,
    )


def _detail(org: Organisation):
    return render_template("organisations/detail.html", **_detail_page(org))


@bp.get("/<int:org_id>")
@login_required
def detail(org_id: int):
    return _detail(_visible_or_error(org_id))


@bp.post("/<int:org_id>/classrooms")
@login_required
def add_classroom(org_id: int):
    org = _visible_or_error(org_id)
    if not isinstance(org, TrainingCenter) or not org.can_manage_classrooms(current_user):
        refuse(403, _("Only the center's own staff manage its classrooms."))
    form = ClassroomForm()
    redraw_on_refusal("organisations/detail.html", form, context=lambda: _detail_page(org, form))
    validated(form)
    ops.add_classroom(
        org,
        form.name.data.strip(),
        form.seats.data,
        actor=current_user,
        camera_ref=(form.camera_ref.data or "").strip(),
    )
    return redirect(url_for("organisations.detail", org_id=org.id))
