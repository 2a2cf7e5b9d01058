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
from training_portal.core.db import db
from training_portal.exams import applications as app_ops
from training_portal.exams import sessions as session_ops
from training_portal.exams.applications import ExamError
from training_portal.exams.eligibility import precheck
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
    # The state certifies three categories, each with its serial letter; the mine assesses its
    # team leaders and front-line workers itself, with no state serial (issue 19).
    certified = [c for c in categories.examined() if not c.trained_by_mine]
    prefixes = [c.serial_prefix for c in certified]
    assert len(set(prefixes)) == len(prefixes) == 3 and all(len(p) == 1 for p in prefixes)
    assert {c.code for c in categories.mine_trained()} == {"team_leader", "frontline_worker"}
    assert not any(c.serial_prefix or c.certificate_title for c in categories.mine_trained())
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
            "trained_by_mine",
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
        # Trained and assessed by the mine (issue 19): no state certificate, so no serial letter.
        "serial_prefix": None,
        "trained_by_mine": True,
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
    # A gas inspectors' paper does not fit a 主要负责人's sitting (the team leader of this test
    # before issue 19; a team leader's sitting is now refused for another reason, see below).
    with pytest.raises(ExamError, match=gas.name):
        session_ops.create_session(
            name="主要负责人考试",
            site="考试点",
            room="第三考场",
            starts_at=datetime.now(UTC),
            category=PersonnelCategory.PRINCIPAL,
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


def test_a_team_leader_is_trained_and_assessed_by_the_mine_not_by_the_state(users):
    """Before issue 19 a team leader applied, sat a state exam and got a B-serial certificate;
    now the mine assesses its team leaders and front-line workers, and the state's application,
    sitting, certificate dates and serial each refuse them, pointing to the mine's assessment."""
    leader = holder(Post.TEAM_LEADER)
    checks = {c.rule: c for c in precheck(leader, TEAM_LEADER, None)}
    assert set(checks) == {"training_hours", "age", "education", "mining_years"}
    assert not checks["training_hours"].ok  # the mine's demo class gave 8 of the 72 学时
    assert checks["age"].ok and checks["education"].ok and checks["mining_years"].ok
    worker = holder(Post.FRONTLINE_WORKER)  # 初中 is enough for the front line, not to lead it
    give_hours([leader, worker], TEAM_LEADER, 720)
    assert not {c.rule: c for c in precheck(worker, TEAM_LEADER, None)}["education"].ok
    assert all(c.ok for c in precheck(leader, TEAM_LEADER, None))

    for person, category in ((leader, TEAM_LEADER), (worker, PersonnelCategory.FRONTLINE_WORKER)):
        with pytest.raises(ExamError, match="由所在矿山自行培训和考核"):
            app_ops.submit_application(person, category, actor=users["admin"])
        with pytest.raises(cert_ops.CertificateError, match="由所在矿山自行培训和考核"):
            cert_ops.dates_for(category, person, date(2026, 3, 1))
        with pytest.raises(cert_ops.CertificateError, match="由所在矿山自行培训和考核"):
            cert_ops.next_serial(category, date(2026, 5, 1))
    with pytest.raises(ExamError, match="由所在矿山自行培训和考核"):
        session_ops.create_session(
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
    assert not cert_ops.is_valid_serial("B260000011")  # no B serials any more
