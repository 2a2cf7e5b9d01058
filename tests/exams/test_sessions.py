"""双监考 and seating: two proctors, one per unit; seats; retakes."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from question_bank.models import Blueprint
from training_portal.core.db import db, utcnow
from training_portal.exams import applications as app_ops
from training_portal.exams import attempts
from training_portal.exams import sessions as session_ops
from training_portal.exams.applications import ExamError
from training_portal.exams.models import AttemptState, IdentityCheck
from training_portal.people.models import OperationType, PersonnelCategory

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
        name="单人场次", site="考试点", room="第三考场", starts_at=datetime.now(UTC),
        category=PersonnelCategory.SPECIAL_OPERATOR, operation_type=OperationType.COAL_GAS_INSPECTION,
        blueprint=db.session.scalar(select(Blueprint).where(Blueprint.purpose == "exam")), seats=5,
        actor=users["reviewer_center"])
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
    session_ops.check_identity(attempt, proctor=users["proctor_center"], confirm=False,
                               reason="照片与本人不符")
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
