"""Appeals: only a terminated attempt, once; a reviewer decides with a reason."""

import pytest

from training_portal.core import audit
from training_portal.core.db import db
from training_portal.exams import appeals, attempts
from training_portal.exams import sessions as session_ops
from training_portal.exams.applications import ExamError
from training_portal.exams.models import AttemptState

from .conftest import answer_all_correctly, gas_inspectors, seated
from .test_sessions import lose_role


def terminated(users):
    attempt, candidate = seated(users, gas_inspectors()[0])
    answer_all_correctly(attempt)
    session_ops.terminate(attempt, proctor=users["proctor_center"], reason="疑似使用手机")
    return attempt, candidate


def test_an_upheld_appeal_counts_the_saved_answers(users):
    attempt, candidate = terminated(users)
    assert attempt.passed is False
    item = appeals.appeal(attempt, candidate=candidate, reason="手机是监考员要求放在桌角的")
    with pytest.raises(ExamError):  # once per attempt
        appeals.appeal(attempt, candidate=candidate, reason="再次申诉")
    with pytest.raises(ExamError):  # a decision needs a reason
        appeals.decide(item, reviewer=users["reviewer_dept"], upheld=True, reason="")
    with pytest.raises(ExamError):  # only reviewers decide
        appeals.decide(item, reviewer=users["proctor_dept"], upheld=True, reason="核实无误")
    appeals.decide(item, reviewer=users["reviewer_dept"], upheld=True, reason="录像显示未使用手机")
    assert attempt.state is AttemptState.SUBMITTED and attempt.passed is True
    with pytest.raises(ExamError):
        appeals.decide(item, reviewer=users["reviewer_center"], upheld=False, reason="改判")


def test_a_dismissed_appeal_leaves_the_termination(users):
    attempt, candidate = terminated(users)
    item = appeals.appeal(attempt, candidate=candidate, reason="不服")
    appeals.decide(item, reviewer=users["reviewer_center"], upheld=False, reason="录像证实违纪")
    assert attempt.state is AttemptState.TERMINATED and attempt.passed is False


def test_only_terminated_attempts_are_appealed(users):
    attempt, candidate = seated(users, gas_inspectors()[0])
    with pytest.raises(ExamError):
        appeals.appeal(attempt, candidate=candidate, reason="想重考")
    attempts.submit(attempt, candidate=candidate)
    with pytest.raises(ExamError):
        appeals.appeal(attempt, candidate=candidate, reason="分数太低")


@pytest.mark.parametrize("how", ["revoke", "deactivate"])
def test_a_reviewer_who_lost_the_role_decides_no_appeal_and_nothing_is_written(users, how):
    attempt, candidate = terminated(users)
    item = appeals.appeal(attempt, candidate=candidate, reason="不服")
    db.session.commit()
    lose_role(users["reviewer_dept"], how, users)
    entries = audit.entry_count()
    with pytest.raises(ExamError):
        appeals.decide(item, reviewer=users["reviewer_dept"], upheld=True, reason="录像显示未使用手机")
    db.session.flush()
    db.session.expire_all()
    assert audit.entry_count() == entries
    assert item.decided_at is None and item.upheld is None
    assert attempt.state is AttemptState.TERMINATED and attempt.passed is False
