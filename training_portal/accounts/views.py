"""Log-in, log-out and each role's home page."""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..core.permissions import Role
from ..core.web import refuse, safe_next, wants_json
from . import operations as ops
from . import recent
from .forms import ConfirmForm, LoginForm, PasswordForm

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
    error, status = None, 200
    if form.validate_on_submit():
        try:
            user = ops.authenticate(form.username.data, form.password.data, request.remote_addr or "")
        except ops.LoginRefused as exc:
            error, status = str(exc), _refused_status(exc)
        else:
            _restart_session()  # a fresh session on log-in: nothing from before survives
            session.permanent = True
            ops.start_session(user, request.remote_addr or "", request.user_agent.string)
            login_user(user)
            recent.stamp()
            return redirect(safe_next(request.args.get("next"), url_for("accounts.home")))
    return render_template("accounts/login.html", form=form, error=error), status


def _refused_status(exc: ops.LoginRefused) -> int:
    """A wrong password is still a 200: the attempt it recorded must be committed. A throttled
    one is a 429: its password was not checked and nothing was recorded."""
    return 429 if isinstance(exc, ops.Throttled) else 200


@bp.route("/account/confirm", methods=["GET", "POST"])
@login_required
def confirm_password():
    """Type the password again before a sensitive action; then back to where it was sent from."""
    form = ConfirmForm()
    error, status = None, 200
    target = safe_next(request.args.get("next"), url_for("accounts.home"))
    if form.validate_on_submit():
        try:
            ops.authenticate(current_user.username, form.password.data, request.remote_addr or "")
        except ops.LoginRefused as exc:  # counted and throttled like a log-in
            error, status = str(exc), _refused_status(exc)
        else:
            recent.stamp()
            if recent.has_pending():
                return redirect(url_for("accounts.replay"), code=303)
            return redirect(target)
    return render_template("accounts/confirm.html", form=form, error=error, target=target), status


@bp.get("/account/confirm/replay")
@login_required
def replay():
    """The held post, sent again now that the password is confirmed (the page posts it itself;
    without script, its button does). Taken once: drawn again, it has nothing left to send."""
    held = recent.take_pending()
    if held is None or not recent.is_recent():
        return redirect(url_for("accounts.home"))
    response = make_response(render_template("accounts/replay.html", held=held))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/logout")
@login_required
def logout():
    ops.end_session(current_user.get_id())
    logout_user()
    _restart_session()
    return redirect(url_for("accounts.login"))


def _restart_session() -> None:
    """Drop everything in the cookie session but the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.get("/")
@login_required
def home():
    return render_template("accounts/home.html", Role=Role, roles=current_user.roles)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            ops.change_own_password(current_user, form.current.data, form.new.data, request.remote_addr or "")
        except ops.AccountError as exc:
            form.form_errors.append(str(exc))
            status = (
                200
                if isinstance(exc, ops.WrongPassword)  # the recorded attempt commits
                else 429
                if isinstance(exc, ops.Throttled)
                else 422
            )
        else:
            logout_user()
            _restart_session()
            return redirect(url_for("accounts.login"))
    elif form.is_submitted():
        status = 422
    return render_template("accounts/password.html", form=form), status
