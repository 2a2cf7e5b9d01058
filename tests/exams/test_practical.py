"""实操考核: after a passed written exam; blind double scoring; a third examiner decides."""

import re

import pytest
from sqlalchemy import func, select

from training_portal.accounts import operations as account_ops
from training_portal.accounts.models import User
from training_portal.core import audit, policy
from training_portal.core.db import db
from training_portal.core.permissions import Role
from training_portal.exams import practical as practical_ops
from training_portal.exams.applications import ExamError
from training_portal.exams.models import PracticalExam, PracticalStatus
from training_portal.organisations.models import Organisation

from .. import factories as make
from ..conftest import login, token_in
from .conftest import gas_inspectors, passed_practical, passed_written, seated
from .test_sessions import lose_role

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
        practical_ops.create(
            attempt, [users["proctor_center"], users["proctor_dept"]], actor=users["reviewer_center"]
        )


def _another_examiner(users, username: str = "examiner3"):
    return make.user(
        Role.PROCTOR, at=users["proctor_center"].organisations()[0], username=username, name="第三考评员"
    )


# ----------------------------------------------------------------------------- authority at the act


def _practical_state(practical) -> tuple:
    db.session.expire_all()
    return (
        audit.entry_count(),
        practical.status,
        practical.final_score,
        [(e.user_id, e.role, e.total, e.submitted_at) for e in practical.examiners],
    )


@pytest.mark.parametrize("how", ["revoke", "deactivate"])
def test_an_examiner_who_lost_the_role_scores_nothing(users, how):
    practical = passed_practical(users)
    lose_role(users["proctor_dept"], how, users)
    before = _practical_state(practical)
    with pytest.raises(ExamError):
        practical_ops.score(practical, examiner=users["proctor_dept"], item_scores=GOOD)
    db.session.flush()
    assert _practical_state(practical) == before


def test_a_third_examiner_who_lost_the_role_decides_nothing(users):
    practical = passed_practical(users)
    practical_ops.score(practical, examiner=users["proctor_center"], item_scores=GOOD)
    practical_ops.score(practical, examiner=users["proctor_dept"], item_scores=POOR)
    third = _another_examiner(users)
    practical_ops.add_third(practical, third, actor=users["reviewer_center"])
    db.session.commit()
    lose_role(third, "revoke", users)
    before = _practical_state(practical)
    with pytest.raises(ExamError):
        practical_ops.score(practical, examiner=third, item_scores=FAIR)
    db.session.flush()
    assert _practical_state(practical) == before and practical.status is PracticalStatus.NEEDS_THIRD


def test_the_two_examiners_come_one_from_each_unit_unless_the_policy_says_otherwise(users):
    written = passed_written(users)
    same_unit = [users["proctor_center"], _another_examiner(users)]
    entries = audit.entry_count()
    with pytest.raises(ExamError):
        practical_ops.create(written, same_unit, actor=users["reviewer_center"])
    assert audit.entry_count() == entries
    assert db.session.scalar(select(func.count()).select_from(PracticalExam)) == 0
    policy.set_value("practical.examiners_from_both_units", False, actor=users["admin"])
    practical = practical_ops.create(written, same_unit, actor=users["reviewer_center"])
    assert [e.user_id for e in practical.examiners] == [u.id for u in same_unit]


def _offered(page: str) -> list[str]:
    """The account ids the third-examiner form offers."""
    select_ = page.split('name="examiner"')[1].split("</select>")[0]
    return re.findall(r'<option value="(\d+)"', select_)


def _trainer_and_candidate_examiners(users, practical):
    """Two proctors of the business department who must not examine this candidate: one
    employed by the training center that trained them (考教分离), one who is the candidate."""
    center = db.session.scalar(select(Organisation).where(Organisation.name == "长春市矿山安全技术培训中心"))
    dept = users["proctor_dept"].organisations()[0]
    trainer = make.user(
        (Role.PROCTOR, dept), username="trainer_examiner", person=make.person("带班老师", employer=center)
    )
    themself = db.session.scalar(select(User).where(User.person_id == practical.person_id))
    account_ops.grant_role(themself, Role.PROCTOR, dept, actor=None)
    db.session.flush()
    return trainer, themself


def test_the_third_examiner_is_chosen_from_the_eligible_and_the_page_offers_only_them(users, app):
    practical = passed_practical(users)
    practical_ops.score(practical, examiner=users["proctor_center"], item_scores=GOOD)
    practical_ops.score(practical, examiner=users["proctor_dept"], item_scores=POOR)
    third = _another_examiner(users)
    trainer, themself = _trainer_and_candidate_examiners(users, practical)
    gone = _another_examiner(users, "examiner_gone")
    lose_role(gone, "deactivate", users)
    # Accounts compare by their log-in session (Flask-Login), so ids are compared here.
    eligible = {u.id for u in practical_ops.third_examiner_choices(practical)}
    assert third.id in eligible
    for wrong in (
        users["proctor_center"],
        users["proctor_dept"],
        trainer,
        themself,
        gone,
        users["reviewer_center"],
    ):
        assert wrong.id not in eligible, wrong.username
        before = _practical_state(practical)
        with pytest.raises(ExamError):
            practical_ops.add_third(practical, wrong, actor=users["reviewer_center"])
        assert _practical_state(practical) == before
    db.session.commit()
    client = app.test_client()
    login(client, "reviewer_center")
    page = client.get(f"/exams/practicals/{practical.id}").text
    offered = set(_offered(page))
    assert offered == {str(i) for i in eligible}
    assert str(third.id) in offered and str(trainer.id) not in offered


def test_the_demo_can_finish_a_disputed_practical_through_its_pages(users, app):
    practical = passed_practical(users)
    practical_ops.score(practical, examiner=users["proctor_center"], item_scores=GOOD)
    practical_ops.score(practical, examiner=users["proctor_dept"], item_scores=POOR)
    db.session.commit()
    scheduler = app.test_client()
    login(scheduler, "reviewer_center")
    page = scheduler.get(f"/exams/practicals/{practical.id}").text
    choices = _offered(page)
    assert choices, "no eligible third examiner in the demo"
    response = scheduler.post(
        f"/exams/practicals/{practical.id}/third", data={"examiner": choices[0], "csrf_token": token_in(page)}
    )
    assert response.status_code == 302
    third = db.session.get(User, int(choices[0]))
    examiner = app.test_client()
    assert login(examiner, third.username).status_code == 302
    form = examiner.get(f"/exams/practicals/{practical.id}").text
    response = examiner.post(
        f"/exams/practicals/{practical.id}", data={"score": FAIR, "csrf_token": token_in(form)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert practical.status is PracticalStatus.DECIDED and practical.final_score == 85


def test_a_revoked_examiner_logging_in_again_gets_no_form_and_a_refusal(users, app):
    practical = passed_practical(users)
    lose_role(users["proctor_dept"], "revoke", users)
    before = _practical_state(practical)
    client = app.test_client()
    assert login(client, "proctor_dept").status_code == 302
    page = client.get(f"/exams/practicals/{practical.id}").text
    assert 'data-test="submit-scores"' not in page
    response = client.post(
        f"/exams/practicals/{practical.id}", data={"score": GOOD, "csrf_token": token_in(page)}
    )
    assert response.status_code == 403
    assert _practical_state(practical) == before
