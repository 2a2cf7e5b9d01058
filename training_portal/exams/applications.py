"""Operations on applications: submit with its pre-check, and the two reviews (双审核)."""

from __future__ import annotations

from datetime import datetime

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..core import audit, policy
from ..core.db import db, locked, utcnow
from ..core.errors import CONFLICT, REFUSED, DomainError
from ..core.i18n import local_today
from ..core.permissions import Role, roles_with
from ..organisations.models import Organisation, ReviewUnit
from ..people import categories
from ..people.models import OperationType, Person, PersonnelCategory
from ..training.models import Course, Enrolment, TrainingClass
from .eligibility import precheck
from .models import (
    ApplicationReview,
    ApplicationStatus,
    AttemptState,
    ExamApplication,
    ExamAttempt,
    PracticalExam,
    current_unit,
)


class ExamError(DomainError):
    """Refused by a rule of exams (applications, sittings, the room, practicals, appeals)."""


def training_center_ids(person: Person) -> set[int]:
    """The training centers that train the person: those with a class the person is on the
    roster of."""
    return set(
        db.session.scalars(
            select(Course.center_id)
            .join(TrainingClass, TrainingClass.course_id == Course.id)
            .join(Enrolment, Enrolment.class_id == TrainingClass.id)
            .where(Enrolment.person_id == person.id)
            .distinct()
        )
    )


# One answer for a number nobody has and for somebody else's candidate: applying is no
# oracle for who exists, and no way to block a stranger's own application.
NOT_YOUR_CANDIDATE = _l("No candidate of yours has this identity number.")


def applying_as(actor, person: Person) -> tuple[bool, Organisation | None]:
    """Whether the actor may apply for the person now, and the training center they apply
    through. A person applies for themself; a center's staff for the center's trainees (on
    the roster of one of its classes); a mine's officer for the mine's employees (employer or
    a current post there); an admin for anyone."""
    if actor is None or not actor.active:
        return False, None
    if actor.person_id is not None and actor.person_id == person.id:
        return True, None
    granting = roles_with("exam.apply_for")
    centers = employers = None
    for a in actor.assignments:
        if a.role not in granting:
            continue
        if a.role is Role.ADMIN:
            return True, None
        if a.role is Role.CENTER_STAFF:
            centers = training_center_ids(person) if centers is None else centers
            if a.organisation_id in centers:
                return True, a.organisation
        if a.role is Role.MINE_OFFICER:
            if employers is None:
                employers = {p.organisation_id for p in person.current_posts} | {person.employer_id}
            if a.organisation_id in employers:
                return True, None
    return False, None


def may_apply_for(actor, person: Person) -> bool:
    return applying_as(actor, person)[0]


def retakes_allowed() -> int:
    """How many 补考 follow a failed first sitting, of the written and of the practical exam."""
    return policy.get("exam.retakes_allowed")


def block_after(failed_at: datetime) -> datetime:
    """The end of the block after the last allowed sitting failed: calendar months
    (``exam.reapply_block_months``, one year by default), not a count of days."""
    return failed_at + relativedelta(months=policy.get("exam.reapply_block_months"))


def retake_block_until(
    person: Person, category: PersonnelCategory, operation_type: OperationType | None
) -> datetime | None:
    """After the last allowed sitting failed (of the written exam, or of the practical exam
    that follows it) a new application waits the policy's months (None: not blocked)."""
    last = retakes_allowed()
    same_exam = (
        ExamApplication.person_id == person.id,
        ExamApplication.category == category,
        ExamApplication.operation_type == operation_type,
    )
    written = db.session.scalar(
        select(func.max(ExamAttempt.finished_at))
        .join(ExamApplication)
        .where(*same_exam, ExamAttempt.passed.is_(False), ExamAttempt.sitting >= last)
    )
    practical = db.session.scalar(
        select(func.max(PracticalExam.decided_at))
        .join(ExamAttempt, ExamAttempt.id == PracticalExam.written_attempt_id)
        .join(ExamApplication, ExamApplication.id == ExamAttempt.application_id)
        .where(*same_exam, PracticalExam.passed.is_(False), PracticalExam.sitting >= last)
    )
    failed = [t for t in (written, practical) if t is not None]
    if not failed:
        return None
    until = block_after(max(failed))
    return until if until > utcnow() else None


def submit_application(
    person: Person,
    category: PersonnelCategory,
    *,
    actor,
    operation_type: OperationType | None = None,
    center=None,
    work_history: str = "",
    evidence: dict | None = None,
) -> ExamApplication:
    """``center``, when given, must be the training center the actor applies through; by
    default it is that center (none when applying for oneself or an employee)."""
    allowed, through = applying_as(actor, person)
    if not allowed or (center is not None and (through is None or center.id != through.id)):
        raise ExamError(NOT_YOUR_CANDIDATE, field="id_number")  # as for a number of nobody
    center = through
    try:
        kind = categories.get(category)
        categories.operation_type(kind, operation_type)
    except categories.UnknownCategory as exc:
        raise ExamError(str(exc)) from None
    if not kind.examined:
        raise ExamError(_l("%(c)s are not examined here.", c=kind.label))
    if kind.trained_by_mine:
        raise ExamError(categories.mine_assessed(kind))
    open_one = db.session.scalar(
        select(ExamApplication.id).where(
            ExamApplication.person_id == person.id,
            ExamApplication.category == category,
            ExamApplication.operation_type == operation_type,
            ExamApplication.status == ApplicationStatus.SUBMITTED,
        )
    )
    if open_one is not None:
        raise ExamError(_l("An application for this exam is already under review."), status=CONFLICT)
    blocked = retake_block_until(person, category, operation_type)
    if blocked is not None:
        raise ExamError(
            _l(
                "After a failed retake a new application is possible from %(d)s.",
                d=blocked.date().isoformat(),
            ),
            status=CONFLICT,
        )
    evidence = evidence or {}
    for kind_name in kind.required_evidence:
        if not evidence.get(kind_name):
            raise ExamError(_l("%(c)s apply with this document.", c=kind.label), field=kind_name)
    # Managers: the appointment is the post's start on record, not a date anyone types.
    appointed_on = kind.took_office(person) if kind.application_window else None
    checks = precheck(person, category, appointed_on, operation_type=operation_type)
    failing = [c for c in checks if not c.ok]
    if failing:
        raise ExamError(_l("The pre-check fails: %(rules)s", rules="; ".join(c.detail for c in failing)))
    late_days = kind.late_days(person, local_today())
    application = ExamApplication(
        person=person,
        category=category,
        operation_type=operation_type,
        status=ApplicationStatus.SUBMITTED,
        submitted_by_id=actor.id,
        center=center,
        appointed_on=appointed_on,
        late_days=late_days,
        work_history=work_history,
        evidence=evidence,
        precheck=[c.as_json() for c in checks],
    )
    db.session.add(application)
    db.session.flush()
    audit.record(
        "application.submit",
        application,
        actor=actor,
        organisation=center,
        after={
            "person_id": person.id,
            "category": category,
            "operation_type": operation_type,
            "appointed_on": appointed_on,
            "late_days": late_days,
            "precheck": application.precheck,
        },
    )
    return application


def reviewer_unit(reviewer) -> tuple[ReviewUnit, object] | None:
    """The unit (and its organisation) a reviewer reviews for at this moment: an active
    account still holding the reviewer role."""
    return current_unit(reviewer, Role.REVIEWER)


def conflict_of_interest(application: ExamApplication, reviewer) -> str | None:
    if reviewer.person_id is not None and reviewer.person_id == application.person_id:
        return str(_l("Nobody reviews their own application."))
    own_orgs = {a.organisation_id for a in reviewer.assignments if a.organisation_id}
    if reviewer.person is not None and reviewer.person.employer_id:
        own_orgs.add(reviewer.person.employer_id)
    theirs = {application.person.employer_id, application.center_id}
    if own_orgs & theirs:
        return str(_l("Nobody reviews an application from an organisation they belong to."))
    return None


def review_application(
    application: ExamApplication, *, reviewer, approve: bool, reason: str = ""
) -> ApplicationReview:
    """One unit's decision. Both units must approve; one rejection (with a reason) ends it.
    The same person can never give both reviews."""
    unit_org = reviewer_unit(reviewer)
    if unit_org is None:
        raise ExamError(_l("Only reviewers of the two reviewing units review applications."), status=REFUSED)
    unit, org = unit_org
    conflict = conflict_of_interest(application, reviewer)
    if conflict:
        raise ExamError(conflict, status=REFUSED)
    application = locked(ExamApplication, application.id)  # two reviews at once queue here
    if application.status is not ApplicationStatus.SUBMITTED:
        raise ExamError(_l("This application is decided already."), status=CONFLICT)
    if application.review_by(unit) is not None:
        raise ExamError(_l("Your unit has reviewed this application already."), status=CONFLICT)
    if any(r.reviewer_id == reviewer.id for r in application.reviews):
        raise ExamError(_l("The same person cannot give both reviews."), status=REFUSED)
    if not approve and not reason.strip():
        raise ExamError(_l("A rejection needs a reason."), field="reason")
    review = ApplicationReview(
        application=application,
        unit=unit,
        reviewer_id=reviewer.id,
        organisation_id=org.id,
        approved=approve,
        reason=reason.strip(),
    )
    db.session.add(review)
    before = application.status
    if not approve:
        application.status = ApplicationStatus.REJECTED
    elif all(application.review_by(u) and application.review_by(u).approved for u in ReviewUnit):
        application.status = ApplicationStatus.APPROVED
    if application.status is not before:
        application.decided_at = utcnow()
    db.session.flush()
    audit.record(
        "application.review",
        application,
        actor=reviewer,
        organisation=org,
        before={"status": before},
        after={"status": application.status, "unit": unit, "approved": approve, "reason": review.reason},
    )
    return review


def pending_for(reviewer) -> list[ExamApplication]:
    """Applications waiting for this reviewer's unit, without those they may not review."""
    unit_org = reviewer_unit(reviewer)
    if unit_org is None:
        return []
    unit, _ = unit_org
    waiting = db.session.scalars(
        select(ExamApplication)
        .where(ExamApplication.status == ApplicationStatus.SUBMITTED)
        .order_by(ExamApplication.submitted_at)
    )
    return [
        a
        for a in waiting
        if a.review_by(unit) is None
        and not any(r.reviewer_id == reviewer.id for r in a.reviews)
        and conflict_of_interest(a, reviewer) is None
    ]


def next_sitting(application: ExamApplication) -> int | None:
    """The sitting an approved application's next seat would be (0 the first, 1 … the
    retakes), or None: a pass, a sitting not graded yet, a termination (no retake after
    expulsion) or the last allowed retake failed."""
    if application.status is not ApplicationStatus.APPROVED:
        return None
    last = db.session.scalars(
        select(ExamAttempt)
        .where(ExamAttempt.application_id == application.id)
        .order_by(ExamAttempt.sitting.desc())
        .limit(1)
    ).first()
    if last is None:
        return 0
    retake_left = last.sitting < retakes_allowed()
    if last.passed is False and last.state is not AttemptState.TERMINATED and retake_left:
        return last.sitting + 1
    return None


def seatable(application: ExamApplication) -> tuple[bool, bool]:
    """Whether the application may take a seat now, and whether that seat is the 补考."""
    sitting = next_sitting(application)
    return sitting is not None, bool(sitting)
