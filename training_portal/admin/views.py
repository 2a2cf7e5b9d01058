"""Admin pages: accounts and their roles, the policy table, the audit trail."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..accounts import operations as account_ops
from ..accounts.forms import RoleForm, UserForm
from ..accounts.models import RoleAssignment, User
from ..accounts.recent import password_confirmed
from ..core import policy
from ..core.audit import AuditEntry, entry_count
from ..core.db import db
from ..core.forms import choices
from ..core.permissions import PERMISSIONS, Role
from ..core.web import get_or_404, redraw_on_refusal, refuse, validated
from ..organisations.models import Organisation
from ..people import operations as people_ops

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


def _require(permission: str) -> None:
    if not current_user.can(permission, None):
        refuse(403, _("Administrators only."))


def _user_or_404(user_id: int) -> User:
    return get_or_404(User, user_id, _("No such account."))


@bp.get("/users")
@login_required
def users():
    _require("user.manage")
    accounts = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template("admin/users.html", users=accounts)


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def create_user():
    _require("user.manage")
    form = UserForm()
    if not form.is_submitted():
        return render_template("admin/user_new.html", form=form)
    redraw_on_refusal("admin/user_new.html", form)
    validated(form)
    person = None
    if form.id_number.data:
        person = people_ops.find_by_id_number(form.id_number.data)
        if person is None:
            raise account_ops.AccountError(_("No record for this identity number."), field="id_number")
    user = account_ops.create_user(
        form.username.data,
        form.display_name.data,
        actor=current_user,
        password=form.password.data,
        person=person,
        email=form.email.data or None,
    )
    return redirect(url_for("admin.user", user_id=user.id))


def _role_form() -> RoleForm:
    form = RoleForm()
    form.role.choices = choices((r.value, r.label) for r in Role)
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.kind, Organisation.name))
    form.organisation_id.choices = choices([(0, "—"), *((o.id, f"{o.name} ({o.kind.label})") for o in orgs)])
    return form


@bp.get("/users/<int:user_id>")
@login_required
def user(user_id: int):
    _require("user.manage")
    return render_template("admin/user.html", account=_user_or_404(user_id), form=_role_form())


@bp.post("/users/<int:user_id>/roles")
@login_required
@password_confirmed
def grant_role(user_id: int):
    _require("user.manage")
    account = _user_or_404(user_id)
    form = _role_form()
    redraw_on_refusal("admin/user.html", form, account=account)
    if not form.validate_on_submit():
        raise account_ops.AccountError(_("Choose a role."), field="role")
    org = db.session.get(Organisation, form.organisation_id.data) if form.organisation_id.data else None
    account_ops.grant_role(account, Role(form.role.data), org, actor=current_user)
    return redirect(url_for("admin.user", user_id=account.id))


@bp.post("/users/<int:user_id>/roles/<int:assignment_id>/revoke")
@login_required
@password_confirmed
def revoke_role(user_id: int, assignment_id: int):
    _require("user.manage")
    account = _user_or_404(user_id)
    assignment = db.session.get(RoleAssignment, assignment_id)
    if assignment is None or assignment.user_id != account.id:
        refuse(404, _("No such role assignment."))
    account_ops.revoke_role(assignment, actor=current_user)  # a refusal says its own status
    return redirect(url_for("admin.user", user_id=account.id))


@bp.post("/users/<int:user_id>/active")
@login_required
@password_confirmed
def set_active(user_id: int):
    _require("user.manage")
    account = _user_or_404(user_id)
    account_ops.set_active(account, request.form.get("active") == "1", actor=current_user)
    return redirect(url_for("admin.user", user_id=account.id))


class PolicyForm(FlaskForm):
    value = StringField(validators=[DataRequired(), Length(max=2000)])


@bp.route("/policy", methods=["GET", "POST"])
@login_required
@password_confirmed
def policy_table():
    _require("policy.edit")
    errors: dict[str, str] = {}
    form = PolicyForm()
    if request.method == "POST":
        key = request.form.get("key", "")
        if key not in policy.RULES:
            refuse(400, _("Unknown rule."))
        if not form.validate_on_submit():
            errors[key] = _("Enter a value.")
        else:
            try:
                value = policy.RULES[key].parse(form.value.data)
            except ValueError as exc:
                errors[key] = _("Not a valid value: %(reason)s", reason=exc)
            else:
                policy.set_value(key, value, actor=current_user)
                return redirect(url_for("admin.policy_table"))
    rows = [(rule, policy.get(rule.key)) for rule in policy.RULES.values()]
    return render_template("admin/policy.html", rows=rows, errors=errors, form=form), (422 if errors else 200)


@bp.get("/audit")
@login_required
def audit_log():
    _require("audit.view")
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(200)).all()
    return render_template("admin/audit.html", entries=entries, total=entry_count())


@bp.get("/permissions")
@login_required
def permission_registry():
    _require("user.manage")
    return render_template("admin/permissions.html", permissions=PERMISSIONS.values(), Role=Role)
