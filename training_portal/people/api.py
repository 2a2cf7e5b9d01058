"""JSON for other systems: a mine's gate, personnel positioning, a regulator's own tools."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.web import refuse
from . import operations as ops
from .records import record_json

bp = Blueprint("people_api", __name__, url_prefix="/api/records")


@bp.get("/me")
@login_required
def my_record():
    if current_user.person is None:
        refuse(404, _("This account is not linked to a person."))
    return jsonify(record_json(current_user.person))


@bp.get("/<id_number>")
@login_required
def record(id_number: str):
    own = current_user.person is not None and current_user.person.id_number == id_number.upper()
    if not own and not current_user.holds("person.read_api"):
        refuse(403, _("Only regulators and administrators may look up records."))
    person = ops.find_by_id_number(id_number)
    if person is None:
        refuse(404, _("No record for this identity number."))
    if not (person.can_read_api(current_user)):
        refuse(403, _("This person is outside your jurisdiction."))
    return jsonify(record_json(person))
