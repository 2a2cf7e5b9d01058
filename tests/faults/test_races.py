"""Races, on PostgreSQL with real concurrent transactions: each contender runs in its own thread
with its own connection, all released at the same instant. Exactly one outcome each: one
grading of a double submit, no save after the grading, the newest of two tabs, one review per
unit, one publication of a sitting signed by both proctors at once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from question_bank import assembly
from training_portal.accounts import operations as account_ops
from training_portal.certificates.models import CertificateBatch
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.core.permissions import Role
from training_portal.exams import applications as app_ops
from training_portal.exams import attempts as attempt_ops
from training_portal.exams import sessions as session_ops
from training_portal.exams.applications import ExamError
from training_portal.exams.models import (
    ApplicationStatus,
    AttemptState,
    ExamApplication,
    ExamAttempt,
    ExamSession,
    SessionStatus,
)
from training_portal.organisations.models import RegulatorUnit, ReviewUnit

from ..exams.conftest import answer_all_correctly, apply, gas_inspectors, seated, users_by_name


@pytest.fixture()
def race(app, demo, postgresql):
    """``race(*contenders)`` runs each callable at the same instant in a thread of its own, in a
    request-like boundary (commit on success, roll back on error); returns each outcome."""

    def run(*contenders):
        barrier = threading.Barrier(len(contenders))
        outcomes: list = [None] * len(contenders)

        def one(k, contender):
            with app.app_context():
                barrier.wait()
                try:
                    outcomes[k] = contender()
                    db.session.commit()
                except Exception as exc:  # the loser's refusal is an outcome, not a crash
                    db.session.rollback()
                    outcomes[k] = exc
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=one, args=(k, c)) for k, c in enumerate(contenders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        db.session.rollback()  # read what they committed
        return outcomes

    return run


def _count(action: str, object_id) -> int:
    return db.session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.action == action, AuditEntry.object_id == str(object_id)
        )
    )


def _attempt(attempt_id: int) -> ExamAttempt:
    return db.session.get(ExamAttempt, attempt_id, populate_existing=True)


def _candidate(user_id: int):
    from training_portal.accounts.models import User

    return db.session.get(User, user_id)


def test_eight_submits_at_once_grade_once(race):
    attempt, candidate = seated(users_by_name(), gas_inspectors()[0])
    answer_all_correctly(attempt)
    db.session.commit()
    aid, uid = attempt.id, candidate.id

    def submit():
        item = _attempt(aid)
        attempt_ops.submit(item, candidate=_candidate(uid))
        return (item.state, item.score)

    outcomes = race(*[submit] * 8)
    assert len(set(outcomes)) == 1 and outcomes[0][0] is AttemptState.SUBMITTED, outcomes
    assert _count("attempt.grade", aid) == 1


def test_a_save_racing_the_submit_is_either_graded_or_refused(race):
    attempt, candidate = seated(users_by_name(), gas_inspectors()[0])
    token = account_ops.start_session(candidate, "", "")  # the save checks the log-in
    db.session.commit()
    aid, uid = attempt.id, candidate.id
    view = assembly.paper_view(attempt.paper, with_answers=True)
    right = {str(q["position"]): q["correct"] for q in view}

    def save():
        return attempt_ops.save_answers(aid, token, right, 5)

    def submit():
        item = _attempt(aid)
        attempt_ops.submit(item, candidate=_candidate(uid))
        return item.score

    saved, score = race(save, submit)
    attempt = _attempt(aid)
    graded, _ = assembly.grade_paper(attempt.paper, {int(k): v for k, v in attempt.answers.items()})
    assert attempt.score == graded == score  # the grade is of exactly what is stored
    if isinstance(saved, Exception):  # the submit came first: the save was refused, not lost silently
        assert isinstance(saved, attempt_ops.AttemptClosed) and attempt.saved_seq == 0
    else:  # the save came first and was graded
        assert saved[0] == 5 and attempt.saved_seq == 5 and attempt.answers == right


def test_two_tabs_saving_at_once_keep_the_newest(race):
    attempt, candidate = seated(users_by_name(), gas_inspectors()[0])
    token = account_ops.start_session(candidate, "", "")  # the save checks the log-in
    db.session.commit()
    aid = attempt.id
    first = str(attempt.paper.items[0].position)
    sheets = {seq: {first: [seq % 2]} for seq in range(1, 11)}
    outcomes = race(
        *[lambda seq=seq: attempt_ops.save_answers(aid, token, sheets[seq], seq) for seq in sheets]
    )
    assert not [o for o in outcomes if isinstance(o, Exception)]
    attempt = _attempt(aid)
    assert (attempt.saved_seq, attempt.answers) == (10, sheets[10])


def test_two_reviewers_of_one_unit_at_once_give_one_review(race):
    users = users_by_name()
    unit = db.session.scalar(
        select(RegulatorUnit).where(RegulatorUnit.review_unit == ReviewUnit.EDUCATION_CENTER)
    )
    second = account_ops.create_user(
        "reviewer_center_2", "第二审核员", actor=users["admin"], password="second-reviewer-1"
    )
    account_ops.grant_role(second, Role.REVIEWER, unit, actor=users["admin"])
    application = apply(gas_inspectors()[0], users["admin"])
    db.session.commit()
    ids = (application.id, users["reviewer_center"].id, second.id)

    def review(reviewer_id):
        return lambda: (
            app_ops.review_application(
                db.session.get(ExamApplication, ids[0]), reviewer=_candidate(reviewer_id), approve=True
            ).id
        )

    outcomes = race(review(ids[1]), review(ids[2]))
    assert sorted(type(o).__name__ for o in outcomes) == ["ExamError", "int"], outcomes
    application = db.session.get(ExamApplication, ids[0], populate_existing=True)
    assert len(application.reviews) == 1 and application.status is ApplicationStatus.SUBMITTED
    assert _count("application.review", ids[0]) == 1


def test_the_two_units_approving_at_once_approve_once(race):
    users = users_by_name()
    application = apply(gas_inspectors()[0], users["admin"])
    db.session.commit()
    aid = application.id

    def review(name):
        uid = users[name].id
        return lambda: (
            app_ops.review_application(
                db.session.get(ExamApplication, aid), reviewer=_candidate(uid), approve=True
            ).unit
        )

    outcomes = race(review("reviewer_center"), review("reviewer_dept"))
    assert sorted(outcomes) == sorted(ReviewUnit), outcomes
    application = db.session.get(ExamApplication, aid, populate_existing=True)
    assert application.status is ApplicationStatus.APPROVED and len(application.reviews) == 2
    statuses = [
        e.after["status"]
        for e in db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "application.review", AuditEntry.object_id == str(aid)
            )
        )
    ]
    assert Counter(statuses) == {"submitted": 1, "approved": 1}  # the second review decided it


def test_two_proctors_signing_at_once_publish_once(race):
    users = users_by_name()
    attempt, candidate = seated(users, gas_inspectors()[0])
    attempt_ops.submit(attempt, candidate=candidate)
    db.session.commit()
    sid = attempt.session_id

    def sign(name):
        uid = users[name].id
        return lambda: session_ops.sign(db.session.get(ExamSession, sid), proctor=_candidate(uid))

    outcomes = race(sign("proctor_center"), sign("proctor_dept"))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    session = db.session.get(ExamSession, sid, populate_existing=True)
    assert session.status is SessionStatus.SIGNED and len(session.signatures) == 2
    assert _count("session.sign", sid) == 2 and _count("session.publish", sid) == 1
    assert (
        db.session.scalar(select(func.count(CertificateBatch.id)).where(CertificateBatch.session_id == sid))
        == 1
    )


def test_the_same_proctor_signing_twice_at_once_signs_once(race):
    users = users_by_name()
    attempt, candidate = seated(users, gas_inspectors()[0])
    attempt_ops.submit(attempt, candidate=candidate)
    db.session.commit()
    sid, uid = attempt.session_id, users["proctor_center"].id

    def sign():
        return session_ops.sign(db.session.get(ExamSession, sid), proctor=_candidate(uid))

    outcomes = race(sign, sign)
    assert sum(isinstance(o, ExamError) for o in outcomes) == 1, outcomes
    session = db.session.get(ExamSession, sid, populate_existing=True)
    assert session.status is SessionStatus.OPEN and len(session.signatures) == 1
