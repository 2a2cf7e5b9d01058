"""The pre-check of an application: the training hours every category needs, then the
category's own admission rules (学历 and 从业年限, age, the 30-day window for managers), as the
category registry declares them. Each rule says what it found; an unknown category is refused."""

from __future__ import annotations

from datetime import date

from ..core.i18n import local_today
from ..people import categories
from ..people.categories import RuleResult as RuleResult
from ..people.models import OperationType, Person, PersonnelCategory
from ..training.ledger import training_check


def precheck(
    person: Person,
    category: PersonnelCategory,
    appointed_on: date | None,
    on: date | None = None,
    operation_type: OperationType | None = None,
) -> list[RuleResult]:
    """Raise ``categories.UnknownCategory`` for a category (or operation type) the registry
    does not know or allow, before any rule is read."""
    kind = categories.get(category)
    categories.operation_type(kind, operation_type)
    on = on or local_today()
    hours = training_check(person, PersonnelCategory(kind.code), operation_type, on)
    return [RuleResult("training_hours", hours.ok, hours.detail), *kind.admission(person, appointed_on, on)]
