"""The batch job of a signed sitting and the 复审/expiry reminders.

The batch is ``acks_late`` with ``reject_on_worker_lost``: a worker killed halfway leaves the
message for another worker, whose run issues what is missing and nothing twice (the unique
result columns) and renders only the PDFs still missing.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, timedelta

from celery import shared_task
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..accounts.models import User
from ..core import jobs
from ..core.db import db, in_chunks, locked, transaction
from ..notifications import operations as notes
from . import operations as ops
from .models import Certificate, CertificateBatch

log = logging.getLogger(__name__)

REMINDER_DAYS = (60, 30)  # the rule: reminders 60 and 30 days before 复审 and expiry

notes.register(
    "certificate_review",
    _l(
        "The 复审 of your certificate %(serial)s (%(subject)s) is due on "
        "%(due)s; apply within 60 days before it."
    ),
)
notes.register("certificate_expiry", _l("Your certificate %(serial)s (%(subject)s) expires on %(due)s."))


RENDER_CHUNK = 5  # certificates rendered per transaction: progress, and a short lock each


@shared_task(bind=True, name="certificates.issue_batch", acks_late=True, reject_on_worker_lost=True)
def issue_batch(self, batch_id: int) -> dict:
    """Issue and audit every certificate in one short transaction, then render the PDFs chunk
    by chunk, each chunk its own transaction; a failure marks the batch failed, with why."""

    def progress(fraction: float) -> None:
        if self.request.id:
            self.update_state(state="PROGRESS", meta={"progress": round(fraction, 3)})

    try:
        with transaction():
            ids = ops.issue_batch(locked(CertificateBatch, batch_id))
        for start in range(0, len(ids), RENDER_CHUNK):
            with transaction():
                # the batch's row lock queues a second worker given the same message
                ops.render_batch_chunk(locked(CertificateBatch, batch_id), ids[start : start + RENDER_CHUNK])
            progress(min(start + RENDER_CHUNK, len(ids)) / max(len(ids), 1))
        with transaction():
            ops.finish_batch(locked(CertificateBatch, batch_id))
    except Exception as exc:  # the failed transaction is rolled back; say so on the batch
        jobs.retry_if_transient(self, exc)  # a full or read-only disk, a locked database: later
        log.exception("certificate batch %s failed", batch_id)
        with transaction():
            ops.fail_batch(locked(CertificateBatch, batch_id), f"{type(exc).__name__}: {exc}")
        return {"batch": batch_id, "failed": str(exc)[:300]}
    return {"batch": batch_id, "certificates": len(ids)}


@shared_task(name="certificates.send_reminders")
def send_reminders(today: str | None = None) -> dict:
    day = date.fromisoformat(today) if today else ops.today()
    horizon = day + timedelta(days=max(REMINDER_DAYS))
    certificates = db.session.scalars(
        select(Certificate).where(
            Certificate.in_force(day),
            or_(
                Certificate.next_review_on.between(day, horizon),
                Certificate.valid_until.between(day, horizon),
            ),
        )
    ).all()
    accounts: dict[int, list[User]] = {}
    for chunk in in_chunks({c.person_id for c in certificates}):
        for user in db.session.scalars(select(User).where(User.person_id.in_(chunk), User.active.is_(True))):
            accounts.setdefault(user.person_id, []).append(user)
    sent: Counter[str] = Counter()
    for certificate in certificates:
        for kind, due in (
            ("certificate_review", certificate.next_review_on),
            ("certificate_expiry", certificate.valid_until),
        ):
            if due is None or not day <= due <= horizon:
                continue
            days = min(d for d in REMINDER_DAYS if (due - day).days <= d)
            params = {
                "serial": certificate.serial,
                "subject": certificate.subject_label,
                "due": due.isoformat(),
            }
            for user in accounts.get(certificate.person_id, []):
                sent[kind] += notes.notify(
                    user,
                    f"{kind}:{certificate.id}:{due.isoformat()}:{days}",
                    kind,
                    params,
                    f"/certificates/{certificate.id}",
                )
    return {kind: n for kind, n in sent.items() if n}
