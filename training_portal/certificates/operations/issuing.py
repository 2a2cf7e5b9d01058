"""Issuing the certificates of a sitting's passed candidates, in batches whose PDFs are rendered in chunks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ...core import audit
from ...core.db import db, utcnow
from ...core.errors import CONFLICT
from ...exams import validity
from ...exams.models import ExamAttempt, ExamSession, PracticalExam, SessionStatus
from ...organisations.models import Organisation, ReviewUnit
from ..models import (
    Certificate,
    CertificateBatch,
    CertificateStatus,
)
from ._base import CertificateError, certified, today
from .rendering import ensure_pdfs
from .serials import dates_for, next_serial


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
    practical = db.session.scalar(  # the last sitting: a retake (补考) after a failed one
        select(PracticalExam)
        .where(PracticalExam.written_attempt_id == attempt.id)
        .order_by(PracticalExam.sitting.desc())
        .limit(1)
    )
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
    if validity.expired(attempt):
        raise CertificateError(validity.expiry_reason(attempt), status=CONFLICT)
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
    # A pass too old to certify is left out (its candidate sits the written exam again).
    eligible = [a for a in attempts if completed(a)[0] and not validity.expired(a)]
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
            Certificate.batch_id == batch.id, Certificate.pdf_key.is_not(None)
        )
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
