"""The 五职矿长 compliance as the portal computed it in Python over ORM rows until issue 24, kept
for the tests only: the oracle the SQL list (training_portal/regulator/operations/compliance.py)
must agree with, post by post. Not used by the application."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from training_portal.certificates.models import Certificate, CertificateState
from training_portal.certificates.operations import today
from training_portal.core import policy
from training_portal.core.db import db
from training_portal.exams.models import ExamApplication
from training_portal.organisations.models import MineEnterprise
from training_portal.people.models import FIVE_MANAGER_POSTS, Education, Person, PersonPost
from training_portal.training.operations import special


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
    # The holder took office more than the policy's months ago and was never assessed.
    first_assessment_missed: bool = False

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

    @property
    def first_assessments_missed(self) -> int:
        return sum(p.first_assessment_missed for p in self.posts)


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
        self.special_done = gettext("Attended the special training of %(y)d (%(c)s)")
        self.special_missed = gettext("Missed the special training of %(y)d")
        self.special_due = gettext("The special training of %(y)d is still to attend")
        self._labels: dict = {}

    def label(self, member) -> str:
        if member not in self._labels:
            self._labels[member] = str(member.label)
        return self._labels[member]


def _post_compliance(
    post: PersonPost | None,
    kind,
    certificates: dict[int, list[Certificate]],
    on: date,
    rules: dict,
    texts: _Texts,
    training: tuple[special.SpecialTraining | None, dict[int, tuple[str, date]]] = (None, {}),
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
            True, texts.valid % {"s": latest.serial, "d": latest.valid_until.isoformat()}
        )
    elif not held and on <= first_due:
        row.checks["certificate"] = Check(False, texts.first_due % {"d": first_due.isoformat()}, pending=True)
    elif held:
        last = max(held, key=lambda c: c.valid_until)
        row.checks["certificate"] = Check(
            False, texts.overdue % {"s": last.serial, "state": texts.label(last.state(on))}
        )
    else:
        row.checks["certificate"] = Check(False, texts.none % {"d": first_due.isoformat()})
        row.first_assessment_missed = True
    years = rules["min_years"]
    education_ok = (
        person.education is not None
        and person.education.at_least(Education.COLLEGE)
        and person.mining_related_degree
    )
    row.checks["education"] = Check(
        education_ok,
        texts.education
        % {
            "edu": texts.label(person.education) if person.education else "—",
            "field": f"（{person.education_field}）" if person.education_field else "",
        },
    )
    have = person.mining_years(on)
    row.checks["mining_years"] = Check(have >= years, texts.years % {"have": have, "need": years})
    this_year, attended = training
    if this_year is not None:  # the year's annual special training, once one is marked
        if person.id in attended:
            detail = texts.special_done % {"y": this_year.year, "c": attended[person.id][0]}
            row.checks["special_training"] = Check(True, detail)
        elif this_year.over(on):
            row.checks["special_training"] = Check(False, texts.special_missed % {"y": this_year.year})
        else:
            detail = texts.special_due % {"y": this_year.year}
            row.checks["special_training"] = Check(False, detail, pending=True)
    return row


COMPLIANCE_CHUNK = 2000  # mines per round of queries


def compliance(mines: list[MineEnterprise], on: date | None = None) -> list[MineCompliance]:
    """Each of the five posts of each mine: filled, the holder's certificate valid (first
    assessment within the policy's months of taking office, then every 3 years), the dual
    admission standard of 学历 and 从业年限 met, and the year's special training attended once
    its classes are over."""
    on = on or today()
    if len(mines) > COMPLIANCE_CHUNK:  # bounded lists of ids per query (PostgreSQL takes 65,535)
        return [
            row
            for start in range(0, len(mines), COMPLIANCE_CHUNK)
            for row in compliance(mines[start : start + COMPLIANCE_CHUNK], on)
        ]
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
    this_year = special.of_year(on.year)
    training = (
        this_year,
        special.attended(list({p.person_id for p in posts}), on.year) if this_year else {},
    )
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
            rows.append(_post_compliance(holder, kind, certificates, on, rules, texts, training))
        result.append(MineCompliance(mine, rows))
    return result


def late_applications(mines: list[MineEnterprise]) -> list[ExamApplication]:
    """Managers' applications made after the window from taking office (marked late with the
    number of days), of the people employed by these mines, newest first."""
    ids = [m.id for m in mines]
    if not ids:
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
