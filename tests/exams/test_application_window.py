"""Managers apply within 30 days of taking office, counted from the post's start on record: a
late application is accepted and marked late by its days, shown to reviewers and listed for the
regulator; the appointment document and the diploma are required; the first assessment within
6 months of taking office is flagged on the compliance list when missed."""

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from training_portal.core import audit
from training_portal.core.db import db
from training_portal.core.i18n import local_today
from training_portal.core.permissions import Role
from training_portal.exams import applications as app_ops
from training_portal.exams.applications import ExamError
from training_portal.exams.models import ExamApplication
from training_portal.people.models import Education, PersonnelCategory, Post
from training_portal.regulator import operations as regulator_ops

from .. import factories as make
from ..conftest import login
from ..training.helpers import give_hours

SAFETY = PersonnelCategory.SAFETY_MANAGER
PAPERS = {"appointment_document": "evidence/a.pdf", "diploma": "evidence/d.pdf"}


def _deputy(took_office: date, mine=None):
    """A deputy director for safety (安全副矿长) who took office on ``took_office``, meeting the
    dual standard, with the 48 学时 of initial training verified."""
    person = make.person(
        post=Post.DEPUTY_SAFETY,
        employer=mine or make.mine(),
        since=took_office,
        education=Education.COLLEGE,
        mining_related_degree=True,
        work_started_on=date(2010, 3, 1),
    )
    give_hours([person], SAFETY, 480)
    return person


def _apply(person, actor, evidence=PAPERS):
    return app_ops.submit_application(person, SAFETY, actor=actor, evidence=evidence)


def test_the_30th_day_is_in_time_and_the_31st_is_late_by_one_day(users):
    on_time = _apply(_deputy(local_today() - timedelta(days=30)), users["admin"])
    late = _apply(_deputy(local_today() - timedelta(days=31)), users["admin"])
    assert on_time.late_days == 0 and on_time.appointed_on == local_today() - timedelta(days=30)
    assert late.late_days == 1  # accepted, and marked
    assert late.status.value == "submitted"
    appointment = next(c for c in late.precheck if c["rule"] == "appointment")
    assert appointment["ok"] and "1" in appointment["detail"]


def test_a_really_late_manager_is_accepted_and_marked(users):
    late = _apply(_deputy(local_today() - timedelta(days=400)), users["admin"])
    assert late.late_days == 370


def test_no_post_on_record_fails_the_precheck(users):
    person = make.person(
        education=Education.COLLEGE, mining_related_degree=True, work_started_on=date(2010, 3, 1)
    )
    give_hours([person], SAFETY, 480)
    with pytest.raises(ExamError) as refused:
        _apply(person, users["admin"])
    assert "档案中没有该类别的任职记录" in str(refused.value)  # no post of it on record


@pytest.mark.parametrize("missing", ["appointment_document", "diploma"])
def test_managers_papers_are_required_and_nothing_is_written(users, missing):
    person = _deputy(local_today() - timedelta(days=3))
    count = select(func.count()).select_from(ExamApplication)
    entries, applications = audit.entry_count(), db.session.scalar(count)
    with pytest.raises(ExamError) as refused:
        _apply(person, users["admin"], evidence={k: v for k, v in PAPERS.items() if k != missing})
    assert refused.value.field == missing and refused.value.status == 422
    assert audit.entry_count() == entries
    assert db.session.scalar(count) == applications


def test_reviewers_and_the_regulator_see_the_late_days(users, app):
    mine = make.mine()
    late = _apply(_deputy(local_today() - timedelta(days=45), mine), users["admin"])
    regulator = make.user(Role.REGULATOR, at=make.regulator(region=mine.region))
    db.session.commit()
    reviewer = app.test_client()
    login(reviewer, "reviewer_center")
    assert f'data-test="late-{late.id}"' in reviewer.get("/exams/reviews").text
    assert 'data-test="late"' in reviewer.get(f"/exams/applications/{late.id}").text
    assert late in regulator_ops.late_applications([mine])
    watcher = app.test_client()
    login(watcher, regulator.username, make.PASSWORD)
    page = watcher.get("/regulator/compliance").text
    assert f'data-test="late-{late.id}"' in page and late.person.name in page


def test_a_missed_first_assessment_is_flagged_on_the_compliance_list(users, app):
    today = local_today()
    in_time, missed = make.mine(), make.mine()
    make.person(post=Post.MINE_DIRECTOR, employer=in_time, since=today - relativedelta(months=6))
    make.person(
        post=Post.MINE_DIRECTOR, employer=missed, since=today - relativedelta(months=6) - timedelta(days=1)
    )
    rows = {r.mine.id: r for r in regulator_ops.compliance([in_time, missed])}
    assert rows[in_time.id].first_assessments_missed == 0  # its 6 months end today
    assert rows[missed.id].first_assessments_missed == 1
    regulator = make.user(Role.REGULATOR, at=make.regulator(region=missed.region))
    db.session.commit()
    client = app.test_client()
    login(client, regulator.username, make.PASSWORD)
    assert f'data-test="first-missed-{missed.id}"' in client.get("/regulator/compliance").text
