"""补考 of the practical exam as of the written one; the block after the last allowed sitting
failed is calendar months (one year), and ``exam.retakes_allowed`` above 1 is honoured."""

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from training_portal.certificates.models import Certificate
from training_portal.core import audit, policy
from training_portal.core.db import db, utcnow
from training_portal.core.errors import CONFLICT
from training_portal.exams import applications as app_ops
from training_portal.exams import attempts
from training_portal.exams import practical as practical_ops
from training_portal.exams import sessions as session_ops
from training_portal.exams.applications import ExamError
from training_portal.exams.models import PracticalExam

from .conftest import apply, gas_inspectors, new_session, passed_written, seated

POOR = [10, 8, 20, 10, 20]  # 68
FULL = [20, 15, 30, 15, 20]


def _examiners(users):
    return [users["proctor_center"], users["proctor_dept"]]


def _practical(users, written, scores) -> PracticalExam:
    practical = practical_ops.create(written, _examiners(users), actor=users["reviewer_center"])
    for name in ("proctor_center", "proctor_dept"):
        practical_ops.score(practical, examiner=users[name], item_scores=scores)
    db.session.commit()
    return practical


def _ago(delta) -> object:
    return utcnow() - delta


A_DAY_SHORT_OF_A_YEAR = relativedelta(months=12) - relativedelta(days=1)
A_DAY_PAST_A_YEAR = relativedelta(months=12) + relativedelta(days=1)


def test_a_failed_practical_exam_is_retaken_once_and_the_retake_certifies(users):
    written = passed_written(users)
    first = _practical(users, written, POOR)
    assert first.passed is False and first.sitting == 0
    assert (written, 1) in practical_ops.ready_for(users["reviewer_center"])
    retake = _practical(users, written, FULL)
    assert retake.passed and retake.retake
    certificate = db.session.scalar(select(Certificate).where(Certificate.written_attempt_id == written.id))
    assert certificate is not None and certificate.practical_id == retake.id


def test_a_second_practical_failure_ends_it_and_blocks_for_a_calendar_year(users):
    written = passed_written(users)
    person = written.person
    _practical(users, written, POOR)
    retake = _practical(users, written, POOR)
    assert practical_ops.ready_for(users["reviewer_center"]) == []
    entries = audit.entry_count()
    with pytest.raises(ExamError) as refused:
        practical_ops.create(written, _examiners(users), actor=users["reviewer_center"])
    assert refused.value.status == CONFLICT
    assert audit.entry_count() == entries
    assert db.session.scalar(select(func.count()).select_from(PracticalExam)) == 2
    # The day before the year is over: still blocked (360 days would have let them through).
    retake.decided_at = _ago(A_DAY_SHORT_OF_A_YEAR)
    db.session.commit()
    with pytest.raises(ExamError) as blocked:
        apply(person, users["admin"])
    assert blocked.value.status == CONFLICT
    assert (retake.decided_at + relativedelta(months=12)).date().isoformat() in str(blocked.value)
    retake.decided_at = _ago(A_DAY_PAST_A_YEAR)  # the day after: a new application
    db.session.commit()
    assert apply(person, users["admin"]).status.value == "submitted"


def test_the_written_block_is_a_calendar_year_not_360_days(users):
    person = gas_inspectors()[0]
    attempt, candidate = seated(users, person)
    attempts.submit(attempt, candidate=candidate)  # nothing answered: failed
    second = new_session(users)
    retake = session_ops.seat(second, attempt.application, actor=users["reviewer_center"])
    session_ops.open_session(second, proctor=users["proctor_center"])
    session_ops.check_identity(retake, proctor=users["proctor_dept"], confirm=True)
    attempts.start(retake, candidate=candidate)
    attempts.submit(retake, candidate=candidate)
    assert retake.passed is False and retake.sitting == 1
    retake.finished_at = _ago(timedelta(days=361))  # past 360 days, short of a year
    db.session.commit()
    with pytest.raises(ExamError):
        apply(person, users["admin"])
    retake.finished_at = _ago(A_DAY_PAST_A_YEAR)
    db.session.commit()
    assert apply(person, users["admin"]).status.value == "submitted"


def test_two_retakes_allowed_gives_a_third_sitting_of_both_exams(users):
    policy.set_value("exam.retakes_allowed", 2, actor=users["admin"])
    # The practical exam: two failures, then a third sitting.
    written = passed_written(users)
    _practical(users, written, POOR)
    _practical(users, written, POOR)
    assert (written, 2) in practical_ops.ready_for(users["reviewer_center"])
    third = _practical(users, written, FULL)
    assert third.sitting == 2 and third.passed
    # The written exam: two failures, then a third seat, and no fourth.
    person = gas_inspectors()[0]
    attempt, candidate = seated(users, person)
    attempts.submit(attempt, candidate=candidate)
    for sitting in (1, 2):
        assert app_ops.seatable(attempt.application) == (True, True)
        session = new_session(users)
        seat = session_ops.seat(session, attempt.application, actor=users["reviewer_center"])
        assert seat.sitting == sitting
        session_ops.open_session(session, proctor=users["proctor_center"])
        session_ops.check_identity(seat, proctor=users["proctor_dept"], confirm=True)
        attempts.start(seat, candidate=candidate)
        attempts.submit(seat, candidate=candidate)
        db.session.commit()
    assert app_ops.seatable(attempt.application) == (False, False)
    with pytest.raises(ExamError):
        apply(person, users["admin"])  # blocked after the last allowed retake failed
