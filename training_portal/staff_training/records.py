"""Reading officials' training back: each official's year (the 第一课, hours by topic, total
against the required), and the officials of the units a head oversees.

The 第一课 is a required item of its own: an official's other hours count as they are (they
were sat), but the year is complete only with the required hours *and* the 第一课 attended;
a unit head's list names whoever lacks either."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, true

from ..core.db import db, in_chunks
from ..core.i18n import local_today
from ..organisations.models import Organisation, RegulatorUnit
from ..people import categories
from ..people.models import Person, PersonnelCategory, PersonPost, Post
from ..training import ledger
from ..training.models import (
    COUNTED_VERDICTS,
    Course,
    CourseKind,
    CourseTarget,
    HourCredit,
    Lesson,
    hours_text,
)
from .models import StaffCourse, StaffTopic


@dataclass
class FirstLesson:
    course: str
    on: date


@dataclass
class OfficialYear:
    person: Person
    units: list[Organisation]
    year: int
    required: int  # tenths of a 学时
    by_topic: list[tuple[str, int]] = field(default_factory=list)
    first_lesson: FirstLesson | None = None
    trained_since: date | None = None  # the first day of the year's other counted training

    @property
    def first_lesson_late(self) -> bool:
        """The 第一课 opens the year: attended after other training, the record says so (the
        hours still count; a unit head wants to know, not to lose them)."""
        return bool(self.first_lesson and self.trained_since and self.trained_since < self.first_lesson.on)

    @property
    def done(self) -> int:
        return sum(t for _label, t in self.by_topic)

    @property
    def short(self) -> int:
        return max(0, self.required - self.done)

    @property
    def complete(self) -> bool:
        return self.short == 0 and self.first_lesson is not None

    @property
    def missing(self) -> list[str]:
        """What the year lacks, in words."""
        out = []
        if self.first_lesson is None:
            out.append(str(_l("第一课 not attended")))
        if self.short:
            out.append(str(_l("%(h)s 学时 short", h=hours_text(self.short))))
        return out


def official_posts(person: Person, on: date | None = None, until: date | None = None) -> list[PersonPost]:
    """The person's posts as an official: all of them; with ``on``, those held that day; with
    ``on`` and ``until``, those held on some day of that span."""
    until = until or on
    return [
        p
        for p in person.posts
        if p.post is Post.REGULATOR_OFFICIAL
        and isinstance(p.organisation, RegulatorUnit)
        and (on is None or (p.started_on <= until and (p.ended_on is None or p.ended_on >= on)))
    ]


def year_span(year: int, today: date) -> tuple[date, date]:
    """The days of ``year`` whose officials its record lists: the whole of a past year; this
    year's (and next year's) to today, so that one appointed next month is not listed yet."""
    start = date(year, 1, 1)
    return start, min(date(year, 12, 31), max(today, start))


def required_tenths(person: Person, year: int) -> int:
    """The year's hours an official owes: the policy's ``training.annual_hours`` for 监管干部 in a
    year they held the post from its start; in the year they were appointed (officials have no
    initial training to stand for it), that share of it the months left count, the appointment's
    month included (appointed in January: all of it; in July: half). Officials are counted here,
    not by the ledger of mine staff (``RegulatorOfficial.own_training_rule``)."""
    starts = [
        p.started_on
        for p in official_posts(person)
        if p.started_on.year <= year and (p.ended_on is None or p.ended_on.year >= year)
    ]
    if not starts:
        return 0
    appointed = min(starts)  # a move between units mid-year is no new appointment
    months = 12 if appointed.year < year else 13 - appointed.month
    return categories.RegulatorOfficial.annual_hours() * 10 * months // 12


def _counted():
    """Hours count where the lesson's verdict counts (a unit's class is attested by it; a center's
    needs its video) or where they were studied online (the server counted them from the
    playback: ``ledger.capped_online`` caps them), unless the policy counts claimed hours."""
    if not ledger.verified_only():
        return true()
    return or_(HourCredit.source == ledger.ONLINE, Lesson.video_verdict.in_(COUNTED_VERDICTS))


def _officials_courses():
    return select(CourseTarget.course_id).where(CourseTarget.category == PersonnelCategory.REGULATOR_OFFICIAL)


def _hours(need: dict[int, int], year: int) -> dict[int, list[tuple[str, int]]]:
    """{official: [(topic, tenths)]} counted in ``year``, for the officials of ``need`` ({person:
    required tenths}): online study counts up to its share of the requirement, as in the ledger;
    what a course kind's share leaves uncounted comes off its last topics."""
    by_topic: dict[int, dict[str, int]] = {}
    online: dict[int, dict[CourseKind, list[tuple[str, int]]]] = {}
    for chunk in in_chunks(list(need)):
        is_online = HourCredit.source == ledger.ONLINE
        rows = db.session.execute(
            select(HourCredit.person_id, StaffTopic, is_online, Course.kind, func.sum(HourCredit.tenths))
            .join(Course, Course.id == HourCredit.course_id)
            .outerjoin(Lesson, Lesson.id == HourCredit.lesson_id)  # none for online study
            .outerjoin(StaffCourse, StaffCourse.course_id == HourCredit.course_id)
            .outerjoin(StaffTopic, StaffTopic.id == StaffCourse.topic_id)
            .where(
                HourCredit.person_id.in_(chunk),
                HourCredit.year == year,
                HourCredit.course_id.in_(_officials_courses()),
                _counted(),
            )
            .group_by(HourCredit.person_id, StaffTopic.id, is_online, Course.kind)
            .order_by(HourCredit.person_id, StaffTopic.position, StaffTopic.id)
        ).all()
        for person_id, topic, studied_online, kind, tenths in rows:
            label = topic.label if topic else str(_l("No topic"))
            topics = by_topic.setdefault(person_id, {})
            topics.setdefault(label, 0)
            if studied_online:
                online.setdefault(person_id, {}).setdefault(kind, []).append((label, int(tenths)))
            else:
                topics[label] += int(tenths)
    for person_id, kinds in online.items():
        studied = {kind: sum(t for _label, t in rows) for kind, rows in kinds.items()}
        in_all = ledger.capped_online(studied, need[person_id])  # the shares do not add up
        for kind, rows in kinds.items():
            left = min(ledger.capped_online({kind: studied[kind]}, need[person_id]), in_all)
            in_all -= left
            for label, tenths in rows:
                by_topic[person_id][label] += min(tenths, left)
                left -= min(tenths, left)
    return {
        pid: [(label, tenths) for label, tenths in topics.items() if tenths]
        for pid, topics in by_topic.items()
    }


def _first_lessons(person_ids: list[int], year: int) -> dict[int, FirstLesson]:
    out: dict[int, FirstLesson] = {}
    for chunk in in_chunks(person_ids):
        rows = db.session.execute(
            select(HourCredit.person_id, Course.title, func.min(HourCredit.earned_on))
            .join(Course, Course.id == HourCredit.course_id)
            .join(StaffCourse, and_(StaffCourse.course_id == Course.id, StaffCourse.first_lesson.is_(True)))
            .outerjoin(Lesson, Lesson.id == HourCredit.lesson_id)
            .where(HourCredit.person_id.in_(chunk), HourCredit.year == year, _counted())
            .group_by(HourCredit.person_id, Course.title)
        ).all()
        for person_id, title, on in rows:
            if person_id not in out or on < out[person_id].on:
                out[person_id] = FirstLesson(title, on)
    return out


def _trained_since(person_ids: list[int], year: int) -> dict[int, date]:
    """The first day of each official's counted training of ``year`` besides the 第一课."""
    first_lessons = select(StaffCourse.course_id).where(StaffCourse.first_lesson.is_(True))
    out: dict[int, date] = {}
    for chunk in in_chunks(person_ids):
        rows = db.session.execute(
            select(HourCredit.person_id, func.min(HourCredit.earned_on))
            .outerjoin(Lesson, Lesson.id == HourCredit.lesson_id)
            .where(
                HourCredit.person_id.in_(chunk),
                HourCredit.year == year,
                HourCredit.course_id.in_(_officials_courses()),
                HourCredit.course_id.not_in(first_lessons),
                _counted(),
            )
            .group_by(HourCredit.person_id)
        ).all()
        out.update(dict(rows))
    return out


def years_of(people: list[Person], year: int, today: date | None = None) -> list[OfficialYear]:
    """Each official's year, in a few queries whatever their number; with the units where they
    held the post in the year (to ``today``)."""
    span = year_span(year, today or local_today())
    ids = [p.id for p in people]
    need = {p.id: required_tenths(p, year) for p in people}
    hours, firsts, since = _hours(need, year), _first_lessons(ids, year), _trained_since(ids, year)
    return [
        OfficialYear(
            person=p,
            units=[post.organisation for post in official_posts(p, *span)],
            year=year,
            required=need[p.id],
            by_topic=hours.get(p.id, []),
            first_lesson=firsts.get(p.id),
            trained_since=since.get(p.id),
        )
        for p in people
    ]


def officials_of(units: list[RegulatorUnit], on: date, until: date | None = None) -> list[Person]:
    """The officials holding a post at one of ``units`` on ``on`` (or on some day from ``on`` to
    ``until``)."""
    if not units:
        return []
    return list(
        db.session.scalars(
            select(Person)
            .join(PersonPost, PersonPost.person_id == Person.id)
            .where(
                PersonPost.post == Post.REGULATOR_OFFICIAL,
                PersonPost.organisation_id.in_([u.id for u in units]),
                PersonPost.started_on <= (until or on),
                or_(PersonPost.ended_on.is_(None), PersonPost.ended_on >= on),
            )
            .distinct()
            .order_by(Person.name, Person.id)
        )
    )
