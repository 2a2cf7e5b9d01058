"""Inspections, spot tests (逢查必考) of a mine's 三项岗位 people, and the reassignment orders a
failed one raises."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from question_bank import assembly
from question_bank.models import Blueprint

from ...certificates.operations import today
from ...core import audit, policy
from ...core.db import db, locked, utcnow
from ...core.errors import CONFLICT
from ...organisations.models import MineEnterprise
from ...people import categories
from ...people.models import FIVE_MANAGER_POSTS, Person, PersonPost, Post
from ..models import Inspection, OrderStatus, ReassignmentOrder, SpotTest
from ._base import RegulatorError


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


def _current(on: date):
    """A post held on the day (no end, or ending on or after it)."""
    return or_(PersonPost.ended_on.is_(None), PersonPost.ended_on >= on)


def managers_at(mine: MineEnterprise, on: date | None = None) -> list[PersonPost]:
    return list(
        db.session.scalars(
            select(PersonPost)
            .where(
                PersonPost.organisation_id == mine.id,
                PersonPost.post.in_(FIVE_MANAGER_POSTS),
                _current(on or today()),
            )
            .order_by(PersonPost.post)
        )
    )


def spot_testable_at(mine: MineEnterprise, on: date | None = None) -> list[PersonPost]:
    """Who may be tested on an inspection: everyone holding a post of a spot-testable category
    (三项岗位: 主要负责人, 安全生产管理人员, 特种作业人员) at the mine now."""
    testable = [p for p in Post if categories.of_post(p).spot_testable]
    return list(
        db.session.scalars(
            select(PersonPost)
            .join(PersonPost.person)
            .where(
                PersonPost.organisation_id == mine.id,
                PersonPost.post.in_(testable),
                _current(on or today()),
            )
            .order_by(PersonPost.post, PersonPost.operation_type, Person.name, PersonPost.id)
        )
    )


def spot_blueprint_for(post: PersonPost) -> Blueprint:
    """The spot-test blueprint of the post: one for its operation type (a gas inspector's own
    paper) before one for its whole category; the newest where several are."""
    category = categories.of_post(post.post)
    targets = [post.operation_type.value] if post.operation_type else []
    targets.append(category.code)
    found = db.session.scalars(
        select(Blueprint)
        .where(Blueprint.purpose == "spot_test", Blueprint.target.in_(targets))
        .order_by(Blueprint.id.desc())
    ).all()
    for target in targets:
        for blueprint in found:
            if blueprint.target == target:
                return blueprint
    raise RegulatorError(
        _l(
            "The question bank has no spot-test blueprint for %(target)s; one is needed before "
            "this post can be tested.",
            target=categories.target_label(targets[0]),
        ),
        field="post_id",
    )


def start_spot_test(
    inspection: Inspection, post: PersonPost, blueprint: Blueprint | None = None, *, actor
) -> SpotTest:
    """A spot test of one of the inspected mine's 三项岗位 people, on the blueprint of their post
    (``spot_blueprint_for``) unless one that fits is given."""
    if (
        post.organisation_id != inspection.mine_id
        or not categories.of_post(post.post).spot_testable
        or (post.ended_on is not None and post.ended_on < today())
    ):
        raise RegulatorError(
            _l("Spot tests are for the 三项岗位 people of the inspected mine."), field="post_id"
        )
    if blueprint is None:
        blueprint = spot_blueprint_for(post)
    if blueprint.purpose != "spot_test":
        raise RegulatorError(_l("Choose a spot-test blueprint."), field="blueprint_id")
    category = categories.of_post(post.post)
    operation_type = post.operation_type.value if post.operation_type else None
    if not categories.fits(blueprint.target, category.code, operation_type):
        # A 矿长 answers a manager's paper, never one drawn for another category's work.
        raise RegulatorError(
            _l(
                "This blueprint is for %(target)s; a %(post)s is tested on a blueprint for %(category)s.",
                target=categories.target_label(blueprint.target),
                post=post.post.label,
                category=category.label,
            ),
            field="blueprint_id",
        )
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
            "operation_type": operation_type,
            "blueprint_id": blueprint.id,
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
    # Late: only what the phone saved before the deadline counts (a paper answered on the
    # regulator's device saves nothing before its hand-in, so nothing counts there).
    counted = {int(k): v for k, v in (test.answers or {}).items()} if late else answers
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
