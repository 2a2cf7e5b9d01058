"""The overdue reminder: after the deadline, the safety officers of every required mine whose
system is not complete hear of it once per period of the policy's days, not at every run."""

from __future__ import annotations

from collections import Counter
from datetime import date

from celery import shared_task
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import RoleAssignment, User
from ..core import policy
from ..core.db import db
from ..core.i18n import local_today
from ..core.permissions import Role
from ..notifications import operations as notes
from ..organisations.models import MineEnterprise
from . import operations as ops

notes.register(
    "culture_overdue",
    _l(
        "The safety-culture system of %(mine)s was due by %(deadline)s: "
        "%(accepted)s of %(total)s milestones are accepted."
    ),
)


def period(deadline: date, day: date) -> int:
    """0 for the first days after the deadline, 1 for the next period, and so on."""
    every = max(policy.get("safety_culture.overdue_reminder_days"), 1)
    return ((day - deadline).days - 1) // every


@shared_task(name="safety_culture.send_reminders")
def send_reminders(today: str | None = None) -> dict:
    day = date.fromisoformat(today) if today else local_today()
    deadline = policy.get("safety_culture.deadline")
    if not ops.is_past(deadline, day):
        return {}
    rows = ops.required_mines(select(MineEnterprise.id), day, overdue_only=True)
    officers: dict[int, list[User]] = {}
    for mine_id, user in db.session.execute(
        select(RoleAssignment.organisation_id, User)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role == Role.MINE_OFFICER,
            RoleAssignment.organisation_id.in_([mine.id for mine, *_ in rows]),
            User.active.is_(True),
        )
        .order_by(User.id)
    ):
        officers.setdefault(mine_id, []).append(user)
    key_of_period = f"{deadline.isoformat()}:{period(deadline, day)}"
    sent: Counter[str] = Counter()
    for mine, accepted, total, _overdue in rows:
        params = {
            "mine": mine.name,
            "deadline": deadline.isoformat(),
            "accepted": str(accepted),
            "total": str(total),
        }
        for user in officers.get(mine.id, []):
            sent["culture_overdue"] += notes.notify(
                user,
                f"culture-overdue:{mine.id}:{key_of_period}",
                "culture_overdue",
                params,
                f"/safety-culture/mines/{mine.id}",
            )
    return {kind: n for kind, n in sent.items() if n}
