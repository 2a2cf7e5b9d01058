"""The pre-check of an application: the training hours, the dual standard of 学历 and 从业年限,
age, and the 30-day window for managers. Each rule says what it found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from ..core import policy
from ..core.i18n import local_today
from ..people.models import FIVE_MANAGER_POSTS, Education, OperationType, Person, PersonnelCategory, Post
from ..training.ledger import training_check


@dataclass
class RuleResult:
    rule: str
    ok: bool
    detail: str

    def as_json(self) -> dict:
        return {"rule": self.rule, "ok": self.ok, "detail": str(self.detail)}


def _education(person: Person, minimum: Education, rule: str) -> RuleResult:
    have = person.education
    ok = have is not None and have.at_least(minimum)
    return RuleResult(rule, ok, str(_l("Education %(have)s, at least %(need)s required",
                                       have=have.label if have else "—", need=minimum.label)))


def _years(person: Person, minimum: int, rule: str, on: date) -> RuleResult:
    years = person.mining_years(on)
    return RuleResult(rule, years >= minimum,
                      str(_l("%(have)d years of mining work, at least %(need)d required",
                             have=years, need=minimum)))


def precheck(person: Person, category: PersonnelCategory, appointed_on: date | None,
             on: date | None = None, operation_type: OperationType | None = None) -> list[RuleResult]:
    on = on or local_today()
    results: list[RuleResult] = []
    hours = training_check(person, category, operation_type, on)
    results.append(RuleResult("training_hours", hours.ok, hours.detail))
    if category is PersonnelCategory.SPECIAL_OPERATOR:
        min_age = policy.get("admission.special_ops_min_age")
        results.append(RuleResult("age", person.age(on) >= min_age,
                                  str(_l("Age %(have)d, at least %(need)d required",
                                         have=person.age(on), need=min_age))))
        since = policy.get("admission.special_ops_high_school_since")
        new_on_job = person.work_started_on is None or person.work_started_on >= since
        results.append(_education(person, Education.SENIOR_HIGH if new_on_job
                                  else Education.JUNIOR_MIDDLE, "education"))
    elif category in (PersonnelCategory.PRINCIPAL, PersonnelCategory.SAFETY_MANAGER):
        posts = {p.post for p in person.current_posts}
        if posts & set(FIVE_MANAGER_POSTS) or Post.PRINCIPAL in posts:
            edu = _education(person, Education.COLLEGE, "education")
            if edu.ok and not person.mining_related_degree:
                edu = RuleResult("education", False, str(_l("The degree must be mining-related")))
            results.append(edu)
            results.append(_years(person, policy.get("admission.manager_min_mining_years"),
                                  "mining_years", on))
        else:
            results.append(_education(person, Education.SECONDARY_VOCATIONAL, "education"))
            results.append(_years(person, policy.get("admission.safety_dept_min_years"),
                                  "mining_years", on))
        window = policy.get("manager.apply_within_days")
        if appointed_on is None:
            results.append(RuleResult("appointment", False,
                                      str(_l("The appointment date is required"))))
        else:
            late = on - appointed_on > timedelta(days=window)
            results.append(RuleResult("appointment", not late,
                                      str(_l("Appointed on %(d)s; apply within %(n)d days",
                                             d=appointed_on.isoformat(), n=window))))
    return results
