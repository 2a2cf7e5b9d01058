"""Who may apply for whom: a person for themself, a center's staff for its trainees, a mine's
officer for its employees; any other identity number gets one answer that reveals nothing."""

import re

import pytest
from sqlalchemy import func, select

from training_portal.core import audit
from training_portal.core.db import db
from training_portal.exams import applications as app_ops
from training_portal.exams.applications import ExamError
from training_portal.exams.models import ExamApplication
from training_portal.people.models import OperationType, PersonnelCategory

from .. import factories as make
from ..conftest import csrf_token, login
from .conftest import gas_inspectors

GAS = OperationType.COAL_GAS_INSPECTION


def written() -> tuple[int, int]:
    return audit.entry_count(), db.session.scalar(select(func.count()).select_from(ExamApplication))


def _submit(person, actor):
    return app_ops.submit_application(
        person, PersonnelCategory.SPECIAL_OPERATOR, actor=actor, operation_type=GAS
    )


def test_the_operation_refuses_a_candidate_who_is_not_the_actors(users):
    ours, theirs = gas_inspectors()[:2]  # ours: a Longjiabao miner on the Changchun center's roster
    before = written()
    for actor, person in (
        (users["center"], theirs),
        (users["mine_officer"], theirs),
        (users["trainee"], ours),
        (users["proctor_center"], ours),
        (users["regulator"], ours),
    ):
        with pytest.raises(ExamError):
            _submit(person, actor)
        db.session.flush()
        assert written() == before, actor.username


def test_center_staff_apply_for_their_trainee(users):
    application = _submit(gas_inspectors()[0], users["center"])
    assert application.center is not None and application.center.name == "长春市矿山安全技术培训中心"


def test_a_mine_officer_applies_for_the_mines_employee(users):
    application = _submit(gas_inspectors()[0], users["mine_officer"])
    assert application.center is None and application.submitted_by_id == users["mine_officer"].id


def _post(client, id_number: str):
    return client.post(
        "/exams/apply",
        data={
            "id_number": id_number,
            "category": PersonnelCategory.SPECIAL_OPERATOR.value,
            "operation_type": GAS.value,
            "csrf_token": csrf_token(client, "/exams/apply"),
        },
    )


def _answer(response, id_number: str) -> tuple[int, str]:
    """The answer with what differs by nature taken out: the number typed and the CSRF tokens
    (the form's and the menu's, signed with the second they were made in)."""
    body = response.get_data(as_text=True).replace(id_number, "NUMBER")
    return response.status_code, re.sub(r'(<input[^>]*name="csrf_token"[^>]*?) value="[^"]*"', r"\1", body)


def _unknown_number() -> str:
    return make.id_number("22010019700101000")


@pytest.mark.parametrize("login_name", ["center", "mine_officer"])
def test_unlinked_and_unknown_numbers_get_the_same_answer_and_nothing_is_written(users, app, login_name):
    theirs = gas_inspectors()[1]  # another mine's miner, trained by no center of the demo
    assert (
        db.session.scalar(
            select(func.count()).select_from(ExamApplication).where(ExamApplication.person_id == theirs.id)
        )
        == 0
    )
    unknown = _unknown_number()
    db.session.commit()
    client = app.test_client()
    login(client, login_name)
    before = written()
    unlinked = _post(client, theirs.id_number)
    nobody = _post(client, unknown)
    assert unlinked.status_code == 422
    assert _answer(unlinked, theirs.id_number) == _answer(nobody, unknown)
    page = unlinked.get_data(as_text=True)
    assert theirs.name not in page and (theirs.employer.name not in page)
    db.session.expire_all()
    assert written() == before


@pytest.mark.parametrize("login_name", ["center", "mine_officer"])
def test_a_linked_candidate_is_applied_for_through_the_page(users, app, login_name):
    ours = gas_inspectors()[0]
    db.session.commit()
    client = app.test_client()
    login(client, login_name)
    response = _post(client, ours.id_number)
    assert response.status_code == 302
    db.session.expire_all()
    application = db.session.scalar(select(ExamApplication).where(ExamApplication.person_id == ours.id))
    assert application.submitted_by_id == users[login_name].id
    # The other side of the act: whoever applied reads the application they were sent to.
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert ours.name in page.get_data(as_text=True)
