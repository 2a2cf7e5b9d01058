"""Dashboards for a province, a city or a county: the figures a regulator watches, each with the
list behind it.

Every figure is computed from the rows of its own list (``Listing``), so the number on the
dashboard and the list its link opens cannot disagree. A region's figures count the people
employed or holding a post in an organisation of the region or below, and the organisations
themselves (mines, training centers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..certificates.models import Certificate
from ..core import policy
from ..core.db import db, utcnow
from ..core.i18n import local_zone
from ..core.permissions import JURISDICTIONAL_ROLES, Role
from ..exams.models import ExamAttempt, ExamSession, SessionStatus
from ..organisations.models import MineEnterprise, Organisation, Region, TrainingCenter
from ..organisations.operations import in_regions
from ..people.models import Person
from ..people.operations import related_to
from ..safety_culture import operations as culture
from ..training import ledger
from . import operations as ops

EXPIRING_DAYS = 90  # the window the dashboard's "expiring" figure looks ahead


class OutsideJurisdiction(LookupError):
    """The region asked for is not in the user's jurisdiction."""


def jurisdiction(user) -> list[Region]:
    """The regions the user oversees, highest first (an administrator: the province)."""
    if user.has_role(Role.ADMIN):
        roots = list(db.session.scalars(select(Region).where(Region.parent_id.is_(None))))
    else:
        roots = [
            a.organisation.region
            for a in user.assignments
            if a.role in JURISDICTIONAL_ROLES and a.organisation is not None
        ]
    return sorted({r.id: r for r in roots}.values(), key=lambda r: (r.path.count("/"), r.code))


def region_for(user, code: str | None) -> Region:
    """The region a dashboard or list shows: ``code`` if it lies in the user's jurisdiction, the
    top of the jurisdiction without one. Raises ``LookupError`` (unknown) or
    ``OutsideJurisdiction``."""
    roots = jurisdiction(user)
    if not roots:
        raise OutsideJurisdiction(code)
    if not code:
        return roots[0]
    region = db.session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise LookupError(code)
    if not any(root.contains(region) for root in roots):
        raise OutsideJurisdiction(code)
    return region


def regions_within(user) -> list[Region]:
    """The regions of the user's jurisdiction and below, in the order of their paths (a
    province's cities each followed by their counties); none for a mine's own officer."""
    roots = jurisdiction(user)
    if not roots:
        return []
    return list(
        db.session.scalars(select(Region).where(in_regions([r.path for r in roots])).order_by(Region.path))
    )


def children(region: Region) -> list[Region]:
    return list(db.session.scalars(select(Region).where(Region.parent_id == region.id).order_by(Region.code)))


def trail(region: Region, user) -> list[Region]:
    """The region and its ancestors inside the user's jurisdiction, top first (breadcrumbs)."""
    roots = jurisdiction(user)
    chain, current = [], region
    while current is not None:
        chain.append(current)
        if any(root.id == current.id for root in roots):
            break
        current = current.parent
    return list(reversed(chain))


def _organisations(region: Region, kind=Organisation):
    return select(kind.id).join(Region, Region.id == kind.region_id).where(in_regions([region.path]))


def _people(region: Region):
    return select(Person).where(related_to(_organisations(region)))


# ----------------------------------------------------------------------------- figures and lists


@dataclass
class Figure:
    value: float | None  # a percentage or a count; None when there is nothing to measure
    detail: str = ""  # e.g. "17 / 20"

    def text(self, percent: bool) -> str:
        if self.value is None:
            return "—"
        return f"{self.value:.0f}%" if percent else str(int(self.value))


@dataclass
class Listing:
    columns: tuple
    rows: list[tuple] = field(default_factory=list)
    links: list[tuple[str, dict] | None] = field(default_factory=list)  # (endpoint, arguments)

    def add(self, row: tuple, link: tuple[str, dict] | None = None) -> None:
        self.rows.append(row)
        self.links.append(link)


@dataclass(frozen=True)
class Metric:
    key: str
    label: object  # lazy string
    explanation: object
    percent: bool  # a percentage (higher is better) or a count (lower is better)
    compute: Callable[[Region, date], tuple[Figure, Listing]]
    target: Callable[[], float] | None = None  # a line on the chart
    alarm: bool = False  # a count above zero is shown in red
    # The figure alone, aggregated by the database, when the list behind it is long to build.
    count: Callable[[Region, date], Figure] | None = None
    # The figure of a region and of each region below it, from one query (by region id).
    count_below: Callable[[Region, list[Region], date], dict[int, Figure]] | None = None


def _year_bounds(on: date) -> tuple[datetime, datetime]:
    zone = local_zone()
    return datetime(on.year, 1, 1, tzinfo=zone), datetime(on.year + 1, 1, 1, tzinfo=zone)


def _pass_rate(region: Region, on: date) -> tuple[Figure, Listing]:
    start, end = _year_bounds(on)
    people = _people(region).with_only_columns(Person.id)
    attempts = db.session.scalars(
        select(ExamAttempt)
        .join(ExamSession, ExamSession.id == ExamAttempt.session_id)
        .where(
            ExamSession.status == SessionStatus.SIGNED,
            ExamSession.starts_at >= start,
            ExamSession.starts_at < end,
            ExamAttempt.passed.is_not(None),
            ExamAttempt.person_id.in_(people),
        )
        .options(selectinload(ExamAttempt.person), selectinload(ExamAttempt.session))
        .order_by(ExamSession.starts_at.desc(), ExamAttempt.id)
    ).all()
    listing = Listing(
        (_l("Name"), _l("Identity number"), _l("Session"), _l("Date"), _l("Score"), _l("Result"))
    )
    for a in attempts:
        listing.add(
            (
                a.person.name,
                a.person.id_number,
                a.session.name,
                a.session.starts_at.astimezone(local_zone()).date().isoformat(),
                f"{a.score:g}",
                str(_l("Passed") if a.passed else _l("Failed")),
            ),
            ("people.record", {"person_id": a.person_id}),
        )
    passed = sum(1 for a in attempts if a.passed)
    value = 100.0 * passed / len(attempts) if attempts else None
    return Figure(value, f"{passed} / {len(attempts)}"), listing


def _expiring(region: Region, on: date) -> tuple[Figure, Listing]:
    people = _people(region).with_only_columns(Person.id)
    rows = db.session.scalars(
        select(Certificate)
        .where(
            Certificate.in_force(on),
            Certificate.valid_until >= on,
            Certificate.valid_until <= on + timedelta(days=EXPIRING_DAYS),
            Certificate.person_id.in_(people),
        )
        .options(selectinload(Certificate.person))
        .order_by(Certificate.valid_until, Certificate.serial)
    ).all()
    listing = Listing((_l("Serial"), _l("Name"), _l("Identity number"), _l("Subject"), _l("Valid until")))
    for c in rows:
        listing.add(
            (c.serial, c.person.name, c.person.id_number, c.subject_label, c.valid_until.isoformat()),
            ("certificates.detail", {"certificate_id": c.id}),
        )
    return Figure(len(rows)), listing


def _deficits(region: Region, on: date) -> tuple[Figure, Listing]:
    listing = Listing((_l("Name"), _l("Identity number"), _l("Required"), _l("Done"), _l("Missing")))
    for person, line in ledger.deficits(_people(region), on.year):
        listing.add(
            (
                person.name,
                person.id_number,
                f"{line.required.tenths / 10:g}",
                f"{line.done / 10:g}",
                f"{line.deficit / 10:g}",
            ),
            ("people.record", {"person_id": person.id}),
        )
    return Figure(len(listing.rows)), listing


def _deficits_count(region: Region, on: date) -> Figure:
    """The same figure as ``_deficits``'s, counted by the database without the list."""
    return Figure(ledger.deficit_count(_people(region), on.year))


def _groups(below: list[Region]) -> dict[int, object]:
    return {r.id: in_regions([r.path]) for r in below}


def _deficits_below(region: Region, below: list[Region], on: date) -> dict[int, Figure]:
    total, counts = ledger.deficit_counts_by(_people(region), on.year, _groups(below))
    return {region.id: Figure(total)} | {r.id: Figure(counts.get(r.id, 0)) for r in below}


def _coverage(region: Region, on: date) -> tuple[Figure, Listing]:
    centers = db.session.scalars(
        select(TrainingCenter)
        .where(TrainingCenter.id.in_(_organisations(region, TrainingCenter)))
        .order_by(TrainingCenter.name)
    ).all()
    listing = Listing(
        (
            _l("Training center"),
            _l("Classroom"),
            _l("Lessons"),
            _l("Scheduled hours"),
            _l("Analysed hours"),
            _l("Coverage"),
        )
    )
    now = min(utcnow(), _year_bounds(on)[1])
    scheduled = analysed = 0.0
    for center in centers:
        for room in ledger.coverage(center, on.year, now):
            scheduled += room.scheduled_s
            analysed += room.analysed_s
            listing.add(
                (
                    center.name,
                    room.classroom.name,
                    str(room.lessons),
                    f"{room.scheduled_s / 3600:.1f}",
                    f"{room.analysed_s / 3600:.1f}",
                    f"{room.percent:.0f}%" if room.scheduled_s else "—",
                ),
                ("training.coverage", {}),
            )
    value = 100.0 * analysed / scheduled if scheduled else None
    return Figure(value, f"{analysed / 3600:.1f} / {scheduled / 3600:.1f} h"), listing


def _networked(region: Region, on: date) -> tuple[Figure, Listing]:
    """联网: the share of this year's scheduled lesson time the classrooms' cameras were online."""
    from ..cameras.figures import networked

    centers = db.session.scalars(
        select(TrainingCenter)
        .where(TrainingCenter.id.in_(_organisations(region, TrainingCenter)))
        .order_by(TrainingCenter.name)
    ).all()
    figures = networked(centers, min(utcnow(), _year_bounds(on)[1]))
    listing = Listing(
        (_l("Training center"), _l("Classroom"), _l("Scheduled hours"), _l("Online during lessons"))
    )
    for center in centers:
        for room in center.classrooms:
            row = figures.rooms[room.id]
            listing.add(
                (
                    center.name,
                    room.name,
                    f"{row.scheduled_s / 3600:.1f}",
                    f"{row.percent:.0f}%" if row.percent is not None else "—",
                ),
                ("cameras.classroom", {"classroom_id": room.id}),
            )
    total = figures.total
    return Figure(total.percent, f"{total.online_s / 3600:.1f} / {total.scheduled_s / 3600:.1f} h"), listing


def _culture(region: Region, on: date) -> tuple[Figure, Listing]:
    rows = culture.required_mines(_organisations(region, MineEnterprise), on)
    listing = Listing((_l("Mine"), _l("Accepted milestones"), _l("Completion"), _l("Overdue")))
    for mine, accepted, total, overdue in rows:
        listing.add(
            (
                mine.name,
                f"{accepted} / {total}",
                f"{100.0 * accepted / total if total else 100.0:.0f}%",
                str(_l("Overdue") if overdue else ""),
            ),
            ("safety_culture.mine", {"mine_id": mine.id}),
        )
    accepted = sum(r[1] for r in rows)
    possible = sum(r[2] for r in rows)
    value = (100.0 * accepted / possible if possible else 100.0) if rows else None
    return Figure(value, f"{accepted} / {possible}"), listing


def _culture_overdue(region: Region, on: date) -> tuple[Figure, Listing]:
    rows = culture.required_mines(_organisations(region, MineEnterprise), on, overdue_only=True)
    listing = Listing((_l("Mine"), _l("Region"), _l("Accepted milestones"), _l("Deadline")))
    deadline = policy.get("safety_culture.deadline").isoformat()
    for mine, accepted, total, _overdue in rows:
        listing.add(
            (mine.name, mine.region.full_name, f"{accepted} / {total}", deadline),
            ("safety_culture.mine", {"mine_id": mine.id}),
        )
    return Figure(len(rows)), listing


def _noncompliant_query(region: Region, on: date) -> ops.ComplianceQuery:
    return ops.ComplianceQuery(_organisations(region, MineEnterprise), status=ops.Status.PROBLEMS, on=on)


def _noncompliant(region: Region, on: date) -> tuple[Figure, Listing]:
    listing = Listing((_l("Mine"), _l("Region"), _l("Posts with a problem"), _l("Problems")))
    for row in ops.compliance_rows(_noncompliant_query(region, on)):
        problems = [
            f"{p.post.label}：{c.detail}"
            for p in row.posts
            if not p.ok
            for c in p.checks.values()
            if not (c.ok or c.pending)
        ]
        listing.add(
            (row.mine.name, row.mine.region_name, str(row.problems), "；".join(problems)),
            ("regulator.mine", {"mine_id": row.mine.id}),
        )
    return Figure(len(listing.rows)), listing


def _noncompliant_count(region: Region, on: date) -> Figure:
    """The same figure as ``_noncompliant``'s, counted by the database without the list."""
    return Figure(ops.compliance_count(_noncompliant_query(region, on)))


def _noncompliant_below(region: Region, below: list[Region], on: date) -> dict[int, Figure]:
    total, counts = ops.compliance_counts_by(_noncompliant_query(region, on), _groups(below))
    return {region.id: Figure(total)} | {r.id: Figure(counts.get(r.id, 0)) for r in below}


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            "pass_rate",
            _l("Exam pass rate"),
            _l("Written exams of this year's signed sessions, people of the region"),
            True,
            _pass_rate,
        ),
        Metric(
            "expiring",
            _l("Certificates expiring within 90 days"),
            _l("Valid certificates whose validity ends in the next 90 days"),
            False,
            _expiring,
        ),
        Metric(
            "deficits",
            _l("Training deficits"),
            _l("People short of this year's required re-training hours"),
            False,
            _deficits,
            count=_deficits_count,
            count_below=_deficits_below,
        ),
        Metric(
            "coverage",
            _l("Classroom video coverage"),
            _l("Share of this year's scheduled class hours with analysed video"),
            True,
            _coverage,
            target=lambda: policy.get("classrooms.video_coverage_target_percent"),
        ),
        Metric(
            "networked",
            _l("Classrooms networked (联网)"),
            _l("Share of this year's scheduled class hours with the classroom's camera online"),
            True,
            _networked,
            target=lambda: policy.get("classrooms.video_coverage_target_percent"),
        ),
        Metric(
            "culture",
            _l("Safety-culture completion"),
            _l("Accepted milestones of the mines that must build the system"),
            True,
            _culture,
        ),
        Metric(
            "culture_overdue",
            _l("Mines overdue on safety culture"),
            _l("Mines that must build the system and had not completed it by the deadline"),
            False,
            _culture_overdue,
            alarm=True,
        ),
        Metric(
            "noncompliant",
            _l("Mines failing 五职矿长 compliance"),
            _l("Mines with a vacant post, an invalid certificate or an unmet admission standard"),
            False,
            _noncompliant,
            count=_noncompliant_count,
            count_below=_noncompliant_below,
        ),
    )
}


def figure(metric: Metric, region: Region, on: date) -> Figure:
    if metric.count is not None:
        return metric.count(region, on)
    return metric.compute(region, on)[0]


def figures(metric: Metric, region: Region, below: list[Region], on: date) -> dict[int, Figure]:
    """The figure of ``region`` and of each region ``below`` it, by region id."""
    if metric.count_below is not None:
        return metric.count_below(region, below, on)
    return {r.id: figure(metric, r, on) for r in [region, *below]}


YEARS_BACK = 5  # how many past years the dashboards' year picker offers


def years(today: date) -> list[int]:
    return list(range(today.year, today.year - YEARS_BACK - 1, -1))


def as_of(year: int | None, today: date) -> date:
    """The day a dashboard of ``year`` is computed for: today for the current year (or none),
    the year's last day for a past one."""
    if year is None or year >= today.year or year not in years(today):
        return today
    return date(year, 12, 31)


def listing(metric: Metric, region: Region, on: date) -> Listing:
    return metric.compute(region, on)[1]
