"""Reading the hours back: per course and year, the continuing-education ledger (hours required
and done per year), the deficits lists, and the training rule of an exam application."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import selectinload

from ..core import policy
from ..core.db import db, in_chunks
from ..core.i18n import local_today
from ..organisations.models import Organisation, Region
from ..people import categories
from ..people.models import OperationType, Person, PersonnelCategory, PersonPost, Post
from .models import (
    COUNTED_VERDICTS,
    Course,
    CourseKind,
    CourseTarget,
    FatalAccident,
    HourCredit,
    Lesson,
    VideoVerdict,
    hours_text,
)

RETRAINING_KINDS = [k for k in CourseKind if k.counts_as_retraining]


def _ledger_duty(kind: type[categories.Category]) -> bool:
    """Whether the ledger counts the category's yearly hours (not one with a rule of its own)."""
    return not kind.own_training_rule


def _duty_posts() -> list[Post]:
    """The posts whose category (or one of its operation types) has a yearly re-training duty
    in the policy, counted by this ledger."""
    annual = policy.get("training.annual_hours")

    def has_duty(kind: type[categories.Category]) -> bool:
        if not _ledger_duty(kind):
            return False
        keys = (kind.code, *(t.value for t in kind.operation_types))  # by category or operation type
        return any(annual.get(key, 0) for key in keys)

    return [p for p in Post if has_duty(categories.of_post(p))]


def verified_only() -> bool:
    """Whether only video-verified hours count (the policy; 1 by default)."""
    return bool(policy.get("training.exam_needs_verified_hours"))


ONLINE = "online"  # HourCredit.source of online study; "classroom" for attendance

# Online hours were counted by the server from the playback: they are verified hours.
_verified_tenths = func.sum(
    case(
        (or_(HourCredit.source == ONLINE, Lesson.video_verdict.in_(COUNTED_VERDICTS)), HourCredit.tenths),
        else_=0,
    )
)


def online_share(kind: CourseKind) -> int:
    """The percentage of a requirement online study may fill for courses of ``kind``."""
    return int(policy.get("training.online_share_max").get(kind.value, 0))


def capped_online(online: dict[CourseKind, int], need: int) -> int:
    """Online tenths that count against ``need``: per course kind, at most its share, and in all
    at most the largest share among the kinds studied (so that shares do not add up to more than
    any one kind allows). ``_short_of_hours`` mirrors this rule in SQL."""
    present = [kind for kind, tenths in online.items() if tenths > 0]
    if not present:
        return 0
    per_kind = sum(min(online[kind], need * online_share(kind) // 100) for kind in present)
    return min(per_kind, max(need * online_share(kind) // 100 for kind in present))


policy.accept_keys("training.online_share_max", lambda: {k.value for k in CourseKind})


def course_year_hours(person: Person) -> list[dict]:
    """Hours per course and year, oldest first: claimed (all), verified (classroom hours by
    video or attested sign-in) and online (studied online; they count toward a requirement only
    up to the policy's share, which the ledger applies per year, not per course)."""
    online = HourCredit.source == ONLINE
    rows = db.session.execute(
        select(
            HourCredit.course_id,
            HourCredit.year,
            func.sum(HourCredit.tenths),
            func.sum(
                case((and_(~online, Lesson.video_verdict.in_(COUNTED_VERDICTS)), HourCredit.tenths), else_=0)
            ),
            func.sum(case((online, HourCredit.tenths), else_=0)),
        )
        .outerjoin(Lesson, Lesson.id == HourCredit.lesson_id)
        .where(HourCredit.person_id == person.id)
        .group_by(HourCredit.course_id, HourCredit.year)
        .order_by(HourCredit.year, HourCredit.course_id)
    ).all()
    courses = {c.id: c for c in db.session.scalars(select(Course).where(Course.id.in_({r[0] for r in rows})))}
    return [
        {
            "course": courses[course_id],
            "year": year,
            "claimed": int(claimed),
            "verified": int(verified),
            "online": int(studied),
        }
        for course_id, year, claimed, verified, studied in rows
    ]


def _held_in(post: PersonPost, year: int) -> bool:
    """A post brings the annual duty from the year after the one it started in (that first year
    is the initial training's) until the year it ends."""
    return post.started_on.year < year and (post.ended_on is None or post.ended_on.year >= year)


def _accident_hits(person: Person, accident: FatalAccident) -> bool:
    if person.id in accident.responsible_ids:
        return True
    return any(
        p.organisation_id == accident.mine_id
        and categories.of_post(p.post).retrains_after_accident
        and p.started_on <= accident.occurred_on
        and (p.ended_on is None or p.ended_on >= accident.occurred_on)
        for p in person.posts
    )


def _accidents_in(year: int) -> list[FatalAccident]:
    return list(
        db.session.scalars(
            select(FatalAccident).where(
                FatalAccident.occurred_on >= date(year, 1, 1), FatalAccident.occurred_on <= date(year, 12, 31)
            )
        )
    )


@dataclass
class Requirement:
    tenths: int
    reasons: list[str]


def required(person: Person, year: int, accidents: list[FatalAccident] | None = None) -> Requirement:
    tenths, reasons = 0, []
    for post in person.posts:
        kind = categories.of_post(post.post)
        if not _ledger_duty(kind):
            continue
        need = kind.annual_hours(post.operation_type) * 10
        if _held_in(post, year) and need > tenths:
            tenths = need
            reasons = [str(_l("Annual re-training as %(post)s", post=post.label))]
    hits = [a for a in (_accidents_in(year) if accidents is None else accidents) if _accident_hits(person, a)]
    if hits:
        tenths += policy.get("training.accident_retraining_hours") * 10
        reasons.append(
            str(
                _l(
                    "Re-training after the fatal accident at %(mine)s on %(d)s",
                    mine=hits[0].mine.name,
                    d=hits[0].occurred_on.isoformat(),
                )
            )
        )
    return Requirement(tenths, reasons)


def _retraining_done(need: dict[int, int], year: int) -> dict[int, tuple[int, int]]:
    """{person: (claimed, verified)} re-training tenths in ``year``, for the people of
    ``need`` ({person: required tenths}, which caps their online hours)."""
    done: dict[int, tuple[int, int]] = {}
    online: dict[int, dict[CourseKind, int]] = {}
    for chunk in in_chunks(list(need)):
        in_year = (
            HourCredit.person_id.in_(chunk),
            HourCredit.year == year,
            Course.kind.in_(RETRAINING_KINDS),
        )
        rows = db.session.execute(
            select(HourCredit.person_id, func.sum(HourCredit.tenths), _verified_tenths)
            .join(Lesson, Lesson.id == HourCredit.lesson_id)
            .join(Course, Course.id == HourCredit.course_id)
            .where(*in_year, HourCredit.source != ONLINE)
            .group_by(HourCredit.person_id)
        ).all()
        done.update({pid: (int(claimed), int(verified)) for pid, claimed, verified in rows})
        for pid, kind, tenths in db.session.execute(
            select(HourCredit.person_id, Course.kind, func.sum(HourCredit.tenths))
            .join(Course, Course.id == HourCredit.course_id)
            .where(*in_year, HourCredit.source == ONLINE)
            .group_by(HourCredit.person_id, Course.kind)
        ):
            online.setdefault(pid, {})[kind] = int(tenths)
    for pid, kinds in online.items():
        claimed, verified = done.get(pid, (0, 0))
        counted = capped_online(kinds, need[pid])
        done[pid] = (claimed + counted, verified + counted)
    return done


@dataclass
class LedgerYear:
    year: int
    required: Requirement
    claimed: int
    verified: int

    @property
    def done(self) -> int:
        return self.verified if verified_only() else self.claimed

    @property
    def deficit(self) -> int:
        return max(self.required.tenths - self.done, 0)

    def as_json(self) -> dict:
        return {
            "year": self.year,
            "required_hours": self.required.tenths / 10,
            "done_hours": self.done / 10,
            "claimed_hours": self.claimed / 10,
            "verified_hours": self.verified / 10,
            "deficit_hours": self.deficit / 10,
            "reasons": self.required.reasons,
        }


def ledger(person: Person, today: date | None = None) -> list[LedgerYear]:
    """One line per year from the first with a duty or hours, to this year."""
    today = today or local_today()
    credit_years = db.session.scalars(
        select(HourCredit.year).where(HourCredit.person_id == person.id).distinct()
    ).all()
    duty_years = [p.started_on.year + 1 for p in person.posts]
    first = min([*credit_years, *duty_years, today.year])
    lines = []
    for year in range(max(first, today.year - 20), today.year + 1):
        need = required(person, year)
        claimed, verified = _retraining_done({person.id: need.tenths}, year).get(person.id, (0, 0))
        if need.tenths or claimed:
            lines.append(LedgerYear(year, need, claimed, verified))
    return lines


def deficits(people: Select, year: int) -> list[tuple[Person, LedgerYear]]:
    """(person, ledger line) for everyone in ``people`` short of the year's required hours."""
    accidents = _accidents_in(year)
    responsible = {pid for a in accidents for pid in a.responsible_ids}
    on_duty = select(PersonPost.person_id).where(
        PersonPost.post.in_(_duty_posts()),
        func.coalesce(PersonPost.ended_on, date(9999, 12, 31)) >= date(year, 1, 1),
    )
    candidates = db.session.scalars(
        people.where(or_(Person.id.in_(on_duty), Person.id.in_(responsible)))
        .options(selectinload(Person.posts))
        .order_by(Person.name)
    ).all()
    needs = {p.id: required(p, year, accidents) for p in candidates}
    done = _retraining_done({pid: need.tenths for pid, need in needs.items()}, year)
    result = []
    for person in candidates:
        line = LedgerYear(year, needs[person.id], *done.get(person.id, (0, 0)))
        if line.deficit:
            result.append((person, line))
    return result


@dataclass
class TrainingCheck:
    ok: bool
    have: int
    need: int
    detail: str


def training_check(
    person: Person,
    category: PersonnelCategory,
    operation_type: OperationType | None,
    on: date,
    kind: CourseKind = CourseKind.INITIAL,
) -> TrainingCheck:
    """Whether the person completed the hours the category's initial training (or, with
    ``kind=REVIEW``, the 复审 training) requires, within the policy's window before ``on``."""
    # The rule by its name in the policy table, so that a refusal says which one asks the hours.
    if kind is CourseKind.REVIEW:
        rule = str(policy.rule("special_ops.review_training_hours").description)
        need = policy.get("special_ops.review_training_hours") * 10
    else:
        rule = str(policy.rule("training.initial_hours").description)
        need = categories.get(category).initial_hours(operation_type) * 10
    if not need:
        return TrainingCheck(True, 0, 0, str(_l("The policy sets no training hours for this category.")))
    months = policy.get("training.hours_window_months")
    total_months = on.year * 12 + on.month - 1 - months
    since = date(total_months // 12, total_months % 12 + 1, 1)
    courses = (
        select(CourseTarget.course_id)
        .join(Course)
        .where(
            Course.kind == kind,
            CourseTarget.category == category,
            or_(CourseTarget.operation_type.is_(None), CourseTarget.operation_type == operation_type),
        )
    )
    window = (
        HourCredit.person_id == person.id,
        HourCredit.course_id.in_(courses),
        HourCredit.earned_on >= since,
        HourCredit.earned_on <= on,
    )
    claimed, verified = db.session.execute(
        select(func.coalesce(func.sum(HourCredit.tenths), 0), func.coalesce(_verified_tenths, 0))
        .join(Lesson, Lesson.id == HourCredit.lesson_id)
        .where(*window, HourCredit.source != ONLINE)
    ).one()
    online = db.session.scalar(
        select(func.coalesce(func.sum(HourCredit.tenths), 0)).where(*window, HourCredit.source == ONLINE)
    )
    counted = capped_online({kind: int(online)}, need)  # verified by the playback, up to the share
    claimed, verified = int(claimed) + counted, int(verified) + counted
    have = int(verified) if verified_only() else int(claimed)
    subject = (operation_type or PersonnelCategory(category)).label
    if verified_only():
        detail = _l(
            "%(rule)s (%(subject)s): %(have)s of %(need)s 学时 of %(kind)s verified since %(since)s "
            "(by classroom video or the organiser's attested sign-in, and online study up to its "
            "share; %(claimed)s claimed)",
            rule=rule,
            subject=subject,
            have=hours_text(have),
            need=hours_text(need),
            kind=kind.label,
            since=since.isoformat(),
            claimed=hours_text(int(claimed)),
        )
    else:
        detail = _l(
            "%(rule)s (%(subject)s): %(have)s of %(need)s 学时 of %(kind)s since %(since)s",
            rule=rule,
            subject=subject,
            have=hours_text(have),
            need=hours_text(need),
            kind=kind.label,
            since=since.isoformat(),
        )
    return TrainingCheck(have >= need, have, need, str(detail))


def deficit_people_ids(year: int) -> dict[int, LedgerYear]:
    """Everyone short of the year's hours, by person id (for the reminders)."""
    return {person.id: line for person, line in deficits(select(Person), year)}


@dataclass
class RoomCoverage:
    """A classroom's scheduled class time in a year and how much of it analysed video covers."""

    classroom: object
    lessons: int = 0
    scheduled_s: float = 0.0
    analysed_s: float = 0.0  # lessons whose whole slot was analysed (whatever the verdict)
    verified_s: float = 0.0  # lessons verified in use

    @property
    def percent(self) -> float:
        return 100.0 * self.analysed_s / self.scheduled_s if self.scheduled_s else 0.0

    @property
    def verified_percent(self) -> float:
        return 100.0 * self.verified_s / self.scheduled_s if self.scheduled_s else 0.0


def coverage(center, year: int, until) -> list[RoomCoverage]:
    """Per classroom of ``center``: the lessons of ``year`` that ended before ``until``."""
    from ..core.i18n import local_zone
    from .models import TrainingClass

    zone = local_zone()
    start = datetime(year, 1, 1, tzinfo=zone)
    end = min(datetime(year + 1, 1, 1, tzinfo=zone), until)
    rooms = {room.id: RoomCoverage(room) for room in center.classrooms}
    lessons = db.session.scalars(
        select(Lesson)
        .join(TrainingClass)
        .where(TrainingClass.classroom_id.in_(rooms), Lesson.starts_at >= start, Lesson.ends_at <= end)
    ).all()
    for lesson in lessons:
        row = rooms[lesson.training_class.classroom_id]
        seconds = (lesson.ends_at - lesson.starts_at).total_seconds()
        row.lessons += 1
        row.scheduled_s += seconds
        if lesson.video_verdict is VideoVerdict.IN_USE:
            row.verified_s += seconds
            row.analysed_s += seconds
        elif lesson.video_verdict is VideoVerdict.NOT_IN_USE and lesson.video_detail.get("reason") != "gap":
            row.analysed_s += seconds
    return list(rooms.values())


def _annual_tenths():
    """A post's yearly re-training duty in tenths, as SQL over ``PersonPost`` (the policy's
    hours per category, or per operation type)."""
    whens = []
    for post in Post:
        kind = categories.of_post(post)
        if not _ledger_duty(kind):
            continue
        for operation_type in kind.operation_types:
            need = kind.annual_hours(operation_type) * 10
            if need:
                whens.append(
                    (and_(PersonPost.post == post, PersonPost.operation_type == operation_type), need)
                )
        need = kind.annual_hours(None) * 10
        if need:
            whens.append((and_(PersonPost.post == post, PersonPost.operation_type.is_(None)), need))
    return case(*whens, else_=0) if whens else literal(0)


def deficit_count(people: Select, year: int) -> int:
    """How many people ``deficits(people, year)`` lists, counted by the database."""
    short = _short_of_hours(people, year).subquery()
    return db.session.scalar(select(func.count()).select_from(short)) or 0


def deficit_counts_by(people: Select, year: int, groups: dict[int, Any]) -> tuple[int, dict[int, int]]:
    """``deficit_count(people, year)`` and, in the same query, how many of those people are
    related to each group: ``groups`` maps a key to a condition on the ``Region`` of an
    organisation they are related to (their employer, or one where they hold a current post, as
    ``related_to`` says). A person related to two groups counts in both. One query for a region and all the
    regions below it, instead of one per region."""
    if not groups:
        return deficit_count(people, year), {}
    short = _short_of_hours(people, year).cte("short")
    today = local_today()
    related = union_all(
        select(Person.id.label("person_id"), Person.employer_id.label("organisation_id")).where(
            Person.id.in_(select(short.c.id)), Person.employer_id.is_not(None)
        ),
        select(PersonPost.person_id, PersonPost.organisation_id).where(
            PersonPost.person_id.in_(select(short.c.id)),
            or_(PersonPost.ended_on.is_(None), PersonPost.ended_on >= today),
        ),
    ).subquery("related")
    group = case(*[(condition, key) for key, condition in groups.items()], else_=None)
    by_group = (
        select(group.label("key"), func.count(func.distinct(related.c.person_id)).label("n"))
        .select_from(related)
        .join(Organisation, Organisation.id == related.c.organisation_id)
        .join(Region, Region.id == Organisation.region_id)
        .group_by(group)
    )
    # The total in the same statement, so that the people short of hours are found once.
    everyone = select(literal(None).label("key"), func.count().label("n")).select_from(short)
    rows = db.session.execute(union_all(everyone, by_group)).all()
    total = rows[0].n
    return total, {key: n for key, n in rows[1:] if key is not None}


def _short_of_hours(people: Select, year: int) -> Select:
    """The ids of the people of ``people`` short of the year's hours, as ``deficits`` finds them:
    the same candidates, the same requirement (the largest duty of the posts held in the year,
    plus the hours after a fatal accident) against the same hours done."""
    accidents = _accidents_in(year)
    responsible = {pid for a in accidents for pid in a.responsible_ids}
    start = date(year, 1, 1)
    on_duty = select(PersonPost.person_id).where(
        PersonPost.post.in_(_duty_posts()),
        func.coalesce(PersonPost.ended_on, date(9999, 12, 31)) >= start,
    )
    candidates = (
        people.with_only_columns(Person.id)
        .where(or_(Person.id.in_(on_duty), Person.id.in_(responsible)))
        .cte("candidates")
    )
    needs = (  # a join, not IN: the candidates are distinct, and the planner hashes them
        select(PersonPost.person_id, func.max(_annual_tenths()).label("tenths"))
        .join(candidates, candidates.c.id == PersonPost.person_id)
        .where(
            PersonPost.started_on < start,
            or_(PersonPost.ended_on.is_(None), PersonPost.ended_on >= start),
        )
        .group_by(PersonPost.person_id)
        .cte("needs")
    )
    done_tenths = _verified_tenths if verified_only() else func.sum(HourCredit.tenths)
    in_year = (
        HourCredit.person_id.in_(select(candidates.c.id)),
        HourCredit.year == year,
        Course.kind.in_(RETRAINING_KINDS),
    )
    done = (
        select(HourCredit.person_id, done_tenths.label("tenths"))
        .join(Lesson, Lesson.id == HourCredit.lesson_id)
        .join(Course, Course.id == HourCredit.course_id)
        .where(*in_year, HourCredit.source != ONLINE)
        .group_by(HourCredit.person_id)
        .cte("done")
    )
    online = (
        select(HourCredit.person_id, Course.kind, func.sum(HourCredit.tenths).label("tenths"))
        .join(Course, Course.id == HourCredit.course_id)
        .where(*in_year, HourCredit.source == ONLINE)
        .group_by(HourCredit.person_id, Course.kind)
        .cte("online")
    )
    extra = literal(0)
    if accidents:
        retraining = [p for p in Post if categories.of_post(p).retrains_after_accident]
        hit = [candidates.c.id.in_(responsible)] if responsible else []
        for accident in accidents:
            hit.append(
                exists().where(
                    PersonPost.person_id == candidates.c.id,
                    PersonPost.organisation_id == accident.mine_id,
                    PersonPost.post.in_(retraining),
                    PersonPost.started_on <= accident.occurred_on,
                    or_(PersonPost.ended_on.is_(None), PersonPost.ended_on >= accident.occurred_on),
                )
            )
        extra = case((or_(*hit), policy.get("training.accident_retraining_hours") * 10), else_=0)
    required = (
        select(candidates.c.id, (func.coalesce(needs.c.tenths, 0) + extra).label("tenths"))
        .select_from(candidates.outerjoin(needs, needs.c.person_id == candidates.c.id))
        .cte("required")
    )
    # Online hours count up to their course kind's share of the requirement, and in all up to
    # the largest share among the kinds studied (``capped_online``).
    cap = (
        required.c.tenths * case(*((online.c.kind == k, online_share(k)) for k in CourseKind), else_=0) // 100
    )
    per_kind = func.sum(case((online.c.tenths < cap, online.c.tenths), else_=cap))
    largest = func.max(cap)
    online_done = (
        select(
            online.c.person_id,
            case((per_kind < largest, per_kind), else_=largest).label("tenths"),
        )
        .join(required, required.c.id == online.c.person_id)
        .where(online.c.tenths > 0)
        .group_by(online.c.person_id)
        .cte("online_done")
    )
    return (
        select(required.c.id)
        .select_from(
            required.outerjoin(done, done.c.person_id == required.c.id).outerjoin(
                online_done, online_done.c.person_id == required.c.id
            )
        )
        .where(required.c.tenths > func.coalesce(done.c.tenths, 0) + func.coalesce(online_done.c.tenths, 0))
    )
