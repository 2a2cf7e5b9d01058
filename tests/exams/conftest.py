"""Makers for exams: a candidate with an application, a session with its two proctors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from question_bank import assembly
from question_bank.models import Blueprint
from training_portal.accounts import operations as account_ops
from training_portal.accounts.models import User
from training_portal.core.db import db
from training_portal.core.permissions import Role
from training_portal.exams import applications as app_ops
from training_portal.exams import attempts
from training_portal.exams import practical as practical_ops
from training_portal.exams import sessions as session_ops
from training_portal.exams.models import ExamAttempt, ExamSession, PracticalExam
from training_portal.people.models import OperationType, Person, PersonnelCategory

from ..conftest import demo_users, login

CANDIDATE_PASSWORD = "candidate-pass-1"


# The demo's accounts by username: the root fixture ``users``, or this where a fixture is not at hand.
users_by_name = demo_users


def gas_inspectors() -> list[Person]:
    """The demo's gas inspectors who have no seat yet (the demo trainee has one)."""
    seated = set(db.session.scalars(select(ExamAttempt.person_id)))
    return [
        p
        for p in db.session.scalars(select(Person).order_by(Person.id))
        if p.id not in seated
        and any(post.operation_type is OperationType.COAL_GAS_INSPECTION for post in p.current_posts)
    ]


def apply(person: Person, actor):
    return app_ops.submit_application(
        person,
        PersonnelCategory.SPECIAL_OPERATOR,
        actor=actor,
        operation_type=OperationType.COAL_GAS_INSPECTION,
    )


def approved(person: Person, users):
    application = apply(person, users["admin"])
    app_ops.review_application(application, reviewer=users["reviewer_center"], approve=True)
    app_ops.review_application(application, reviewer=users["reviewer_dept"], approve=True)
    return application


def new_session(users, seats: int = 10) -> ExamSession:
    blueprint = db.session.scalar(select(Blueprint).where(Blueprint.purpose == "exam"))
    session = session_ops.create_session(
        name="测试场次",
        site="考试点",
        room="第二考场",
        starts_at=datetime.now(UTC),
        category=PersonnelCategory.SPECIAL_OPERATOR,
        operation_type=OperationType.COAL_GAS_INSPECTION,
        blueprint=blueprint,
        seats=seats,
        actor=users["reviewer_center"],
    )
    for proctor in ("proctor_center", "proctor_dept"):
        session_ops.assign_proctor(session, users[proctor], actor=users["reviewer_center"])
    return session


def candidate_user(person: Person) -> User:
    user = db.session.scalar(select(User).where(User.person_id == person.id))
    if user is None:
        user = account_ops.create_user(
            f"cand{person.id}", person.name, actor=None, password=CANDIDATE_PASSWORD, person=person
        )
        account_ops.grant_role(user, Role.TRAINEE, None, actor=None)
    return user


def seated(users, person: Person, session: ExamSession | None = None, start: bool = True):
    """The person seated in a (new) open session, identity checked, attempt started."""
    if session is None:
        session = new_session(users)
    attempt = session_ops.seat(session, approved(person, users), actor=users["reviewer_center"])
    if session.status.value == "scheduled":
        session_ops.open_session(session, proctor=users["proctor_center"])
    session_ops.check_identity(attempt, proctor=users["proctor_dept"], confirm=True, reason="核对身份证原件")
    candidate = candidate_user(person)
    if start:
        attempts.start(attempt, candidate=candidate)
    db.session.commit()
    return attempt, candidate


def answer_all_correctly(attempt) -> None:
    view = assembly.paper_view(attempt.paper, with_answers=True)
    attempt.answers = {str(q["position"]): q["correct"] for q in view}
    attempt.saved_seq = 1


def passed_written(users, person: Person | None = None):
    """A written exam passed and published: answered right, handed in, both proctors signed."""
    attempt, candidate = seated(users, person or gas_inspectors()[0])
    answer_all_correctly(attempt)
    attempts.submit(attempt, candidate=candidate)
    for name in ("proctor_center", "proctor_dept"):
        session_ops.sign(attempt.session, proctor=users[name])
    db.session.commit()
    assert attempt.passed
    return attempt


def passed_practical(users) -> PracticalExam:
    """A practical exam waiting for the two demo proctors' scores."""
    practical = practical_ops.create(
        passed_written(users),
        [users["proctor_center"], users["proctor_dept"]],
        actor=users["reviewer_center"],
    )
    db.session.commit()
    return practical


@pytest.fixture()
def sitting(users, app):
    """A seated candidate with a started attempt, logged in on a client that sends the CSRF
    token as the exam page does: (attempt, client)."""
    attempt, candidate = seated(users, gas_inspectors()[0])
    client = app.test_client()
    assert login(client, candidate.username, CANDIDATE_PASSWORD).status_code == 302
    token = client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    return attempt, client
