"""The 五职 compliance list computed by the database agrees, post by post and text by text, with
the Python implementation it replaced (kept as ``reference_compliance``), on the demo and on a
generated province of a few hundred mines with every case the rules distinguish; its pages,
filters and order are those of the reference list."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from tests import factories as make
from training_portal.certificates.models import Certificate, CertificateState, CertificateStatus
from training_portal.certificates.operations import check_character
from training_portal.core.db import db
from training_portal.core.i18n import local_today
from training_portal.exams.models import AttemptState, ExamAttempt, IdentityCheck
from training_portal.organisations.models import MineEnterprise, MineKind, Region, RegionLevel
from training_portal.people.models import (
    FIVE_MANAGER_POSTS,
    Education,
    Gender,
    Person,
    PersonnelCategory,
    PersonPost,
)
from training_portal.regulator import operations as ops
from training_portal.training.models import Attendance, CourseKind
from training_portal.training.operations import special

from . import reference_compliance as reference


def _view(rows) -> list:
    return [
        (
            r.mine.id,
            [
                (
                    p.post,
                    p.holder.id if p.holder else None,
                    {k: (c.ok, c.detail, c.pending) for k, c in p.checks.items()},
                    p.first_assessment_missed,
                    p.ok,
                )
                for p in r.posts
            ],
            r.ok,
            r.problems,
            r.first_assessments_missed,
        )
        for r in rows
    ]


def _all_mines() -> list[MineEnterprise]:
    return list(db.session.scalars(select(MineEnterprise).order_by(MineEnterprise.id)))


def _agree(on: date) -> list:
    mines = _all_mines()
    ours = _view(ops.compliance(mines, on))
    theirs = _view(reference.compliance(mines, on))
    for mine, expected in zip(ours, theirs, strict=True):
        assert mine == expected
    return theirs


def _pages_agree(on: date, size: int) -> None:
    """Every status filter, page by page, holds the reference's mines in its order."""
    scope = [m.id for m in _all_mines()]
    rows = reference.compliance(_all_mines(), on)
    ordered = sorted(rows, key=lambda r: (r.ok, r.mine.name, r.mine.id))
    expected = {
        ops.Status.ALL: ordered,
        ops.Status.PROBLEMS: [r for r in ordered if not r.ok],
        ops.Status.FIRST_MISSED: [r for r in ordered if r.first_assessments_missed],
    }
    for status, wanted in expected.items():
        query = ops.ComplianceQuery(scope, status=status, on=on)
        got, number = [], 1
        while True:
            page = ops.compliance_page(query, number, size)
            assert page.total == len(wanted)
            got += page.rows
            if number >= page.pages:
                break
            number += 1
        assert _view(got) == _view(wanted)
        assert ops.compliance_count(query) == len(wanted)
        assert _view(ops.compliance_rows(query)) == _view(wanted)


def test_the_demo_list_is_the_reference_list(users):
    today = local_today()
    for on in (today, today - timedelta(days=400), date(today.year, 12, 31)):
        _agree(on)
    _pages_agree(today, size=3)


def _attempts(certificates: list[dict]) -> list[ExamAttempt]:
    """A written attempt for each certificate to point at (the foreign key wants one each): the
    holder's, in a session of its own per certificate of the same person."""
    from training_portal.exams.models import ExamApplication

    sessions = [make.exam_session(seats=1) for _ in range(3)]
    application = db.session.scalars(select(ExamApplication)).first()
    made, seen = [], {}
    for k, c in enumerate(certificates):
        nth = seen[c["person"].id] = seen.get(c["person"].id, -1) + 1
        made.append(
            ExamAttempt(
                session_id=sessions[nth].id,
                application_id=application.id,
                person_id=c["person"].id,
                sitting=1000 + k,
                seat=1000 + k,
                identity=IdentityCheck.CONFIRMED,
                state=AttemptState.SUBMITTED,
            )
        )
    return made


def _province(rng: random.Random, mines: int, on: date) -> None:
    """Mines across the demo's counties with vacant, ended and replaced posts, holders new and
    old, of every 学历 and 从业年限, with certificates of both manager categories valid, expired,
    past their 复审, suspended and revoked, or none."""
    counties = list(db.session.scalars(select(Region).where(Region.level == RegionLevel.COUNTY)))
    serial = 0
    people: list[Person] = []
    certificates: list[dict] = []
    for m in range(mines):
        mine = make.mine(
            f"生成煤矿{m:04d}",
            region=rng.choice(counties),
            kind=rng.choice([MineKind.COAL, MineKind.METAL_NONMETAL]),
        )
        for kind in FIVE_MANAGER_POSTS:
            if rng.random() < 0.1:
                continue  # never filled
            for _holder in range(1 if rng.random() < 0.85 else 2):  # sometimes a successor
                person = Person(
                    id_number=f"8{len(people) + 1:017d}",
                    name=f"生成人员{len(people)}",
                    gender=Gender.MALE,
                    birth_date=date(1980, 1, 1),
                    education=rng.choice([None, *Education]),
                    education_field=rng.choice(["", "采矿工程", "会计"]),
                    mining_related_degree=rng.random() < 0.6,
                    work_started_on=None
                    if rng.random() < 0.1
                    else on - timedelta(days=rng.randrange(0, 4000)),
                    employer_id=mine.id,
                )
                db.session.add(person)
                people.append(person)
                started = on - timedelta(days=rng.choice([0, 30, 150, 182, 183, 184, 200, 400, 1000]))
                ended = None
                if rng.random() < 0.08:
                    ended = on - timedelta(days=rng.choice([1, 0]))  # left yesterday, or leaves today
                if rng.random() < 0.03:
                    started = on + timedelta(days=10)  # appointed, not yet in office
                db.session.add(
                    PersonPost(
                        person=person, post=kind, organisation_id=mine.id, started_on=started, ended_on=ended
                    )
                )
                for _c in range(rng.choice([0, 0, 1, 1, 2, 3])):
                    serial += 1
                    until = on + timedelta(days=rng.choice([-400, -1, 0, 1, 500, 1000]))
                    certificates.append(
                        dict(
                            person=person,
                            category=rng.choice(
                                [
                                    kind.personnel_category,
                                    kind.personnel_category,
                                    PersonnelCategory.PRINCIPAL,
                                ]
                            ),
                            valid_until=until,
                            next_review_on=rng.choice(
                                [None, None, on - timedelta(days=5), on + timedelta(days=5)]
                            ),
                            status=rng.choice(
                                [CertificateStatus.VALID] * 4
                                + [CertificateStatus.SUSPENDED, CertificateStatus.REVOKED]
                            ),
                            serial=serial,
                        )
                    )
    db.session.flush()
    attempts = _attempts(certificates)
    db.session.add_all(attempts)
    db.session.flush()
    issuer = db.session.scalars(select(MineEnterprise.id)).first()
    for attempt, c in zip(attempts, certificates, strict=True):
        body = f"G26{c['serial']:06d}"
        db.session.add(
            Certificate(
                serial=body + check_character(body),
                person_id=c["person"].id,
                category=c["category"],
                written_attempt_id=attempt.id,
                issuer_id=issuer,
                issued_on=c["valid_until"] - timedelta(days=1000),
                valid_until=c["valid_until"],
                next_review_on=c["next_review_on"],
                status=c["status"],
            )
        )
    # This year's special training: its classes end on ``on``; a third of the people attended.
    course = make.course(category=PersonnelCategory.PRINCIPAL, kind=CourseKind.SPECIAL, title="生成专题培训")
    klass = make.training_class(course, starts_on=on - timedelta(days=2), days=3)
    lesson = make.lesson(klass)
    special.mark_special_training(course, on.year, actor=make.admin())
    for person in rng.sample(people, len(people) // 3):
        db.session.add(Attendance(lesson_id=lesson.id, person_id=person.id, signed_in_at=datetime.now(UTC)))
    db.session.flush()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does for a real province: without statistics the planner takes the
        # thousand new rows for one and joins them in nested loops.
        db.session.execute(text("ANALYZE"))


@pytest.mark.parametrize("seed", [7])
def test_a_generated_province_is_the_reference_list(users, seed):
    today = local_today()
    on = date(today.year, 6, 30)  # the special training's last day: still to attend on it
    _province(random.Random(seed), 300, on)
    rows = _agree(on)
    after = _agree(on + timedelta(days=1))  # the day after: missed
    _agree(on + timedelta(days=184))  # the first assessments of the new appointments fall due
    _agree(on - timedelta(days=1))
    # The generated cases are all there, or the agreement would prove little.
    checks = [c for _id, posts, *_ in rows + after for _p, _h, cs, *_ in posts for c in cs.items()]
    details = {(k, ok, pending) for k, (ok, _d, pending) in checks}
    for wanted in [
        ("filled", False, False),
        ("certificate", True, False),
        ("certificate", False, True),
        ("certificate", False, False),
        ("education", False, False),
        ("education", True, False),
        ("mining_years", False, False),
        ("mining_years", True, False),
        ("special_training", True, False),
        ("special_training", False, True),
        ("special_training", False, False),
    ]:
        assert wanted in details
    texts = " ".join(d for _k, (_ok, d, _p) in checks)
    for state in (CertificateState.SUSPENDED, CertificateState.REVOKED, CertificateState.EXPIRED):
        assert str(state.label) in texts  # the overdue certificate's state, by its label
    assert sum(missed for _id, _posts, _ok, _problems, missed in rows) > 0
    _pages_agree(on, size=40)
    kind = ops.ComplianceQuery([m.id for m in _all_mines()], kind=MineKind.METAL_NONMETAL, on=on)
    expected = [
        r for r in reference.compliance(_all_mines(), on) if r.mine.mine_kind is MineKind.METAL_NONMETAL
    ]
    assert {r.mine.id for r in ops.compliance_rows(kind)} == {r.mine.id for r in expected}


def _export_rows(client, **args) -> list[tuple]:
    import io

    from openpyxl import load_workbook

    response = client.get("/regulator/compliance.xlsx", query_string=args)
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))[1:]


def test_the_page_filters_by_region_kind_and_status_and_the_export_follows(users, client):
    from ..conftest import login

    db.session.commit()
    on = local_today()
    regulator = users["regulator"]
    changchun = db.session.scalar(select(Region).where(Region.code == "220100"))
    every = reference.compliance(_all_mines(), on)
    in_changchun = [r for r in every if changchun.contains(r.mine.region)]
    assert 0 < len(in_changchun) < len(every)
    login(client, regulator.username)
    page = client.get("/regulator/compliance", query_string={"region": "220100"}).text
    shown = {int(i) for i in re.findall(r'data-test="mine-(\d+)"', page)}
    assert shown == {r.mine.id for r in in_changchun}
    problems = client.get(
        "/regulator/compliance", query_string={"region": "220100", "status": "problems"}
    ).text
    assert {int(i) for i in re.findall(r'data-test="mine-(\d+)"', problems)} == {
        r.mine.id for r in in_changchun if not r.ok
    }
    exported = _export_rows(client, region="220100", status="problems")
    assert len(exported) == 5 * sum(not r.ok for r in in_changchun)
    assert {row[0] for row in exported} == {r.mine.name for r in in_changchun if not r.ok}
    coal = _export_rows(client, kind=MineKind.COAL.value)
    assert len(coal) == 5 * sum(r.mine.mine_kind is MineKind.COAL for r in every)
    missed = client.get("/regulator/compliance", query_string={"status": "first_missed"}).text
    assert {int(i) for i in re.findall(r'data-test="mine-(\d+)"', missed)} == {
        r.mine.id for r in every if r.first_assessments_missed
    }
    old_link = client.get("/regulator/compliance?problems=1").text  # the link from before the filters
    assert set(re.findall(r'data-test="mine-(\d+)"', old_link)) == {str(r.mine.id) for r in every if not r.ok}


def test_a_region_outside_the_jurisdiction_is_refused(users, client):
    from ..conftest import login

    db.session.commit()
    login(client, "regulator_jiutai")
    assert client.get("/regulator/compliance", query_string={"region": "222400"}).status_code == 403
    assert client.get("/regulator/compliance.xlsx", query_string={"region": "222400"}).status_code == 403


def test_the_list_is_paged_in_fifties(users, client):
    from ..conftest import login

    for n in range(ops.PAGE_SIZE + 5 - len(_all_mines())):
        make.mine(f"翻页煤矿{n:03d}", region=db.session.scalar(select(Region).where(Region.code == "220113")))
    db.session.commit()
    assert len(_all_mines()) > ops.PAGE_SIZE
    login(client, "regulator")
    first = client.get("/regulator/compliance").text
    second = client.get("/regulator/compliance?page=2").text
    one = re.findall(r'data-test="mine-(\d+)"', first)
    two = re.findall(r'data-test="mine-(\d+)"', second)
    assert len(one) == ops.PAGE_SIZE and two and not set(one) & set(two)
    assert len(one) + len(two) == len(_all_mines()) and 'data-test="next"' in first
    # A page number below one is the first page; one no database offset holds is a 404 with why.
    assert re.findall(r'data-test="mine-(\d+)"', client.get("/regulator/compliance?page=-3").text) == one
    beyond = client.get(f"/regulator/compliance?page={10**20}")
    assert beyond.status_code == 404 and "没有这一页" in beyond.text


def test_the_export_carries_each_mines_departments_and_safety_culture_as_the_page_shows_them(users, client):
    import io

    from openpyxl import load_workbook

    from ..conftest import login

    db.session.commit()
    login(client, users["regulator"].username)
    page = client.get("/regulator/compliance").text
    staffed = {
        int(mine): re.sub(r"<[^>]+>|\s+", "", cell)
        for mine, cell in re.findall(r'data-test="departments-(\d+)">(.*?)</td>', page, re.S)
    }
    overdue = {int(i) for i in re.findall(r'data-test="culture-overdue-(\d+)"', page)}
    names = {int(i): name for i, name in re.findall(r'/regulator/mines/(\d+)">([^<]+)</a>', page)}
    assert staffed and overdue and set(staffed) == set(names)  # the demo has both kinds of mine

    response = client.get("/regulator/compliance.xlsx")
    header, *rows = load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)
    assert header == ops.COMPLIANCE_EXPORT_HEADER
    assert header[-2:] == ("五科配备", "安全文化")
    by_name = {}
    for row in rows:
        by_name.setdefault(row[0], set()).add(row[-2:])
    for mine, name in names.items():
        # one value per mine on each of its five rows, the page's own text (spaces aside)
        ((departments, culture),) = by_name[name]
        assert (departments or "").replace(" ", "") == staffed[mine], name
        assert (culture == "逾期") == (mine in overdue), name
    assert any("空缺" in cell for cell in staffed.values())
