"""Issuing certificates after passed results, rendering them, their life cycle (复审, suspension,
revocation, expiry) and the violations that count against a 复审. Every decision is audited."""

from __future__ import annotations

import base64
import re
from datetime import date, timedelta

import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from stdnum.iso7064 import mod_11_2

from ..core import audit, policy, storage
from ..core.db import db, locked, utcnow
from ..core.errors import CONFLICT, REFUSED, DomainError
from ..core.i18n import local_today
from ..core.pdf import create_pdf
from ..exams.models import ExamAttempt, ExamSession, PracticalExam, SessionStatus
from ..organisations.models import Organisation, ReviewUnit
from ..people import categories
from ..people.categories import add_years
from ..people.idcard import mask
from ..people.models import OperationType, Person, PersonnelCategory
from ..training.ledger import training_check
from ..training.models import CourseKind
from .models import (
    Certificate,
    CertificateBatch,
    CertificateReview,
    CertificateStatus,
    SerialCounter,
    Violation,
)

PDF_TEMPLATE = "certificates/pdf/certificate.html"
# The serial's letter names the category that issued it; the letters come from the registry.
SERIAL = re.compile(rf"^[{''.join(c.serial_prefix for c in categories.examined())}]\d{{8}}[0-9X]$")


class CertificateError(DomainError):
    """Refused by a rule of certificates (发证, 复审, suspension, revocation)."""


def today() -> date:
    return local_today()


def certified(category: PersonnelCategory | str) -> type[categories.Category]:
    """The registered category, if it is examined and certified; refused otherwise."""
    try:
        kind = categories.get(category)
    except categories.UnknownCategory as exc:
        raise CertificateError(str(exc)) from None
    if not kind.examined:
        raise CertificateError(_l("%(c)s get no certificate.", c=kind.label))
    return kind


# ----------------------------------------------------------------------------- serials and dates


def check_character(body: str) -> str:
    """ISO 7064 MOD 11-2 over the digits (as in the 身份证号): catches every single wrong digit
    and every swap of two neighbouring digits; the letter is a category's (checked by form)."""
    return mod_11_2.calc_check_digit(body[1:])


def is_valid_serial(serial: str) -> bool:
    return bool(SERIAL.match(serial)) and mod_11_2.is_valid(serial[1:])


def next_serial(category: PersonnelCategory, on: date) -> str:
    """``T26000123`` plus its check character: a letter for the kind of certificate, the year,
    a number counted per kind and year under a row lock (two issuers never draw the same)."""
    prefix = f"{certified(category).serial_prefix}{on.year % 100:02d}"
    if db.session.get(SerialCounter, prefix) is None:
        try:
            with db.session.begin_nested():
                db.session.add(SerialCounter(prefix=prefix, last=0))
        except IntegrityError:
            pass
    counter = db.session.scalars(
        select(SerialCounter)
        .where(SerialCounter.prefix == prefix)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    counter.last += 1
    if counter.last > 999_999:
        raise CertificateError(_l("The serial numbers of %(p)s are used up.", p=prefix), status=CONFLICT)
    body = f"{prefix}{counter.last:06d}"
    return body + check_character(body)


def clean_years(person: Person, on: date) -> bool:
    """10+ years in the trade without a recorded violation earn the longer 复审 interval."""
    needed = policy.get("special_ops.clean_years_for_long_interval")
    violations = db.session.scalar(select(func.count(Violation.id)).where(Violation.person_id == person.id))
    return person.mining_years(on) >= needed and not violations


def review_interval(person: Person, on: date) -> int:
    if clean_years(person, on):
        return policy.get("special_ops.long_review_interval_years")
    return policy.get("special_ops.review_interval_years")


def dates_for(category: PersonnelCategory, person: Person, issued_on: date) -> tuple[date, date | None]:
    """(valid until, next 复审) as the category declares them: special operations are valid 6
    years with a 复审 every 3 (6 with 10+ clean years); managers' certificates last until their
    next assessment, every 3 years. A category without a certificate is refused."""
    kind = certified(category)
    return kind.certificate_dates(issued_on, review_interval(person, issued_on) if kind.review_rule else None)


# ----------------------------------------------------------------------------- issuing


def _issuer(attempt: ExamAttempt) -> Organisation:
    """The 业务处室 whose reviewer approved the application issues the certificate."""
    review = attempt.application.review_by(ReviewUnit.BUSINESS_DEPT) or attempt.application.reviews[0]
    return db.session.get(Organisation, review.organisation_id)


def completed(attempt: ExamAttempt) -> tuple[bool, PracticalExam | None]:
    """Whether the person passed all the category requires: the written exam of a signed
    sitting and, where the category asks for one, the practical exam that follows it."""
    if attempt.session.status is not SessionStatus.SIGNED or attempt.passed is not True:
        return False, None
    if not certified(attempt.application.category).practical_exam:
        return True, None
    practical = db.session.scalar(select(PracticalExam).where(PracticalExam.written_attempt_id == attempt.id))
    return (practical is not None and practical.passed is True), practical


def issue_for(attempt: ExamAttempt, *, batch: CertificateBatch | None = None) -> Certificate | None:
    """Issue the certificate a complete result earns, in one operation; the existing one if it
    was issued already (the unique result columns make a second one impossible)."""
    existing = db.session.scalar(select(Certificate).where(Certificate.written_attempt_id == attempt.id))
    if existing is not None:
        return existing
    done, practical = completed(attempt)
    if not done:
        return None
    application = attempt.application
    issued_on = today()
    valid_until, next_review = dates_for(application.category, attempt.person, issued_on)
    if batch is None:
        batch = db.session.scalar(
            select(CertificateBatch).where(CertificateBatch.session_id == attempt.session_id)
        )
    certificate = Certificate(
        serial=next_serial(application.category, issued_on),
        person_id=attempt.person_id,
        category=application.category,
        operation_type=application.operation_type,
        written_attempt_id=attempt.id,
        practical_id=practical.id if practical else None,
        issuer_id=_issuer(attempt).id,
        issued_on=issued_on,
        valid_until=valid_until,
        next_review_on=next_review,
        status=CertificateStatus.VALID,
        batch_id=batch.id if batch else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
    except IntegrityError:  # another job issued it a moment ago
        return db.session.scalar(select(Certificate).where(Certificate.written_attempt_id == attempt.id))
    audit.record(
        "certificate.issue",
        certificate,
        after={
            "serial": certificate.serial,
            "person_id": certificate.person_id,
            "category": certificate.category,
            "operation_type": certificate.operation_type,
            "written_attempt_id": attempt.id,
            "practical_id": certificate.practical_id,
            "issued_on": issued_on,
            "valid_until": valid_until,
            "next_review_on": next_review,
        },
    )
    return certificate


def start_batch(session: ExamSession) -> CertificateBatch:
    """The batch of a signed sitting (one per sitting); the caller queues its job."""
    batch = db.session.scalar(select(CertificateBatch).where(CertificateBatch.session_id == session.id))
    if batch is None:
        batch = CertificateBatch(session_id=session.id, status="queued")
        db.session.add(batch)
        db.session.flush()
        audit.record("certificate.batch_start", batch, after={"session_id": session.id})
    return batch


def issue_batch(batch: CertificateBatch) -> list[int]:
    """Issue (and audit) every certificate the sitting earned, nothing twice; the ids of the
    batch's certificates in seat order. The caller commits this before rendering, so the
    serial counters are held for the issuing alone."""
    attempts = db.session.scalars(
        select(ExamAttempt).where(ExamAttempt.session_id == batch.session_id).order_by(ExamAttempt.seat)
    ).all()
    eligible = [a for a in attempts if completed(a)[0]]
    batch.status, batch.total, batch.failure = "running", len(eligible), ""
    certificates = [issue_for(a, batch=batch) for a in eligible]
    batch.issued = sum(1 for c in certificates if c.pdf_key is not None)
    db.session.flush()
    return [c.id for c in certificates]


def render_batch_chunk(batch: CertificateBatch, certificate_ids: list[int]) -> None:
    """Render and store the PDFs of one chunk that have none yet (a re-run renders only what
    is missing), and count what is done."""
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.id.in_(certificate_ids)).order_by(Certificate.id)
    ).all()
    ensure_pdfs(list(certificates))
    batch.issued = db.session.scalar(
        select(func.count(Certificate.id)).where(
            Certificate.batch_id == batch.id, Certificate.pdf_key.is_not(None))
    )
    db.session.flush()


def finish_batch(batch: CertificateBatch) -> None:
    batch.issued = batch.total
    batch.status, batch.finished_at, batch.failure = "done", utcnow(), ""
    db.session.flush()


def fail_batch(batch: CertificateBatch, reason: str) -> None:
    """The job stopped: the batch says so (and why) until someone retries it."""
    batch.status, batch.failure = "failed", reason[:300]
    db.session.flush()
    audit.record("certificate.batch_fail", batch, after={"failure": batch.failure})


def retry_batch(batch: CertificateBatch, *, actor) -> None:
    """Queue a failed batch again; the caller starts its job after the commit."""
    if batch.status != "failed":
        raise CertificateError(_l("Only a failed batch can be retried."), status=CONFLICT)
    batch.status, batch.failure = "queued", ""
    db.session.flush()
    audit.record("certificate.batch_retry", batch, actor=actor)


def run_batch(batch: CertificateBatch, progress=None, chunk: int = 50) -> int:
    """Issue and render in the caller's one transaction (the PDF of a single request)."""
    ids = issue_batch(batch)
    for start in range(0, len(ids), chunk):
        render_batch_chunk(batch, ids[start : start + chunk])
        if progress:
            progress(min(start + chunk, len(ids)) / max(len(ids), 1))
    finish_batch(batch)
    return len(ids)


# ----------------------------------------------------------------------------- the PDF


def verify_url(serial: str) -> str:
    base = current_app.config.get("PORTAL_URL") or "http://localhost:5000"
    return f"{base.rstrip('/')}/verify/{serial}"


def _data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def pdf_context(certificate: Certificate) -> dict:
    """Plain values only: what the certificate says, its photo and QR code inlined."""
    person = certificate.person
    photo = None
    if person.photo_key:
        photo = _data_url("image/jpeg", storage.read(person.photo_key))
    url = verify_url(certificate.serial)
    kind = certified(certificate.category)
    return {
        "serial": certificate.serial,
        "name": person.name,
        "gender": person.gender.label,
        "id_number": person.id_number,
        "birth_date": person.birth_date.isoformat(),
        "category": certificate.category.label,
        "subject": certificate.subject_label,
        "issuer": certificate.issuer.name,
        "issued_on": certificate.issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "next_review_on": certificate.next_review_on.isoformat() if certificate.next_review_on else "",
        "photo": photo,
        "qr": segno.make(url, error="m").png_data_uri(scale=6, border=2),
        "verify_url": url,
        "title": kind.certificate_title,
        "subject_heading": kind.subject_heading,
    }


def sample_context(person: Person) -> dict:
    """The certificate a person would get, for ``flask certificates sample`` (nothing issued)."""
    issued_on = today()
    valid_until, next_review = dates_for(PersonnelCategory.SPECIAL_OPERATOR, person, issued_on)
    sample = Certificate(
        serial=f"{certified(PersonnelCategory.SPECIAL_OPERATOR).serial_prefix}{issued_on:%y}000000",
        person=person,
        category=PersonnelCategory.SPECIAL_OPERATOR,
        operation_type=OperationType.COAL_GAS_INSPECTION,
        issuer=db.session.scalars(select(Organisation).order_by(Organisation.id)).first(),
        issued_on=issued_on,
        valid_until=valid_until,
        next_review_on=next_review,
        status=CertificateStatus.VALID,
    )
    sample.serial += check_character(sample.serial)
    return pdf_context(sample)


def ensure_pdfs(certificates: list[Certificate]) -> None:
    """Render (together) and store the PDFs of those that have none yet."""
    missing = [c for c in certificates if c.pdf_key is None]
    if not missing:
        return
    pdfs = create_pdf(PDF_TEMPLATE, [pdf_context(c) for c in missing], separate=True)
    for certificate, data in zip(missing, pdfs, strict=True):
        certificate.pdf_key = storage.save("certificates", data, ".pdf")
    db.session.flush()


def pdf_bytes(certificate: Certificate) -> bytes:
    ensure_pdfs([certificate])
    return storage.read(certificate.pdf_key)


def masked_id(certificate: Certificate) -> str:
    return mask(certificate.person.id_number)


# ----------------------------------------------------------------------------- the life cycle


def set_status(certificate: Certificate, status: CertificateStatus, reason: str, *, actor) -> None:
    """Suspend, reinstate (from suspended only) or revoke (final), with a reason."""
    # Asked of the actor as they are now, before anything is written: an active account
    # holding a regulator role whose jurisdiction covers the holder (the view asks too,
    # but a revoked role or a crafted call must not get past the operation).
    if actor is None or not actor.active or not certificate.can_change_status(actor):
        raise CertificateError(_l("Only a regulator whose jurisdiction covers the holder suspends, "
                                  "reinstates or revokes the certificate."), status=REFUSED)
    certificate = locked(Certificate, certificate.id)
    if not reason.strip():
        raise CertificateError(_l("Give the reason."), field="reason")
    if certificate.status is CertificateStatus.REVOKED:
        raise CertificateError(_l("A revoked certificate stays revoked."), status=CONFLICT)
    if certificate.status is status:
        raise CertificateError(_l("The certificate is %(s)s already.", s=status.label), status=CONFLICT)
    before = certificate.status
    certificate.status, certificate.status_reason = status, reason.strip()
    certificate.status_changed_at = utcnow()
    db.session.flush()
    audit.record(
        f"certificate.{status.value}",
        certificate,
        actor=actor,
        before={"status": before},
        after={"status": status, "reason": certificate.status_reason},
    )


def record_violation(person: Person, occurred_on: date, description: str, *, actor) -> Violation:
    if not description.strip():
        raise CertificateError(_l("Describe the violation."), field="description")
    if occurred_on > today():
        raise CertificateError(_l("The date is in the future."), field="occurred_on")
    violation = Violation(
        person_id=person.id, occurred_on=occurred_on, description=description.strip(), recorded_by_id=actor.id
    )
    db.session.add(violation)
    db.session.flush()
    audit.record(
        "violation.record", violation, actor=actor, after={"person_id": person.id, "occurred_on": occurred_on}
    )
    return violation


def review_checks(certificate: Certificate, on: date) -> list[dict]:
    """The 复审 rules, each with what it found."""
    due = certificate.next_review_on
    window = policy.get("special_ops.review_window_days")
    opens = due - timedelta(days=window)
    hours = training_check(
        certificate.person,
        certificate.category,
        certificate.operation_type,
        on,
        kind=CourseKind.REVIEW,
    )
    last = max([r.due_on for r in certificate.reviews if r.passed] + [certificate.issued_on])
    violations = db.session.scalar(
        select(func.count(Violation.id)).where(
            Violation.person_id == certificate.person_id, Violation.occurred_on >= last
        )
    )
    allowed = policy.get("special_ops.review_max_violations")
    return [
        {
            "rule": "window",
            "ok": opens <= on <= due,
            "detail": str(
                _l("复审 is applied for from %(a)s to %(b)s", a=opens.isoformat(), b=due.isoformat())
            ),
        },
        {"rule": "training_hours", "ok": hours.ok, "detail": hours.detail},
        {
            "rule": "violations",
            "ok": violations <= allowed,
            "detail": str(
                _l(
                    "%(n)d violations recorded since %(d)s; at most %(m)d allowed",
                    n=violations,
                    d=last.isoformat(),
                    m=allowed,
                )
            ),
        },
    ]


def apply_for_review(certificate: Certificate, *, actor, on: date | None = None) -> CertificateReview:
    """复审: decided from the records at once; passed moves the next 复审 date (6 years ahead
    for 10+ clean years, never past the certificate's validity)."""
    on = on or today()
    certificate = locked(Certificate, certificate.id)
    if not certified(certificate.category).review_rule or certificate.next_review_on is None:
        raise CertificateError(_l("Only special-operations certificates have a 复审."))
    if certificate.state(on).value not in ("valid", "review_due"):
        raise CertificateError(_l("The certificate is %(s)s.", s=certificate.state(on).label),
                               status=CONFLICT)
    due = certificate.next_review_on
    checks = review_checks(certificate, on)
    window = checks[0]
    if not window["ok"]:  # outside the window there is nothing to decide yet
        raise CertificateError(window["detail"], status=CONFLICT)
    passed = all(c["ok"] for c in checks)
    next_review = None
    if passed:
        next_review = min(add_years(due, review_interval(certificate.person, on)), certificate.valid_until)
        certificate.next_review_on = next_review
    review = CertificateReview(
        certificate=certificate,
        due_on=due,
        applied_on=on,
        passed=passed,
        checks=checks,
        next_review_on=next_review,
        applied_by_id=actor.id,
    )
    db.session.add(review)
    db.session.flush()
    audit.record(
        "certificate.review",
        certificate,
        actor=actor,
        after={"due_on": due, "passed": passed, "checks": checks, "next_review_on": next_review},
    )
    return review
