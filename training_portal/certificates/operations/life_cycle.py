"""The life cycle: suspension, reinstatement and revocation, violations, and 复审."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ...core import audit, policy
from ...core.db import db, locked, utcnow
from ...core.errors import CONFLICT, REFUSED
from ...people.categories import add_years
from ...people.models import Person
from ...training.ledger import training_check
from ...training.models import CourseKind
from ..models import (
    Certificate,
    CertificateReview,
    CertificateStatus,
    Violation,
)
from ._base import CertificateError, certified, today
from .serials import review_interval


def set_status(
    certificate: Certificate, status: CertificateStatus, reason: str, *, actor, until: date | None = None
) -> None:
    """Suspend (until a day, or until lifted), reinstate (from suspended only) or revoke (final),
    with a reason. A suspension whose last day has passed counts as valid again."""
    # Asked of the actor as they are now, before anything is written: an active account
    # holding a regulator role whose jurisdiction covers the holder (the view asks too,
    # but a revoked role or a crafted call must not get past the operation).
    if actor is None or not actor.active or not certificate.can_change_status(actor):
        raise CertificateError(
            _l(
                "Only a regulator whose jurisdiction covers the holder suspends, "
                "reinstates or revokes the certificate."
            ),
            status=REFUSED,
        )
    certificate = locked(Certificate, certificate.id)
    if not reason.strip():
        raise CertificateError(_l("Give the reason."), field="reason")
    if certificate.status is CertificateStatus.REVOKED:
        raise CertificateError(_l("A revoked certificate stays revoked."), status=CONFLICT)
    day = today()
    if certificate.effective_status(day) is status:
        raise CertificateError(_l("The certificate is %(s)s already.", s=status.label), status=CONFLICT)
    if status is not CertificateStatus.SUSPENDED:
        until = None
    elif until is not None and until < day:
        raise CertificateError(_l("The suspension cannot end before today."), field="until")
    before = {"status": certificate.status, "until": certificate.suspended_until}
    certificate.status, certificate.status_reason = status, reason.strip()
    certificate.suspended_until = until
    certificate.status_changed_at = utcnow()
    db.session.flush()
    audit.record(
        f"certificate.{status.value}",
        certificate,
        actor=actor,
        before=before,
        after={"status": status, "reason": certificate.status_reason, "until": until},
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
        raise CertificateError(
            _l("The certificate is %(s)s.", s=certificate.state(on).label), status=CONFLICT
        )
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
