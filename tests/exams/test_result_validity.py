"""A written pass counts 12 calendar months (``exam.result_valid_months``) for the practical exam
and the certificate; after that the candidate sits the written exam again."""

from datetime import datetime, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from training_portal.certificates import operations as cert_ops
from training_portal.certificates.models import Certificate
from training_portal.core import audit, policy
from training_portal.core.db import db, utcnow
from training_portal.core.errors import CONFLICT, DomainError
from training_portal.core.i18n import local_today, local_zone
from training_portal.exams import practical as practical_ops
from training_portal.exams.models import PracticalExam, PracticalStatus

from ..conftest import login
from .conftest import CANDIDATE_PASSWORD, candidate_user, passed_practical, passed_written

FULL = [20, 15, 30, 15, 20]
AGAIN = "考生须重新参加理论考试"  # the reason, in the province's language


def _passed_on(attempt, day) -> None:
    attempt.finished_at = datetime.combine(day, time(10), local_zone())
    db.session.commit()


def _the_day_before_12_months(attempt) -> None:
    """Today is the last day of the pass's 12 months."""
    day = local_today() - relativedelta(months=12) + timedelta(days=1)
    assert day + relativedelta(months=12) - timedelta(days=1) == local_today()
    _passed_on(attempt, day)


def _the_day_after_12_months(attempt) -> None:
    day = local_today() - relativedelta(months=12) - timedelta(days=1)
    assert day + relativedelta(months=12) < local_today()
    _passed_on(attempt, day)


def _examiners(users):
    return [users["proctor_center"], users["proctor_dept"]]


def test_a_practical_exam_after_12_months_is_refused_and_writes_nothing(users):
    written = passed_written(users)
    _the_day_after_12_months(written)
    entries = audit.entry_count()
    with pytest.raises(DomainError) as refused:
        practical_ops.create(written, _examiners(users), actor=users["reviewer_center"])
    assert refused.value.status == CONFLICT
    assert AGAIN in str(refused.value)
    assert audit.entry_count() == entries
    assert db.session.scalar(select(func.count()).select_from(PracticalExam)) == 0
    _the_day_before_12_months(written)  # the last day of the pass still counts
    practical = practical_ops.create(written, _examiners(users), actor=users["reviewer_center"])
    assert practical.status is PracticalStatus.SCORING


def test_the_months_are_the_policys(users):
    written = passed_written(users)
    _the_day_after_12_months(written)
    with pytest.raises(DomainError):
        practical_ops.create(written, _examiners(users), actor=users["reviewer_center"])
    policy.set_value("exam.result_valid_months", 13, actor=users["admin"])
    assert practical_ops.create(written, _examiners(users), actor=users["reviewer_center"])


def test_a_practical_exam_is_not_taken_on_an_expired_pass(users):
    practical = passed_practical(users)
    _the_day_after_12_months(practical.written_attempt)
    entries = audit.entry_count()
    with pytest.raises(DomainError) as refused:
        practical_ops.score(practical, examiner=users["proctor_center"], item_scores=FULL)
    assert refused.value.status == CONFLICT
    db.session.expire_all()
    assert audit.entry_count() == entries
    assert all(e.submitted_at is None for e in practical.examiners)


def _decided_without_certificate(users) -> PracticalExam:
    """A practical exam passed (decided before the rule's day), its certificate not issued."""
    practical = passed_practical(users)
    practical.final_score, practical.passed = 100.0, True
    practical.status, practical.decided_at = PracticalStatus.DECIDED, utcnow()
    db.session.commit()
    return practical


def test_a_certificate_after_12_months_is_refused_and_writes_nothing(users):
    practical = _decided_without_certificate(users)
    _the_day_after_12_months(practical.written_attempt)
    entries = audit.entry_count()
    with pytest.raises(DomainError) as refused:
        cert_ops.issue_for(practical.written_attempt)
    assert refused.value.status == CONFLICT
    assert audit.entry_count() == entries
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    batch = cert_ops.start_batch(practical.written_attempt.session)
    assert cert_ops.issue_batch(batch) == []  # the batch leaves the stale pass out
    _the_day_before_12_months(practical.written_attempt)
    assert cert_ops.issue_for(practical.written_attempt) is not None


def test_the_candidate_and_the_staff_read_why(users, app):
    written = passed_written(users)
    _the_day_after_12_months(written)
    candidate = candidate_user(written.person)
    db.session.commit()
    client = app.test_client()
    login(client, candidate.username, CANDIDATE_PASSWORD)
    mine = client.get("/exams/")
    assert mine.status_code == 200
    assert AGAIN in mine.text
    staff = app.test_client()
    login(staff, "reviewer_center")
    page = staff.get("/exams/practicals")
    assert 'data-test="stale-passes"' in page.text and written.person.name in page.text
