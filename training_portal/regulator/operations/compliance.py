"""五职矿长 compliance: each of a mine's five manager posts checked against its rules.

The database computes the list: one statement ranks each post's current holder (a window
function), joins the holder's certificates, 学历, 从业年限 and the year's special training, and
aggregates per mine, so that a page of a province's 20,000 mines, the non-compliant count of a
region and the streamed export each cost one query. The raw facts of the rows that are shown
come back with it; the texts the users read are formatted here, for those rows only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice
from types import SimpleNamespace
from typing import Any

from flask_babel import gettext
from sqlalchemy import Select, and_, case, func, literal, or_, select, true, union_all
from sqlalchemy.orm import aliased, selectinload

from ...certificates.models import Certificate
from ...certificates.operations import today
from ...core import policy
from ...core.db import db
from ...exams.models import ExamApplication
from ...organisations.models import MineEnterprise, MineKind, Region
from ...organisations.operations import in_regions
from ...people import departments
from ...people.models import FIVE_MANAGER_POSTS, Education, Person, PersonPost
from ...safety_culture import operations as culture
from ...training.models import Attendance, Course, Lesson, TrainingClass
from ...training.operations import special


@dataclass
class Check:
    ok: bool
    detail: str
    pending: bool = False  # not yet due: neither a failure nor done


@dataclass(frozen=True)
class Holder:
    """The person in a post, as the list shows them."""

    id: int
    name: str


@dataclass(frozen=True)
class MineRef:
    """The mine a row is about, as the list shows it."""

    id: int
    name: str
    region_id: int
    region_name: str


@dataclass
class PostCompliance:
    post: object
    holder: Holder | None = None
    checks: dict[str, Check] = field(default_factory=dict)
    # The holder took office more than the policy's months ago and was never assessed.
    first_assessment_missed: bool = False

    @property
    def ok(self) -> bool:
        return self.holder is not None and all(c.ok or c.pending for c in self.checks.values())


@dataclass
class MineCompliance:
    mine: MineRef
    posts: list[PostCompliance]

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.posts)

    @property
    def problems(self) -> int:
        return sum(not p.ok for p in self.posts)

    @property
    def first_assessments_missed(self) -> int:
        return sum(p.first_assessment_missed for p in self.posts)


class Status:
    """The list's status filter."""

    ALL = "all"
    PROBLEMS = "problems"  # mines with at least one post not in order
    FIRST_MISSED = "first_missed"  # mines with a first assessment missed

    CHOICES = (ALL, PROBLEMS, FIRST_MISSED)


@dataclass
class ComplianceQuery:
    """Which mines a list holds: ``scope`` (a select of mine ids the viewer may see, e.g.
    ``visible_organisations(user)``), narrowed to a region's subtree, a kind of mine and a status."""

    scope: Select | list[int]
    region: Region | None = None
    kind: MineKind | None = None
    status: str = Status.ALL
    on: date | None = None


@dataclass
class CompliancePage:
    rows: list[MineCompliance]
    total: int  # mines matching the query, all pages
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def _months_later(day: date, months: int) -> date:
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _first_threshold(on: date, months: int) -> date:
    """The earliest appointment date whose first assessment is not yet due on ``on``:
    ``_months_later(started, months) >= on`` exactly when ``started >= `` this date (the month
    arithmetic is monotonic, so SQL compares dates instead of adding months on two dialects)."""
    day = _months_later(on, -months) - timedelta(days=10)
    while _months_later(day, months) < on:
        day += timedelta(days=1)
    return day


def _years_threshold(on: date, years: int) -> date:
    """The latest start of mining work that counts ``years`` full years on ``on``."""
    try:
        return date(on.year - years, on.month, on.day)
    except ValueError:  # 29 February into a common year
        return date(on.year - years, 2, 28)


class _Texts:
    """The compliance texts in the current language, looked up once per list instead of once
    per post."""

    def __init__(self) -> None:
        self.vacant = gettext("Vacant")
        self.valid = gettext("Certificate %(s)s valid until %(d)s")
        self.first_due = gettext("First assessment due by %(d)s")
        self.overdue = gettext("Certificate %(s)s is %(state)s: assessment overdue")
        self.none = gettext("No certificate; the assessment was due by %(d)s")
        self.education = gettext("%(edu)s%(field)s; a mining-related college degree or higher is required")
        self.years = gettext("%(have)d years of mining work, at least %(need)d required")
        self.special_done = gettext("Attended the special training of %(y)d (%(c)s)")
        self.special_missed = gettext("Missed the special training of %(y)d")
        self.special_due = gettext("The special training of %(y)d is still to attend")
        self._labels: dict = {}

    def label(self, member) -> str:
        if member not in self._labels:
            self._labels[member] = str(member.label)
        return self._labels[member]


# ----------------------------------------------------------------------------- the statement


_COLLEGE_OR_HIGHER = [e for e in Education if e.at_least(Education.COLLEGE)]


class _Rules:
    """The policy and the day the statement is computed for."""

    def __init__(self, on: date) -> None:
        self.on = on
        self.first_months = policy.get("manager.first_assessment_months")
        self.min_years = policy.get("admission.manager_min_mining_years")
        self.first_threshold = _first_threshold(on, self.first_months)
        self.years_threshold = _years_threshold(on, self.min_years)
        self.special = special.of_year(on.year)  # None until a course is marked for the year


def _valid(on: date):
    return and_(
        Certificate.in_force(on),  # valid, or a suspension that has run out
        Certificate.valid_until >= on,
        or_(Certificate.next_review_on.is_(None), Certificate.next_review_on >= on),
    )


def _mines(query: ComplianceQuery):
    scope = query.scope if isinstance(query.scope, Select) else list(query.scope)
    conditions = [MineEnterprise.id.in_(scope)]
    if query.region is not None:
        conditions.append(
            MineEnterprise.region_id.in_(select(Region.id).where(in_regions([query.region.path])))
        )
    if query.kind is not None:
        conditions.append(MineEnterprise.mine_kind == query.kind)
    return (
        select(MineEnterprise.id, MineEnterprise.name, MineEnterprise.region_id)
        .where(*conditions)
        .cte("scoped")
    )


def _facts(mines, rules: _Rules):
    """One row per filled post of the mines: its holder's raw facts and the post's verdict."""
    on = rules.on
    slot = case(*[(PersonPost.post == p, i) for i, p in enumerate(FIVE_MANAGER_POSTS)])
    category = case(*[(PersonPost.post == p, p.personnel_category.value) for p in FIVE_MANAGER_POSTS])
    ranked = (
        select(
            PersonPost.organisation_id.label("mine_id"),
            slot.label("slot"),
            category.label("category"),
            PersonPost.person_id,
            PersonPost.started_on,
            func.row_number()
            .over(
                partition_by=(PersonPost.organisation_id, PersonPost.post),
                order_by=(PersonPost.started_on.desc(), PersonPost.id),
            )
            .label("rank"),
        )
        .where(
            PersonPost.organisation_id.in_(select(mines.c.id)),
            PersonPost.post.in_(FIVE_MANAGER_POSTS),
            PersonPost.started_on <= on,
            or_(PersonPost.ended_on.is_(None), PersonPost.ended_on >= on),
        )
        .cte("ranked")
    )
    certificates = (
        select(
            Certificate.person_id,
            Certificate.category,
            func.max(case((_valid(on), 1), else_=0)).label("has_valid"),
            func.count().label("held"),
        )
        .where(Certificate.person_id.in_(select(ranked.c.person_id).where(ranked.c.rank == 1)))
        .group_by(Certificate.person_id, Certificate.category)
        .cte("held")
    )
    held = func.coalesce(certificates.c.held, 0)
    has_valid = func.coalesce(certificates.c.has_valid, 0) == 1
    pending = and_(held == 0, ranked.c.started_on >= rules.first_threshold)
    missed = and_(held == 0, ranked.c.started_on < rules.first_threshold)
    education_ok = and_(Person.education.in_(_COLLEGE_OR_HIGHER), Person.mining_related_degree.is_(True))
    years_ok = (
        true()
        if rules.min_years <= 0
        else and_(Person.work_started_on.is_not(None), Person.work_started_on <= rules.years_threshold)
    )
    conditions = [or_(has_valid, pending), education_ok, years_ok]
    columns = []
    source = ranked.join(Person, Person.id == ranked.c.person_id).outerjoin(
        certificates,
        and_(certificates.c.person_id == ranked.c.person_id, certificates.c.category == ranked.c.category),
    )
    if rules.special is not None:
        attended = (
            select(Attendance.person_id, func.min(Course.title).label("title"))
            .join(Lesson, Lesson.id == Attendance.lesson_id)
            .join(TrainingClass, TrainingClass.id == Lesson.class_id)
            .join(Course, Course.id == TrainingClass.course_id)
            .where(Course.special_training_year == rules.special.year)
            .group_by(Attendance.person_id)
            .cte("attended")
        )
        source = source.outerjoin(attended, attended.c.person_id == ranked.c.person_id)
        columns.append(attended.c.title.label("special_course"))
        if rules.special.over(on):
            conditions.append(attended.c.title.is_not(None))
    return (
        select(
            ranked.c.mine_id,
            ranked.c.slot,
            ranked.c.category,
            ranked.c.person_id,
            ranked.c.started_on,
            Person.name.label("person_name"),
            Person.education,
            Person.education_field,
            Person.mining_related_degree,
            Person.work_started_on,
            held.label("held"),
            case((has_valid, 1), else_=0).label("has_valid"),
            case((and_(*conditions), 1), else_=0).label("post_ok"),
            case((missed, 1), else_=0).label("missed"),
            *columns,
        )
        .select_from(source)
        .where(ranked.c.rank == 1)
        .cte("facts")
    )


def _per_mine(query: ComplianceQuery, rules: _Rules):
    """(mines, facts, per-mine select): each mine of the query with its count of posts not in
    order and of first assessments missed, filtered by the query's status."""
    mines = _mines(query)
    facts = _facts(mines, rules)
    problems = (len(FIVE_MANAGER_POSTS) - func.coalesce(func.sum(facts.c.post_ok), 0)).label("problems")
    missed = func.coalesce(func.sum(facts.c.missed), 0).label("missed")
    per_mine = (
        select(mines.c.id, mines.c.name, mines.c.region_id, problems, missed)
        .select_from(mines.outerjoin(facts, facts.c.mine_id == mines.c.id))
        .group_by(mines.c.id, mines.c.name, mines.c.region_id)
    )
    if query.status == Status.PROBLEMS:
        per_mine = per_mine.having(problems > 0)
    elif query.status == Status.FIRST_MISSED:
        per_mine = per_mine.having(missed > 0)
    return mines, facts, per_mine


def _detailed(query: ComplianceQuery, rules: _Rules, limit: int | None = None, offset: int = 0):
    """The statement of a page (or, without ``limit``, of the whole list): five rows per mine,
    non-compliant mines first, then by name, each post with the facts its texts need."""
    _mines_cte, facts, per_mine = _per_mine(query, rules)
    ok = per_mine.selected_columns.problems == 0
    chosen = per_mine.add_columns(func.count().over().label("total"))
    if limit is not None:
        chosen = chosen.order_by(ok, per_mine.selected_columns.name, per_mine.selected_columns.id)
        chosen = chosen.limit(limit).offset(offset)
    page = chosen.cte("page")
    slots = union_all(*[select(literal(i).label("slot")) for i in range(len(FIVE_MANAGER_POSTS))]).subquery(
        "slots"
    )
    latest_valid, last_held = aliased(Certificate), aliased(Certificate)

    def newest(*conditions):
        return (
            select(Certificate.id)
            .where(
                Certificate.person_id == facts.c.person_id,
                Certificate.category == facts.c.category,
                *conditions,
            )
            .order_by(Certificate.valid_until.desc(), Certificate.id)
            .limit(1)
            .scalar_subquery()
        )

    extra = [facts.c.special_course] if rules.special is not None else []
    # The newest certificates' ids first, as columns (an index lookup each), then joined by
    # primary key: a subquery in a join's ON clause would run once per pair of rows.
    posts = (
        select(
            page.c.id,
            page.c.name,
            page.c.region_id,
            page.c.total,
            page.c.problems,
            slots.c.slot,
            facts.c.person_id,
            facts.c.person_name,
            facts.c.started_on,
            facts.c.education,
            facts.c.education_field,
            facts.c.mining_related_degree,
            facts.c.work_started_on,
            facts.c.held,
            facts.c.has_valid,
            facts.c.missed,
            case((facts.c.has_valid == 1, newest(_valid(rules.on))), else_=None).label("valid_id"),
            case((and_(facts.c.has_valid == 0, facts.c.held > 0), newest()), else_=None).label("last_id"),
            *extra,
        )
        .select_from(
            page.join(slots, true()).outerjoin(
                facts, and_(facts.c.mine_id == page.c.id, facts.c.slot == slots.c.slot)
            )
        )
        .subquery("posts")
    )
    return (
        select(
            posts,
            latest_valid.serial.label("valid_serial"),
            latest_valid.valid_until.label("valid_until"),
            last_held.serial.label("last_serial"),
            last_held.status.label("last_status"),
            last_held.valid_until.label("last_valid_until"),
            last_held.next_review_on.label("last_next_review_on"),
            last_held.suspended_until.label("last_suspended_until"),
        )
        .select_from(
            posts.outerjoin(latest_valid, latest_valid.id == posts.c.valid_id).outerjoin(
                last_held, last_held.id == posts.c.last_id
            )
        )
        .order_by(posts.c.problems == 0, posts.c.name, posts.c.id, posts.c.slot)
    )


# ----------------------------------------------------------------------------- rows to checks


def _post(row, kind, rules: _Rules, texts: _Texts) -> PostCompliance:
    result = PostCompliance(kind)
    if row.person_id is None:
        result.checks["filled"] = Check(False, texts.vacant)
        return result
    result.holder = Holder(row.person_id, row.person_name)
    result.checks["filled"] = Check(True, row.person_name)
    on = rules.on
    first_due = _months_later(row.started_on, rules.first_months)
    if row.has_valid:
        result.checks["certificate"] = Check(
            True, texts.valid % {"s": row.valid_serial, "d": row.valid_until.isoformat()}
        )
    elif not row.held and on <= first_due:
        result.checks["certificate"] = Check(
            False, texts.first_due % {"d": first_due.isoformat()}, pending=True
        )
    elif row.held:
        state = Certificate.state(
            SimpleNamespace(
                status=row.last_status,
                valid_until=row.last_valid_until,
                next_review_on=row.last_next_review_on,
                suspended_until=row.last_suspended_until,
            ),
            on,
        )
        result.checks["certificate"] = Check(
            False, texts.overdue % {"s": row.last_serial, "state": texts.label(state)}
        )
    else:
        result.checks["certificate"] = Check(False, texts.none % {"d": first_due.isoformat()})
        result.first_assessment_missed = True
    education = row.education
    education_ok = (
        education is not None and education.at_least(Education.COLLEGE) and row.mining_related_degree
    )
    result.checks["education"] = Check(
        bool(education_ok),
        texts.education
        % {
            "edu": texts.label(education) if education else "—",
            "field": f"（{row.education_field}）" if row.education_field else "",
        },
    )
    have = Person.mining_years(SimpleNamespace(work_started_on=row.work_started_on), on)
    need = rules.min_years
    result.checks["mining_years"] = Check(have >= need, texts.years % {"have": have, "need": need})
    this_year = rules.special
    if this_year is not None:  # the year's annual special training, once one is marked
        if row.special_course is not None:
            detail = texts.special_done % {"y": this_year.year, "c": row.special_course}
            result.checks["special_training"] = Check(True, detail)
        elif this_year.over(on):
            result.checks["special_training"] = Check(False, texts.special_missed % {"y": this_year.year})
        else:
            detail = texts.special_due % {"y": this_year.year}
            result.checks["special_training"] = Check(False, detail, pending=True)
    return result


def _region_names() -> dict[int, str]:
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    names = {}
    for region_id, region in regions.items():
        chain, current = [], region
        while current is not None:
            chain.append(current.name)
            current = regions.get(current.parent_id)
        names[region_id] = "".join(reversed(chain))
    return names


def _assemble(rows, rules: _Rules) -> Iterator[tuple[int, MineCompliance]]:
    """(total, mine) per five rows of a statement from ``_detailed``, in its order."""
    texts, regions = _Texts(), _region_names()
    current, posts, total = None, [], 0
    for row in rows:
        if current is None or current.id != row.id:
            if current is not None:
                yield total, MineCompliance(current, posts)
            current = MineRef(row.id, row.name, row.region_id, regions.get(row.region_id, ""))
            posts, total = [], row.total
        posts.append(_post(row, FIVE_MANAGER_POSTS[row.slot], rules, texts))
    if current is not None:
        yield total, MineCompliance(current, posts)


# ----------------------------------------------------------------------------- the entry points


PAGE_SIZE = 50
COMPLIANCE_CHUNK = 2000  # mines per query when a list of mines is given
EXPORT_CHUNK = 1000  # rows fetched from the server at a time while exporting


def page(query: ComplianceQuery, number: int = 1, size: int = PAGE_SIZE) -> CompliancePage:
    """One page of the list, non-compliant mines first, then by name: one query."""
    rules = _Rules(query.on or today())
    number = max(1, number)
    statement = _detailed(query, rules, limit=size, offset=(number - 1) * size)
    found = list(_assemble(db.session.execute(statement), rules))
    total = found[0][0] if found else 0
    if not found and number > 1:  # past the end: how many there are, for the pager
        total = count(query)
    return CompliancePage([row for _total, row in found], total, number, size)


def iterate(query: ComplianceQuery, chunk: int = EXPORT_CHUNK) -> Iterator[MineCompliance]:
    """The whole list in the page's order, fetched ``chunk`` rows at a time (a server-side
    cursor on PostgreSQL), for a streamed export."""
    rules = _Rules(query.on or today())
    statement = _detailed(query, rules)  # ordered like the pages
    rows = db.session.execute(statement.execution_options(yield_per=chunk))
    for _total, row in _assemble(rows, rules):
        yield row


EXPORT_HEADER = ("矿山", "地区", "岗位", "姓名", "问题", "五科配备", "安全文化")


def export_rows(query: ComplianceQuery, batch: int = EXPORT_CHUNK) -> Iterator[tuple]:
    """The export's rows, one per post, as the cursor yields them: the mine, its region, the
    post, the holder and what fails ("OK" when nothing does); then the mine's 五科 (staffed of
    all, the vacant named) and its safety-culture state ("逾期" when the plan's milestones are
    overdue), as the page shows them, found for ``batch`` mines at a time (two queries)."""
    on = query.on or today()
    labels: dict = {}  # a post's label, translated once per export (4 s of 12 for 100,000 rows)
    rows = iterate(query)
    while mines := list(islice(rows, batch)):  # itertools.batched from Python 3.12
        ids = [row.mine.id for row in mines]
        heads = departments.heads(ids, on)
        overdue = {mine.id for mine, *_ in culture.required_mines(ids, on, overdue_only=True)}
        for row in mines:
            staffed = _departments_text(departments.of_mine(heads, row.mine.id))
            culture_text = "逾期" if row.mine.id in overdue else ""
            for post in row.posts:
                problems = "; ".join(c.detail for c in post.checks.values() if not (c.ok or c.pending))
                yield (
                    row.mine.name,
                    row.mine.region_name,
                    labels.get(post.post) or labels.setdefault(post.post, str(post.post.label)),
                    post.holder.name if post.holder else "",
                    "OK" if post.ok else problems,
                    staffed,
                    culture_text,
                )


def _departments_text(heads) -> str:
    vacant = [str(h.department.label) for h in heads if h.holder is None]
    text = f"{len(heads) - len(vacant)} / {len(heads)}"
    return f"{text}（空缺：{'、'.join(vacant)}）" if vacant else text


def count(query: ComplianceQuery) -> int:
    """How many mines the query holds (with a status: how many have a problem), aggregated
    in the database."""
    rules = _Rules(query.on or today())
    _mines_cte, _facts_cte, per_mine = _per_mine(query, rules)
    return db.session.scalar(select(func.count()).select_from(per_mine.subquery())) or 0


def counts_by(query: ComplianceQuery, groups: dict[int, Any]) -> tuple[int, dict[int, int]]:
    """``count(query)`` and, in the same query, how many of those mines lie in each group:
    ``groups`` maps a key to a condition on the mine's ``Region``. One query for a region and
    all the regions below it, instead of one per region."""
    if not groups:
        return count(query), {}
    rules = _Rules(query.on or today())
    _mines_cte, _facts_cte, per_mine = _per_mine(query, rules)
    counted = per_mine.subquery()
    group = case(*[(condition, key) for key, condition in groups.items()], else_=None).label("key")
    rows = db.session.execute(
        select(group, func.count())
        .select_from(counted)
        .join(Region, Region.id == counted.c.region_id)
        .group_by(group)
    ).all()
    return sum(n for _key, n in rows), {key: n for key, n in rows if key is not None}


def compliance(mines: list[MineEnterprise], on: date | None = None) -> list[MineCompliance]:
    """Each of the five posts of each mine, in the order of ``mines``: filled, the holder's
    certificate valid (first assessment within the policy's months of taking office, then every
    3 years), the dual admission standard of 学历 and 从业年限 met, and the year's special
    training attended once its classes are over."""
    ids = [m.id for m in mines]
    found = {}
    for start in range(0, len(ids), COMPLIANCE_CHUNK):  # bounded lists of ids per query
        found.update(
            (r.mine.id, r) for r in iterate(ComplianceQuery(ids[start : start + COMPLIANCE_CHUNK], on=on))
        )
    return [found[i] for i in ids]


def late_applications(mines: list[MineEnterprise] | Select) -> list[ExamApplication]:
    """Managers' applications made after the window from taking office (marked late with the
    number of days), of the people employed by these mines, newest first."""
    ids = mines if isinstance(mines, Select) else [m.id for m in mines]
    if isinstance(ids, list) and not ids:
        return []
    return list(
        db.session.scalars(
            select(ExamApplication)
            .join(Person, Person.id == ExamApplication.person_id)
            .where(Person.employer_id.in_(ids), ExamApplication.late_days > 0)
            .order_by(ExamApplication.submitted_at.desc())
            .options(selectinload(ExamApplication.person))
        )
    )
