"""人员类别: the registry of personnel categories. A new category is one class registered here.

The personnel category is the domain's central type: what a person is trained for, examined
in and certified as. Each class declares everything the portal decides by category: the
certificate (title, serial letter, validity and 复审), whether a practical exam follows the
written one, the admission rules (学历, 从业年限, age, appointment), the training hours (the
policy's tables, keyed by the code), the words clerks type for it in rosters and question
files, and whether regulators spot-test it. Code asks ``get(code)``; a code no class is
registered under is refused with ``UnknownCategory``, never given another category's rules.

``PersonnelCategory`` and ``Post``, the codes stored in the database, are built from the
registry, so the stored codes and the classes cannot drift apart.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar, Protocol

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..core import policy
from ..core.labels import Labelled
from ..organisations.models import MineKind
from .education import Education


class Person(Protocol):
    """What the admission rules read of a person (``people.models.Person``); a protocol, so that
    the registry, which the models build their codes from, does not import the models back."""

    education: Education | None
    mining_related_degree: bool
    work_started_on: date | None

    @property
    def current_posts(self) -> Iterable: ...

    def mining_years(self, on: date | None = None) -> int: ...

    def age(self, on: date | None = None) -> int: ...


class UnknownCategory(ValueError):
    """A personnel category (or operation type) no class is registered for; ``str()`` says which."""


# ----------------------------------------------------------------------------- operation types


class OperationType(Labelled):
    """特种作业类别: ten for coal mines, eight for metal and non-metal mines."""

    COAL_ELECTRICAL = "coal_electrical"
    COAL_BLASTING = "coal_blasting"
    COAL_MONITORING = "coal_monitoring"
    COAL_GAS_INSPECTION = "coal_gas_inspection"
    COAL_SAFETY_INSPECTION = "coal_safety_inspection"
    COAL_HOIST = "coal_hoist"
    COAL_SHEARER = "coal_shearer"
    COAL_GAS_DRAINAGE = "coal_gas_drainage"
    COAL_OUTBURST_PREVENTION = "coal_outburst_prevention"
    COAL_WATER_EXPLORATION = "coal_water_exploration"
    MN_VENTILATION = "mn_ventilation"
    MN_TAILINGS = "mn_tailings"
    MN_SAFETY_INSPECTION = "mn_safety_inspection"
    MN_HOIST = "mn_hoist"
    MN_SUPPORT = "mn_support"
    MN_ELECTRICAL = "mn_electrical"
    MN_DRAINAGE = "mn_drainage"
    MN_BLASTING = "mn_blasting"

    @classmethod
    def _labels(cls):
        return {
            cls.COAL_ELECTRICAL: _l("Coal: underground electrical work"),
            cls.COAL_BLASTING: _l("Coal: underground blasting"),
            cls.COAL_MONITORING: _l("Coal: safety monitoring and control"),
            cls.COAL_GAS_INSPECTION: _l("Coal: gas inspection"),
            cls.COAL_SAFETY_INSPECTION: _l("Coal: safety inspection"),
            cls.COAL_HOIST: _l("Coal: hoist operation"),
            cls.COAL_SHEARER: _l("Coal: shearer (roadheader) operation"),
            cls.COAL_GAS_DRAINAGE: _l("Coal: gas drainage"),
            cls.COAL_OUTBURST_PREVENTION: _l("Coal: outburst prevention"),
            cls.COAL_WATER_EXPLORATION: _l("Coal: water exploration and drainage"),
            cls.MN_VENTILATION: _l("Metal/non-metal: mine ventilation"),
            cls.MN_TAILINGS: _l("Metal/non-metal: tailings work"),
            cls.MN_SAFETY_INSPECTION: _l("Metal/non-metal: safety inspection"),
            cls.MN_HOIST: _l("Metal/non-metal: hoist operation"),
            cls.MN_SUPPORT: _l("Metal/non-metal: roof support"),
            cls.MN_ELECTRICAL: _l("Metal/non-metal: underground electrical work"),
            cls.MN_DRAINAGE: _l("Metal/non-metal: drainage"),
            cls.MN_BLASTING: _l("Metal/non-metal: blasting"),
        }

    @property
    def mine_kind(self) -> MineKind:
        return MineKind.COAL if self.value.startswith("coal_") else MineKind.METAL_NONMETAL


# ----------------------------------------------------------------------------- admission rules


@dataclass
class RuleResult:
    """One admission rule of an exam application, with what it found."""

    rule: str
    ok: bool
    detail: str

    def as_json(self) -> dict:
        return {"rule": self.rule, "ok": self.ok, "detail": str(self.detail)}


def education_rule(person: Person, minimum: Education) -> RuleResult:
    have = person.education
    ok = have is not None and have.at_least(minimum)
    return RuleResult(
        "education",
        ok,
        str(
            _l(
                "Education %(have)s, at least %(need)s required",
                have=have.label if have else "—",
                need=minimum.label,
            )
        ),
    )


def years_rule(person: Person, minimum: int, on: date) -> RuleResult:
    years = person.mining_years(on)
    return RuleResult(
        "mining_years",
        years >= minimum,
        str(_l("%(have)d years of mining work, at least %(need)d required", have=years, need=minimum)),
    )


def age_rule(person: Person, minimum: int, on: date) -> RuleResult:
    return RuleResult(
        "age",
        person.age(on) >= minimum,
        str(_l("Age %(have)d, at least %(need)d required", have=person.age(on), need=minimum)),
    )


# ----------------------------------------------------------------------------- the categories


@dataclass(frozen=True)
class PostKind:
    """A post (岗位) that makes its holder one of a category: the words a roster's 岗位 cell may
    use for it, and whether it is one of the 五职矿长."""

    code: str
    label: object
    aliases: tuple[str, ...] = ()
    five_manager: bool = False


class Category:
    """What one personnel category decides. Subclasses set the class attributes; the methods
    read the numbers from the policy table, which an admin may edit."""

    code: ClassVar[str]
    label: ClassVar[object]
    # The words clerks type for it (roster 岗位, question files' 适用类别), besides the labels.
    aliases: ClassVar[tuple[str, ...]] = ()
    # Other posts whose holders belong to it; its own post (same code and words) comes after.
    posts: ClassVar[tuple[PostKind, ...]] = ()
    operation_types: ClassVar[tuple[OperationType, ...]] = ()
    # Words for each operation type (特种作业目录 names and usual short forms).
    operation_aliases: ClassVar[dict[OperationType, tuple[str, ...]]] = {}
    examined: ClassVar[bool] = True  # has an exam and a certificate
    certificate_title: ClassVar[str] = ""  # printed on the certificate: official, in Chinese
    subject_heading: ClassVar[str] = "人员类别"  # the certificate's line naming the category
    serial_prefix: ClassVar[str] = ""  # the serial's letter
    validity_rule: ClassVar[str] = ""  # policy key: years a certificate is valid
    review_rule: ClassVar[str] = ""  # policy key: years between 复审; empty: no 复审
    practical_exam: ClassVar[bool] = False  # a practical exam, after the passed written one
    spot_testable: ClassVar[bool] = False  # 逢查必考: tested on the spot on inspection
    # Managers apply within the policy's days of taking office (the post's start on record);
    # a late application is accepted and marked late.
    application_window: ClassVar[bool] = False
    # Evidence an application must carry (the upload fields' names).
    required_evidence: ClassVar[tuple[str, ...]] = ()
    retrains_after_accident: ClassVar[bool] = False  # after a fatal accident at their mine
    # Trained, tested and assessed (written test and 岗位实操) by their own mine, which carries the
    # main responsibility for training them (安全教育培训主体责任): no state exam or certificate.
    trained_by_mine: ClassVar[bool] = False
    # Their yearly hours are counted by a rule of their own (staff_training: the 第一课 besides
    # the hours), not by the generic ledger of mine staff: no deficits list, figure or reminder.
    own_training_rule: ClassVar[bool] = False

    @classmethod
    def own_post(cls) -> PostKind:
        return PostKind(cls.code, cls.label, () if cls.operation_types else cls.aliases)

    @classmethod
    def all_posts(cls) -> tuple[PostKind, ...]:
        return (*cls.posts, cls.own_post())

    @classmethod
    def admission(cls, person: Person, appointed_on: date | None, on: date) -> list[RuleResult]:
        """The dual standard (学历, 从业年限), age and appointment rules; the training hours are
        checked by the caller for every category alike."""
        return []

    @classmethod
    def took_office(cls, person: Person) -> date | None:
        """The start, on record, of the person's current post of this category (the latest)."""
        return max((p.started_on for p in person.current_posts if of_post(p.post) is cls), default=None)

    @classmethod
    def late_days(cls, person: Person, on: date) -> int | None:
        """Days past the policy's window after taking office (0: in time); None where the
        category has no window or no post of it is on record."""
        took = cls.took_office(person) if cls.application_window else None
        if took is None:
            return None
        return max(0, (on - took).days - policy.get("manager.apply_within_days"))

    @classmethod
    def hours_key(cls, table: str, operation_type: OperationType | None = None) -> str | None:
        """The entry of the policy's hours ``table`` that applies: the operation type's, else
        the category's; None when the table has neither (no hours required)."""
        hours = policy.get(table)
        for key in (operation_type.value if operation_type else None, cls.code):
            if key is not None and key in hours:
                return key
        return None

    @classmethod
    def _hours(cls, table: str, operation_type: OperationType | None) -> int:
        key = cls.hours_key(table, operation_type)
        return 0 if key is None else policy.get(table)[key]

    @classmethod
    def initial_hours(cls, operation_type: OperationType | None = None) -> int:
        return cls._hours("training.initial_hours", operation_type)

    @classmethod
    def annual_hours(cls, operation_type: OperationType | None = None) -> int:
        return cls._hours("training.annual_hours", operation_type)

    @classmethod
    def validity_years(cls) -> int | None:
        return policy.get(cls.validity_rule) if cls.validity_rule else None

    @classmethod
    def review_years(cls) -> int | None:
        """The regular 复审 interval (a longer one may be earned; see certificates)."""
        return policy.get(cls.review_rule) if cls.review_rule else None

    @classmethod
    def certificate_dates(cls, issued_on: date, review_interval: int | None) -> tuple[date, date | None]:
        """(valid until, next 复审) of a certificate issued on ``issued_on``; ``review_interval``
        is the person's (it may be longer than ``review_years``)."""
        valid_until = add_years(issued_on, cls.validity_years()) - timedelta(days=1)
        if not cls.review_rule:
            return valid_until, None
        review = add_years(issued_on, review_interval or cls.review_years())
        return valid_until, min(review, valid_until)

    @classmethod
    def as_json(cls) -> dict:
        return {
            "code": cls.code,
            "label": str(cls.label),
            "operation_types": [{"code": t.value, "label": t.label} for t in cls.operation_types],
            "practical_exam": cls.practical_exam,
            "validity_years": cls.validity_years(),
            "review_years": cls.review_years(),
            "serial_prefix": cls.serial_prefix or None,
            "trained_by_mine": cls.trained_by_mine,
        }


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


REGISTRY: dict[str, type[Category]] = {}


def register(cls: type[Category]) -> type[Category]:
    prefixes = {c.serial_prefix for c in REGISTRY.values() if c.serial_prefix}
    if cls.code in REGISTRY or (cls.serial_prefix and cls.serial_prefix in prefixes):
        raise ValueError(f"category {cls.code!r} or its serial letter is registered already")
    REGISTRY[cls.code] = cls
    return cls


def get(code: str) -> type[Category]:
    """The category registered under ``code`` (a ``PersonnelCategory`` is its code)."""
    try:
        return REGISTRY[str(code)]
    except KeyError:
        raise UnknownCategory(str(_l("Unknown personnel category %(c)s.", c=code))) from None


def of_post(post: str) -> type[Category]:
    for category in REGISTRY.values():
        if any(p.code == str(post) for p in category.all_posts()):
            return category
    raise UnknownCategory(str(_l("Unknown post %(p)s.", p=post)))


def operation_type(category: type[Category], code: str | None) -> OperationType | None:
    """The operation type ``code`` as ``category`` allows it: required where the category has
    operation types (and one of them), refused where it has none."""
    if not category.operation_types:
        if code:
            raise UnknownCategory(str(_l("%(c)s has no operation types.", c=category.label)))
        return None
    kind = OperationType._value2member_map_.get(code or "")
    if kind not in category.operation_types:
        raise UnknownCategory(str(_l("%(c)s needs one of its operation types.", c=category.label)))
    return kind


def mine_trained() -> list[type[Category]]:
    """The categories a mine trains and assesses itself."""
    return [c for c in REGISTRY.values() if c.trained_by_mine]


def mine_assessed(category: type[Category]):
    """Why the state exam and certificate refuse a category its mine trains and assesses."""
    return _l(
        "%(c)s are trained and assessed by their own mine (a written test and a 岗位实操 "
        "assessment, on their record as the mine's assessment); the state exam and certificate "
        "are not for them.",
        c=category.label,
    )


def examined() -> list[type[Category]]:
    return [c for c in REGISTRY.values() if c.examined]


def targets() -> list[tuple[str, object]]:
    """What a paper blueprint may be for: an examined category, or an operation type."""
    return [
        (t, label)
        for c in examined()
        for t, label in ((c.code, c.label), *((o.value, o.lazy_label) for o in c.operation_types))
    ]


def check_target(target: str) -> None:
    if target not in dict(targets()):
        raise UnknownCategory(
            str(
                _l(
                    "A blueprint is for a personnel category or an operation type; %(t)s is neither.",
                    t=target or "—",
                )
            )
        )


def target_label(target: str) -> str:
    return str(dict(targets()).get(target, target))


def fits(target: str, category: str, operation_type: str | None) -> bool:
    """Whether a blueprint for ``target`` examines a sitting of ``category`` (and operation
    type): one for the category fits all its operation types, one for an operation type
    fits that type only."""
    return target == str(category) or (operation_type is not None and target == str(operation_type))


def hour_table_keys() -> set[str]:
    """What the policy's hours tables may be keyed by: a category's code, or an operation type
    of a category that has them."""
    return {c.code for c in REGISTRY.values()} | {
        t.value for c in REGISTRY.values() for t in c.operation_types
    }


for _table in ("training.initial_hours", "training.annual_hours"):
    policy.accept_keys(_table, hour_table_keys)


def registry_json() -> str:
    return json.dumps([c.as_json() for c in REGISTRY.values()], ensure_ascii=False, indent=2)


class _Manager(Category):
    """主要负责人 and 安全生产管理人员: assessed within 6 months of taking office, then every 3
    years; the dual standard depends on the post."""

    validity_rule = "manager.assessment_interval_years"
    certificate_title = "安全生产知识和管理能力考核合格证"
    spot_testable = True
    retrains_after_accident = True
    application_window = True
    required_evidence = ("appointment_document", "diploma")

    @classmethod
    def admission(cls, person: Person, appointed_on: date | None, on: date) -> list[RuleResult]:
        results = []
        if any(of_post(p.post) is Principal or _five_manager(p.post) for p in person.current_posts):
            edu = education_rule(person, Education.COLLEGE)
            if edu.ok and not person.mining_related_degree:
                edu = RuleResult("education", False, str(_l("The degree must be mining-related")))
            results += [edu, years_rule(person, policy.get("admission.manager_min_mining_years"), on)]
        else:
            results += [
                education_rule(person, Education.SECONDARY_VOCATIONAL),
                years_rule(person, policy.get("admission.safety_dept_min_years"), on),
            ]
        # The window counts from the post's start on record, never a date the applicant types;
        # a late application is accepted and marked late, not refused.
        took = cls.took_office(person)
        window = policy.get("manager.apply_within_days")
        if took is None:
            results.append(RuleResult("appointment", False, str(_l("No post of this category is on record"))))
        else:
            late = cls.late_days(person, on)
            text = (
                _l(
                    "Took office on %(d)s; applied %(late)d days after the %(n)d-day window",
                    d=took.isoformat(),
                    late=late,
                    n=window,
                )
                if late
                else _l("Took office on %(d)s; applied within %(n)d days", d=took.isoformat(), n=window)
            )
            results.append(RuleResult("appointment", True, str(text)))
        return results


def _five_manager(post: str) -> bool:
    return any(p.code == str(post) and p.five_manager for c in REGISTRY.values() for p in c.all_posts())


@register
class Principal(_Manager):
    """主要负责人; the mine director (矿长) is the mine's principal person."""

    code = "principal"
    label = _l("Principal person in charge")
    aliases = ("主要负责人",)
    posts = (PostKind("mine_director", _l("Mine director"), ("矿长",), five_manager=True),)
    serial_prefix = "A"


@register
class SafetyManager(_Manager):
    """安全生产管理人员, with four of the 五职矿长."""

    code = "safety_manager"
    label = _l("Safety management staff")
    aliases = ("安全生产管理人员", "安全管理人员")
    posts = (
        PostKind("chief_engineer", _l("Chief engineer"), ("总工程师", "总工"), five_manager=True),
        PostKind("deputy_safety", _l("Deputy director for safety"), ("安全副矿长",), five_manager=True),
        PostKind(
            "deputy_production", _l("Deputy director for production"), ("生产副矿长",), five_manager=True
        ),
        PostKind(
            "deputy_mech_elec",
            _l("Deputy director for mechanical and electrical"),
            ("机电副矿长",),
            five_manager=True,
        ),
    )
    serial_prefix = "S"


@register
class SpecialOperator(Category):
    """特种作业人员: certified per operation type, valid 6 years with a 复审 every 3."""

    code = "special_operator"
    label = _l("Special-operations worker")
    aliases = ("特种作业人员",)
    operation_types = tuple(OperationType)
    operation_aliases = {
        OperationType.COAL_ELECTRICAL: ("煤矿井下电气作业", "井下电气作业", "井下电钳工"),
        OperationType.COAL_BLASTING: ("煤矿井下爆破作业", "井下爆破作业", "爆破工"),
        OperationType.COAL_MONITORING: ("煤矿安全监测监控作业", "安全监测监控作业", "监测监控工"),
        OperationType.COAL_GAS_INSPECTION: ("煤矿瓦斯检查作业", "瓦斯检查作业", "瓦斯检查工", "瓦检员"),
        OperationType.COAL_SAFETY_INSPECTION: ("煤矿安全检查作业", "安全检查作业", "安全检查工", "安检员"),
        OperationType.COAL_HOIST: ("煤矿提升机操作作业", "提升机操作作业", "提升机司机"),
        OperationType.COAL_SHEARER: (
            "煤矿采煤机(掘进机)操作作业",
            "煤矿采煤机（掘进机）操作作业",
            "采煤机司机",
            "掘进机司机",
        ),
        OperationType.COAL_GAS_DRAINAGE: ("煤矿瓦斯抽采作业", "瓦斯抽采作业", "瓦斯抽采工"),
        OperationType.COAL_OUTBURST_PREVENTION: ("煤矿防突作业", "防突作业", "防突工"),
        OperationType.COAL_WATER_EXPLORATION: ("煤矿探放水作业", "探放水作业", "探放水工"),
        OperationType.MN_VENTILATION: ("金属非金属矿井通风作业", "矿井通风作业"),
        OperationType.MN_TAILINGS: ("尾矿作业",),
        OperationType.MN_SAFETY_INSPECTION: ("金属非金属矿山安全检查作业",),
        OperationType.MN_HOIST: ("金属非金属矿山提升机操作作业",),
        OperationType.MN_SUPPORT: ("金属非金属矿山支柱作业", "支柱作业"),
        OperationType.MN_ELECTRICAL: ("金属非金属矿山井下电气作业",),
        OperationType.MN_DRAINAGE: ("金属非金属矿山排水作业", "排水作业"),
        OperationType.MN_BLASTING: ("金属非金属矿山爆破作业",),
    }
    certificate_title = "特种作业操作证"
    subject_heading = "作业类别"
    serial_prefix = "T"
    validity_rule = "special_ops.certificate_valid_years"
    review_rule = "special_ops.review_interval_years"
    practical_exam = True
    spot_testable = True  # 三项岗位: tested on inspection like the managers

    @classmethod
    def admission(cls, person: Person, appointed_on: date | None, on: date) -> list[RuleResult]:
        since = policy.get("admission.special_ops_high_school_since")
        new_on_job = person.work_started_on is None or person.work_started_on >= since
        return [
            age_rule(person, policy.get("admission.special_ops_min_age"), on),
            education_rule(person, Education.SENIOR_HIGH if new_on_job else Education.JUNIOR_MIDDLE),
        ]


@register
class TeamLeader(Category):
    """班组长: the province's plan asks mines for a pipeline of team leaders (training,
    selection, assessment). DOMAIN gives no numbers; the defaults (高中 or 中专, 3 years at
    the mine, 18 years old, a practical assessment like the front line they lead, a passed
    assessment valid 3 years with no 复审) are this portal's choice, editable in the policy.
    The mine trains and assesses them; the state issues no certificate."""

    code = "team_leader"
    label = _l("Team leader")
    aliases = ("班组长", "班长", "组长")
    validity_rule = "team_leader.certificate_valid_years"
    practical_exam = True
    trained_by_mine = True

    @classmethod
    def admission(cls, person: Person, appointed_on: date | None, on: date) -> list[RuleResult]:
        return [
            age_rule(person, policy.get("admission.frontline_min_age"), on),
            education_rule(person, Education.SENIOR_HIGH),
            years_rule(person, policy.get("admission.team_leader_min_years"), on),
        ]


@register
class FrontlineWorker(Category):
    """一线岗位作业人员: a written test and, as the province's plan asks, a practical (岗位实操)
    assessment on top, both by their own mine (no state certificate). Age 18 and 初中 are this
    portal's choice (DOMAIN is silent)."""

    code = "frontline_worker"
    label = _l("Front-line worker")
    aliases = ("一线岗位作业人员", "一线作业人员", "一线从业人员")
    validity_rule = "frontline.certificate_valid_years"
    practical_exam = True
    trained_by_mine = True

    @classmethod
    def admission(cls, person: Person, appointed_on: date | None, on: date) -> list[RuleResult]:
        return [
            age_rule(person, policy.get("admission.frontline_min_age"), on),
            education_rule(person, Education.JUNIOR_MIDDLE),
        ]


@register
class RegulatorOfficial(Category):
    """监管干部: they train (专题培训班, 应急大讲堂, "第一课"), but are not examined here."""

    code = "regulator_official"
    label = _l("Regulator official")
    aliases = ("监管干部",)
    examined = False
    own_training_rule = True  # staff_training.records counts their year


# ----------------------------------------------------------------------------- the stored codes


class _RegisteredCodes(Labelled):
    """An enum of codes drawn from the registry, labelled by it."""

    @classmethod
    def _labels(cls):
        return {member: label for member, label in cls._registered_labels()}


class _CategoryCodes(_RegisteredCodes):
    @classmethod
    def _registered_labels(cls):
        return [(cls(c.code), c.label) for c in REGISTRY.values()]

    @property
    def kind(self) -> type[Category]:
        return REGISTRY[self.value]


class _PostCodes(_RegisteredCodes):
    @classmethod
    def _registered_labels(cls):
        return [(cls(p.code), p.label) for c in REGISTRY.values() for p in c.all_posts()]

    @property
    def is_five_manager(self) -> bool:
        """One of the 五职矿长."""
        return _five_manager(self.value)

    @property
    def personnel_category(self) -> PersonnelCategory:
        return PersonnelCategory(of_post(self.value).code)


PersonnelCategory = _CategoryCodes(
    "PersonnelCategory",
    [(c.code.upper(), c.code) for c in REGISTRY.values()],
    module=__name__,
    qualname="PersonnelCategory",
)
PersonnelCategory.__doc__ = "三项岗位人员, 班组长, 一线岗位作业人员 and 监管干部: the registry's codes."
Post = _PostCodes(
    "Post",
    [(p.code.upper(), p.code) for c in REGISTRY.values() for p in c.all_posts()],
    module=__name__,
    qualname="Post",
)
Post.__doc__ = "The posts that make a person one of a category (special operators name an operation)."
FIVE_MANAGER_POSTS = tuple(p for p in Post if p.is_five_manager)


# ----------------------------------------------------------------------------- the words clerks type


def normalise_word(text: str) -> str:
    """A typed word as the tables below hold it: full-width folded, spaces dropped, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def post_words() -> dict[str, tuple[Post, OperationType | None]]:
    """What a roster's 岗位 cell may say: a post or an operation type by the words the registry
    gives for it (official names, usual short forms), its label in either language, or its code.
    A category with operation types is named by its operation, never alone. Keys are normalised
    (``normalise_word``)."""
    words: dict[str, tuple[Post, OperationType | None]] = {}
    named: list[Post] = []
    operations: list[tuple[Post, OperationType]] = []
    for kind in REGISTRY.values():
        for spec in kind.all_posts():
            post = Post(spec.code)
            if spec.code == kind.code and kind.operation_types:
                operations += [(post, t) for t in kind.operation_types]
                for t, names in kind.operation_aliases.items():
                    words.update({normalise_word(n): (post, t) for n in names})
            else:
                named.append(post)
                words.update({normalise_word(n): (post, None) for n in spec.aliases})
    for locale in ("en", "zh_Hans_CN"):
        with force_locale(locale):
            for post in named:
                words.setdefault(normalise_word(str(post.label)), (post, None))
            for post, t in operations:
                words.setdefault(normalise_word(str(t.label)), (post, t))
    words.update({post.value: (post, None) for post in named})
    words.update({t.value: (post, t) for post, t in operations})
    return words


def target_words() -> dict[str, str]:
    """What a question file's 适用类别 may say, as the blueprint target it means: the roster's
    words (a post stands for its category), and, since a question may suit every operation of a
    category, such a category by its own words too (特种作业人员). Only targets a paper can be
    drawn for: a category that is not examined is left out."""
    codes = dict(targets())
    words = {
        word: (t.value if t else post.personnel_category.value) for word, (post, t) in post_words().items()
    }
    for kind in REGISTRY.values():
        if kind.operation_types:
            own = [*kind.aliases, kind.code]
            for locale in ("en", "zh_Hans_CN"):
                with force_locale(locale):
                    own.append(str(kind.label))
            words.update({normalise_word(w): kind.code for w in own})
    return {word: code for word, code in words.items() if code in codes}
