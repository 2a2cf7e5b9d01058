"""Regulator officials' own training (issue 21, item 4): courses for 监管干部 and who may run
them, the 第一课 and the required hours, the record per official, and the list of those short
for their unit's head only (jurisdiction), with its Excel export."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests import factories
from training_portal.core import policy
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.core.i18n import local_today
from training_portal.core.permissions import Role
from training_portal.demo.staff_training import FIRST_LESSON
from training_portal.organisations.models import Region, RegulatorUnit
from training_portal.people.models import Person, PersonnelCategory, Post
from training_portal.staff_training import operations as staff_ops
from training_portal.staff_training import records
from training_portal.staff_training.models import StaffCourseForm, StaffTopic
from training_portal.training import operations as ops
from training_portal.training.models import Course, CourseKind, HourCredit, VideoVerdict

from ..conftest import login

OFFICIAL = PersonnelCategory.REGULATOR_OFFICIAL


def as_user(client, username: str, password: str | None = None) -> None:
    """Log in as ``username`` on a client with no session (another user's log-in is gone)."""
    client._cookies.clear()
    login(client, username, *([password] if password else []))


def unit(name: str) -> RegulatorUnit:
    return db.session.scalar(select(RegulatorUnit).where(RegulatorUnit.name == name))


def year_of(person):
    (row,) = records.years_of([person], local_today().year)
    return row


def topic(key: str) -> StaffTopic:
    return db.session.scalar(select(StaffTopic).where(StaffTopic.key == key))


def officials_course(where, title, tenths, *, first=False, actor=None):
    course = ops.create_course(
        where, title, CourseKind.SPECIAL, targets=[(OFFICIAL, None)], modules=[("模块", tenths)], actor=actor
    )
    staff_ops.set_profile(
        course,
        topic("water" if not first else "political_theory"),
        StaffCourseForm.SEMINAR,
        first,
        actor=actor,
    )
    return course


def held(course, on):
    """A class held at the unit (no classroom) on ``on``."""
    return ops.create_class(course, None, "班", on, on + timedelta(days=2), actor=factories.admin())


def attend(course, people, tenths, back=10):
    klass = held(course, local_today() - timedelta(days=back))
    lesson = factories.lesson(klass, tenths=tenths)
    for person in people:
        ops.enrol(klass, person, actor=factories.admin())
        ops.sign_in(lesson, person, at=lesson.starts_at, actor=factories.admin())
        ops.sign_out(lesson, person, at=lesson.ends_at, actor=factories.admin())
    return lesson


def test_required_hours_come_from_the_policy_and_the_first_lesson_is_required_besides(ctx):
    admin = factories.admin()
    province = factories.regulator(region=factories.region())
    official = factories.person(
        employer=province, post=Post.REGULATOR_OFFICIAL, since=local_today().replace(year=2020)
    )
    assert year_of(official).required == 400  # 40 学时, the default for 监管干部

    lesson = attend(officials_course(province, "水害防治专题培训班", 400, actor=admin), [official], 400)
    assert lesson.video_verdict is VideoVerdict.UNIT_ATTESTED  # no classroom: the unit attests
    row = year_of(official)
    assert (row.done, row.short, row.first_lesson) == (400, 0, None)
    assert not row.complete and row.missing == ["未参加“第一课”"]

    attend(officials_course(province, FIRST_LESSON, 40, first=True, actor=admin), [official], 40, back=20)
    row = year_of(official)
    assert row.complete and row.first_lesson.course == FIRST_LESSON
    assert not row.first_lesson_late  # the 第一课 came before the 水害 class
    assert dict(row.by_topic) == {"水害防治": 400, "政治理论（第一课）": 40}

    late = factories.person(employer=province, post=Post.REGULATOR_OFFICIAL)
    attend(
        db.session.scalar(select(Course).where(Course.title == "水害防治专题培训班")), [late], 400, back=12
    )
    attend(db.session.scalar(select(Course).where(Course.title == FIRST_LESSON)), [late], 40, back=3)
    row = year_of(late)
    assert row.complete and row.first_lesson_late  # counted all the same, but flagged
    assert row.trained_since < row.first_lesson.on == local_today() - timedelta(days=3)

    policy.set_value(
        "training.annual_hours", policy.get("training.annual_hours") | {"regulator_official": 48}, actor=admin
    )
    row = year_of(official)
    assert (row.required, row.short, row.complete) == (480, 40, False)


def test_who_may_organise_officials_courses(ctx):
    admin = factories.admin()
    province = factories.regulator(region=factories.region())
    with pytest.raises(ops.TrainingError, match="只为监管干部"):
        ops.create_course(
            province,
            "x",
            CourseKind.SPECIAL,
            targets=[(PersonnelCategory.PRINCIPAL, None)],
            modules=[("m", 10)],
            actor=admin,
        )
    with pytest.raises(ops.TrainingError):  # a mine trains only its own team leaders and front line
        ops.create_course(
            factories.mine(),
            "x",
            CourseKind.SPECIAL,
            targets=[(OFFICIAL, None)],
            modules=[("m", 10)],
            actor=admin,
        )
    with pytest.raises(ops.TrainingError, match="没有需要复审的证书"):
        ops.create_course(
            province, "x", CourseKind.REVIEW, targets=[(OFFICIAL, None)], modules=[("m", 10)], actor=admin
        )
    center_course = ops.create_course(
        factories.center(),
        "应急大讲堂",
        CourseKind.SPECIAL,
        targets=[(OFFICIAL, None)],
        modules=[("m", 10)],
        actor=admin,
    )
    assert not center_course.held_outside_classroom
    # a regulator of the unit runs its courses; a regulator elsewhere does not
    course = officials_course(province, "瓦斯", 40, actor=admin)
    assert course.can_manage(factories.user(Role.REGULATOR, at=province))
    assert not course.can_manage(
        factories.user(Role.REGULATOR, at=factories.regulator(region=factories.region()))
    )
    assert not course.can_manage(factories.user(Role.CENTER_STAFF))
    # only officials of the unit's region sit its classes
    klass = held(course, local_today())
    stranger = factories.person(employer=factories.mine(), post=Post.MINE_DIRECTOR)
    with pytest.raises(ops.TrainingError, match="不是.*监管干部"):
        ops.enrol(klass, stranger, actor=admin)
    elsewhere = factories.person(
        employer=(u := factories.regulator(region=factories.region())), post=Post.REGULATOR_OFFICIAL
    )
    with pytest.raises(ops.TrainingError, match="不是.*监管干部"):
        ops.enrol(klass, elsewhere, actor=admin)
    assert u is not None


def test_a_course_gets_its_topic_and_first_lesson_flag_from_its_organiser(users, client):
    course = db.session.scalar(select(Course).where(Course.title == FIRST_LESSON))
    as_user(client, "regulator_jiutai")  # the province's course: not the county's to change
    assert b'data-test="staff-profile"' not in client.get(f"/training/courses/{course.id}").data
    assert client.post(
        f"/staff-training/courses/{course.id}/profile", data={"form": "seminar"}
    ).status_code in (400, 403)
    as_user(client, "regulator")
    page = client.get(f"/training/courses/{course.id}").get_data(as_text=True)
    assert 'data-test="staff-profile"' in page and "第一课" in page
    from ..conftest import token_in

    water = topic("water")
    answer = client.post(
        f"/staff-training/courses/{course.id}/profile",
        data={"csrf_token": token_in(page), "topic_id": water.id, "form": "lecture", "first_lesson": ""},
    )
    assert answer.status_code == 302
    row = staff_ops.profile(course)
    assert (row.topic.key, row.form, row.first_lesson) == ("water", StaffCourseForm.LECTURE, False)
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "staff_course.profile").order_by(AuditEntry.id.desc())
    )


def _names(html: str, people) -> set[str]:
    """The people named in the page's list of officials (the top bar names the user)."""
    table = html[html.index('data-test="officials"') :].split("</table>")[0]
    return {p.name for p in people if p.name in table}


def test_the_short_list_is_for_the_units_head_and_those_above_only(users, client):
    demo_people = [users[k].person for k in ("regulator_changchun", "regulator_jiutai", "regulator")]
    colleague = next(
        p
        for p in records.officials_of([unit("长春市应急管理局")], local_today())
        if p.id != demo_people[0].id
    )
    everyone = [*demo_people, colleague]

    as_user(client, "regulator_changchun")  # 长春: its own officials and 九台's below it
    html = client.get("/staff-training/officials?short=1").get_data(as_text=True)
    assert _names(html, everyone) == {colleague.name, users["regulator_jiutai"].person.name}
    html = client.get("/staff-training/officials").get_data(as_text=True)
    assert _names(html, everyone) == {
        colleague.name,
        users["regulator_jiutai"].person.name,
        users["regulator_changchun"].person.name,
    }

    as_user(client, "regulator_jiutai")  # the county's head never sees the city's officials
    html = client.get("/staff-training/officials").get_data(as_text=True)
    assert _names(html, everyone) == {users["regulator_jiutai"].person.name}
    assert client.get(f"/staff-training/officials/{colleague.id}").status_code == 404

    jilin = db.session.scalar(select(Region).where(Region.code == "220200"))  # another city
    other = factories.user(Role.REGULATOR, at=factories.regulator(region=jilin), username="reg_jilin")
    db.session.commit()
    as_user(client, other.username, factories.PASSWORD)
    html = client.get("/staff-training/officials").get_data(as_text=True)
    assert _names(html, everyone) == set()
    assert client.get(f"/staff-training/officials/{colleague.id}").status_code == 404

    as_user(client, "mine_officer")
    assert client.get("/staff-training/officials").status_code == 403


def test_the_record_page_and_the_officials_own_view(users, client):
    jiutai = users["regulator_jiutai"].person
    as_user(client, "regulator_jiutai")
    answer = client.get("/staff-training/me")
    assert answer.status_code == 302 and answer.location.endswith(f"/staff-training/officials/{jiutai.id}")
    assert f"/staff-training/officials/{jiutai.id}" in client.get("/training/me").text  # 我的培训 links it
    html = client.get(answer.location).get_data(as_text=True)
    assert "隐蔽致灾因素普查" in html and "36 / 40" in html and "未参加“第一课”" in html
    as_user(client, "trainee")
    assert client.get(f"/staff-training/officials/{jiutai.id}").status_code == 404
    assert client.get(f"/staff-training/officials/{users['trainee'].person_id}").status_code == 404


def test_the_export_lists_what_the_page_lists(users, client):
    as_user(client, "regulator_changchun")
    answer = client.get("/staff-training/officials.xlsx?short=1")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.data)).worksheets[0]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert len(rows) == 3  # header and the two short of hours
    jiutai = next(r for r in rows if r[0] == users["regulator_jiutai"].person.name)
    assert jiutai[1:6] == ["长春市九台区应急管理局", None, 36, 40, 4]  # numbers, which sum


def test_topics_are_an_administrators_editable_list(users, client):
    as_user(client, "admin")
    from ..conftest import token_in

    page = client.get("/staff-training/topics").get_data(as_text=True)
    assert "隐蔽致灾因素普查" in page
    answer = client.post(
        "/staff-training/topics",
        data={"csrf_token": token_in(page), "key": "tailings", "name": "尾矿库安全", "position": 9},
    )
    assert answer.status_code == 302 and topic("tailings").name == "尾矿库安全"
    answer = client.post(
        "/staff-training/topics",
        data={"csrf_token": token_in(page), "key": "tailings", "name": "x", "position": 9},
    )
    assert answer.status_code == 409
    as_user(client, "regulator")
    assert client.get("/staff-training/topics").status_code == 403


def test_officials_are_counted_by_their_own_rule_not_in_the_mine_staff_deficits(users, client):
    """An official short of hours is on their unit head's list (which also asks the 第一课), and
    not among the mine staff short of re-training: no deficits list, dashboard figure or reminder."""
    from training_portal.regulator import dashboard as board
    from training_portal.training import ledger

    jiutai = users["regulator_jiutai"].person
    today = local_today()
    assert year_of(jiutai).short == 40
    as_user(client, "regulator_changchun")
    assert jiutai.name in _names(client.get("/staff-training/officials?short=1").text, [jiutai])

    assert ledger.required(jiutai, today.year).tenths == 0
    just_jiutai = select(Person).where(Person.id == jiutai.id)
    assert ledger.deficits(just_jiutai, today.year) == []
    assert ledger.deficit_count(just_jiutai, today.year) == 0
    assert jiutai.id not in ledger.deficit_people_ids(today.year)
    province = board.region_for(users["regulator"], None)
    figure, listing = board.METRICS["deficits"].compute(province, today)
    assert listing.rows and jiutai.id_number not in {row[1] for row in listing.rows}
    assert board.figure(board.METRICS["deficits"], province, today).value == figure.value


def test_an_official_appointed_during_the_year_owes_the_months_left(ctx):
    """Officials have no initial training: in the year of appointment they owe the year's hours
    pro rata to the months left (the appointment's month included), and the 第一课 besides."""
    province = factories.regulator(region=factories.region())
    year = local_today().year

    def owed(since):
        (row,) = records.years_of(
            [factories.person(employer=province, post=Post.REGULATOR_OFFICIAL, since=since)], year
        )
        return row

    assert owed(local_today().replace(year=year - 1, month=12, day=31)).required == 400
    assert owed(local_today().replace(month=1, day=20)).required == 400
    july = owed(local_today().replace(month=7, day=1))
    assert july.required == 200 and july.missing == ["未参加“第一课”", "差 20 学时"]
    assert owed(local_today().replace(month=12, day=3)).required == 33  # one month of 40 学时
    assert owed(local_today().replace(year=year + 1, month=1, day=1)).required == 0


def _online(person, course, tenths):
    """Online study of one of the course's lesson videos (as ``learning`` credits it)."""
    db.session.add(
        HourCredit(
            source="online",
            person_id=person.id,
            course_id=course.id,
            year=local_today().year,
            tenths=tenths,
            earned_on=local_today() - timedelta(days=1),
        )
    )
    db.session.flush()


def test_online_study_counts_for_officials_up_to_its_share(ctx):
    """Officials' online hours count as verified, up to the policy's share of the year's hours
    for the course's kind (专题: 50 %), as they do in the ledger; a 第一课 studied online counts."""
    admin = factories.admin()
    province = factories.regulator(region=factories.region())
    official = factories.person(employer=province, post=Post.REGULATOR_OFFICIAL)
    water = officials_course(province, "水害防治专题培训班", 100, actor=admin)
    attend(water, [official], 100)
    _online(official, water, 150)
    row = year_of(official)
    assert (row.required, row.done, row.first_lesson) == (400, 250, None)

    _online(official, water, 150)  # 300 online: 200 of them count (half of 40 学时)
    assert (year_of(official).done, year_of(official).by_topic) == (300, [("水害防治", 300)])
    _online(official, officials_course(province, FIRST_LESSON, 40, first=True, actor=admin), 40)
    row = year_of(official)
    assert row.first_lesson is not None and row.first_lesson.course == FIRST_LESSON
    assert row.done == 300 and row.missing == ["差 10 学时"]  # the share is full: the 第一课 adds none


def test_a_past_year_lists_the_officials_of_that_year(users, client):
    """A past year's list, export and record are those of the officials of that year: one who
    left on 31 December is in last year's, not this year's; one appointed on 1 January the reverse."""
    changchun = unit("长春市应急管理局")
    today = local_today()
    last = today.year - 1
    left = factories.person(
        "离任干部甲", employer=changchun, post=Post.REGULATOR_OFFICIAL, since=date(2020, 1, 1)
    )
    left.posts[0].ended_on = date(last, 12, 31)
    new = factories.person(
        "新任干部乙", employer=changchun, post=Post.REGULATOR_OFFICIAL, since=date(today.year, 1, 1)
    )
    db.session.commit()

    as_user(client, "regulator_changchun")
    assert _names(client.get(f"/staff-training/officials?year={last}").text, [left, new]) == {left.name}
    assert _names(client.get("/staff-training/officials").text, [left, new]) == {new.name}
    sheet = load_workbook(io.BytesIO(client.get(f"/staff-training/officials.xlsx?year={last}").data)).active
    names = {r[0]: r[1] for r in sheet.iter_rows(values_only=True)}
    assert names[left.name] == "长春市应急管理局" and new.name not in names

    assert client.get(f"/staff-training/officials/{left.id}?year={last}").status_code == 200
    assert client.get(f"/staff-training/officials/{left.id}").status_code in (403, 404)  # not this year's
    (row,) = records.years_of([left], today.year)
    assert row.units == []


def test_the_record_page_tells_nobody_who_is_an_official(users, client):
    """An official not yours, a person who is no official and no person at all get the same
    answer: the record's address reveals nothing to whoever may not see it."""
    changchun = users["regulator_changchun"].person  # an official, but not 九台's
    trainee = users["trainee"].person  # no official
    as_user(client, "regulator_jiutai")
    ids = (changchun.id, trainee.id, 10**9)
    answers = [client.get(f"/staff-training/officials/{i}") for i in ids]
    assert [a.status_code for a in answers] == [404, 404, 404]
    pages = {a.text.replace(f"/officials/{i}", "/officials/ID") for a, i in zip(answers, ids, strict=True)}
    assert len(pages) == 1 and "没有这份监管干部培训档案" in answers[0].text
