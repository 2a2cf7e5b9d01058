"""Appeals against a terminated attempt (考生申诉). A reviewer of either unit decides; an
upheld appeal annuls the termination and the attempt counts as handed in at that moment,
with the answers it had saved."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core import audit
from ..core.db import db, utcnow
from ..core.errors import CONFLICT, REFUSED
from .applications import ExamError, reviewer_unit
from .attempts import passes
from .models import AttemptState, ExamAppeal, ExamAttempt


def appeal(attempt: ExamAttempt, *, candidate, reason: str) -> ExamAppeal:
    if attempt.person_id != candidate.person_id:
        raise ExamError(_l("This is not your seat."), status=REFUSED)
    if attempt.state is not AttemptState.TERMINATED:
        raise ExamError(_l("Only a terminated attempt can be appealed."), status=CONFLICT)
    if not reason.strip():
        raise ExamError(_l("Say why you appeal."), field="reason")
    if db.session.scalar(select(ExamAppeal.id).where(ExamAppeal.attempt_id == attempt.id)):
        raise ExamError(_l("This attempt has been appealed already."), status=CONFLICT)
    item = ExamAppeal(attempt=attempt, reason=reason.strip())
    db.session.add(item)
    db.session.flush()
    audit.record(
        "appeal.submit", item, actor=candidate, after={"attempt_id": attempt.id, "reason": item.reason}
    )
    return item


def decide(item: ExamAppeal, *, reviewer, upheld: bool, reason: str) -> None:
    if reviewer_unit(reviewer) is None:
        raise ExamError(_l("Only reviewers of the two reviewing units decide appeals."), status=REFUSED)
    if item.decided_at is not None:
        raise ExamError(_l("This appeal is decided already."), status=CONFLICT)
    if not reason.strip():
        raise ExamError(_l("A decision needs a reason."), field="reason")
    attempt = item.attempt
    if any(action.by_id == reviewer.id for action in attempt.actions):
        raise ExamError(_l("A proctor of the attempt does not decide its appeal."), status=REFUSED)
    item.upheld, item.decision_reason = upheld, reason.strip()
    item.decided_by_id, item.decided_at = reviewer.id, utcnow()
    before = {"state": attempt.state, "passed": attempt.passed}
    if upheld:
        attempt.state = AttemptState.SUBMITTED
        attempt.passed = passes(attempt)
    db.session.flush()
    audit.record(
        "appeal.decide",
        item,
        actor=reviewer,
        before=before,
        after={
            "upheld": upheld,
            "reason": item.decision_reason,
            "state": attempt.state,
            "passed": attempt.passed,
            "attempt_id": attempt.id,
        },
    )


def open_appeals() -> list[ExamAppeal]:
    return db.session.scalars(
        select(ExamAppeal).where(ExamAppeal.decided_at.is_(None)).order_by(ExamAppeal.submitted_at)
    ).all()
