"""Log-in, log-out and each role's home page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..core.permissions import Role
from ..core.web import refuse, safe_next, wants_json
from . import operations as ops
from .forms import LoginForm

bp = Blueprint("accounts", __name__, template_folder="templates")


def init_login(login_manager, app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.user_loader(ops.load_session)

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            refuse(401, _("Please log in."))
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = ops.authenticate(form.username.data, form.password.data,
                                    request.remote_addr or "")
        except ops.LoginRefused as exc:
            error = str(exc)
        else:
            lang = session.get("lang")
            session.clear()  # a fresh session on log-in: nothing from before survives
            if lang:
                session["lang"] = lang
            session.permanent = True
            ops.start_session(user, request.remote_addr or "", request.user_agent.string)
            login_user(user)
            return redirect(safe_next(request.args.get("next"), url_for("accounts.home")))
    # A refused log-in is still a 200: the attempt it recorded must be committed.
    return render_template("accounts/login.html", form=form, error=error)


@bp.post("/logout")
@login_required
def logout():
    ops.end_session(current_user.get_id())
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("accounts.login"))


@bp.get("/")
@login_required
def home():
    return render_template("accounts/home.html", Role=Role, roles=current_user.roles)
