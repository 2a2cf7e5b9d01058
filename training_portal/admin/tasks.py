"""The nightly check of the audit trail, and the alarm a failed one raises."""

from __future__ import annotations

import hashlib

from celery import shared_task
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import RoleAssignment, User
from ..core.audit_anchor import record_result
from ..core.audit_verify import verify_chain
from ..core.db import db
from ..core.permissions import Role
from ..notifications import operations as notes

notes.register(
    "audit_failed", _l("The check of the audit trail found %(count)s problem(s); the first: %(first)s")
)


# Named as before it moved here (it needs accounts and notifications, above core): the beat
# schedule and running deployments know it by this name.
@shared_task(name="core.verify_audit_chain")
def verify_audit_chain() -> dict:
    """Verify chain, anchors and business rows (``flask audit verify``); keep the result where
    the admin home page shows it, and tell every administrator of a failure."""
    report = verify_chain()
    record_result(report)
    if not report.ok:
        notify_admins(report.problems)
    return {"ok": report.ok, "count": report.count, "broken_at": report.broken_at}


def notify_admins(problems: list[str]) -> None:
    # The same findings are told once; different ones (a new tampering) are told again.
    digest = hashlib.sha256("\n".join(problems).encode()).hexdigest()[:16]
    admins = db.session.scalars(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.ADMIN, User.active.is_(True))
        .distinct()
    ).all()
    for admin in admins:
        notes.notify(
            admin,
            f"audit-failed:{digest}",
            "audit_failed",
            {"count": len(problems), "first": problems[0]},
            link="/admin/audit",
        )
