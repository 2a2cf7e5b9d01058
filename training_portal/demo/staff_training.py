"""The demo of regulator officials' own training (issue 21, item 4): the provincial regulator's
第一课 of the year and a 专题培训班 on 隐蔽致灾因素普查. Of 长春's officials, `regulator_changchun`
attended both (complete), a colleague sat the 第一课 and one day of the class (short of hours);
九台's `regulator_jiutai` sat the whole class but not the 第一课."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..core.db import db
from ..core.i18n import local_today, local_zone
from ..people.models import Education, PersonnelCategory, Post
from ..staff_training import operations as staff_ops
from ..staff_training.models import StaffCourseForm, StaffTopic
from ..training import operations as training_ops
from ..training.models import Course, CourseKind

FIRST_LESSON = "监管干部第一课"
SEMINAR = "隐蔽致灾因素普查专题培训班"


def seed(seeder) -> None:
    unit = seeder.orgs["reg_province"]
    if db.session.scalar(select(Course.id).where(Course.center_id == unit.id, Course.title == FIRST_LESSON)):
        return
    colleague = seeder.person(
        "changchun_official", "reg_changchun", education=Education.MASTER, years=6, born=1990, male=False
    )
    seeder.post(colleague, Post.REGULATOR_OFFICIAL, "reg_changchun", date(2021, 3, 1))
    changchun, jiutai = seeder.people["regulator_changchun"], seeder.people["regulator_jiutai"]
    actor = db.session.scalar(select(User).where(User.username == "regulator"))
    today, zone = local_today(), local_zone()

    def day(back: int) -> date:
        return max(date(today.year, 1, 1), today - timedelta(days=back))

    def at(on: date, hour: int, minute: int = 0) -> datetime:
        return datetime(on.year, on.month, on.day, hour, minute, tzinfo=zone)

    def topic(key: str) -> StaffTopic:
        return db.session.scalar(select(StaffTopic).where(StaffTopic.key == key))

    def course(title, modules, topic_key, form, first, people, lessons):
        made = training_ops.create_course(
            unit,
            title,
            CourseKind.SPECIAL,
            targets=[(PersonnelCategory.REGULATOR_OFFICIAL, None)],
            modules=modules,
            actor=actor,
        )
        staff_ops.set_profile(made, topic(topic_key), form, first, actor=actor)
        days = [on for on, *_rest in lessons]
        klass = training_ops.create_class(
            made, None, f"{today.year}年{title}", min(days), max(days), actor=actor
        )
        for person in people:
            training_ops.enrol(klass, person, actor=actor)
        for on, start, end, tenths, present in lessons:
            lesson = training_ops.add_lesson(klass, title, at(on, *start), at(on, *end), tenths, actor=actor)
            for person in present:
                training_ops.sign_in(lesson, person, at=at(on, *start), actor=actor)
                training_ops.sign_out(lesson, person, at=at(on, *end), actor=actor)

    course(
        FIRST_LESSON,
        [("习近平新时代中国特色社会主义思想与安全生产重要论述", 40)],
        "political_theory",
        StaffCourseForm.LECTURE,
        True,
        [changchun, colleague, jiutai],
        [(day(60), (8, 30), (12, 0), 40, [changchun, colleague])],
    )
    course(
        SEMINAR,
        [("隐蔽致灾因素普查方法与案例", 360)],
        "hidden_hazards",
        StaffCourseForm.SEMINAR,
        False,
        [changchun, colleague, jiutai],
        [
            (day(30), (8, 0), (17, 0), 120, [changchun, colleague, jiutai]),
            (day(29), (8, 0), (17, 0), 120, [changchun, jiutai]),
            (day(28), (8, 0), (17, 0), 120, [changchun, jiutai]),
        ],
    )
