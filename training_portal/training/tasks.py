"""The reminders job: classes starting, the year's hours due, re-training due within the
policy's days. Run hourly; each reminder goes once (the notification key names its thing)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from celery import shared_task
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..core import policy
from ..core.db import db, in_chunks
from ..core.i18n import local_today
from ..notifications import operations as notes
from ..people.models import Person
from . import ledger
from .models import Enrolment, TrainingClass, hours_text

notes.register("class_starting", _l("Your class %(class)s (%(course)s) starts on %(date)s."))
notes.register("hours_due", _l("You need %(missing)s more 学时 of re-training in %(year)s."))
notes.register("retraining_due", _l("Re-training is due by %(due)s: %(missing)s 学时 are still missing."))


def _accounts(person_ids: set[int]) -> dict[int, list[User]]:
    users: dict[int, list[User]] = {}
    for chunk in in_chunks(person_ids):
        for user in db.session.scalars(select(User).where(User.person_id.in_(chunk), User.active.is_(True))):
            users.setdefault(user.person_id, []).append(user)
    return users


@shared_task(name="training.send_reminders")
def send_reminders(today: str | None = None) -> dict:
    today = date.fromisoformat(today) if today else local_today()
    sent: Counter[str] = Counter()
    soon = today + timedelta(days=policy.get("training.class_notice_days"))
    enrolments = db.session.execute(
        select(Enrolment, TrainingClass)
        .join(TrainingClass)
        .where(TrainingClass.starts_on >= today, TrainingClass.starts_on <= soon)
    ).all()
    users = _accounts({e.person_id for e, _ in enrolments})
    for enrolment, training_class in enrolments:
        for user in users.get(enrolment.person_id, []):
            sent["class_starting"] += notes.notify(
                user,
                f"class-start:{training_class.id}",
                "class_starting",
                {
                    "class": training_class.name,
                    "course": training_class.course.title,
                    "date": training_class.starts_on.isoformat(),
                },
                f"/training/classes/{training_class.id}",
            )
    with_accounts = select(Person).where(Person.id.in_(select(User.person_id).where(User.active.is_(True))))
    short = ledger.deficits(with_accounts, today.year)
    users = _accounts({p.id for p, _ in short})
    year_end = date(today.year, 12, 31)
    due_soon = (year_end - today).days <= policy.get("training.retraining_notice_days")
    for person, line in short:
        params = {"year": str(today.year), "missing": hours_text(line.deficit), "due": year_end.isoformat()}
        for user in users.get(person.id, []):
            sent["hours_due"] += notes.notify(
                user, f"hours-due:{today.year}", "hours_due", params, "/training/me"
            )
            if due_soon:
                sent["retraining_due"] += notes.notify(
                    user, f"retraining-due:{today.year}", "retraining_due", params, "/training/me"
                )
    return {kind: n for kind, n in sent.items() if n}
