"""班组长 and 一线岗位作业人员 trained and assessed by their own mine (issue 19): the mine as a
training organiser (courses, classes held at the mine, hours on the ledger), its written test
and 岗位实操 assessment, who may see and record them, and the refusals on bad input."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.core.i18n import local_today, local_zone
from training_portal.core.permissions import Role
from training_portal.notifications.models import Notification
from training_portal.organisations.models import MineEnterprise, Region
from training_portal.people.models import Person, PersonnelCategory, Post
from training_portal.people.records import record_json
from training_portal.training import ledger
from training_portal.training import operations as ops
from training_portal.training.models import (
    AssessmentState,
    Course,
    CourseKind,
    MineAssessment,
    TrainingClass,
    VideoVerdict,
)

from ..conftest import csrf_token, login

LEADER = PersonnelCategory.TEAM_LEADER
FRONT = PersonnelCategory.FRONTLINE_WORKER
RUBRIC = "班前安全确认 | 20 | 18\n隐患排查与处置 | 30 | 24\n规程作业演示 | 30 | 24\n应急处置 | 20 | 14"  # 80


def mine(key: str) -> MineEnterprise:
    names = {"longjiabao": "龙嘉堡煤矿", "shuangyang": "长春双阳鑫磊石灰石矿业有限公司"}
    return db.session.scalar(select(MineEnterprise).where(MineEnterprise.name == names[key]))


def holder(post: Post, where: MineEnterprise) -> Person:
    return next(
        p
        for p in db.session.scalars(select(Person).order_by(Person.id))
        if any(x.post is post and x.organisation_id == where.id for x in p.current_posts)
    )


def demo_class(where: MineEnterprise) -> TrainingClass:
    return db.session.scalar(
        select(TrainingClass).join(Course).where(Course.center_id == where.id).order_by(TrainingClass.id)
    )


def at_eight(day) -> datetime:
    return datetime.combine(day, datetime.min.time(), local_zone()).replace(hour=8)


def other_region_regulator():
    """A regulator of 吉林市 (220200): neither mine of the demo lies in its region."""
    jilin = db.session.scalar(select(Region).where(Region.code == "220200"))
    return factories.user(Role.REGULATOR, at=factories.regulator(region=jilin))


# ----------------------------------------------------------------------------- the mine as organiser


def test_a_mine_trains_its_own_people_and_the_hours_reach_the_ledger(users):
    longjiabao = mine("longjiabao")
    officer = users["mine_officer"]
    leader = holder(Post.TEAM_LEADER, longjiabao)
    course = ops.create_course(
        longjiabao,
        "班组长年度再培训",
        CourseKind.ANNUAL,
        targets=[(LEADER, None)],
        modules=[("班组管理", 40)],
        actor=officer,
    )
    assert course.run_by_mine and course.can_manage(officer)
    day = local_today() - timedelta(days=3)
    klass = ops.create_class(course, None, "班组长再培训班", day, day, actor=officer)
    lesson = ops.add_lesson(
        klass, "班组管理", at_eight(day), at_eight(day) + timedelta(hours=3), 40, actor=officer
    )
    ops.enrol(klass, leader, actor=officer, post=Post.TEAM_LEADER)
    ops.sign_in(lesson, leader, at=lesson.starts_at, actor=officer)
    ops.sign_out(lesson, leader, at=lesson.ends_at, actor=officer)

    # No classroom, no camera: the officer's sign-in and sign-out attest the hours, which count
    # where only verified hours do (the policy's default).
    assert lesson.video_verdict is VideoVerdict.MINE_ATTESTED and ledger.verified_only()
    row = next(r for r in ledger.course_year_hours(leader) if r["course"].id == course.id)
    assert row["claimed"] == row["verified"] == 40
    this_year = next(y for y in ledger.ledger(leader) if y.year == day.year)
    assert this_year.done >= 40
    record = record_json(leader)
    entry = next(t for t in record["training"] if t["course"]["id"] == course.id)
    assert entry["course"]["center"] == "龙嘉堡煤矿" and entry["course"]["organiser_kind"] == "mine"
    assert entry["verified_hours"] == 4.0
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action.in_(("course.create", "class.create")),
                AuditEntry.actor_user_id == officer.id,
            )
        )
        >= 2
    )


def test_a_mine_runs_training_for_its_own_people_only(users):
    longjiabao, shuangyang = mine("longjiabao"), mine("shuangyang")
    officer = users["mine_officer"]
    with pytest.raises(ops.TrainingError):  # special operators train at a training center
        ops.create_course(
            longjiabao,
            "瓦斯检查",
            CourseKind.INITIAL,
            targets=[(PersonnelCategory.SPECIAL_OPERATOR, None)],
            modules=[("m", 10)],
            actor=officer,
        )
    course = demo_class(longjiabao).course
    room = factories.classroom()
    with pytest.raises(ops.TrainingError):  # a mine's class is in no center's classroom
        ops.create_class(course, room, "x", local_today(), local_today(), actor=officer)
    with pytest.raises(ops.TrainingError):  # and a center's class needs one of its classrooms
        ops.create_class(
            factories.course(room.center), None, "x", local_today(), local_today(), actor=officer
        )
    stranger = holder(Post.TEAM_LEADER, shuangyang)
    before = len(demo_class(longjiabao).enrolments)
    with pytest.raises(ops.TrainingError, match="不在"):
        ops.enrol(demo_class(longjiabao), stranger, actor=officer, post=Post.TEAM_LEADER)
    assert len(demo_class(longjiabao).enrolments) == before
    assert not course.can_manage(users["mine_officer_shuangyang"]) and not course.can_manage(users["center"])


def test_who_sees_a_mines_training_and_assessments(users, client):
    """The mine's officer and the regulators over the mine (and the inspectorate) see its
    courses, classes, lessons and assessments; another mine's officer, a regulator of another
    county or city, and a training center do not."""
    longjiabao, shuangyang = mine("longjiabao"), mine("shuangyang")
    outsider = other_region_regulator()
    db.session.commit()
    own = demo_class(longjiabao)
    other = demo_class(shuangyang)
    passed = db.session.scalar(select(MineAssessment).where(MineAssessment.state == AssessmentState.PASSED))
    pages = {
        "course": f"/training/courses/{own.course_id}",
        "class": f"/training/classes/{own.id}",
        "lesson": f"/training/lessons/{own.lessons[0].id}",
        "assessment": f"/training/assessments/{passed.id}",
    }
    expected = {
        "mine_officer": 200,
        "regulator_changchun": 200,
        "regulator_jiutai": 200,  # 龙嘉堡 lies in the Jiutai county
        "inspector_national": 200,
        "mine_officer_shuangyang": 403,
        "center": 403,
        outsider.username: 403,
    }

    def as_user(username: str):
        fresh = client.application.test_client()
        password = {"password": factories.PASSWORD} if username == outsider.username else {}
        assert login(fresh, username, **password).status_code == 302
        return fresh

    for username, status in expected.items():
        client = as_user(username)
        for name, path in pages.items():
            assert client.get(path).status_code == status, (username, name)
        listing = client.get("/training/assessments")
        if status == 200:
            assert f'data-assessment="{passed.id}"' in listing.text
        else:
            assert f'data-assessment="{passed.id}"' not in listing.text
        courses = client.get("/training/courses").text
        assert (f'href="/training/courses/{own.course_id}"' in courses) == (status == 200), username
    # 双阳 lies in another county: its class is not the Jiutai regulator's, but the city's.
    for username, status in (("regulator_jiutai", 403), ("regulator_changchun", 200), ("mine_officer", 403)):
        client = as_user(username)
        assert client.get(f"/training/classes/{other.id}").status_code == status, username
    # The inspectorate reads, and records nothing.
    client = as_user("inspector_national")
    pending = db.session.scalar(select(MineAssessment).where(MineAssessment.state == AssessmentState.PENDING))
    response = client.post(
        f"/training/assessments/{pending.id}/practical",
        data={
            "csrf_token": csrf_token(client, f"/training/assessments/{pending.id}"),
            "practical-rubric": RUBRIC,
            "practical-on": local_today().isoformat(),
        },
    )
    assert response.status_code == 403


# ----------------------------------------------------------------------------- the assessment


def test_the_written_and_practical_marks_decide_at_80_and_a_pass_is_valid_three_years(users):
    longjiabao = mine("longjiabao")
    officer = users["mine_officer"]
    worker = holder(Post.FRONTLINE_WORKER, longjiabao)
    leader = holder(Post.TEAM_LEADER, longjiabao)
    day = local_today() - timedelta(days=2)
    failed = ops.record_written(longjiabao, leader, LEADER, 79, on=day, actor=officer)
    assert failed.state is AssessmentState.FAILED and failed.valid_until is None
    with pytest.raises(ops.TrainingError):  # no practical after a failed written test
        ops.record_practical(failed, ops.parse_rubric(RUBRIC), on=day, actor=officer)
    again = ops.record_written(longjiabao, leader, LEADER, 80, on=day, actor=officer)
    assert again.state is AssessmentState.PENDING
    low = ops.parse_rubric(RUBRIC.replace("| 14", "| 13"))  # 79
    assert ops.record_practical(again, low, on=day, actor=officer).state is AssessmentState.FAILED
    assert again.valid_until is None
    # The demo's front-line worker waits for the practical part: 80 passes it.
    pending = db.session.scalar(
        select(MineAssessment).where(
            MineAssessment.person_id == worker.id, MineAssessment.state == AssessmentState.PENDING
        )
    )
    done = ops.record_practical(pending, ops.parse_rubric(RUBRIC), on=day, actor=officer)
    assert done.state is AssessmentState.PASSED and done.practical_score == 80
    assert done.valid_until == day.replace(year=day.year + 3) - timedelta(days=1)
    assert done.valid_on(done.valid_until) and not done.valid_on(done.valid_until + timedelta(days=1))
    section = record_json(worker)["mine_assessments"]
    mine_row = next(a for a in section if a["id"] == done.id)
    assert (mine_row["state"], mine_row["practical_score"], mine_row["assessor"], mine_row["valid"]) == (
        "passed",
        80,
        officer.display_name,
        True,
    )
    # Every decision is audited: three written tests (the demo's front-line worker's among them)
    # and two practical assessments.
    actions = db.session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.object_id.in_([str(failed.id), str(again.id), str(done.id)]),
            AuditEntry.action.like("mine_assessment.%"),
        )
    ).all()
    assert sorted(actions) == sorted(["mine_assessment.written"] * 3 + ["mine_assessment.practical"] * 2)


def test_the_person_is_told_the_result(users):
    longjiabao = mine("longjiabao")
    worker = holder(Post.FRONTLINE_WORKER, longjiabao)
    account = factories.user(Role.TRAINEE, person=worker)
    pending = db.session.scalar(select(MineAssessment).where(MineAssessment.person_id == worker.id))
    ops.record_practical(pending, ops.parse_rubric(RUBRIC), on=local_today(), actor=users["mine_officer"])
    note = db.session.scalar(select(Notification).where(Notification.user_id == account.id))
    assert note.kind == "mine_assessment_decided" and note.link == f"/training/assessments/{pending.id}"


@pytest.mark.parametrize(
    "rubric, on, why",
    [
        ("班前安全确认 | 20 | 18\n应急处置 | 70 | 60", 0, "90"),  # full marks add up to 90
        (
            "班前安全确认 | 20 | 21\n应急处置 | 80 | 60",
            0,
            "班前安全确认",
        ),  # above its full marks
        ("班前安全确认 20 18", 0, "第 1 行"),
        ("班前安全确认 | 二十 | 18", 0, "第 1 行"),
        (RUBRIC, 1, "不能晚于今天"),  # tomorrow
        (RUBRIC, -30, "不能早于笔试"),  # before the written test
    ],
)
def test_a_bad_practical_is_refused_and_nothing_is_written(users, client, rubric, on, why):
    pending = db.session.scalar(select(MineAssessment).where(MineAssessment.state == AssessmentState.PENDING))
    audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assessment_id = pending.id
    db.session.commit()
    login(client, "mine_officer")
    path = f"/training/assessments/{assessment_id}"
    response = client.post(
        f"{path}/practical",
        data={
            "csrf_token": csrf_token(client, path),
            "practical-rubric": rubric,
            "practical-on": (local_today() + timedelta(days=on)).isoformat(),
        },
    )
    assert response.status_code == 422 and why in response.text
    db.session.expire_all()
    again = db.session.get(MineAssessment, assessment_id)
    assert (
        again.state is AssessmentState.PENDING
        and again.practical_score is None
        and again.practical_items == []
    )
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_the_mine_officer_records_a_written_test_and_bad_input_writes_nothing(users, client):
    longjiabao, shuangyang = mine("longjiabao"), mine("shuangyang")
    leader = holder(Post.TEAM_LEADER, longjiabao)
    stranger = holder(Post.TEAM_LEADER, shuangyang)
    db.session.commit()
    login(client, "mine_officer")

    def post(**fields):
        data = {
            "csrf_token": csrf_token(client, "/training/assessments"),
            "written-mine_id": longjiabao.id,
            "written-id_number": leader.id_number,
            "written-category": LEADER.value,
            "written-score": 90,
            "written-on": local_today().isoformat(),
        }
        return client.post(
            "/training/assessments", data=data | {f"written-{k}": v for k, v in fields.items()}
        )

    count = db.session.scalar(select(func.count()).select_from(MineAssessment))
    for bad, why in (
        ({"score": 101}, "0 到 100"),
        ({"score": "八十"}, ""),
        ({"id_number": stranger.id_number}, "不在"),
        ({"category": PersonnelCategory.SPECIAL_OPERATOR.value}, "班组长"),
        ({"mine_id": shuangyang.id}, ""),
        ({"on": (local_today() + timedelta(days=1)).isoformat()}, "不能晚于今天"),
    ):
        response = post(**bad)
        assert response.status_code in (403, 422) and why in response.text, bad
    assert db.session.scalar(select(func.count()).select_from(MineAssessment)) == count
    response = post()
    assert response.status_code == 302
    made = db.session.scalar(select(MineAssessment).order_by(MineAssessment.id.desc()))
    assert (made.person_id, made.state, made.written_score) == (leader.id, AssessmentState.PENDING, 90)
    page = client.get(response.headers["Location"]).text
    assert 'data-test="practical-form"' in page
