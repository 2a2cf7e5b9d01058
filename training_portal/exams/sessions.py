"""The proctors' side: sessions, the two proctors, seats, the room, the signed record."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from question_bank import assembly, statistics_store
from question_bank.models import PaperItem

from ..accounts.models import RoleAssignment, User
from ..core import audit
from ..core.db import db, locked, utcnow
from ..core.errors import CONFLICT, REFUSED
from ..core.permissions import Role
from ..organisations.models import Region, RegulatorUnit, ReviewUnit
from ..people import categories
from ..people.models import OperationType, PersonnelCategory
from .applications import ExamError, next_sitting, reviewer_unit, seatable
from .attempts import _finish, begin, remaining_seconds
from .models import (
    ApplicationStatus,
    AttemptState,
    ExamApplication,
    ExamAttempt,
    ExamSession,
    IdentityCheck,
    ProctorAction,
    ProctorActionKind,
    SessionProctor,
    SessionSignature,
    SessionStatus,
    current_unit,
)
from .signals import session_published


def create_session(
    *,
    name: str,
    site: str,
    room: str,
    starts_at: datetime,
    category: PersonnelCategory,
    operation_type: OperationType | None,
    blueprint,
    seats: int,
    actor,
    region=None,
) -> ExamSession:
    """The sitting belongs to the scheduling reviewer's unit; ``region`` is its exam site's
    (the unit's own region when not given), which decides the regulators who see it."""
    if seats <= 0:
        raise ExamError(_l("A room needs at least one seat."))
    if blueprint.purpose != "exam":
        raise ExamError(_l("An exam session draws from an exam blueprint."))
    try:
        kind = categories.get(category)
        categories.operation_type(kind, operation_type)
    except categories.UnknownCategory as exc:
        raise ExamError(str(exc)) from None
    if not kind.examined:
        raise ExamError(_l("%(c)s are not examined here.", c=kind.label))
    if kind.trained_by_mine:
        raise ExamError(categories.mine_assessed(kind))
    if not categories.fits(blueprint.target, category, operation_type):
        raise ExamError(
            _l(
                "The blueprint %(b)s is for %(t)s, not for this sitting's %(c)s.",
                b=blueprint.name,
                t=categories.target_label(blueprint.target),
                c=(operation_type or category).label,
            ),
            field="blueprint_id",
        )
    unit_org = reviewer_unit(actor)
    owner = unit_org[1] if unit_org else None
    if region is None:
        region = (
            owner.region
            if owner is not None
            else db.session.scalar(select(Region).where(Region.parent_id.is_(None)).order_by(Region.id))
        )
    session = ExamSession(
        name=name,
        site=site,
        room=room,
        starts_at=starts_at,
        category=category,
        operation_type=operation_type,
        blueprint_id=blueprint.id,
        seats=seats,
        status=SessionStatus.SCHEDULED,
        created_by_id=actor.id,
        organisation=owner,
        region=region,
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        "session.create",
        session,
        actor=actor,
        after={
            "name": name,
            "site": site,
            "room": room,
            "starts_at": starts_at,
            "category": category,
            "operation_type": operation_type,
            "blueprint_id": blueprint.id,
            "seats": seats,
            "organisation_id": owner.id if owner else None,
            "region": region.code,
        },
    )
    return session


def proctor_unit(user) -> tuple[ReviewUnit, object] | None:
    """The unit (and organisation) the user proctors and examines for now, if any."""
    return current_unit(user, Role.PROCTOR)


def proctor_choices() -> list[User]:
    """Everyone who proctors and examines for a reviewing unit now (what ``proctor_unit``
    asks of one account, asked of all in one query), for the scheduling forms."""
    return list(
        db.session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .join(RegulatorUnit, RegulatorUnit.id == RoleAssignment.organisation_id)
            .where(
                RoleAssignment.role == Role.PROCTOR,
                User.active.is_(True),
                RegulatorUnit.review_unit.is_not(None),
            )
            .distinct()
            .order_by(User.username)
        )
    )


def waiting_for(session: ExamSession) -> list[ExamApplication]:
    """Approved applications for this session's exam whose candidate has no seat in it yet and
    that may take a seat now (``seatable``: an attempt is left)."""
    seated = select(ExamAttempt.person_id).where(ExamAttempt.session_id == session.id)
    candidates = db.session.scalars(
        select(ExamApplication)
        .where(
            ExamApplication.status == ApplicationStatus.APPROVED,
            ExamApplication.category == session.category,
            ExamApplication.operation_type == session.operation_type,
            ExamApplication.person_id.not_in(seated),
        )
        .order_by(ExamApplication.id)
    )
    return [a for a in candidates if seatable(a)[0]]


def assign_proctor(session: ExamSession, user, *, actor) -> SessionProctor:
    """Two proctors per room, one from each unit; the system refuses anything else."""
    if session.status is SessionStatus.SIGNED:
        raise ExamError(_l("The session is signed already."), status=CONFLICT)
    unit_org = proctor_unit(user)
    if unit_org is None:
        raise ExamError(
            _l("Proctors are proctors of the education and training center or of the business department.")
        )
    unit, org = unit_org
    if any(p.unit == unit for p in session.proctors):
        raise ExamError(_l("The room has its proctor from this unit already."), status=CONFLICT)
    if any(a.person_id == user.person_id for a in session.attempts if user.person_id):
        raise ExamError(_l("A candidate cannot proctor their own room."), status=REFUSED)
    proctor = SessionProctor(session=session, unit=unit, user_id=user.id, organisation_id=org.id)
    db.session.add(proctor)
    db.session.flush()
    audit.record(
        "session.proctor_assign",
        session,
        actor=actor,
        organisation=org,
        after={"unit": unit, "user_id": user.id},
    )
    return proctor


def seat(session: ExamSession, application: ExamApplication, *, actor) -> ExamAttempt:
    if session.status is not SessionStatus.SCHEDULED:
        raise ExamError(_l("Candidates are seated before the session opens."), status=CONFLICT)
    if (application.category, application.operation_type) != (session.category, session.operation_type):
        raise ExamError(_l("The application is for another exam."))
    sitting = next_sitting(application)
    if sitting is None:
        raise ExamError(
            _l("Only an approved application with an attempt left takes a seat."), status=CONFLICT
        )
    if any(a.person_id == application.person_id for a in session.attempts):
        raise ExamError(_l("The candidate has a seat in this session already."), status=CONFLICT)
    if any(p.user.person_id == application.person_id for p in session.proctors):
        raise ExamError(_l("A proctor of the room cannot sit in it."), status=REFUSED)
    taken = (
        db.session.scalar(
            select(func.count()).select_from(ExamAttempt).where(ExamAttempt.session_id == session.id)
        )
        or 0
    )
    if taken >= session.seats:
        raise ExamError(_l("The room is full."), status=CONFLICT)
    attempt = ExamAttempt(
        session=session,
        application=application,
        person_id=application.person_id,
        retake=sitting > 0,
        sitting=sitting,
        seat=taken + 1,
        identity=IdentityCheck.PENDING,
        state=AttemptState.NOT_STARTED,
    )
    db.session.add(attempt)
    db.session.flush()
    audit.record(
        "session.seat",
        session,
        actor=actor,
        after={
            "attempt_id": attempt.id,
            "person_id": application.person_id,
            "seat": attempt.seat,
            "retake": sitting > 0,
            "sitting": sitting,
        },
    )
    return attempt


def _need_proctor(session: ExamSession, user) -> ReviewUnit:
    """Asked first in every room act, before anything is written: the assignment row and the
    role the user holds at this moment (an admin may have revoked it since)."""
    unit = session.proctor_unit(user)
    if unit is None:
        raise ExamError(_l("Only the room's two proctors act in it."), status=REFUSED)
    return unit


def open_session(session: ExamSession, *, proctor) -> None:
    _need_proctor(session, proctor)
    if {p.unit for p in session.proctors} != set(ReviewUnit):
        raise ExamError(_l("A room opens only with its two proctors, one from each unit."), status=CONFLICT)
    if session.status is not SessionStatus.SCHEDULED:
        raise ExamError(_l("The session is open already."), status=CONFLICT)
    session.status = SessionStatus.OPEN
    db.session.flush()
    audit.record("session.open", session, actor=proctor)


def _act(
    attempt: ExamAttempt,
    proctor,
    kind: str,
    reason: str = "",
    minutes: int | None = None,
    extra: dict | None = None,
) -> None:
    db.session.add(
        ProctorAction(attempt=attempt, kind=kind, reason=reason, minutes=minutes, by_id=proctor.id)
    )
    db.session.flush()
    audit.record(
        f"attempt.{kind}",
        attempt,
        actor=proctor,
        after={
            "reason": reason,
            "minutes": minutes,
            "state": attempt.state,
            "passed": attempt.passed,
            **(extra or {}),
        },
    )


def check_identity(attempt: ExamAttempt, *, proctor, confirm: bool, reason: str = "") -> None:
    """The proctor's decision at the seat. Without a photo on record there is nothing to
    compare the face with: confirming then needs a reason (the ID card seen, a colleague who
    knows the candidate …), recorded with the decision. The face comparison of the check-in
    page (``exams.identity``), if one was made, goes into the audit entry beside it."""
    _need_proctor(attempt.session, proctor)
    if attempt.state is not AttemptState.NOT_STARTED:
        raise ExamError(_l("Identity is checked before the candidate starts."), status=CONFLICT)
    if not confirm and not reason.strip():
        raise ExamError(_l("Refusing a candidate needs a reason."), field="reason")
    photo = attempt.person.photo_key is not None
    if confirm and not photo and not reason.strip():
        raise ExamError(
            _l("There is no photo on record: say how the identity was established."), field="reason"
        )
    attempt.identity = IdentityCheck.CONFIRMED if confirm else IdentityCheck.REFUSED
    attempt.identity_checked_by_id = proctor.id
    _act(
        attempt,
        proctor,
        "identity_confirm" if confirm else "identity_refuse",
        reason.strip(),
        extra={
            "photo_on_record": photo,
            "face_distance": attempt.identity_distance,
            "face_same_person": attempt.identity_same_person,
        },
    )


def pause(attempt: ExamAttempt, *, proctor, reason: str) -> None:
    _need_proctor(attempt.session, proctor)
    if not reason.strip():  # the candidate's locked screen tells them why
        raise ExamError(_l("Pausing an exam needs a reason."), field="reason")
    now = utcnow()
    done = db.session.execute(
        update(ExamAttempt)
        .where(
            ExamAttempt.id == attempt.id,
            ExamAttempt.state == AttemptState.ANSWERING,
            ExamAttempt.deadline > now,
        )
        .values(state=AttemptState.PAUSED, paused_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(attempt)
    if not done:
        raise ExamError(_l("Only an exam in progress can be paused."), status=CONFLICT)
    _act(attempt, proctor, "pause", reason.strip())


def resume(attempt: ExamAttempt, *, proctor) -> None:
    """The time spent paused is given back: the deadline moves by the pause."""
    _need_proctor(attempt.session, proctor)
    if attempt.state is not AttemptState.PAUSED:
        raise ExamError(_l("The exam is not paused."), status=CONFLICT)
    attempt.deadline = attempt.deadline + (utcnow() - attempt.paused_at)
    attempt.state, attempt.paused_at = AttemptState.ANSWERING, None
    _act(attempt, proctor, "resume")


def add_time(attempt: ExamAttempt, *, proctor, minutes: int, reason: str) -> None:
    _need_proctor(attempt.session, proctor)
    if not reason.strip():
        raise ExamError(_l("Added time needs a reason."), field="reason")
    if not 0 < minutes <= 60:
        raise ExamError(_l("Add between 1 and 60 minutes."), field="minutes")
    if attempt.state not in (AttemptState.ANSWERING, AttemptState.PAUSED) or (
        attempt.state is AttemptState.ANSWERING and remaining_seconds(attempt) <= 0
    ):
        raise ExamError(_l("Time is added only to an exam in progress."), status=CONFLICT)
    attempt.deadline = attempt.deadline + timedelta(minutes=minutes)
    _act(attempt, proctor, "add_time", reason.strip(), minutes)


def record_irregularity(attempt: ExamAttempt, *, proctor, reason: str) -> None:
    _need_proctor(attempt.session, proctor)
    if not reason.strip():
        raise ExamError(_l("Describe the irregularity."), field="reason")
    _act(attempt, proctor, "irregularity", reason.strip())


def allow_new_device(attempt: ExamAttempt, *, proctor) -> None:
    """The candidate may continue on another PC (theirs failed); everything saved goes along."""
    _need_proctor(attempt.session, proctor)
    attempt.allowed_new_device = True
    _act(attempt, proctor, "allow_new_device")


def terminate(attempt: ExamAttempt, *, proctor, reason: str) -> None:
    """Expel: the attempt ends, is voided as failed, and the candidate may appeal."""
    _need_proctor(attempt.session, proctor)
    if not reason.strip():
        raise ExamError(_l("Terminating an attempt needs a reason."), field="reason")
    if not _finish(
        attempt,
        AttemptState.TERMINATED,
        utcnow(),
        (AttemptState.ANSWERING, AttemptState.PAUSED, AttemptState.NOT_STARTED),
    ):
        raise ExamError(_l("The attempt is over already."), status=CONFLICT)
    attempt.passed = False
    _act(attempt, proctor, "terminate", reason.strip())


def sign(session: ExamSession, *, proctor, remarks: str = "") -> SessionSignature:
    """Each proctor signs the room record with their own login. Results exist only when both
    have signed; the second signature publishes them and feeds the item statistics."""
    unit = _need_proctor(session, proctor)
    session = locked(ExamSession, session.id)  # two proctors signing at once queue here
    if session.status is not SessionStatus.OPEN:
        raise ExamError(_l("Only an open session is signed."), status=CONFLICT)
    seats = db.session.scalars(
        select(ExamAttempt)
        .where(ExamAttempt.session_id == session.id)
        .execution_options(populate_existing=True)
    ).all()
    running = [a.seat for a in seats if a.state in (AttemptState.ANSWERING, AttemptState.PAUSED)]
    if running:
        raise ExamError(
            _l("Seats %(seats)s are still answering.", seats=", ".join(map(str, running))), status=CONFLICT
        )
    if any(s.unit == unit for s in session.signatures):
        raise ExamError(_l("Your unit has signed already."), status=CONFLICT)
    absent = [a for a in seats if a.state is AttemptState.NOT_STARTED]
    for attempt in absent:
        attempt.state, attempt.passed = AttemptState.ABSENT, False
    signature = SessionSignature(session=session, unit=unit, user_id=proctor.id, remarks=remarks)
    db.session.add(signature)
    db.session.flush()
    audit.record(
        "session.sign",
        session,
        actor=proctor,
        after={"unit": unit, "remarks": remarks, "absent": [a.id for a in absent]},
    )
    db.session.refresh(session)
    if {s.unit for s in session.signatures} == set(ReviewUnit):
        session.status, session.signed_at = SessionStatus.SIGNED, utcnow()
        graded = [
            (a.paper, a.item_scores)
            for a in seats
            if a.paper is not None
            and a.item_scores is not None
            and a.state in (AttemptState.SUBMITTED, AttemptState.TIMED_OUT)
        ]
        statistics_store.record_sitting(f"session-{session.id}", graded)
        db.session.flush()
        audit.record(
            "session.publish",
            session,
            actor=proctor,
            after={"results": {a.id: {"score": a.score, "passed": a.passed} for a in seats}},
        )
        session_published.send(session)
    return signature


def _extendable(attempt: ExamAttempt) -> bool:
    """Time may be added: paused, or answering with time left (what ``add_time`` asks)."""
    return attempt.state is AttemptState.PAUSED or (
        attempt.state is AttemptState.ANSWERING and remaining_seconds(attempt) > 0
    )


def seat_actions(attempt: ExamAttempt) -> list[str]:
    """What a proctor may do at the seat now, by the rules the operations enforce (the room
    page's names, ``ROOM_ACTION_NAMES``): the console offers these and no others."""
    state, running = attempt.state, attempt.state in (AttemptState.ANSWERING, AttemptState.PAUSED)
    offered = []
    if state is AttemptState.NOT_STARTED and attempt.identity is not IdentityCheck.CONFIRMED:
        offered += ["confirm", "refuse"]
    if state is AttemptState.ANSWERING and remaining_seconds(attempt) > 0:
        offered.append("pause")
    if state is AttemptState.PAUSED:
        offered.append("resume")
    if _extendable(attempt):
        offered.append("add_time")
    if running:
        offered.append("allow_new_device")
    if not state.finished:
        offered += ["irregularity", "terminate"]
    return offered


def _seats_now(session: ExamSession) -> list[ExamAttempt]:
    """The room's seats as the database has them now, each with its person."""
    return list(
        db.session.scalars(
            select(ExamAttempt)
            .where(ExamAttempt.session_id == session.id)
            .options(selectinload(ExamAttempt.person))
            .order_by(ExamAttempt.seat)
            .execution_options(populate_existing=True)
        )
    )


def ready_to_start(session: ExamSession, seats: list[ExamAttempt] | None = None) -> list[ExamAttempt]:
    """统一开考's seats: the session open, the identity confirmed, not started."""
    if session.status is not SessionStatus.OPEN:
        return []
    return [
        a
        for a in (seats if seats is not None else session.attempts)
        if a.state is AttemptState.NOT_STARTED and a.identity is IdentityCheck.CONFIRMED
    ]


def extendable(session: ExamSession, seats: list[ExamAttempt] | None = None) -> list[ExamAttempt]:
    return [a for a in (seats if seats is not None else session.attempts) if _extendable(a)]


def start_all(session: ExamSession, *, proctor) -> list[ExamAttempt]:
    """统一开考: every seat whose identity is confirmed and that has not started starts now,
    each on its own paper (drawn in one load of the bank). All or nothing: the request's one
    transaction holds every seat's start, its action and audit entries."""
    _need_proctor(session, proctor)
    session = locked(ExamSession, session.id)  # the two proctors pressing at once: one start
    if session.status is not SessionStatus.OPEN:
        raise ExamError(_l("Seats start once the session is open."), status=CONFLICT)
    ready = ready_to_start(session, _seats_now(session))
    if not ready:
        raise ExamError(
            _l("No seat is ready to start: none has its identity confirmed and is waiting."), status=CONFLICT
        )
    without = [a for a in ready if a.paper_id is None]
    for attempt, paper in zip(without, assembly.draw_papers(session.blueprint, len(without)), strict=True):
        attempt.paper = paper
    for attempt in ready:
        begin(attempt, actor=proctor)
        _act(attempt, proctor, "start_all")
    audit.record("session.start_all", session, actor=proctor, after={"attempts": [a.id for a in ready]})
    return ready


def add_time_all(session: ExamSession, *, proctor, minutes: int, reason: str) -> list[ExamAttempt]:
    """The same minutes for every seat still answering or paused (a power cut in the room),
    each seat's deadline moved, its action and audit entry written; all or nothing."""
    _need_proctor(session, proctor)
    if not reason.strip():
        raise ExamError(_l("Added time needs a reason."), field="reason")
    if not 0 < minutes <= 60:
        raise ExamError(_l("Add between 1 and 60 minutes."), field="minutes")
    session = locked(ExamSession, session.id)
    seats = extendable(session, _seats_now(session))
    if not seats:
        raise ExamError(_l("No seat is answering: time is added only to exams in progress."), status=CONFLICT)
    for attempt in seats:
        add_time(attempt, proctor=proctor, minutes=minutes, reason=reason)
    audit.record(
        "session.add_time_all",
        session,
        actor=proctor,
        after={"attempts": [a.id for a in seats], "minutes": minutes, "reason": reason.strip()},
    )
    return seats


def _flags(attempt: ExamAttempt, irregularities: int) -> list[dict]:
    flags = []
    if irregularities:
        flags.append({"code": "irregularity", "label": str(_l("Irregularities: %(n)d", n=irregularities))})
    if attempt.identity is IdentityCheck.PENDING and attempt.state is AttemptState.NOT_STARTED:
        flags.append({"code": "identity_pending", "label": str(_l("Identity not checked"))})
    if attempt.identity is IdentityCheck.REFUSED:
        flags.append({"code": "identity_refused", "label": str(IdentityCheck.REFUSED.label)})
    if attempt.state is AttemptState.PAUSED:
        flags.append({"code": "paused", "label": str(AttemptState.PAUSED.label)})
    if attempt.allowed_new_device:
        flags.append({"code": "new_device", "label": str(_l("May change PC"))})
    return flags


def seat_states(session: ExamSession) -> list[dict]:
    """What the proctors' console shows per seat and what may be done there now. Three
    queries whatever the size of the room: the seats with their people, the papers' lengths,
    the irregularities noted."""

    def clock(seconds: int) -> str:
        return f"{seconds // 60}:{seconds % 60:02d}"

    seats = _seats_now(session)
    papers = {a.paper_id for a in seats if a.paper_id is not None}
    lengths = (
        dict(
            db.session.execute(
                select(PaperItem.paper_id, func.count())
                .where(PaperItem.paper_id.in_(papers))
                .group_by(PaperItem.paper_id)
            ).all()
        )
        if papers
        else {}
    )
    noted = (
        dict(
            db.session.execute(
                select(ProctorAction.attempt_id, func.count())
                .where(
                    ProctorAction.attempt_id.in_([a.id for a in seats]),
                    ProctorAction.kind == ProctorActionKind.IRREGULARITY.value,
                )
                .group_by(ProctorAction.attempt_id)
            ).all()
        )
        if seats
        else {}
    )
    rows = []
    for a in seats:
        remaining = remaining_seconds(a) if a.started_at else None
        rows.append(
            {
                "attempt": a.id,
                "seat": a.seat,
                "name": a.person.name,
                "has_photo": a.person.photo_key is not None,
                "state": a.state.value,
                "state_label": a.state.label,
                "identity": a.identity.value,
                "identity_label": a.identity.label,
                "answered": sum(1 for v in (a.answers or {}).values() if v),
                "questions": lengths.get(a.paper_id),
                "last_save": format_datetime(a.last_saved_at, "HH:mm:ss") if a.last_saved_at else None,
                "remaining_s": remaining,
                "remaining": clock(remaining) if remaining is not None else None,
                "flags": _flags(a, noted.get(a.id, 0)),
                "actions": seat_actions(a),
            }
        )
    return rows


def room_state(session: ExamSession) -> dict:
    """The console's whole room: the session's state, every seat, and how many seats each
    bulk action would act on now (0: the button is off)."""
    seats = seat_states(session)
    is_open = session.status is SessionStatus.OPEN
    return {
        "status": session.status.value,
        "status_label": session.status.label,
        "seats": seats,
        "bulk": {
            "start_all": sum(
                1 for s in seats if is_open and s["state"] == "not_started" and s["identity"] == "confirmed"
            ),
            "add_time_all": sum(1 for s in seats if "add_time" in s["actions"]),
        },
    }
