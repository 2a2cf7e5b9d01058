"""实操考核: after a passed written exam; blind double scoring; a third examiner decides."""

import pytest

from training_portal.accounts import operations as account_ops
from training_portal.core.db import db
from training_portal.core.permissions import Role
from training_portal.exams import practical as practical_ops
from training_portal.exams.applications import ExamError
from training_portal.exams.models import PracticalStatus

from .conftest import gas_inspectors, passed_practical, seated

GOOD = [18, 14, 27, 13, 20]  # 92
FAIR = [16, 12, 25, 12, 20]  # 85
POOR = [10, 8, 20, 10, 20]  # 68
CRITICAL_MISSED = [20, 15, 30, 15, 0]  # 80, but the critical item failed


def test_the_mean_of_two_close_scores_decides(users):
    practical = passed_practical(users)
    practical_ops.score(practical, examiner=users["proctor_center"], item_scores=GOOD)
    assert practical.status is PracticalStatus.SCORING
    practical_ops.score(practical, examiner=users["proctor_dept"], item_scores=FAIR)
    assert practical.status is PracticalStatus.DECIDED
    assert practical.final_score == 88.5 and practical.passed


def test_scores_stay_blind_until_both_are_in(users):
    practical = passed_practical(users)
    practical_ops.score(practical, examiner=users["proctor_center"], item_scores=GOOD)
    assert practical_ops.visible_scores(practical, users["proctor_dept"]) == []
    assert [e.total for e in practical_ops.visible_scores(practical, users["proctor_center"])] == [92]
    practical_ops.score(practical, examiner=users["proctor_dept"], item_scores=FAIR)
    assert len(practical_ops.visible_scores(practical, users["proctor_dept"])) == 2


def test_a_large_difference_calls_a_third_examiner_who_decides(users):
    practical = passed_practical(users)
    practical_ops.score(practical, examiner=users["proctor_center"], item_scores=GOOD)
    practical_ops.score(practical, examiner=users["proctor_dept"], item_scores=POOR)
    assert practical.status is PracticalStatus.NEEDS_THIRD and practical.final_score is None
    with pytest.raises(ExamError):  # one of the two cannot be the third
        practical_ops.add_third(practical, users["proctor_center"], actor=users["reviewer_center"])
    third = _another_examiner(users)
    practical_ops.add_third(practical, third, actor=users["reviewer_center"])
    practical_ops.score(practical, examiner=third, item_scores=FAIR)
    assert practical.status is PracticalStatus.DECIDED and practical.final_score == 85


def test_a_failed_critical_item_fails_the_exam(users):
    practical = passed_practical(users)
    practical_ops.score(practical, examiner=users["proctor_center"], item_scores=CRITICAL_MISSED)
    practical_ops.score(practical, examiner=users["proctor_dept"], item_scores=CRITICAL_MISSED)
    assert practical.final_score == 80 and practical.passed is False


def test_scores_are_checked(users):
    practical = passed_practical(users)
    for bad in ([20, 15, 30, 15], [21, 15, 30, 15, 20], [20, 15, 30, 15, 10]):
        with pytest.raises(ExamError):
            practical_ops.score(practical, examiner=users["proctor_center"], item_scores=bad)
    with pytest.raises(ExamError):
        practical_ops.score(practical, examiner=users["reviewer_dept"], item_scores=GOOD)
    practical_ops.score(practical, examiner=users["proctor_center"], item_scores=GOOD)
    with pytest.raises(ExamError):  # once only
        practical_ops.score(practical, examiner=users["proctor_center"], item_scores=FAIR)


def test_only_after_a_passed_published_written_exam(users):
    attempt, _ = seated(users, gas_inspectors()[1])
    with pytest.raises(ExamError):
        practical_ops.create(attempt, [users["proctor_center"], users["proctor_dept"]],
                             actor=users["reviewer_center"])


def _another_examiner(users):
    examiner = account_ops.create_user("examiner3", "第三考评员", actor=None, password="examiner-pass-3")
    account_ops.grant_role(examiner, Role.PROCTOR, users["proctor_center"].organisations()[0], actor=None)
    db.session.flush()
    return examiner
