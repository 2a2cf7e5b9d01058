"""五职矿长 compliance, inspections, spot tests and reassignment orders, and the search."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from question_bank import assembly
from question_bank.models import Blueprint

from ..certificates.models import Certificate, CertificateState
from ..certificates.operations import SERIAL, today
from ..core import audit, policy
from ..core.db import db, locked, utcnow
from ..core.errors import CONFLICT, DomainError
from ..organisations.models import MineEnterprise, Organisation
from ..people import categories
from ..people import operations as people_ops
from ..people.models import FIVE_MANAGER_POSTS, Education, Person, PersonPost
from .models import Inspection, OrderStatus, ReassignmentOrder, SpotTest


class RegulatorError(DomainError):
    """Refused by a rule of supervision (inspections, spot tests, orders)."""


# ----------------------------------------------------------------------------- 五职矿长 compliance


@dataclass
class Check:
    ok: bool
    detail: str
    pending: bool = False  # not yet due: neither a failure nor done


@dataclass
class PostCompliance:
    post: object
    holder: Person | None = None
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.holder is not None and all(c.ok or c.pending for c in self.checks.values())


@dataclass
class MineCompliance:
    mine: MineEnterprise
    posts: list[PostCompliance]

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.posts)

    @property
    def problems(self) -> int:
        return sum(not p.ok for p in self.posts)


def _months_later(day: date, months: int) -> date:
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


class _Texts:
    """The compliance texts in the current language, looked up once per list instead of once
    per post (the lookups were a third of a province-wide list's time)."""

    def __init__(self) -> None:
        self.vacant = gettext("Vacant")
        self.valid = gettext("Certificate %(s)s valid until %(d)s")
        self.first_due = gettext("First assessment due by %(d)s")
        self.overdue = gettext("Certificate %(s)s is %(state)s: assessment overdue")
        self.none = gettext("No certificate; the assessment was due by %(d)s")
        self.education = gettext("%(edu)s%(field)s; a mining-related college degree or higher is required")
        self.years = gettext("%(have)d years of mining work, at least %(need)d required")
        self._labels: dict = {}

    def label(self, member) -> str:
        if member not in self._labels:
            self._labels[member] = str(member.label)
        return self._labels[member]


def _post_compliance(
    post: PersonPost | None, kind, certificates: dict[int, list[Certificate]], on: date, rules: dict,
    texts: _Texts,
) -> PostCompliance:
    row = PostCompliance(kind)
    if post is None:
        row.checks["filled"] = Check(False, texts.vacant)
        return row
    person = row.holder = post.person
    row.checks["filled"] = Check(True, person.name)
    category = post.post.personnel_category
    held = [c for c in certificates.get(person.id, []) if c.category is category]
    valid = [c for c in held if c.state(on) is CertificateState.VALID]
    first_due = _months_later(post.started_on, rules["first_months"])
    if valid:
        latest = max(valid, key=lambda c: c.valid_until)
        row.checks["certificate"] = Check(
            True, texts.valid % {"s": latest.serial, "d": latest.valid_until.isoformat()})
    elif not held and on <= first_due:
        row.checks["certificate"] = Check(False, texts.first_due % {"d": first_due.isoformat()},
                                          pending=True)
    elif held:
        last = max(held, key=lambda c: c.valid_until)
        row.checks["certificate"] = Check(
            False, texts.overdue % {"s": last.serial, "state": texts.label(last.state(on))})
    else:
        row.checks["certificate"] = Check(False, texts.none % {"d": first_due.isoformat()})
    years = rules["min_years"]
    education_ok = (
        person.education is not None
        and person.education.at_least(Education.COLLEGE)
        and person.mining_related_degree
    )
    row.checks["education"] = Check(education_ok, texts.education % {
        "edu": texts.label(person.education) if person.education else "—",
        "field": f"（{person.education_field}）" if person.education_field else ""})
    have = person.mining_years(on)
    row.checks["mining_years"] = Check(have >= years, texts.years % {"have": have, "need": years})
    return row


COMPLIANCE_CHUNK = 2000  # mines per round of queries


def compliance(mines: list[MineEnterprise], on: date | None = None) -> list[MineCompliance]:
    """Each of the five posts of each mine: filled, the holder's certificate valid (first
    assessment within the policy's months of taking office, then every 3 years), and the dual
    admission standard of 学历 and 从业年限 met."""
    on = on or today()
    if len(mines) > COMPLIANCE_CHUNK:  # bounded lists of ids per query (PostgreSQL takes 65,535)
        return [row for start in range(0, len(mines), COMPLIANCE_CHUNK)
                for row in compliance(mines[start:start + COMPLIANCE_CHUNK], on)]
    ids = [m.id for m in mines]
    posts = db.session.scalars(
        select(PersonPost)
        .where(
            PersonPost.organisation_id.in_(ids),
            PersonPost.post.in_(FIVE_MANAGER_POSTS),
            PersonPost.started_on <= on,
            or_(PersonPost.ended_on.is_(None), PersonPost.ended_on >= on),
        )
        .options(selectinload(PersonPost.person))
    ).all()
    certificates: dict[int, list[Certificate]] = {}
    for certificate in db.session.scalars(
        select(Certificate).where(Certificate.person_id.in_({p.person_id for p in posts}))
    ):
        certificates.setdefault(certificate.person_id, []).append(certificate)
    rules = {
        "first_months": policy.get("manager.first_assessment_months"),
        "min_years": policy.get("admission.manager_min_mining_years"),
    }
    texts = _Texts()
    by_mine: dict[int, list[PersonPost]] = {}
    for post in posts:
        by_mine.setdefault(post.organisation_id, []).append(post)
    result = []
    for mine in mines:
        rows = []
        for kind in FIVE_MANAGER_POSTS:
            holder = max(
                (p for p in by_mine.get(mine.id, []) if p.post is kind),
                key=lambda p: p.started_on,
                default=None,
            )
            rows.append(_post_compliance(holder, kind, certificates, on, rules, texts))
        result.append(MineCompliance(mine, rows))
    return result


# ----------------------------------------------------------------------------- inspections and spot tests


def record_inspection(
    mine: MineEnterprise, inspected_on: date, inspectors: str, findings: str, *, actor
) -> Inspection:
    if inspected_on > today():
        raise RegulatorError(_l("The inspection date is in the future."), field="inspected_on")
    if not inspectors.strip():
        raise RegulatorError(_l("Name the inspectors."), field="inspectors")
    inspection = Inspection(
        mine=mine,
        inspected_on=inspected_on,
        inspectors=inspectors.strip()[:200],
        findings=findings.strip(),
        created_by_id=actor.id,
    )
    db.session.add(inspection)
    db.session.flush()
    audit.record(
        "inspection.record",
        inspection,
        actor=actor,
        organisation=mine,
        after={"mine_id": mine.id, "inspected_on": inspected_on, "inspectors": inspection.inspectors},
    )
    return inspection


def spot_test_blueprints() -> list[Blueprint]:
    return list(db.session.scalars(
        select(Blueprint).where(Blueprint.purpose == "spot_test").order_by(Blueprint.name)))


def managers_at(mine: MineEnterprise, on: date | None = None) -> list[PersonPost]:
    on = on or today()
    return list(
        db.session.scalars(
            select(PersonPost)
            .where(
                PersonPost.organisation_id == mine.id,
                PersonPost.post.in_(FIVE_MANAGER_POSTS),
                or_(PersonPost.ended_on.is_(None), PersonPost.ended_on >= on),
            )
            .order_by(PersonPost.post)
        )
    )


def start_spot_test(inspection: Inspection, post: PersonPost, blueprint: Blueprint, *, actor) -> SpotTest:
    if post.organisation_id != inspection.mine_id or not categories.of_post(post.post).spot_testable:
        raise RegulatorError(_l("Spot tests are for the managers of the inspected mine."), field="post_id")
    if blueprint.purpose != "spot_test":
        raise RegulatorError(_l("Choose a spot-test blueprint."), field="blueprint_id")
    try:
        paper = assembly.draw_papers(blueprint, 1)[0]
    except ValueError as exc:
        raise RegulatorError(str(exc)) from exc
    test = SpotTest(
        inspection=inspection,
        person_id=post.person_id,
        post=post.post,
        paper_id=paper.id,
        started_by_id=actor.id,
        deadline=utcnow() + timedelta(minutes=paper.duration_minutes),
    )
    db.session.add(test)
    db.session.flush()
    audit.record(
        "spot_test.start",
        test,
        actor=actor,
        organisation=inspection.mine,
        after={
            "inspection_id": inspection.id,
            "person_id": post.person_id,
            "post": post.post,
            "paper_id": paper.id,
        },
    )
    return test


def submit_spot_test(test: SpotTest, answers: dict[int, list[int]], *, actor) -> SpotTest:
    """Grade once (a second submit returns the result); a failure raises a reassignment order."""
    test = locked(SpotTest, test.id)
    if test.finished_at is not None:
        return test
    from question_bank.models import Paper

    paper = db.session.get(Paper, test.paper_id)
    late = utcnow() > test.deadline
    counted = {} if late else answers
    score, _items = assembly.grade_paper(paper, counted)
    test.answers = {str(k): v for k, v in counted.items()}
    test.score = score
    test.passed = score >= policy.get("exam.pass_mark") * paper.total_points / policy.get("exam.total_points")
    test.finished_at = utcnow()
    db.session.flush()
    audit.record(
        "spot_test.grade",
        test,
        actor=actor,
        organisation=test.inspection.mine,
        after={"score": score, "passed": test.passed, "late": late},
    )
    if not test.passed:
        order = ReassignmentOrder(
            spot_test=test, mine_id=test.inspection.mine_id, person_id=test.person_id, status=OrderStatus.OPEN
        )
        db.session.add(order)
        db.session.flush()
        audit.record(
            "order.issue",
            order,
            actor=actor,
            organisation=test.inspection.mine,
            after={"person_id": test.person_id, "post": test.post, "spot_test_id": test.id},
        )
    return test


def respond_to_order(order: ReassignmentOrder, response: str, *, actor) -> None:
    order = locked(ReassignmentOrder, order.id)
    if order.status is OrderStatus.CLOSED:
        raise RegulatorError(_l("The order is closed."), status=CONFLICT)
    if not response.strip():
        raise RegulatorError(_l("Say what the mine did."), field="response")
    order.status, order.response = OrderStatus.ANSWERED, response.strip()
    order.responded_at, order.responded_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record(
        "order.respond", order, actor=actor, organisation=order.mine, after={"response": order.response}
    )


def close_order(order: ReassignmentOrder, *, actor) -> None:
    order = locked(ReassignmentOrder, order.id)
    if order.status is not OrderStatus.ANSWERED:
        raise RegulatorError(_l("Only an order the mine has answered is closed."), status=CONFLICT)
    order.status, order.closed_at, order.closed_by_id = OrderStatus.CLOSED, utcnow(), actor.id
    db.session.flush()
    audit.record("order.close", order, actor=actor, organisation=order.mine)


# ----------------------------------------------------------------------------- search


_ID_NUMBER = re.compile(r"^\d{15}(\d{2}[\dXx])?$")


def _name_condition(text: str):
    """A partial name. On PostgreSQL through the GIN index on the name's character pairs
    (``portal_bigrams``, see the migration), then checked exactly; one character is a surname."""
    if len(text) == 1:
        return Person.name.startswith(text, autoescape=True)
    contains = Person.name.contains(text, autoescape=True)
    if db.engine.dialect.name == "postgresql":
        return and_(func.portal_bigrams(Person.name).op("@>")(func.portal_bigrams(text)), contains)
    return contains


def search_people(user, text: str, limit: int = 200) -> list[Person]:
    """People in the user's jurisdiction by 身份证号, certificate serial, (partial) name, or the
    name of their employer. Each kind of match is its own indexed query; the results merge."""
    text = text.strip()
    if not text:
        return []
    visible = people_ops.visible_people(user)
    upper = text.upper()
    if _ID_NUMBER.match(text):
        queries = [visible.where(Person.id_number == upper)]
    elif SERIAL.match(upper):
        holder = select(Certificate.person_id).where(Certificate.serial == upper)
        queries = [visible.where(Person.id.in_(holder))]
    else:
        employers = select(Organisation.id).where(Organisation.name.contains(text, autoescape=True))
        queries = [visible.where(_name_condition(text)), visible.where(Person.employer_id.in_(employers))]
    found: dict[int, Person] = {}
    for query in queries:
        for person in db.session.scalars(query.order_by(Person.name, Person.id).limit(limit)):
            found.setdefault(person.id, person)
    return sorted(found.values(), key=lambda p: (p.name, p.id))[:limit]


def badges(people: list[Person], on: date | None = None) -> dict[int, list[str]]:
    """Status badges per person: valid / due for 复审 / expired / revoked, and training deficit."""
    from ..training import ledger

    on = on or today()
    found: dict[int, list[str]] = {p.id: [] for p in people}
    for certificate in db.session.scalars(select(Certificate).where(Certificate.person_id.in_(found))):
        state = certificate.state(on)
        if (
            state is CertificateState.VALID
            and certificate.next_review_on
            and certificate.next_review_on
            <= on + timedelta(days=policy.get("special_ops.review_window_days"))
        ):
            state_value = "review_soon"
        else:
            state_value = state.value
        if state_value not in found[certificate.person_id]:
            found[certificate.person_id].append(state_value)
    short = {p.id for p, _line in ledger.deficits(select(Person).where(Person.id.in_(found)), on.year)}
    for person_id in short:
        found[person_id].append("training_deficit")
    return found
