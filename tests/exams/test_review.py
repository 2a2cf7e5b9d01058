"""双审核: two units, any order, both approve; every wrong order and wrong person refused."""

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from training_portal.accounts import operations as account_ops
from training_portal.core import audit
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.core.permissions import Role
from training_portal.exams import applications as app_ops
from training_portal.exams.applications import ExamError
from training_portal.exams.models import ApplicationReview, ApplicationStatus
from training_portal.people import operations as people_ops
from training_portal.people.models import Education, PersonnelCategory, Post

from ..training.helpers import give_hours
from .conftest import apply, gas_inspectors
from .test_sessions import lose_role

PAPERS = {"appointment_document": "evidence/a.pdf", "diploma": "evidence/d.pdf"}


@pytest.mark.parametrize(
    "order", [("reviewer_center", "reviewer_dept"), ("reviewer_dept", "reviewer_center")]
)
def test_both_units_approve_in_any_order(users, order):
    application = apply(gas_inspectors()[0], users["admin"])
    app_ops.review_application(application, reviewer=users[order[0]], approve=True)
    assert application.status is ApplicationStatus.SUBMITTED  # one is not enough
    app_ops.review_application(application, reviewer=users[order[1]], approve=True)
    assert application.status is ApplicationStatus.APPROVED
    db.session.commit()
    actions = db.session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.object_type == "exam_applications", AuditEntry.object_id == str(application.id)
        )
    ).all()
    assert actions == ["application.submit", "application.review", "application.review"]


def test_a_rejection_needs_a_reason_and_ends_the_application(users):
    application = apply(gas_inspectors()[0], users["admin"])
    with pytest.raises(ExamError):
        app_ops.review_application(application, reviewer=users["reviewer_dept"], approve=False)
    app_ops.review_application(
        application, reviewer=users["reviewer_dept"], approve=False, reason="从业经历材料不全"
    )
    assert application.status is ApplicationStatus.REJECTED
    with pytest.raises(ExamError):  # the other unit cannot revive it
        app_ops.review_application(application, reviewer=users["reviewer_center"], approve=True)
    again = apply(application.person, users["admin"])  # fixed and re-applied
    assert again.status is ApplicationStatus.SUBMITTED


def test_one_unit_cannot_review_twice_nor_one_person_both(users):
    application = apply(gas_inspectors()[0], users["admin"])
    app_ops.review_application(application, reviewer=users["reviewer_center"], approve=True)
    with pytest.raises(ExamError):
        app_ops.review_application(application, reviewer=users["reviewer_center"], approve=True)
    # Even a person who is a reviewer in both units gives only one of the two reviews.
    dept = users["reviewer_dept"].organisations()[0]
    account_ops.grant_role(users["reviewer_center"], Role.REVIEWER, dept, actor=users["admin"])
    with pytest.raises(ExamError):
        app_ops.review_application(application, reviewer=users["reviewer_center"], approve=True)


def test_the_database_refuses_a_second_review_by_a_unit(users):
    application = apply(gas_inspectors()[0], users["admin"])
    app_ops.review_application(application, reviewer=users["reviewer_center"], approve=True)
    db.session.commit()
    first = application.reviews[0]
    db.session.add(
        ApplicationReview(
            application_id=application.id,
            unit=first.unit,
            reviewer_id=users["reviewer_dept"].id,
            organisation_id=first.organisation_id,
            approved=True,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_no_review_of_ones_own_or_ones_organisations_application(users):
    reviewer = users["reviewer_center"]
    colleague = users["proctor_center"].person  # employed by the same center as the reviewer
    give_hours([reviewer.person, colleague], PersonnelCategory.SAFETY_MANAGER, 480)
    for someone in (reviewer.person, colleague):  # the post on record the window counts from
        people_ops.add_post(someone, Post.SAFETY_MANAGER, actor=None, started_on=date.today())
    own = app_ops.submit_application(
        reviewer.person, PersonnelCategory.SAFETY_MANAGER, actor=reviewer, evidence=PAPERS
    )
    with pytest.raises(ExamError):
        app_ops.review_application(own, reviewer=reviewer, approve=True)
    with pytest.raises(ExamError):  # a colleague is nobody a reviewer applies for
        app_ops.submit_application(
            colleague, PersonnelCategory.SAFETY_MANAGER, actor=reviewer, evidence=PAPERS
        )
    theirs = app_ops.submit_application(
        colleague, PersonnelCategory.SAFETY_MANAGER, actor=users["admin"], evidence=PAPERS
    )
    with pytest.raises(ExamError):
        app_ops.review_application(theirs, reviewer=reviewer, approve=True)
    assert theirs not in app_ops.pending_for(reviewer)


def test_only_reviewers_review(users):
    application = apply(gas_inspectors()[0], users["admin"])
    for name in ("proctor_center", "regulator", "center", "trainee"):
        with pytest.raises(ExamError):
            app_ops.review_application(application, reviewer=users[name], approve=True)


def test_the_precheck_says_which_rule_fails(users):
    worker = gas_inspectors()[0]
    worker.education = Education.JUNIOR_MIDDLE  # new on the job since 2018: 高中 required
    with pytest.raises(ExamError) as refused:
        apply(worker, users["admin"])
    assert "高中" in str(refused.value) or "Senior high" in str(refused.value)


def test_a_second_open_application_is_refused(users):
    worker = gas_inspectors()[0]
    apply(worker, users["admin"])
    with pytest.raises(ExamError):
        apply(worker, users["admin"])


@pytest.mark.parametrize("how", ["revoke", "deactivate"])
def test_a_reviewer_who_lost_the_role_is_refused_and_nothing_is_written(users, how):
    application = apply(gas_inspectors()[0], users["admin"])
    db.session.commit()
    lose_role(users["reviewer_dept"], how, users)
    entries = audit.entry_count()
    with pytest.raises(ExamError):
        app_ops.review_application(application, reviewer=users["reviewer_dept"], approve=True)
    db.session.flush()
    db.session.expire_all()
    assert audit.entry_count() == entries and application.reviews == []
    assert application.status is ApplicationStatus.SUBMITTED
    assert app_ops.pending_for(users["reviewer_dept"]) == []
