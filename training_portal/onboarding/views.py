"""Onboarding pages: the administrator's imports and templates, accounts in bulk with their
activation sheet, and the public page where a person activates their account."""

from __future__ import annotations

import io

from flask import Blueprint, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from ..accounts.models import User
from ..accounts.operations import AccountError, Throttled
from ..core.db import db
from ..core.i18n import local_zone
from ..core.pdf import create_pdf
from ..core.web import get_or_404, keep_writes_of_refusal, refuse, xlsx_download
from ..people.models import Person
from . import activation
from . import operations as ops
from .forms import ActivateForm, ImportForm, IssueForm
from .models import ImportKind, ImportRun

bp = Blueprint("onboarding", __name__, url_prefix="/admin/onboarding", template_folder="templates")
public = Blueprint("onboarding_public", __name__, template_folder="templates")

MAX_FILE_BYTES = 10 * 1024 * 1024
SHEET_TEMPLATE = "onboarding/activation_sheet.html"


def _require() -> None:
    if not current_user.can("onboarding.import", None):
        refuse(403, _("Administrators only."))


def _kind_or_404(import_kind: str) -> ImportKind:
    try:
        return ImportKind(import_kind)
    except ValueError:
        refuse(404, _("No such kind of file."))


def _index_page(form: ImportForm, status: int = 200, result: ops.ImportResult | None = None):
    runs = db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(30)).all()
    return render_template(
        "onboarding/index.html", form=form, runs=runs, result=result, kinds=list(ImportKind)
    ), status


@bp.get("/")
@login_required
def index():
    _require()
    return _index_page(ImportForm())


@bp.post("/import")
@login_required
def upload():
    _require()
    form = ImportForm()
    if not form.validate_on_submit():
        return _index_page(form, 422)
    upload = form.file.data
    data = upload.read(MAX_FILE_BYTES + 1) if upload else b""
    if not data:
        form.file.errors.append(_("Choose the file."))
        return _index_page(form, 422)
    if len(data) > MAX_FILE_BYTES:
        form.file.errors.append(_("The file is larger than 10 MB."))
        return _index_page(form, 422)
    kind = ImportKind(form.kind.data)
    result = ops.run_import(kind, data, actor=current_user, filename=upload.filename or "")
    if result.errors:
        return _index_page(form, 422, result)
    return redirect(url_for("onboarding.run", run_id=result.run.id))


@bp.get("/templates/<import_kind>.xlsx")
@login_required
def template(import_kind: str):
    _require()
    kind = _kind_or_404(import_kind)
    return xlsx_download(ops.template(kind), f"{ops.TEMPLATE_TITLES[kind]}导入模板.xlsx")


def _accounts_by_person(people: list[Person]) -> dict[int, User]:
    ids = [p.id for p in people]
    if not ids:
        return {}
    return {u.person_id: u for u in db.session.scalars(select(User).where(User.person_id.in_(ids)))}


@bp.get("/imports/<int:run_id>")
@login_required
def run(run_id: int):
    _require()
    import_run = get_or_404(ImportRun, run_id, _("No such import."))
    people = ops.people_of(import_run)
    return render_template(
        "onboarding/run.html",
        run=import_run,
        people=people,
        accounts=_accounts_by_person(people),
        pending=activation.is_pending,
        form=IssueForm(),
    )


@bp.get("/accounts")
@login_required
def accounts():
    """People without an account, or whose account still waits for activation."""
    _require()
    q = request.args.get("q", "").strip()
    query = (
        select(Person)
        .outerjoin(User, User.person_id == Person.id)
        .where(or_(User.id.is_(None), User.password_hash == activation.PENDING_HASH))
        .order_by(Person.name, Person.id)
        .limit(300)
    )
    if q:
        query = query.where(or_(Person.name.contains(q), Person.id_number.startswith(q.upper())))
    people = db.session.scalars(query).all()
    return render_template(
        "onboarding/accounts.html",
        people=people,
        accounts=_accounts_by_person(people),
        pending=activation.is_pending,
        q=q,
        form=IssueForm(),
    )


@bp.post("/accounts")
@login_required
def issue():
    """Accounts and codes for the people chosen; the answer is the activation sheet (PDF), the
    only place the codes ever exist in clear."""
    _require()
    form = IssueForm()
    if not form.validate_on_submit():
        refuse(400, _("The request was not understood."))
    if form.run_id.data:
        people = ops.people_of(get_or_404(ImportRun, form.run_id.data, _("No such import.")))
    else:
        ids = form.person_ids.data or []
        people = list(db.session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.name)))
    issued, skipped = activation.issue_accounts(people, actor=current_user)
    if not issued:
        reasons = "; ".join(f"{s.person.name}: {s.reason}" for s in skipped)
        raise ops.OnboardingError(_("No account to issue: %(r)s", r=reasons), status=409)
    url = (current_app.config.get("PORTAL_URL") or request.url_root).rstrip("/") + url_for(
        "onboarding_public.activate"
    )
    contexts = [
        {
            "name": i.person.name,
            "login": i.user.username,
            "code": i.code,
            "url": url,
            "expires": i.expires_at.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M"),
            "employer": i.person.employer.name if i.person.employer else "",
        }
        for i in issued
    ]
    pdf = create_pdf(SHEET_TEMPLATE, contexts)
    return send_file(
        io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name="activation-sheets.pdf"
    )


@public.route("/accounts/activate", methods=["GET", "POST"])
def activate():
    """The first log-in: login, the code on the sheet, and a password of one's own."""
    form = ActivateForm()
    status = 200
    if form.validate_on_submit():
        try:
            activation.activate(
                form.username.data, form.code.data, form.password.data, request.remote_addr or ""
            )
        except AccountError as exc:
            if isinstance(exc, Throttled):
                status = 429
            else:
                status = 422
                keep_writes_of_refusal()  # the failed attempt counts for the throttle
            target = getattr(form, exc.field or "", None)
            (target.errors.append(str(exc)) if target is not None else form.form_errors.append(str(exc)))
        else:
            return render_template("onboarding/activated.html")
    elif form.is_submitted():
        status = 422
    return render_template("onboarding/activate.html", form=form), status
