"""Online lessons: the video upload checked by content, study through the reports API, the
credited time in the ledger as online hours (capped by the policy), and who may see what."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from proctoring.models import Upload
from training_portal.core import policy, storage
from training_portal.core.db import db, utcnow
from training_portal.core.i18n import local_today
from training_portal.core.permissions import Role
from training_portal.learning import operations as ops
from training_portal.learning.models import Viewing
from training_portal.people.models import Post
from training_portal.training import ledger
from training_portal.training.models import CourseKind, HourCredit

from .. import factories as make
from ..practice.conftest import logged_in
from .conftest import upload


def _open(client, lesson) -> dict:
    opened = client.post("/api/learning/viewings", json={"lesson_id": lesson.id})
    assert opened.status_code == 200, opened.get_json()
    return opened.get_json()


def test_the_upload_is_probed_and_the_trainee_studies_on_the_page(app, world):
    assert world.lesson.has_video and round(world.lesson.duration_s) == 20
    client = logged_in(app, world.trainee)
    page = client.get(f"/learning/lessons/{world.lesson.id}/study")
    assert page.status_code == 200 and "入井安全须知" in page.text
    video = client.get(f"/learning/lessons/{world.lesson.id}/video", headers={"Range": "bytes=0-99"})
    assert video.status_code == 206 and len(video.data) == 100  # seekable on a phone
    assert "入井安全须知" in client.get("/learning/").text


def test_reports_through_the_api_credit_only_after_the_check(app, world):
    client = logged_in(app, world.trainee)
    viewing = _open(client, world.lesson)
    body = {"token": viewing["token"], "playing": True, "muted": False, "visible": True, "rate": 1.0}
    first = client.post(
        f"/api/learning/viewings/{viewing['id']}/reports",
        json={**body, "seq": 1, "position": 0, "interacted": True},
    )
    assert first.get_json()["reason"] == "started"
    again = client.post(
        f"/api/learning/viewings/{viewing['id']}/reports",
        json={**body, "seq": 1, "position": 0, "interacted": True},
    )
    assert again.status_code == 409  # the same sequence number twice
    skipped = client.post(
        f"/api/learning/viewings/{viewing['id']}/reports",
        json={**body, "seq": 2, "position": 19, "interacted": True},
    )
    assert skipped.get_json()["reason"] == "skipped" and skipped.get_json()["credited_s"] == 0
    bad = client.post(
        f"/api/learning/viewings/{viewing['id']}/reports", json={**body, "seq": 3, "position": "x"}
    )
    assert bad.status_code == 422


def test_a_watched_lesson_goes_to_the_ledger_as_online_hours(app, world):
    row = ops.open_viewing(world.trainee.person, world.lesson)
    token, now = row.token, utcnow()
    flags = {"playing": True, "muted": False, "visible": True, "rate": 1.0, "interacted": True}
    checks = 0
    for seq in range(1, 6):
        at = now + timedelta(seconds=5 * seq)
        answer = ops.report(row, token, {"seq": seq, "position": (seq - 1) * 5.0, **flags}, now=at)
        if answer["check"] is not None:  # answered at once, rightly
            checks += 1
            assert answer["check"]["stem"].startswith("确认题：")
            done = ops.answer_check(row, token, row.check["answer"], actor=world.trainee, now=at)
            assert done["right"] and done["pending_s"] == 0
    assert checks >= 1 and row.credited_s == 20  # the end of the video asks the last check
    # 20 s is not a tenth of a 学时 (4.5 min): the ledger gets nothing yet; 45 min give 1 学时.
    assert db.session.scalar(select(func.count()).select_from(HourCredit)) == 0
    row.credited_s = 45 * 60
    ops._credit(row, actor=world.trainee, now=now)
    credit = db.session.scalar(select(HourCredit))
    assert (credit.source, credit.tenths, credit.attendance_id, credit.year) == (
        "online",
        10,
        None,
        local_today().year,
    )


def _online(person, course, tenths):
    db.session.add(
        HourCredit(
            source="online",
            person_id=person.id,
            course_id=course.id,
            year=local_today().year,
            tenths=tenths,
            earned_on=local_today(),
        )
    )
    db.session.flush()


def test_online_hours_fill_the_years_requirement_only_up_to_the_policys_share(ctx):
    mine = make.mine()
    person = make.person(employer=mine, post=Post.PRINCIPAL)  # 16 学时 a year
    course = make.course(kind=CourseKind.ANNUAL, category=make.PersonnelCategory.PRINCIPAL)
    _online(person, course, 150)
    line = ledger.ledger(person)[-1]
    assert (line.required.tenths, line.verified, line.deficit) == (160, 120, 40)  # 75 % of 16
    people = select(make.Person).where(make.Person.id == person.id)
    assert [p.id for p, _ in ledger.deficits(people, local_today().year)] == [person.id]
    assert ledger.deficit_count(people, local_today().year) == 1
    policy.set_value("training.online_share_max", {"annual": 100}, actor=make.admin())
    assert ledger.ledger(person)[-1].deficit == 10
    _online(person, course, 10)
    assert ledger.deficit_count(people, local_today().year) == 0 and not ledger.deficits(
        people, local_today().year
    )


def test_online_hours_of_two_kinds_fill_at_most_the_largest_share_of_the_requirement(ctx):
    person = make.person(employer=make.mine(), post=Post.PRINCIPAL)  # 16 学时 a year
    annual = make.course(kind=CourseKind.ANNUAL, category=make.PersonnelCategory.PRINCIPAL)
    continuing = make.course(kind=CourseKind.CONTINUING, category=make.PersonnelCategory.PRINCIPAL)
    _online(person, annual, 120)  # 75 % each: 12 学时 + 12 学时 would fill the 16
    _online(person, continuing, 120)
    line = ledger.ledger(person)[-1]
    assert (line.required.tenths, line.verified, line.deficit) == (160, 120, 40)
    people = select(make.Person).where(make.Person.id == person.id)
    year = local_today().year
    assert [p.id for p, _ in ledger.deficits(people, year)] == [person.id]
    assert ledger.deficit_count(people, year) == 1
    assert ledger.deficit_counts_by(people, year, {})[0] == 1


def test_hours_per_course_show_online_hours_apart_from_the_verified(app, ctx):
    person = make.person(employer=make.mine(), post=Post.PRINCIPAL)
    trainee = make.user(Role.TRAINEE, person=person)
    course = make.course(kind=CourseKind.ANNUAL, category=make.PersonnelCategory.PRINCIPAL)
    _online(person, course, 150)  # more than the 75 % of 16 学时 the year may count
    [row] = ledger.course_year_hours(person)
    assert (row["claimed"], row["verified"], row["online"]) == (150, 0, 150)
    db.session.commit()
    page = logged_in(app, trainee).get("/training/me").text
    assert "线上学时计入当年要求学时时，最多只计政策规定的比例" in page


def test_initial_training_for_an_exam_counts_online_hours_as_verified_up_to_a_quarter(ctx):
    person = make.person(operation_type=make.GAS, employer=make.mine())
    course = make.course()  # initial training of gas inspectors: 72 学时
    _online(person, course, 720)
    check = ledger.training_check(person, make.PersonnelCategory.SPECIAL_OPERATOR, make.GAS, local_today())
    assert (check.ok, check.have, check.need) == (False, 180, 720)


def test_a_file_that_is_not_a_video_is_refused_and_nothing_is_kept(app, world):
    client = logged_in(app, world.center_user)
    staged = set(storage.staging_files())  # other tests of the session may leave theirs
    answer = upload(client, {"lesson_id": world.lesson.id}, b"%PDF-1.4 not a video at all" * 100)
    assert answer.status_code == 422 and answer.get_json()["reason"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 0
    assert set(storage.staging_files()) == staged


def test_materials_must_be_pdfs(app, world):
    client = logged_in(app, world.center_user)
    page = f"/learning/lessons/{world.lesson.id}/materials"
    refused = client.post(
        page, data={"title": "讲义", "file": (__import__("io").BytesIO(b"MZ\x90 an exe"), "讲义.pdf")}
    )
    assert refused.status_code == 422 and "PDF" in refused.text
    stored = client.post(
        page, data={"title": "讲义", "file": (__import__("io").BytesIO(b"%PDF-1.4\n%%EOF"), "讲义.pdf")}
    )
    assert stored.status_code == 303
    trainee = logged_in(app, world.trainee)
    material = world.lesson.materials[0]
    assert trainee.get(f"/learning/materials/{material.id}.pdf").data.startswith(b"%PDF-")


def test_another_centers_trainee_or_regulator_sees_nothing(app, world):
    lesson = world.lesson
    outsider = make.user(Role.TRAINEE)  # on no roster of the course
    far_regulator = make.user(Role.REGULATOR, at=make.regulator(region=make.region("外地")))
    near_regulator = make.user(Role.REGULATOR, at=make.regulator(region=lesson.course.center.region))
    db.session.commit()
    client = logged_in(app, outsider)
    assert client.get(f"/learning/lessons/{lesson.id}/study").status_code == 404
    assert client.get(f"/learning/lessons/{lesson.id}/video").status_code == 404
    assert client.post("/api/learning/viewings", json={"lesson_id": lesson.id}).status_code == 404
    mine = ops.open_viewing(world.trainee.person, lesson)
    db.session.commit()
    report = {
        "token": mine.token,
        "seq": 1,
        "position": 0,
        "playing": True,
        "muted": False,
        "visible": True,
        "rate": 1,
        "interacted": True,
    }
    assert client.post(f"/api/learning/viewings/{mine.id}/reports", json=report).status_code == 404
    assert logged_in(app, far_regulator).get(f"/learning/lessons/{lesson.id}").status_code == 403
    table = logged_in(app, near_regulator).get(f"/learning/lessons/{lesson.id}")
    assert table.status_code == 200 and world.trainee.person.name in table.text
    other_staff = make.user(Role.CENTER_STAFF)
    db.session.commit()
    assert upload(logged_in(app, other_staff), {"lesson_id": lesson.id}, b"x").status_code == 403


def test_a_second_page_takes_over_and_the_first_one_stops_counting(app, world):
    first = ops.open_viewing(world.trainee.person, world.lesson)
    old = first.token
    ops.open_viewing(world.trainee.person, world.lesson)
    try:
        ops.report(
            first,
            old,
            {
                "seq": 1,
                "position": 0,
                "playing": True,
                "muted": False,
                "visible": True,
                "rate": 1,
                "interacted": True,
            },
        )
    except ops.LearningError as exc:
        assert exc.status == 409 and exc.field == "token"  # the old page stops reporting
    else:
        raise AssertionError("the old page's report was taken")
    assert db.session.scalar(select(func.count()).select_from(Viewing)) == 1


def test_a_video_over_the_policys_size_is_refused_before_a_byte_is_sent(app, world):
    policy.set_value("learning.video_max_mb", 1, actor=make.admin())
    db.session.commit()
    client = logged_in(app, world.center_user)
    answer = client.post(
        "/api/learning/uploads", json={"lesson_id": world.lesson.id, "size": 2 * 2**20, "filename": "大.mp4"}
    )
    assert answer.status_code == 422 and answer.get_json()["reason"] == "文件超过 1 MB。"


def test_the_course_page_leads_its_organiser_and_regulators_to_the_online_lessons(app, world):
    course = world.lesson.course
    near_regulator = make.user(Role.REGULATOR, at=make.regulator(region=course.center.region))
    db.session.commit()
    link = f'href="/learning/courses/{course.id}"'
    for user, sees in ((world.center_user, True), (near_regulator, True), (world.trainee, False)):
        page = logged_in(app, user).get(f"/training/courses/{course.id}")
        assert page.status_code == 200
        assert (link in page.text) is sees, user.username
        if sees:
            assert logged_in(app, user).get(f"/learning/courses/{course.id}").status_code == 200


def _second_lesson(world):
    """Another lesson of the course with the same stored video (no second upload)."""
    first = world.lesson
    lesson = ops.add_lesson(first.course, "第二课", actor=world.center_user)
    for field in ("video_key", "video_sha256", "video_bytes", "duration_s", "width", "height"):
        setattr(lesson, field, getattr(first, field))
    db.session.flush()
    return lesson


def test_two_lessons_played_side_by_side_earn_only_one_at_a_time(app, world):
    person = world.trainee.person
    a = ops.open_viewing(person, world.lesson)
    b = ops.open_viewing(person, _second_lesson(world))
    flags = {"playing": True, "muted": False, "visible": True, "rate": 1.0, "interacted": True}
    now = utcnow()

    def play(row, seq, seconds):
        at = now + timedelta(seconds=seconds)
        return ops.report(row, row.token, {"seq": seq, "position": seconds * 1.0, **flags}, now=at)

    assert play(a, 1, 0)["reason"] == play(b, 1, 0)["reason"] == "started"
    assert play(a, 2, 5)["reason"] == "counted"
    parallel = play(b, 2, 5)
    assert (parallel["reason"], parallel["earned_s"]) == ("parallel", 0)
    assert play(a, 3, 10)["earned_s"] == 5 and play(b, 3, 10)["reason"] == "parallel"
    assert a.pending_s == 10 and b.pending_s == 0 and b.refused == {"parallel": 10}
    # The other window stopped reporting longer than a report gap ago: the second counts again.
    assert play(b, 4, 45)["reason"] == "counted"
    db.session.commit()
    client = logged_in(app, world.center_user)
    assert "同时在看另一个视频" in client.get(f"/learning/lessons/{b.lesson_id}").text


def test_numbers_too_large_for_the_database_are_refused_with_a_reason(app, world):
    client = logged_in(app, world.trainee)
    viewing = _open(client, world.lesson)
    flags = {"token": viewing["token"], "playing": True, "muted": False, "visible": True, "rate": 1.0}
    reports = f"/api/learning/viewings/{viewing['id']}/reports"
    for bad in (
        {"seq": 1, "position": 10**400},
        {"seq": 10**30, "position": 0},
        {"seq": 2**31, "position": 0},
    ):
        answer = client.post(reports, json={**flags, "interacted": True, **bad})
        assert answer.status_code == 422 and answer.get_json()["reason"], bad
    for path in ("/api/learning/viewings", "/api/learning/uploads"):
        answer = client.post(path, json={"lesson_id": 10**30, "size": 10, "filename": "a.mp4"})
        assert answer.status_code == 400 and "lesson_id" in answer.get_json()["reason"]
    staff = logged_in(app, world.center_user)
    answer = staff.post("/api/learning/uploads", json={"film_id": 2**31, "size": 10, "filename": "a.mp4"})
    assert answer.status_code == 400
    db.session.expire_all()
    assert db.session.get(Viewing, viewing["id"]).seq == 0  # nothing was counted
    for url in (f"/learning/lessons/{10**30}/study", f"/learning/films/{2**63}/watch"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/api/learning/viewings/{2**40}/reports", json=flags).status_code == 404
    assert client.get(f"/learning/lessons/{2**40}/study").status_code == 404


def test_a_trainee_taken_off_the_roster_after_opening_earns_nothing(app, world):
    from training_portal.training.models import Enrolment

    client = logged_in(app, world.trainee)
    viewing = _open(client, world.lesson)
    base = f"/api/learning/viewings/{viewing['id']}"
    flags = {"token": viewing["token"], "playing": True, "muted": False, "visible": True, "rate": 1.0}
    assert (
        client.post(
            f"{base}/reports", json={**flags, "seq": 1, "position": 0, "interacted": True}
        ).status_code
        == 200
    )
    db.session.execute(Enrolment.__table__.delete().where(Enrolment.person_id == world.trainee.person_id))
    db.session.commit()
    answers = [
        client.post(f"{base}/reports", json={**flags, "seq": 2, "position": 5, "interacted": True}),
        client.post(f"{base}/check", json={"token": viewing["token"], "answer": 0}),
        client.post(f"{base}/still-here", json={"token": viewing["token"]}),
    ]
    assert [a.status_code for a in answers] == [409] * 3
    assert (
        "no longer on the list" in answers[0].get_json()["reason"]
        or "名单" in answers[0].get_json()["reason"]
    )
    db.session.expire_all()
    row = db.session.get(Viewing, viewing["id"])
    assert (row.seq, row.credited_s, row.pending_s) == (1, 0, 0)


def test_online_hours_keep_the_day_they_were_earned_and_leave_the_exam_window(app, world):
    from datetime import UTC, date, datetime

    person = make.person(operation_type=make.GAS, employer=make.mine())
    course = make.course()  # initial training of gas inspectors: 72 学时, a quarter online
    lesson = ops.add_lesson(course, "瓦斯检查", actor=world.center_user)
    for field in ("video_key", "video_sha256", "video_bytes", "duration_s", "width", "height"):
        setattr(lesson, field, getattr(world.lesson, field))
    viewing = ops.open_viewing(person, lesson)
    tenth = policy.get("training.minutes_per_hour") * 60 / 10
    year = local_today().year - 1
    viewing.credited_s = 100 * tenth  # 10 学时 in January
    ops._credit(viewing, actor=world.trainee, now=datetime(year, 1, 10, 4, tzinfo=UTC))
    viewing.credited_s = 150 * tenth  # 5 more in December
    ops._credit(viewing, actor=world.trainee, now=datetime(year, 12, 1, 4, tzinfo=UTC))
    rows = db.session.scalars(select(HourCredit).order_by(HourCredit.earned_on)).all()
    assert [(r.earned_on, r.tenths) for r in rows] == [(date(year, 1, 10), 100), (date(year, 12, 1), 50)]

    def have(on):
        return ledger.training_check(person, make.PersonnelCategory.SPECIAL_OPERATOR, make.GAS, on).have

    policy.set_value("training.hours_window_months", 12, actor=make.admin())
    # Within twelve months of the check only December's hours count; January's have gone.
    assert have(date(year, 12, 31)) == 150 and have(date(year + 1, 6, 1)) == 50


def test_a_material_larger_than_the_policy_is_refused_and_the_default_fits_the_request_limit(app, world):
    import io

    assert policy.get("learning.material_max_mb") * 2**20 <= app.config["MAX_CONTENT_LENGTH"]
    policy.set_value("learning.material_max_mb", 1, actor=make.admin())
    db.session.commit()
    client = logged_in(app, world.center_user)
    big = b"%PDF-1.4\n" + b"0" * 2**20
    refused = client.post(
        f"/learning/lessons/{world.lesson.id}/materials",
        data={"title": "讲义", "file": (io.BytesIO(big), "a.pdf")},
    )
    assert refused.status_code == 422 and "1 MB" in refused.text
    db.session.expire_all()
    assert db.session.get(type(world.lesson), world.lesson.id).materials == []
