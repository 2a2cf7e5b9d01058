"""A mine's own assessment of its team leaders and front-line workers (班组长, 一线岗位作业人员):
the written test's score, then the 岗位实操 assessment on a rubric, scored by the mine's
assessor. Both marks are the policy's (those of the state's written and practical exams); a pass
is valid the category's years. Each decision is audited; the caller commits."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...core import audit, policy
from ...core.db import db, locked
from ...core.errors import CONFLICT
from ...core.i18n import local_today
from ...organisations.models import MineEnterprise
from ...people import categories
from ...people.models import Person, PersonnelCategory
from ..models import AssessmentState, MineAssessment
from ._base import TrainingError
from .roster import works_at

RUBRIC_TOTAL = 100


def _category(category: PersonnelCategory | str) -> type[categories.Category]:
    try:
        kind = categories.get(category)
    except categories.UnknownCategory as exc:
        raise TrainingError(str(exc), field="category") from None
    if not kind.trained_by_mine:
        raise TrainingError(
            _l("%(c)s are not assessed by their mine; they sit the state exam.", c=kind.label),
            field="category",
        )
    return kind


def _day(on: date, not_before: date | None = None) -> date:
    if on > local_today():
        raise TrainingError(_l("The assessment's date cannot be in the future."), field="on")
    if not_before is not None and on < not_before:
        raise TrainingError(
            _l(
                "The practical assessment cannot come before the written test (%(d)s).",
                d=not_before.isoformat(),
            ),
            field="on",
        )
    return on


def record_written(
    mine: MineEnterprise,
    person: Person,
    category: PersonnelCategory,
    score: int,
    *,
    on: date,
    actor,
) -> MineAssessment:
    """The written test of one of the mine's people: a pass opens the practical assessment, a
    fail ends this assessment."""
    if not isinstance(mine, MineEnterprise):
        raise TrainingError(_l("Only a mine assesses its own team leaders and front-line workers."))
    kind = _category(category)
    if not works_at(person, mine.id):
        raise TrainingError(
            _l(
                "%(name)s does not work at %(mine)s; a mine assesses its own people.",
                name=person.name,
                mine=mine.name,
            ),
            field="id_number",
        )
    if not isinstance(score, int) or not 0 <= score <= 100:
        raise TrainingError(_l("A score is a whole number from 0 to 100."), field="score")
    _day(on)
    pending = db.session.scalar(
        select(MineAssessment.id).where(
            MineAssessment.person_id == person.id,
            MineAssessment.category == PersonnelCategory(kind.code),
            MineAssessment.state == AssessmentState.PENDING,
        )
    )
    if pending is not None:
        raise TrainingError(
            _l("%(name)s's assessment waits for its practical part already.", name=person.name),
            status=CONFLICT,
        )
    passed = score >= policy.get("exam.pass_mark")
    assessment = MineAssessment(
        person=person,
        mine=mine,
        category=PersonnelCategory(kind.code),
        state=AssessmentState.PENDING if passed else AssessmentState.FAILED,
        written_score=score,
        written_on=on,
        written_by_id=actor.id,
    )
    db.session.add(assessment)
    db.session.flush()
    audit.record(
        "mine_assessment.written",
        assessment,
        actor=actor,
        organisation=mine,
        after={
            "person_id": person.id,
            "category": assessment.category,
            "score": score,
            "on": on,
            "pass_mark": policy.get("exam.pass_mark"),
            "state": assessment.state,
        },
    )
    return assessment


def parse_rubric(text: str) -> list[tuple[str, int, int]]:
    """Rubric lines as typed, “item | full marks | score”; raise TrainingError naming the line."""
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if len(parts) != 3 or not parts[0]:
            raise TrainingError(
                _l("Line %(n)d: write “item | full marks | score”.", n=number), field="rubric"
            )
        try:
            items.append((parts[0], int(parts[1]), int(parts[2])))
        except ValueError:
            raise TrainingError(
                _l("Line %(n)d: full marks and score are whole numbers.", n=number), field="rubric"
            ) from None
    return items


def record_practical(
    assessment: MineAssessment, items: list[tuple[str, int, int]], *, on: date, actor
) -> MineAssessment:
    """The 岗位实操 assessment after a passed written test: the rubric's items (their full marks
    adding to 100), each scored; the sum against the practical pass mark decides."""
    assessment = locked(MineAssessment, assessment.id)
    if assessment.state is not AssessmentState.PENDING:
        raise TrainingError(
            _l("Only an assessment whose written test passed takes a practical assessment, once."),
            status=CONFLICT,
        )
    if not items:
        raise TrainingError(_l("The rubric has no items."), field="rubric")
    for title, full, score in items:
        if full <= 0 or not 0 <= score <= full:
            raise TrainingError(
                _l("%(item)s: the score must be from 0 to its full marks (%(full)d).", item=title, full=full),
                field="rubric",
            )
    total_full = sum(full for _, full, _ in items)
    if total_full != RUBRIC_TOTAL:
        raise TrainingError(
            _l("The rubric's full marks add up to %(n)d, not 100.", n=total_full), field="rubric"
        )
    _day(on, assessment.written_on)
    kind = categories.get(assessment.category)
    score = sum(s for _, _, s in items)
    passed = score >= policy.get("practical.pass_mark")
    assessment.practical_items = [{"item": t[:80], "max": f, "score": s} for t, f, s in items]
    assessment.practical_score = score
    assessment.practical_on = on
    assessment.practical_by_id = actor.id
    assessment.state = AssessmentState.PASSED if passed else AssessmentState.FAILED
    assessment.valid_until = kind.certificate_dates(on, None)[0] if passed else None
    db.session.flush()
    audit.record(
        "mine_assessment.practical",
        assessment,
        actor=actor,
        organisation=assessment.mine,
        before={"state": AssessmentState.PENDING},
        after={
            "items": assessment.practical_items,
            "score": score,
            "on": on,
            "pass_mark": policy.get("practical.pass_mark"),
            "state": assessment.state,
            "valid_until": assessment.valid_until,
        },
    )
    return assessment


def of_person(person: Person) -> list[MineAssessment]:
    return list(
        db.session.scalars(
            select(MineAssessment)
            .where(MineAssessment.person_id == person.id)
            .order_by(MineAssessment.written_on.desc(), MineAssessment.id.desc())
        )
    )
