"""实操考核: only after a passed written exam; two examiners score the rubric, each blind
to the other until both have submitted; the agreed score is their mean unless they differ
by more than the policy allows, when a third examiner's score decides."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..core import audit, policy
from ..core.db import db, locked, utcnow
from ..core.errors import CONFLICT, REFUSED
from ..organisations.models import ReviewUnit
from .applications import ExamError, retakes_allowed, training_center_ids
from .models import (
    AttemptState,
    ExamApplication,
    ExamAttempt,
    PracticalExam,
    PracticalExaminer,
    PracticalRubric,
    PracticalStatus,
)
from .sessions import proctor_choices, proctor_unit
from .signals import practical_decided
from .validity import require_valid


def validate_rubric(items: list[dict]) -> None:
    if not items:
        raise ExamError(_l("A rubric needs items."))
    total = sum(float(i["points"]) for i in items)
    if abs(total - 100) > 1e-9:
        raise ExamError(_l("A rubric's items add up to 100 points, not %(n)s.", n=f"{total:g}"))


def _centers(written: ExamAttempt) -> set[int]:
    """The training centers of the candidate: the ones that train them and the one that
    applied for them."""
    centers = training_center_ids(written.person)
    if written.application.center_id is not None:
        centers.add(written.application.center_id)
    return centers


def _trains_or_is(user, written: ExamAttempt, centers: set[int]) -> bool:
    """考教分离: the candidate themself, or anyone who works for or acts for a center that
    trained them, never examines them."""
    if user.person_id is not None and user.person_id == written.person_id:
        return True
    theirs = {a.organisation_id for a in user.assignments if a.organisation_id is not None}
    if user.person is not None and user.person.employer_id is not None:
        theirs.add(user.person.employer_id)
    return bool(theirs & centers)


def may_examine(user, written: ExamAttempt, centers: set[int] | None = None) -> bool:
    """Whether the user may examine this candidate now: an active proctor/examiner of a
    reviewing unit, who neither trained nor is the candidate."""
    return proctor_unit(user) is not None and not _trains_or_is(
        user, written, _centers(written) if centers is None else centers
    )


def can_score(practical: PracticalExam, user) -> bool:
    """One of this exam's examiners, and an examiner who may examine the candidate now."""
    return any(e.user_id == user.id for e in practical.examiners) and may_examine(
        user, practical.written_attempt
    )


def examiner_choices() -> list[User]:
    """Everyone who examines for a reviewing unit now, for the scheduling form; the
    candidate's own conflicts are checked when the exam is created."""
    return proctor_choices()


def visible_to(user) -> list[PracticalExam]:
    """The practical exams the user examines, or whose sitting the user's unit owns."""
    rows = db.session.scalars(select(PracticalExam).order_by(PracticalExam.id.desc()))
    return [
        p
        for p in rows
        if any(e.user_id == user.id for e in p.examiners) or p.written_attempt.session.can_schedule(user)
    ]


def next_sitting(written: ExamAttempt) -> int | None:
    """The sitting a new practical exam on this written pass would be (0 the first, 1 … the
    retakes, 补考), or None: one is being scored, one passed, or the last allowed one failed."""
    last = db.session.scalars(
        select(PracticalExam)
        .where(PracticalExam.written_attempt_id == written.id)
        .order_by(PracticalExam.sitting.desc())
        .limit(1)
    ).first()
    if last is None:
        return 0
    return last.sitting + 1 if last.passed is False and last.sitting < retakes_allowed() else None


def ready_for(user) -> list[tuple[ExamAttempt, int]]:
    """(written attempt, sitting): passed, published written exams of special operations with
    a practical exam to schedule (the first, or a retake after a failed one), in sittings the
    user's unit schedules."""
    rows = db.session.scalars(
        select(ExamAttempt)
        .join(ExamApplication, ExamApplication.id == ExamAttempt.application_id)
        .where(ExamAttempt.passed.is_(True), ExamApplication.operation_type.is_not(None))
        .order_by(ExamAttempt.id)
    )
    ready = [a for a in rows if a.session.results_published and a.session.can_schedule(user)]
    last: dict[int, PracticalExam] = {}
    for p in db.session.scalars(
        select(PracticalExam)
        .where(PracticalExam.written_attempt_id.in_([a.id for a in ready]))
        .order_by(PracticalExam.sitting)
    ):
        last[p.written_attempt_id] = p
    allowed = retakes_allowed()
    result = []
    for attempt in ready:
        before = last.get(attempt.id)
        if before is None:
            result.append((attempt, 0))
        elif before.passed is False and before.sitting < allowed:
            result.append((attempt, before.sitting + 1))
    return result


def third_examiner_choices(practical: PracticalExam) -> list[User]:
    """Who may be the third examiner: an examiner of either unit now, not one of the two
    who scored, not the candidate's trainer nor the candidate."""
    taken = {e.user_id for e in practical.examiners}
    written = practical.written_attempt
    centers = _centers(written)
    return [u for u in examiner_choices() if u.id not in taken and may_examine(u, written, centers)]


def create(written: ExamAttempt, examiners: list, *, actor) -> PracticalExam:
    if not written.session.can_schedule(actor):
        raise ExamError(
            _l("Only the unit that owns the sitting schedules its practical exams."), status=REFUSED
        )
    if (
        written.passed is not True
        or written.state not in (AttemptState.SUBMITTED, AttemptState.TIMED_OUT)
        or not written.session.results_published
    ):
        raise ExamError(
            _l("The practical exam comes only after a passed, published written exam."), status=CONFLICT
        )
    require_valid(written)
    sitting = next_sitting(written)
    if sitting is None:
        raise ExamError(
            _l(
                "This written pass has a practical exam being scored, passed, or failed "
                "with no retake left (%(n)d allowed).",
                n=retakes_allowed(),
            ),
            status=CONFLICT,
        )
    operation = written.application.operation_type
    rubric = db.session.scalar(select(PracticalRubric).where(PracticalRubric.operation_type == operation))
    if rubric is None:
        raise ExamError(_l("There is no practical rubric for this operation type."))
    if len(examiners) != 2 or examiners[0].id == examiners[1].id:
        raise ExamError(_l("Two different examiners score a practical exam."))
    centers = _centers(written)
    for examiner in examiners:
        if proctor_unit(examiner) is None:
            raise ExamError(_l("Examiners are examiners of the two reviewing units."))
        if examiner.person_id == written.person_id:
            raise ExamError(_l("Nobody examines themself."), status=REFUSED)
        if _trains_or_is(examiner, written, centers):
            raise ExamError(_l("Who trains the candidate does not examine them (考教分离)."), status=REFUSED)
    if policy.get("practical.examiners_from_both_units") and {proctor_unit(e)[0] for e in examiners} != set(
        ReviewUnit
    ):
        raise ExamError(_l("The two examiners come one from each reviewing unit."))
    practical = PracticalExam(
        written_attempt=written,
        person_id=written.person_id,
        rubric=rubric,
        status=PracticalStatus.SCORING,
        sitting=sitting,
    )
    practical.examiners = [
        PracticalExaminer(user_id=e.id, role=role)
        for e, role in zip(examiners, ("first", "second"), strict=True)
    ]
    db.session.add(practical)
    db.session.flush()
    audit.record(
        "practical.create",
        practical,
        actor=actor,
        after={"written_attempt_id": written.id, "sitting": sitting, "examiners": [e.id for e in examiners]},
    )
    return practical


def score(practical: PracticalExam, *, examiner, item_scores: list[float]) -> None:
    practical = locked(PracticalExam, practical.id)
    # The examiner row is the assignment; the authority is asked now, before anything is
    # written: an admin may have revoked the role or the account since.
    if not can_score(practical, examiner):
        raise ExamError(_l("Only this exam's examiners score it."), status=REFUSED)
    mine = next(e for e in practical.examiners if e.user_id == examiner.id)
    if mine.submitted_at is not None:
        raise ExamError(_l("You have submitted your scores already."), status=CONFLICT)
    require_valid(practical.written_attempt)  # the practical is taken while the written pass counts
    items = practical.rubric.items
    if len(item_scores) != len(items):
        raise ExamError(_l("Score every item of the rubric."))
    for value, item in zip(item_scores, items, strict=True):
        if not 0 <= value <= float(item["points"]):
            raise ExamError(
                _l(
                    "%(item)s: between 0 and %(max)s points.",
                    item=item["name"],
                    max=f"{float(item['points']):g}",
                )
            )
        if item.get("critical") and value not in (0, float(item["points"])):
            raise ExamError(_l("%(item)s is critical: all of its points or none.", item=item["name"]))
    mine.item_scores = [float(v) for v in item_scores]
    mine.total = round(sum(mine.item_scores), 2)
    mine.critical_failed = any(i.get("critical") and v == 0 for i, v in zip(items, item_scores, strict=True))
    mine.submitted_at = utcnow()
    db.session.flush()
    audit.record(
        "practical.score",
        practical,
        actor=examiner,
        after={"role": mine.role, "item_scores": mine.item_scores, "total": mine.total},
    )
    _decide(practical, examiner)


def _decide(practical: PracticalExam, actor) -> None:
    done = {e.role: e for e in practical.examiners if e.submitted_at is not None}
    if "third" in done:
        _final(practical, done["third"].total, done["third"].critical_failed, actor)
    elif "first" in done and "second" in done:
        a, b = done["first"], done["second"]
        limit = policy.get("practical.max_examiner_difference")
        if abs(a.total - b.total) > limit or a.critical_failed != b.critical_failed:
            practical.status = PracticalStatus.NEEDS_THIRD
            db.session.flush()
            audit.record(
                "practical.needs_third",
                practical,
                actor=actor,
                after={"first": a.total, "second": b.total, "limit": limit, "status": practical.status},
            )
        else:
            _final(practical, round((a.total + b.total) / 2, 2), a.critical_failed, actor)


def _final(practical: PracticalExam, total: float, critical_failed: bool, actor) -> None:
    practical.final_score = total
    practical.passed = total >= policy.get("practical.pass_mark") and not critical_failed
    practical.status, practical.decided_at = PracticalStatus.DECIDED, utcnow()
    db.session.flush()
    audit.record(
        "practical.decide",
        practical,
        actor=actor,
        after={
            "score": total,
            "passed": practical.passed,
            "critical_failed": critical_failed,
            "status": practical.status,
        },
    )
    practical_decided.send(practical)


def add_third(practical: PracticalExam, examiner, *, actor) -> None:
    if not practical.written_attempt.session.can_schedule(actor):
        raise ExamError(
            _l("Only the unit that owns the sitting schedules its practical exams."), status=REFUSED
        )
    if practical.status is not PracticalStatus.NEEDS_THIRD:
        raise ExamError(_l("A third examiner decides only when the two differ too much."), status=CONFLICT)
    if examiner.id not in {u.id for u in third_examiner_choices(practical)}:
        raise ExamError(
            _l(
                "The third examiner is another examiner of the reviewing units, "
                "who did not train the candidate."
            ),
            field="examiner",
        )
    practical.examiners.append(PracticalExaminer(user_id=examiner.id, role="third"))
    db.session.flush()
    audit.record("practical.third_examiner", practical, actor=actor, after={"examiner": examiner.id})


def visible_scores(practical: PracticalExam, user) -> list[PracticalExaminer]:
    """Blind scoring: an examiner sees the others' scores only once the first two are in."""
    both_in = (
        sum(1 for e in practical.examiners if e.role in ("first", "second") and e.submitted_at is not None)
        == 2
    )
    if both_in or not any(e.user_id == user.id for e in practical.examiners):
        return [e for e in practical.examiners if e.submitted_at is not None]
    return [e for e in practical.examiners if e.user_id == user.id and e.submitted_at is not None]
