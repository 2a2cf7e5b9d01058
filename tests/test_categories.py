"""The registry of personnel categories: what it holds, the CLI that prints it, the refusal of
a category it does not hold, and a team leader (班组长), added as one class, going through what
the registry allows: the pre-check, an application, a sitting and the certificate's dates,
serial and title."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from question_bank import operations as bank_ops
from question_bank.formats.common import UnknownAppliesTo, applies_to_codes
from training_portal.certificates import operations as cert_ops
from training_portal.certificates.models import Certificate, CertificateStatus
from training_portal.core.db import db
from training_portal.exams import applications as app_ops
from training_portal.exams import sessions as session_ops
from training_portal.exams.applications import ExamError
from training_portal.exams.eligibility import precheck
from training_portal.organisations.models import Organisation
from training_portal.people import categories
from training_portal.people.models import FIVE_MANAGER_POSTS, OperationType, Person, PersonnelCategory, Post
from training_portal.training.operations import post_words

from .training.helpers import give_hours

TEAM_LEADER = PersonnelCategory.TEAM_LEADER


def holder(post: Post, mine: str = "龙嘉堡") -> Person:
    """The demo's holder of ``post`` at the mine whose name has ``mine``."""
    return next(
        p
        for p in db.session.scalars(select(Person).order_by(Person.id))
        if any(x.post is post and mine in x.organisation.name for x in p.current_posts)
    )


def blueprint_for(target: str):
    return bank_ops.save_blueprint(
        None,
        name=f"{target} 理论考试",
        target=target,
        purpose="exam",
        duration_minutes=None,
        target_facility=None,
        partial_credit=False,
        sections=[bank_ops.SectionSpec("single_choice", 20, 5.0)],
        actor=None,
    )


# ----------------------------------------------------------------------------- the registry


def test_the_registry_holds_every_category_and_the_stored_codes_follow_it():
    assert list(categories.REGISTRY) == [
        "principal",
        "safety_manager",
        "special_operator",
        "team_leader",
        "frontline_worker",
        "regulator_official",
    ]
    assert [c.value for c in PersonnelCategory] == list(categories.REGISTRY)
    special = categories.get("special_operator")
    coal = [t for t in special.operation_types if t.value.startswith("coal_")]
    assert (len(coal), len(special.operation_types) - len(coal)) == (10, 8)
    assert set(special.operation_aliases) == set(OperationType)
    assert [p.value for p in FIVE_MANAGER_POSTS] == [
        "mine_director",
        "chief_engineer",
        "deputy_safety",
        "deputy_production",
        "deputy_mech_elec",
    ]
    assert Post.MINE_DIRECTOR.personnel_category is PersonnelCategory.PRINCIPAL
    assert Post.DEPUTY_SAFETY.personnel_category is PersonnelCategory.SAFETY_MANAGER
    assert Post.TEAM_LEADER.personnel_category is TEAM_LEADER
    prefixes = [c.serial_prefix for c in categories.examined()]
    assert len(set(prefixes)) == len(prefixes) == 5 and all(len(p) == 1 for p in prefixes)
    assert not categories.get("regulator_official").examined
    spot_testable = {c.code for c in categories.REGISTRY.values() if c.spot_testable}
    assert spot_testable == {"principal", "safety_manager", "special_operator"}  # 三项岗位
    assert {c.code for c in categories.REGISTRY.values() if c.practical_exam} == {
        "special_operator",
        "team_leader",
        "frontline_worker",
    }


def test_words_clerks_type_name_the_registered_posts_and_categories(ctx):
    words = post_words()
    assert words["班组长"] == (Post.TEAM_LEADER, None)
    assert words["一线作业人员"] == (Post.FRONTLINE_WORKER, None)
    assert words["瓦检员"] == (Post.SPECIAL_OPERATOR, OperationType.COAL_GAS_INSPECTION)
    assert words["矿长"] == (Post.MINE_DIRECTOR, None)
    assert "special_operator" not in words  # a special operator is named by the operation
    # A question file's 适用类别 reads the same words, as the targets a paper is drawn for.
    assert applies_to_codes(["班组长", "一线岗位作业人员"]) == ["team_leader", "frontline_worker"]
    assert applies_to_codes(["煤矿瓦斯检查作业", "瓦斯检查工", "瓦检员"]) == ["coal_gas_inspection"]
    assert applies_to_codes(["特种作业人员", "矿长"]) == ["special_operator", "principal"]
    with pytest.raises(UnknownAppliesTo):
        applies_to_codes(["监管干部"])  # not examined: no paper would ever draw the question


def test_the_cli_prints_the_registry_as_json(app, ctx):
    result = app.test_cli_runner().invoke(args=["categories", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["code"] for r in rows] == list(categories.REGISTRY)
    for row in rows:
        assert set(row) == {
            "code",
            "label",
            "operation_types",
            "practical_exam",
            "validity_years",
            "review_years",
            "serial_prefix",
        }
        assert all(set(t) == {"code", "label"} for t in row["operation_types"])
    by_code = {r["code"]: r for r in rows}
    assert by_code["team_leader"] == {
        "code": "team_leader",
        "label": "班组长",
        "operation_types": [],
        "practical_exam": True,
        "validity_years": 3,
        "review_years": None,
        "serial_prefix": "B",
    }
    special = by_code["special_operator"]
    assert (
        special["label"],
        special["validity_years"],
        special["review_years"],
        special["serial_prefix"],
    ) == ("特种作业人员", 6, 3, "T")
    assert {"code": "coal_gas_inspection", "label": "煤矿瓦斯检查作业"} in special["operation_types"]
    assert by_code["regulator_official"]["serial_prefix"] is None


# ----------------------------------------------------------------------------- an unknown category is refused


def test_an_unknown_category_is_refused_in_eligibility(users):
    person = holder(Post.TEAM_LEADER)
    with pytest.raises(categories.UnknownCategory, match="team_captain"):
        precheck(person, "team_captain", None)
    with pytest.raises(ExamError, match="team_captain"):
        app_ops.submit_application(person, "team_captain", actor=users["admin"])
    with pytest.raises(ExamError):  # a team leader has no operation type
        app_ops.submit_application(
            person, TEAM_LEADER, actor=users["admin"], operation_type=OperationType.COAL_GAS_INSPECTION
        )
    with pytest.raises(ExamError):  # regulator officials train but are not examined
        app_ops.submit_application(person, PersonnelCategory.REGULATOR_OFFICIAL, actor=users["admin"])


def test_an_unknown_or_uncertified_category_gets_no_certificate_dates_or_serial(users):
    person = holder(Post.TEAM_LEADER)
    for category in ("team_captain", PersonnelCategory.REGULATOR_OFFICIAL):
        with pytest.raises(cert_ops.CertificateError):
            cert_ops.dates_for(category, person, date(2026, 3, 1))
        with pytest.raises(cert_ops.CertificateError):
            cert_ops.next_serial(category, date(2026, 3, 1))


def test_a_blueprint_is_for_a_registered_target_and_fits_its_sitting(users):
    with pytest.raises(bank_ops.BankError, match="team_captain"):
        blueprint_for("team_captain")
    with pytest.raises(bank_ops.BankError):  # not examined, so no blueprint is for them
        blueprint_for("regulator_official")
    gas = blueprint_for("coal_gas_inspection")
    with pytest.raises(ExamError, match=gas.name):
        session_ops.create_session(
            name="班组长考试",
            site="考试点",
            room="第三考场",
            starts_at=datetime.now(UTC),
            category=TEAM_LEADER,
            operation_type=None,
            blueprint=gas,
            seats=10,
            actor=users["reviewer_center"],
        )
    special = blueprint_for("special_operator")  # a category's blueprint fits each of its operations
    session = session_ops.create_session(
        name="瓦斯检查作业考试",
        site="考试点",
        room="第三考场",
        starts_at=datetime.now(UTC),
        category=PersonnelCategory.SPECIAL_OPERATOR,
        operation_type=OperationType.COAL_GAS_INSPECTION,
        blueprint=special,
        seats=10,
        actor=users["reviewer_center"],
    )
    assert session.blueprint_id == special.id


def test_the_blueprint_form_offers_only_registered_targets(users, client):
    from .conftest import login

    login(client, "reviewer_center")
    page = client.get("/questions/blueprints/new").get_data(as_text=True)
    assert 'value="team_leader"' in page and 'value="coal_gas_inspection"' in page
    assert 'value="regulator_official"' not in page


# ----------------------------------------------------------------------------- a team leader


def test_a_team_leader_applies_sits_and_would_be_certified_as_the_registry_says(users):
    leader = holder(Post.TEAM_LEADER)
    checks = {c.rule: c for c in precheck(leader, TEAM_LEADER, None)}
    assert set(checks) == {"training_hours", "age", "education", "mining_years"}
    assert not checks["training_hours"].ok  # the demo class gave 8 of the 72 学时
    assert checks["age"].ok and checks["education"].ok and checks["mining_years"].ok
    worker = holder(Post.FRONTLINE_WORKER)  # 初中 is enough for the front line, not to lead it
    give_hours([leader, worker], TEAM_LEADER, 720)
    assert not {c.rule: c for c in precheck(worker, TEAM_LEADER, None)}["education"].ok
    assert all(c.ok for c in precheck(leader, TEAM_LEADER, None))

    application = app_ops.submit_application(leader, TEAM_LEADER, actor=users["admin"])
    app_ops.review_application(application, reviewer=users["reviewer_center"], approve=True)
    app_ops.review_application(application, reviewer=users["reviewer_dept"], approve=True)
    session = session_ops.create_session(
        name="班组长考试",
        site="考试点",
        room="第三考场",
        starts_at=datetime.now(UTC),
        category=TEAM_LEADER,
        operation_type=None,
        blueprint=blueprint_for("team_leader"),
        seats=10,
        actor=users["reviewer_center"],
    )
    for proctor in ("proctor_center", "proctor_dept"):
        session_ops.assign_proctor(session, users[proctor], actor=users["reviewer_center"])
    attempt = session_ops.seat(session, application, actor=users["reviewer_center"])
    assert attempt.application.category is TEAM_LEADER

    # Valid three years, no 复审; a B serial; the team leader's certificate title.
    assert cert_ops.dates_for(TEAM_LEADER, leader, date(2026, 3, 1)) == (date(2029, 2, 28), None)
    serial = cert_ops.next_serial(TEAM_LEADER, date(2026, 5, 1))
    assert serial.startswith("B26000001") and cert_ops.is_valid_serial(serial)
    issued_on = date(2026, 5, 1)
    valid_until, next_review = cert_ops.dates_for(TEAM_LEADER, leader, issued_on)
    certificate = Certificate(
        serial=serial,
        person=leader,
        category=TEAM_LEADER,
        operation_type=None,
        issuer=db.session.scalars(select(Organisation).order_by(Organisation.id)).first(),
        issued_on=issued_on,
        valid_until=valid_until,
        next_review_on=next_review,
        status=CertificateStatus.VALID,
    )
    context = cert_ops.pdf_context(certificate)
    assert (context["title"], context["subject_heading"], context["category"]) == (
        "班组长安全培训合格证",
        "人员类别",
        "班组长",
    )
