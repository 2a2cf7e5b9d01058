"""双监考 and seating: two proctors, one per unit; seats; retakes."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from question_bank.models import Blueprint
from training_portal.accounts import operations as account_ops
from training_portal.core import audit
from training_portal.core.db import db, utcnow
from training_portal.core.permissions import Role
from training_portal.exams import applications as app_ops
from training_portal.exams import attempts
from training_portal.exams import sessions as session_ops
from training_portal.exams.applications import ExamError
from training_portal.exams.models import (
    AttemptState,
    IdentityCheck,
    ProctorAction,
    SessionSignature,
    SessionStatus,
)
from training_portal.people.models import OperationType, PersonnelCategory

from ..conftest import csrf_token, login
from .conftest import apply, approved, candidate_user, gas_inspectors, new_session, seated


def test_two_proctors_one_from_each_unit(users):
    session = new_session(users)
    assert {p.unit.value for p in session.proctors} == {"education_center", "business_dept"}
    with pytest.raises(ExamError):  # a second proctor of the same unit
        session_ops.assign_proctor(session, users["proctor_center"], actor=users["admin"])
    for wrong in ("reviewer_center", "center", "regulator", "trainee"):
        with pytest.raises(ExamError):
            session_ops.assign_proctor(session, users[wrong], actor=users["admin"])


def test_a_room_opens_only_with_both_proctors(users):
    session = session_ops.create_session(
        name="单人场次",
        site="考试点",
        room="第三考场",
        starts_at=datetime.now(UTC),
        category=PersonnelCategory.SPECIAL_OPERATOR,
        operation_type=OperationType.COAL_GAS_INSPECTION,
        blueprint=db.session.scalar(select(Blueprint).where(Blueprint.purpose == "exam")),
        seats=5,
        actor=users["reviewer_center"],
    )
    session_ops.assign_proctor(session, users["proctor_center"], actor=users["admin"])
    with pytest.raises(ExamError):
        session_ops.open_session(session, proctor=users["proctor_center"])


def test_seats_are_limited_and_a_candidate_sits_once(users):
    session = new_session(users, seats=1)
    first, second = gas_inspectors()[:2]
    application = approved(first, users)
    session_ops.seat(session, application, actor=users["reviewer_center"])
    with pytest.raises(ExamError):
        session_ops.seat(session, application, actor=users["reviewer_center"])
    with pytest.raises(ExamError):
        session_ops.seat(session, approved(second, users), actor=users["reviewer_center"])


def test_unapproved_applications_take_no_seat(users):
    session = new_session(users)
    application = apply(gas_inspectors()[0], users["admin"])
    with pytest.raises(ExamError):
        session_ops.seat(session, application, actor=users["reviewer_center"])


def test_identity_is_checked_before_the_start_and_a_refusal_needs_a_reason(users):
    session = new_session(users)
    person = gas_inspectors()[0]
    attempt = session_ops.seat(session, approved(person, users), actor=users["reviewer_center"])
    session_ops.open_session(session, proctor=users["proctor_dept"])
    with pytest.raises(ExamError):
        attempts.start(attempt, candidate=candidate_user(person))
    with pytest.raises(ExamError):
        session_ops.check_identity(attempt, proctor=users["proctor_center"], confirm=False)
    session_ops.check_identity(
        attempt, proctor=users["proctor_center"], confirm=False, reason="照片与本人不符"
    )
    assert attempt.identity is IdentityCheck.REFUSED
    with pytest.raises(ExamError):
        attempts.start(attempt, candidate=candidate_user(person))


def _fail(attempt, candidate) -> None:
    attempts.submit(attempt, candidate=candidate)  # nothing answered: 0 points
    assert attempt.passed is False


def test_one_retake_then_a_block_for_the_policys_months(users):
    person = gas_inspectors()[0]
    attempt, candidate = seated(users, person)
    _fail(attempt, candidate)
    allowed, retake = app_ops.seatable(attempt.application)
    assert allowed and retake
    second_session = new_session(users)
    retake_attempt = session_ops.seat(second_session, attempt.application, actor=users["reviewer_center"])
    assert retake_attempt.retake
    session_ops.open_session(second_session, proctor=users["proctor_center"])
    session_ops.check_identity(retake_attempt, proctor=users["proctor_dept"], confirm=True)
    attempts.start(retake_attempt, candidate=candidate)
    _fail(retake_attempt, candidate)
    assert app_ops.seatable(attempt.application) == (False, False)
    with pytest.raises(ExamError) as blocked:
        apply(person, users["admin"])
    assert str((retake_attempt.finished_at + timedelta(days=360)).date().year) in str(blocked.value)
    retake_attempt.finished_at = utcnow() - timedelta(days=400)  # the block has passed
    assert apply(person, users["admin"]).status.value == "submitted"


def test_absent_candidates_are_recorded_at_sign_off(users):
    session = new_session(users)
    person = gas_inspectors()[0]
    attempt = session_ops.seat(session, approved(person, users), actor=users["reviewer_center"])
    session_ops.open_session(session, proctor=users["proctor_center"])
    session_ops.sign(session, proctor=users["proctor_center"])
    session_ops.sign(session, proctor=users["proctor_dept"])
    assert attempt.state is AttemptState.ABSENT and attempt.passed is False


def test_a_seat_can_be_terminated_before_its_start(users):
    session = new_session(users)
    attempt = session_ops.seat(session, approved(gas_inspectors()[0], users), actor=users["reviewer_center"])
    session_ops.open_session(session, proctor=users["proctor_center"])
    session_ops.terminate(attempt, proctor=users["proctor_dept"], reason="冒名顶替")
    assert attempt.state is AttemptState.TERMINATED and attempt.passed is False and attempt.score is None


# ----------------------------------------------------------------------------- authority at the act


def lose_role(user, how: str, users) -> None:
    """The admin takes the exam role away (or the whole account) after the assignment."""
    if how == "revoke":
        for assignment in [a for a in user.assignments if a.role in (Role.PROCTOR, Role.REVIEWER)]:
            account_ops.revoke_role(assignment, actor=users["admin"])
    else:
        account_ops.set_active(user, False, actor=users["admin"])
    db.session.commit()


def room_state(session) -> tuple:
    """Everything a room act could write, read back from the database."""
    db.session.expire_all()
    rows = tuple(
        (
            a.state,
            a.deadline,
            a.paused_at,
            a.identity,
            a.identity_checked_by_id,
            a.allowed_new_device,
            a.passed,
        )
        for a in session.attempts
    )
    return (
        audit.entry_count(),
        db.session.scalar(select(func.count()).select_from(ProctorAction)),
        db.session.scalar(select(func.count()).select_from(SessionSignature)),
        session.status,
        rows,
    )


def _room_with_three_seats(users):
    """Seat 1 answering, seat 2 paused, seat 3 not yet checked; the room open."""
    session = new_session(users)
    seats = [
        session_ops.seat(session, approved(p, users), actor=users["reviewer_center"])
        for p in gas_inspectors()[:3]
    ]
    session_ops.open_session(session, proctor=users["proctor_center"])
    for attempt in seats[:2]:
        session_ops.check_identity(attempt, proctor=users["proctor_center"], confirm=True)
        attempts.start(attempt, candidate=candidate_user(attempt.person))
    session_ops.pause(seats[1], proctor=users["proctor_center"], reason="身体不适")
    db.session.commit()
    return session, seats


@pytest.mark.parametrize("how", ["revoke", "deactivate"])
def test_a_proctor_who_lost_the_role_is_refused_at_every_room_act_and_nothing_is_written(users, how):
    session, (answering, paused, waiting) = _room_with_three_seats(users)
    proctor = users["proctor_dept"]
    lose_role(proctor, how, users)
    before = room_state(session)
    acts = {
        "identity": lambda: session_ops.check_identity(waiting, proctor=proctor, confirm=True),
        "pause": lambda: session_ops.pause(answering, proctor=proctor, reason="离座"),
        "resume": lambda: session_ops.resume(paused, proctor=proctor),
        "add_time": lambda: session_ops.add_time(answering, proctor=proctor, minutes=5, reason="断电"),
        "irregularity": lambda: session_ops.record_irregularity(
            answering, proctor=proctor, reason="交头接耳"
        ),
        "new_device": lambda: session_ops.allow_new_device(answering, proctor=proctor),
        "terminate": lambda: session_ops.terminate(answering, proctor=proctor, reason="作弊"),
    }
    for name, act in acts.items():
        with pytest.raises(ExamError, match="两名监考员"):
            act()
        db.session.flush()
        assert room_state(session) == before, name
    assert not session.can_proctor(proctor)


@pytest.mark.parametrize("how", ["revoke", "deactivate"])
def test_a_proctor_who_lost_the_role_cannot_sign_nor_open_and_nothing_is_published(users, how):
    attempt, candidate = seated(users, gas_inspectors()[0])
    attempts.submit(attempt, candidate=candidate)
    session_ops.sign(attempt.session, proctor=users["proctor_center"])
    fresh = new_session(users)
    db.session.commit()
    lose_role(users["proctor_dept"], how, users)
    before, fresh_before = room_state(attempt.session), room_state(fresh)
    with pytest.raises(ExamError, match="两名监考员"):
        session_ops.sign(attempt.session, proctor=users["proctor_dept"])
    with pytest.raises(ExamError, match="两名监考员"):
        session_ops.open_session(fresh, proctor=users["proctor_dept"])
    db.session.flush()
    assert room_state(attempt.session) == before and room_state(fresh) == fresh_before
    assert attempt.session.status is SessionStatus.OPEN and not attempt.session.results_published


def test_a_revoked_proctor_logging_in_again_is_refused_in_the_room(users, app):
    session, (answering, _, _) = _room_with_three_seats(users)
    lose_role(users["proctor_dept"], "revoke", users)
    before = room_state(session)
    client = app.test_client()
    assert login(client, "proctor_dept").status_code == 302
    token = csrf_token(client, "/")
    for path, data in (
        (f"/exams/attempts/{answering.id}/action", {"action": "irregularity", "reason": "交头接耳"}),
        (f"/exams/sessions/{session.id}/sign", {"remarks": ""}),
    ):
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 403, path
    assert room_state(session) == before
