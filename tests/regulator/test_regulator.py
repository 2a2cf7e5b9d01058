"""五职矿长 compliance, jurisdiction scoping, the spot test and its reassignment order, the
search and its exports."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from question_bank import assembly
from question_bank.models import Paper
from training_portal.certificates.models import Certificate, CertificateStatus
from training_portal.certificates.operations import check_character
from training_portal.core.db import db
from training_portal.core.i18n import local_today
from training_portal.exams.models import ExamAttempt
from training_portal.organisations.models import MineEnterprise
from training_portal.organisations.operations import mines_of
from training_portal.people.models import Education, PersonnelCategory, Post
from training_portal.regulator import operations as ops
from training_portal.regulator.models import OrderStatus

from .. import factories as make
from ..conftest import login
from .conftest import longjiabao, spot_blueprint


def test_the_five_posts_are_checked_for_holder_certificate_and_dual_standard(users):
    result = ops.compliance([longjiabao()])[0]
    assert [p.post for p in result.posts] == [
        Post.MINE_DIRECTOR,
        Post.CHIEF_ENGINEER,
        Post.DEPUTY_SAFETY,
        Post.DEPUTY_PRODUCTION,
        Post.DEPUTY_MECH_ELEC,
    ]
    assert all(p.holder is not None for p in result.posts)
    # In office since 2024 without a certificate: the first assessment is overdue everywhere.
    assert not result.ok and all(
        not p.checks["certificate"].ok and not p.checks["certificate"].pending for p in result.posts
    )
    assert all(p.checks["education"].ok and p.checks["mining_years"].ok for p in result.posts)


def test_a_vacancy_a_weak_education_and_a_new_appointment(users):
    mine = longjiabao()
    director = next(p for p in ops.managers_at(mine) if p.post is Post.MINE_DIRECTOR)
    director.ended_on = local_today() - timedelta(days=1)
    engineer = next(p for p in ops.managers_at(mine) if p.post is Post.CHIEF_ENGINEER)
    engineer.person.education = Education.SECONDARY_VOCATIONAL
    deputy = next(p for p in ops.managers_at(mine) if p.post is Post.DEPUTY_SAFETY)
    deputy.started_on = local_today() - timedelta(days=60)
    rows = {p.post: p for p in ops.compliance([mine])[0].posts}
    assert rows[Post.MINE_DIRECTOR].holder is None and not rows[Post.MINE_DIRECTOR].ok
    assert not rows[Post.CHIEF_ENGINEER].checks["education"].ok
    assert rows[Post.DEPUTY_SAFETY].checks["certificate"].pending  # six months to the first assessment


def test_a_valid_certificate_of_the_right_category_satisfies_the_post(users):
    mine = longjiabao()
    deputy = next(p for p in ops.managers_at(mine) if p.post is Post.DEPUTY_SAFETY).person
    attempt_id = db.session.scalars(select(ExamAttempt.id)).first()
    body = "S26000001"
    db.session.add(
        Certificate(
            serial=body + check_character(body),
            person_id=deputy.id,
            category=PersonnelCategory.SAFETY_MANAGER,
            written_attempt_id=attempt_id,
            issuer_id=mine.id,
            issued_on=local_today(),
            valid_until=local_today() + timedelta(days=1000),
            status=CertificateStatus.VALID,
        )
    )
    db.session.flush()
    rows = {p.post: p for p in ops.compliance([mine])[0].posts}
    assert rows[Post.DEPUTY_SAFETY].ok and not rows[Post.MINE_DIRECTOR].ok
    assert rows[Post.DEPUTY_SAFETY].checks["certificate"].ok


@pytest.mark.parametrize(
    "who, sees_longjiabao, sees_yanbian",
    [
        ("regulator", True, True),
        ("regulator_changchun", True, False),
        ("regulator_jiutai", True, False),
        ("mine_officer", True, False),
        ("center", False, False),
    ],
)
def test_each_level_sees_its_own_jurisdiction(users, who, sees_longjiabao, sees_yanbian):
    names = {m.name for m in mines_of(users[who])}
    assert (longjiabao().name in names) == sees_longjiabao
    assert any(n.startswith("珲矿集团") for n in names) == sees_yanbian
    if who == "mine_officer":
        assert names == {longjiabao().name}
    if who == "regulator_jiutai":  # a county sees only the mines of its county
        assert all(
            m.region.path.startswith(users[who].assignments[0].organisation.region.path)
            for m in mines_of(users[who])
        )


def _take(test, right: bool):
    paper = db.session.get(Paper, test.paper_id)
    view = assembly.paper_view(paper, with_answers=True)
    return {
        q["position"]: (
            q["correct"] if right else [i for i in range(len(q["options"])) if i not in q["correct"]][:1]
        )
        for q in view
    }


def test_a_failed_spot_test_orders_reassignment_until_answered_and_closed(users, client):
    mine = longjiabao()
    inspection = ops.record_inspection(
        mine, local_today(), "张监察、李监察", "通风系统检查", actor=users["regulator"]
    )
    director = next(p for p in ops.managers_at(mine) if p.post is Post.MINE_DIRECTOR)
    test = ops.start_spot_test(inspection, director, spot_blueprint(), actor=users["regulator"])
    ops.submit_spot_test(test, _take(test, right=False), actor=users["regulator"])
    assert test.passed is False and test.order.status is OrderStatus.OPEN
    assert (
        ops.submit_spot_test(test, _take(test, right=True), actor=users["regulator"]).passed is False
    )  # once
    with pytest.raises(ops.RegulatorError):
        ops.close_order(test.order, actor=users["regulator"])  # the mine has not answered
    ops.respond_to_order(test.order, "已免去其矿长职务，另行任命", actor=users["mine_officer"])
    ops.close_order(test.order, actor=users["regulator"])
    assert test.order.status is OrderStatus.CLOSED
    db.session.commit()
    login(client, "regulator")
    body = client.get(f"/api/records/{director.person.id_number}").get_json()
    assert body["spot_tests"] == [
        {
            "date": local_today().isoformat(),
            "mine": mine.name,
            "post": "mine_director",
            "score": test.score,
            "passed": False,
            "order": "closed",
        }
    ]


def test_a_passed_spot_test_raises_no_order(users):
    mine = longjiabao()
    inspection = ops.record_inspection(mine, local_today(), "张监察", "", actor=users["regulator"])
    deputy = next(p for p in ops.managers_at(mine) if p.post is Post.DEPUTY_SAFETY)
    test = ops.start_spot_test(inspection, deputy, spot_blueprint("safety_manager"), actor=users["regulator"])
    ops.submit_spot_test(test, _take(test, right=True), actor=users["regulator"])
    assert test.passed is True and test.order is None


def test_a_mine_directors_spot_test_draws_a_managers_paper_not_a_gas_inspectors(users):
    mine = longjiabao()
    inspection = ops.record_inspection(mine, local_today(), "张监察", "", actor=users["regulator"])
    director = next(p for p in ops.managers_at(mine) if p.post is Post.MINE_DIRECTOR)
    test = ops.start_spot_test(inspection, director, spot_blueprint(), actor=users["regulator"])
    items = db.session.get(Paper, test.paper_id).items
    assert len(items) == 10
    for item in items:
        assert item.version.category.startswith("安全生产管理"), item.version.stem
        assert "principal" in item.version.applies_to
        assert "coal_gas_inspection" not in item.version.applies_to
    # A blueprint for another category is refused: a gas inspector's, or the safety managers'.
    gas = make.blueprint([("true_false", 1, 1.0)], target="coal_gas_inspection", purpose="spot_test")
    for other in (gas, spot_blueprint("safety_manager")):
        with pytest.raises(ops.RegulatorError) as refused:
            ops.start_spot_test(inspection, director, other, actor=users["regulator"])
        assert refused.value.field == "blueprint_id"
    assert [t.id for t in inspection.spot_tests] == [test.id]


def test_spot_tests_only_for_the_inspected_mines_managers(users):
    mine = longjiabao()
    inspection = ops.record_inspection(mine, local_today(), "张监察", "", actor=users["regulator"])
    other = db.session.scalars(select(MineEnterprise).where(MineEnterprise.id != mine.id)).first()
    outsider = ops.managers_at(other)[0]
    with pytest.raises(ops.RegulatorError):
        ops.start_spot_test(inspection, outsider, spot_blueprint(), actor=users["regulator"])


def test_the_exports_open_in_openpyxl_with_the_right_rows(users, client):
    db.session.commit()
    login(client, "regulator_jiutai")
    response = client.get("/regulator/compliance.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    mines = mines_of(users["regulator_jiutai"])
    assert rows[0] == ("矿山", "地区", "岗位", "姓名", "问题", "五科配备", "安全文化") and len(
        rows
    ) == 1 + 5 * len(mines)
    trainee = users["trainee"].person
    response = client.get(f"/regulator/search.xlsx?q={trainee.id_number}")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[1][:2] == (trainee.name, trainee.id_number) and len(rows) == 2


def test_search_finds_by_partial_name_number_serial_and_mine_within_the_jurisdiction(users):
    trainee = users["trainee"].person
    regulator = users["regulator_jiutai"]
    assert trainee in ops.search_people(regulator, trainee.name[1:])
    assert ops.search_people(regulator, trainee.id_number.lower()) == [trainee]
    assert trainee in ops.search_people(regulator, "嘉堡")
    assert ops.search_people(users["center"], trainee.id_number) == [trainee]  # the center trains them
    yanbian = ops.search_people(users["regulator"], "八连城")
    assert yanbian and not ops.search_people(regulator, "八连城")
    assert "training_deficit" not in ops.badges([trainee])[trainee.id]


def test_center_oversight_traces_results_to_the_center_and_flags_it(users, client):
    from training_portal.certificates import operations as certificate_ops
    from training_portal.certificates.models import CertificateStatus
    from training_portal.core import policy
    from training_portal.organisations.models import TrainingCenter
    from training_portal.regulator import oversight

    from ..certificates.conftest import certified

    certificate = certified(users)  # a Jiutai gas inspector on the demo class's roster
    changchun = "长春市矿山安全技术培训中心"
    center = db.session.scalar(select(TrainingCenter).where(TrainingCenter.name == changchun))
    row = oversight.oversee(center, oversight.province_rates())
    assert row.pass_rates["special_operator"] == (1, 1) and row.revoked == 0
    assert row.verified_share == 0.0  # the demo's hours are claimed, none verified by video
    assert any("%" in f for f in row.flags)
    certificate_ops.set_status(certificate, CertificateStatus.REVOKED, "舞弊", actor=users["regulator"])
    policy.set_value("oversight.min_verified_share_percent", 0, actor=users["admin"])
    row = oversight.oversee(center, oversight.province_rates())
    assert row.revoked == 1 and len(row.flags) == 2  # coverage below target, and the revocation
    other = db.session.scalars(select(TrainingCenter).where(TrainingCenter.id != center.id)).first()
    assert oversight.oversee(other, oversight.province_rates()).pass_rates == {}
    db.session.commit()
    login(client, "regulator")
    page = client.get("/regulator/centers").get_data(as_text=True)
    assert f'data-test="center-{center.id}"' in page and f'data-test="center-{other.id}"' in page


def test_oversight_of_a_jurisdiction_without_centers_is_an_empty_list(demo, client):
    """The Jiutai regulator holds oversight but no training center lies in Jiutai: the page opens
    and says so (before, the menu offered a link that answered 403)."""
    login(client, "regulator_jiutai")
    response = client.get("/regulator/centers")
    assert response.status_code == 200
    assert 'data-test="no-centers"' in response.text and 'data-test="center-' not in response.text
    trainee = client.application.test_client()
    login(trainee, "trainee")
    assert trainee.get("/regulator/centers").status_code == 403
