"""A notice for every decision, to everyone it concerns.

Each decision of the portal writes an audit entry (``core.audit.record``); the listeners here
follow those entries, so a notice is written in the same transaction as the decision: it
exists once the decision has committed and never for one that rolled back. Each notice's key
names its event, so the same event never notifies the same account twice. E-mail and SMS go
out after the commit (``operations.notify``).

Who is told what:
- application submitted: the reviewers of the two units; decided (approved, or rejected with
  the reason): the candidate and, when a center or a mine applied, its staff;
- seat assigned: the candidate (when, where, what to bring); results published: each candidate;
- certificate issued (with its link), suspended, reinstated or revoked: the holder;
- reassignment order issued: the mine's safety officers and the person; answered: the
  regulator who ran the inspection;
- milestone accepted or sent back: the mine's safety officers;
- a mine's assessment of a team leader or front-line worker decided (failed written test,
  passed or failed practical assessment): the person.
Recurring reminders (复审 and expiry due, hours missing, classes starting) are the periodic
jobs of the certificates and training domains.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import RoleAssignment, User
from ..certificates.models import Certificate
from ..core.audit import AuditEntry, listen
from ..core.db import db
from ..core.i18n import local_zone
from ..core.permissions import Role
from ..exams.models import ExamApplication, ExamAttempt, ExamSession
from ..organisations.models import RegulatorUnit
from ..people.models import Post
from ..regulator.models import ReassignmentOrder
from ..safety_culture.models import MilestoneReport
from ..training.models import AssessmentState, MineAssessment
from .messages import register
from .operations import notify

register(
    "application_submitted",
    _l("%(name)s's application for %(subject)s waits for your unit's review."),
    title=_l("Application to review"),
)
register(
    "application_approved",
    _l("The application of %(name)s for %(subject)s is approved by both units; a seat follows."),
    title=_l("Application approved"),
)
register(
    "application_rejected",
    _l("The application of %(name)s for %(subject)s is rejected: %(reason)s"),
    title=_l("Application rejected"),
)
register(
    "seat_assigned",
    _l(
        "Your exam %(session)s: %(starts)s at %(site)s, %(room)s, seat %(seat)s. "
        "Bring your identity card (身份证) and arrive 30 minutes early."
    ),
    title=_l("Exam seat assigned"),
)
register(
    "results_published",
    _l("The results of %(session)s are published: both proctors have signed."),
    title=_l("Exam results published"),
)
register(
    "certificate_issued",
    _l("Your certificate %(serial)s (%(subject)s) is issued, valid until %(until)s."),
    title=_l("Certificate issued"),
)
register(
    "certificate_suspended",
    _l("Your certificate %(serial)s (%(subject)s) is suspended: %(reason)s"),
    title=_l("Certificate suspended"),
)
register(
    "certificate_suspended_until",
    _l(
        "Your certificate %(serial)s (%(subject)s) is suspended until %(until)s: %(reason)s. "
        "From the day after, it is valid again unless the suspension is extended or the certificate revoked."
    ),
    title=_l("Certificate suspended"),
)
register(
    "certificate_reinstated",
    _l("Your certificate %(serial)s (%(subject)s) is valid again: %(reason)s"),
    title=_l("Certificate reinstated"),
)
register(
    "certificate_revoked",
    _l("Your certificate %(serial)s (%(subject)s) is revoked: %(reason)s"),
    title=_l("Certificate revoked"),
)
register(
    "order_issued",
    _l("责令调整岗位: %(name)s (%(post)s) at %(mine)s failed the spot test; the post must be reassigned."),
    title=_l("Reassignment order"),
)
register(
    "order_answered",
    _l("%(mine)s answered the reassignment order for %(name)s: %(response)s"),
    title=_l("Reassignment order answered"),
)
register(
    "milestone_accepted",
    _l("The milestone %(milestone)s of %(mine)s is accepted."),
    title=_l("Safety-culture milestone accepted"),
)
register(
    "milestone_sent_back",
    _l("The milestone %(milestone)s of %(mine)s is sent back: %(note)s"),
    title=_l("Safety-culture milestone sent back"),
)


def _account_of(person_id: int | None) -> list[User]:
    if person_id is None:
        return []
    user = db.session.scalar(select(User).where(User.person_id == person_id, User.active.is_(True)))
    return [user] if user is not None else []


def _holders(role: Role, organisation_ids: Any) -> list[User]:
    """Active accounts holding ``role`` for one of the organisations, each once."""
    return list(
        db.session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.role == role,
                RoleAssignment.organisation_id.in_(organisation_ids),
                User.active.is_(True),
            )
            .distinct()
            .order_by(User.id)
        )
    )


def _send(users: list[User], key: str, kind: str, params: dict, link: str) -> None:
    for user in {u.id: u for u in users}.values():
        notify(user, key, kind, params, link)


def _local(moment) -> str:
    return moment.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")


@listen("application.submit")
def _application_submitted(entry: AuditEntry, application: ExamApplication) -> None:
    units = select(RegulatorUnit.id).where(RegulatorUnit.review_unit.is_not(None))
    _send(
        _holders(Role.REVIEWER, units),
        f"application-submitted:{application.id}",
        "application_submitted",
        {"name": application.person.name, "subject": str(application.subject_label)},
        f"/exams/applications/{application.id}",
    )


@listen("application.review")
def _application_decided(entry: AuditEntry, application: ExamApplication) -> None:
    status = application.status.value
    if status not in ("approved", "rejected"):
        return  # the first unit's approval decides nothing yet
    concerned = _account_of(application.person_id)
    submitter = db.session.get(User, application.submitted_by_id)
    if submitter is not None and submitter.active:
        concerned.append(submitter)
    if application.center_id is not None:
        concerned += _holders(Role.CENTER_STAFF, [application.center_id])
    _send(
        concerned,
        f"application-decided:{application.id}",
        f"application_{status}",
        {
            "name": application.person.name,
            "subject": str(application.subject_label),
            "reason": (entry.after or {}).get("reason", ""),
        },
        f"/exams/applications/{application.id}",
    )


@listen("session.seat")
def _seat_assigned(entry: AuditEntry, session: ExamSession) -> None:
    after = entry.after or {}
    attempt = db.session.get(ExamAttempt, after.get("attempt_id"))
    if attempt is None:
        return
    _send(
        _account_of(attempt.person_id),
        f"seat:{attempt.id}",
        "seat_assigned",
        {
            "session": session.name,
            "starts": _local(session.starts_at),
            "site": session.site,
            "room": session.room,
            "seat": attempt.seat,
        },
        "/exams/",
    )


@listen("session.publish")
def _results_published(entry: AuditEntry, session: ExamSession) -> None:
    for attempt in session.attempts:
        _send(
            _account_of(attempt.person_id),
            f"result:{attempt.id}",
            "results_published",
            {"session": session.name},
            "/exams/",
        )


@listen("certificate.issue")
def _certificate_issued(entry: AuditEntry, certificate: Certificate) -> None:
    _send(
        _account_of(certificate.person_id),
        f"certificate-issued:{certificate.id}",
        "certificate_issued",
        {
            "serial": certificate.serial,
            "subject": str(certificate.subject_label),
            "until": certificate.valid_until.isoformat(),
        },
        f"/certificates/{certificate.id}",
    )


_STATUS_KINDS = {
    "certificate.suspended": "certificate_suspended",
    "certificate.valid": "certificate_reinstated",
    "certificate.revoked": "certificate_revoked",
}


@listen(*_STATUS_KINDS)
def _certificate_status(entry: AuditEntry, certificate: Certificate) -> None:
    # A certificate may be suspended more than once: the event is this change, at this moment.
    kind, params = _STATUS_KINDS[entry.action], {}
    if certificate.suspended_until is not None:  # a suspension with its last day
        kind, params = "certificate_suspended_until", {"until": certificate.suspended_until.isoformat()}
    _send(
        _account_of(certificate.person_id),
        f"{entry.action}:{certificate.id}:{certificate.status_changed_at.isoformat()}",
        kind,
        {
            "serial": certificate.serial,
            "subject": str(certificate.subject_label),
            "reason": certificate.status_reason,
        }
        | params,
        f"/certificates/{certificate.id}",
    )


@listen("order.issue")
def _order_issued(entry: AuditEntry, order: ReassignmentOrder) -> None:
    post = (entry.after or {}).get("post")
    _send(
        _holders(Role.MINE_OFFICER, [order.mine_id]) + _account_of(order.person_id),
        f"order-issued:{order.id}",
        "order_issued",
        {"name": order.person.name, "post": str(Post(post).label) if post else "", "mine": order.mine.name},
        "/regulator/orders",
    )


@listen("order.respond")
def _order_answered(entry: AuditEntry, order: ReassignmentOrder) -> None:
    inspector = db.session.get(User, order.spot_test.inspection.created_by_id)
    _send(
        [inspector] if inspector is not None and inspector.active else [],
        f"order-answered:{order.id}",
        "order_answered",
        {"mine": order.mine.name, "name": order.person.name, "response": order.response},
        "/regulator/orders",
    )


@listen("culture.accept", "culture.send_back")
def _milestone_decided(entry: AuditEntry, report: MilestoneReport) -> None:
    accepted = entry.action == "culture.accept"
    _send(
        _holders(Role.MINE_OFFICER, [report.mine_id]),
        f"milestone-{'accepted' if accepted else 'sent-back'}:{report.id}:{report.decided_at.isoformat()}",
        "milestone_accepted" if accepted else "milestone_sent_back",
        {"milestone": report.title, "mine": report.mine.name, "note": report.decision_note},
        f"/safety-culture/mines/{report.mine_id}",
    )


register(
    "mine_assessment_decided",
    _l(
        "Your assessment as %(subject)s at %(mine)s: %(result)s "
        "(written %(written)s, practical %(practical)s)."
    ),
    title=_l("Mine assessment"),
)


@listen("mine_assessment.written", "mine_assessment.practical")
def _mine_assessment_decided(entry: AuditEntry, assessment: MineAssessment) -> None:
    if assessment.state is AssessmentState.PENDING:  # the written test passed: nothing decided yet
        return
    _send(
        _account_of(assessment.person_id),
        f"mine-assessment:{assessment.id}",
        "mine_assessment_decided",
        {
            "subject": str(assessment.category.label),
            "mine": assessment.mine.name,
            "result": str(assessment.state.label),
            "written": assessment.written_score,
            "practical": "—" if assessment.practical_score is None else assessment.practical_score,
        },
        f"/training/assessments/{assessment.id}",
    )
