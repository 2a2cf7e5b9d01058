"""Organisation pages: the list a user may see, one organisation with its classrooms or staff."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.db import db
from ..core.web import refuse
from . import operations as ops
from .models import Organisation, OrganisationKind

bp = Blueprint("organisations", __name__, url_prefix="/organisations",
               template_folder="templates")


@bp.get("/")
@login_required
def index():
    if not current_user.holds("organisation.view"):
        refuse(403, _("Your roles do not include organisation pages."))
    orgs = db.session.scalars(ops.visible_organisations(current_user)
                              .order_by(Organisation.kind, Organisation.name)).all()
    grouped = {kind: [o for o in orgs if o.kind == kind] for kind in OrganisationKind}
    return render_template("organisations/index.html", grouped=grouped)


@bp.get("/<int:org_id>")
@login_required
def detail(org_id: int):
    org = db.session.get(Organisation, org_id)
    if org is None:
        refuse(404, _("No such organisation."))
    if not org.can_view(current_user):
        refuse(403, _("This organisation is outside what you may see."))
    return render_template("organisations/detail.html", org=org,
                           can_see_people=current_user.can("person.view_record", org))
