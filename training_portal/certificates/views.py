"""Certificate pages: a holder's certificates and downloads, one certificate with its life cycle,
a sitting's batch, the regulators' search, and the public verification page."""

from __future__ import annotations

import io
import zipfile

from flask import Blueprint, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from ..accounts.recent import password_confirmed
from ..core import storage
from ..core.db import db, utcnow
from ..core.forms import ButtonForm
from ..core.jobs import after_commit, task_progress
from ..core.pdf import create_pdf
from ..core.web import get_or_404, redraw_on_refusal, refuse, validated
from ..exams.models import ExamSession
from ..people import operations as people_ops
from ..people.models import Person
from . import operations as ops
from .forms import StatusForm, ViolationForm
from .models import Certificate, CertificateBatch, CertificateState, CertificateStatus

bp = Blueprint("certificates", __name__, template_folder="templates")
limiter = Limiter(key_func=get_remote_address, default_limits=[], storage_uri="memory://")


def init_limiter(app) -> None:
    """The verification page is public: a client may check a few certificates a minute, not
    walk the serial numbers. Limits are kept in Redis when a Redis broker is configured."""
    broker = app.config["CELERY"]["broker_url"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", broker if broker.startswith("redis") else "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)


VERIFY_LIMIT = "30 per minute"


@limiter.request_filter
def _not_limited() -> bool:
    """Limits are for this blueprint's public pages: every other request (the exam client's
    saves above all) skips the limiter's bookkeeping."""
    return request.blueprint != bp.name


# ----------------------------------------------------------------------------- holders and staff


def _certificate_or_error(certificate_id: int) -> Certificate:
    certificate = get_or_404(Certificate, certificate_id, _("No such certificate."))
    if not certificate.can_view(current_user):
        refuse(403, _("This certificate is outside what you may see."))
    return certificate


@bp.get("/certificates/mine")
@login_required
def mine():
    if current_user.person is None:
        refuse(403, _("This account is not linked to a person."))
    rows = db.session.scalars(
        select(Certificate)
        .where(Certificate.person_id == current_user.person_id)
        .order_by(Certificate.issued_on.desc())
    ).all()
    return render_template("certificates/mine.html", rows=rows, today=ops.today())


def _detail_page(certificate: Certificate) -> dict:
    return dict(
        c=certificate,
        today=ops.today(),
        can_change=certificate.can_change_status(current_user),
        can_apply=current_user.person_id == certificate.person_id
        or certificate.person.can_edit(current_user),
        statuses=CertificateStatus,
    )


@bp.get("/certificates/<int:certificate_id>")
@login_required
def detail(certificate_id: int):
    certificate = _certificate_or_error(certificate_id)
    return render_template("certificates/detail.html", **_detail_page(certificate))


@bp.get("/certificates/<int:certificate_id>.pdf")
@login_required
def pdf(certificate_id: int):
    certificate = _certificate_or_error(certificate_id)
    return send_file(
        io.BytesIO(ops.pdf_bytes(certificate)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{certificate.serial}.pdf",
    )


@bp.post("/certificates/<int:certificate_id>/status")
@login_required
@password_confirmed
def change_status(certificate_id: int):
    certificate = _certificate_or_error(certificate_id)
    if not certificate.can_change_status(current_user):
        refuse(403, _("Only regulators suspend or revoke certificates."))
    form = StatusForm()
    redraw_on_refusal(
        "certificates/detail.html", form, form_name="status_form", context=lambda: _detail_page(certificate)
    )
    validated(form)
    ops.set_status(
        certificate,
        CertificateStatus(form.status.data),
        form.reason.data or "",
        actor=current_user,
        until=form.until.data,
    )
    return redirect(url_for("certificates.detail", certificate_id=certificate.id))


@bp.post("/certificates/<int:certificate_id>/review")
@login_required
def apply_review(certificate_id: int):
    certificate = _certificate_or_error(certificate_id)
    if current_user.person_id != certificate.person_id and not certificate.person.can_edit(current_user):
        refuse(403, _("The holder, or their employer, applies for 复审."))
    form = ButtonForm()
    redraw_on_refusal(
        "certificates/detail.html", form, form_name="review_form", context=lambda: _detail_page(certificate)
    )
    validated(form)
    ops.apply_for_review(certificate, actor=current_user)
    return redirect(url_for("certificates.detail", certificate_id=certificate.id))


@bp.post("/certificates/people/<int:person_id>/violations")
@login_required
def record_violation(person_id: int):
    """No page draws this form (a regulator's tool posts it): a refusal is the error page."""
    person = get_or_404(Person, person_id, _("No such person."))
    if not (
        current_user.can("certificate.record_violation", None)
        or any(current_user.can("certificate.record_violation", o) for o in person.related_organisations())
    ):
        refuse(403, _("Only regulators record violations."))
    form = validated(ViolationForm())
    ops.record_violation(person, form.occurred_on.data, form.description.data or "", actor=current_user)
    return redirect(
        form.next.data
        if (form.next.data or "").startswith("/certificates/")
        else url_for("people.record", person_id=person.id)
    )


@bp.get("/certificates/search")
@login_required
def search():
    if not current_user.holds("certificate.search"):
        refuse(403, _("Only regulators search certificates."))
    text = request.args.get("q", "").strip()[:40]
    wanted = request.args.get("state", "")
    today = ops.today()
    query = (
        select(Certificate)
        .join(Person)
        .where(
            Certificate.person_id.in_(people_ops.visible_people(current_user).with_only_columns(Person.id))
        )
    )
    if text:
        query = query.where(
            or_(
                Certificate.serial == text.upper(),
                Person.id_number == text.upper(),
                Person.name.contains(text),
            )
        )
    rows = db.session.scalars(query.order_by(Certificate.issued_on.desc()).limit(500)).all()
    if wanted in {s.value for s in CertificateState}:
        rows = [c for c in rows if c.state(today).value == wanted]
    return render_template(
        "certificates/search.html", rows=rows, q=text, state=wanted, states=CertificateState, today=today
    )


# ----------------------------------------------------------------------------- batches


def _batch_or_error(batch_id: int) -> tuple[CertificateBatch, ExamSession]:
    batch = get_or_404(CertificateBatch, batch_id, _("No such batch."))
    if not batch.can_view(current_user):
        refuse(403, _("This batch holds certificates outside what you may see."))
    return batch, db.session.get(ExamSession, batch.session_id)


@bp.get("/certificates/batches")
@login_required
def batches():
    if not (current_user.holds("exam.schedule") or current_user.holds("exam.results")):
        refuse(403, _("Only schedulers and regulators see certificate batches."))
    rows = db.session.execute(
        select(CertificateBatch, ExamSession)
        .join(ExamSession, ExamSession.id == CertificateBatch.session_id)
        .order_by(CertificateBatch.id.desc())
        .limit(200)
    ).all()
    return render_template(
        "certificates/batches.html", rows=[(b, s) for b, s in rows if b.can_view(current_user)]
    )


@bp.get("/certificates/batches/<int:batch_id>")
@login_required
def batch(batch_id: int):
    return render_template("certificates/batch.html", **_batch_page(*_batch_or_error(batch_id)))


def _batch_page(batch: CertificateBatch, session: ExamSession) -> dict:
    # The retry button asks what the retry route asks: the sitting's own schedulers.
    return dict(
        batch=batch,
        session=session,
        today=ops.today(),
        state=batch.status_label,
        may_retry=batch.status == "failed" and session.can_schedule(current_user),
    )


@bp.post("/certificates/batches/<int:batch_id>/retry")
@login_required
def batch_retry(batch_id: int):
    """A failed batch queued again, by a scheduler who may see it; its job starts after the
    commit and renders only what is missing."""
    batch, session = _batch_or_error(batch_id)
    if not session.can_schedule(current_user):
        refuse(403, _("Only schedulers retry a certificate batch."))
    form = ButtonForm()
    redraw_on_refusal(
        "certificates/batch.html", form, form_name="retry_form", context=lambda: _batch_page(batch, session)
    )
    validated(form)
    ops.retry_batch(batch, actor=current_user)
    from .tasks import issue_batch

    task_id = f"certificate-batch-{batch.id}-{utcnow():%Y%m%d%H%M%S%f}"
    batch.task_id = task_id
    after_commit(lambda: issue_batch.apply_async(args=[batch_id], task_id=task_id))
    return redirect(url_for("certificates.batch", batch_id=batch.id))


@bp.get("/certificates/batches/<int:batch_id>/progress")
@login_required
def batch_progress(batch_id: int):
    batch, _session = _batch_or_error(batch_id)
    fraction = 1.0 if batch.status == "done" else 0.0
    if batch.status in ("queued", "running"):
        fraction = task_progress(batch.task_id) or fraction
    return jsonify(
        {
            "status": batch.status,
            "label": batch.status_label,
            "progress": fraction,
            "issued": batch.issued,
            "total": batch.total,
        }
    )


def _issued(batch: CertificateBatch) -> list[Certificate]:
    if not batch.certificates:
        refuse(409, _("The batch has no certificates yet."))
    return batch.certificates


@bp.get("/certificates/batches/<int:batch_id>.zip")
@login_required
def batch_zip(batch_id: int):
    batch, _session = _batch_or_error(batch_id)
    certificates = _issued(batch)
    if not batch.can_download(current_user):
        refuse(403, _("This batch holds certificates outside what you may see."))
    ops.ensure_pdfs(certificates)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            archive.writestr(f"{certificate.serial}.pdf", storage.read(certificate.pdf_key))
    out.seek(0)
    return send_file(
        out,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"certificates-session-{batch.session_id}.zip",
    )


@bp.get("/certificates/batches/<int:batch_id>/print.pdf")
@login_required
def batch_print(batch_id: int):
    batch, _session = _batch_or_error(batch_id)
    if not batch.can_download(current_user):
        refuse(403, _("This batch holds certificates outside what you may see."))
    data = create_pdf(ops.PDF_TEMPLATE, [ops.pdf_context(c) for c in _issued(batch)])
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"certificates-session-{batch.session_id}-print.pdf",
    )


# ----------------------------------------------------------------------------- public


def _public(serial: str) -> Certificate | None:
    serial = serial.strip().upper()
    if not ops.is_valid_serial(serial):
        return None
    return db.session.scalar(select(Certificate).where(Certificate.serial == serial))


@bp.get("/verify/<serial>")
@limiter.limit(VERIFY_LIMIT)
def verify(serial: str):
    certificate = _public(serial)
    if certificate is None:
        return render_template("certificates/verify.html", c=None, serial=serial[:20]), 404
    return render_template(
        "certificates/verify.html",
        c=certificate,
        serial=certificate.serial,
        state=certificate.state(ops.today()),
        today=ops.today(),
        masked=ops.masked_id(certificate),
    )


@bp.get("/verify/<serial>/photo")
@limiter.limit(VERIFY_LIMIT)
def verify_photo(serial: str):
    certificate = _public(serial)
    if certificate is None or certificate.person.photo_key is None:
        refuse(404, _("No photo."))
    return storage.send(certificate.person.photo_key, mimetype="image/jpeg", max_age=0)
