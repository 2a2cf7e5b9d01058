"""``flask seed-demo``: a believable province, one login per role. Idempotent.

The demo province is Jilin (吉林省), whose 2026 mine-safety plan the portal serves.

Real: the administrative divisions and their GB/T 2260 codes; the units (吉林省应急管理厅,
its 教育培训中心 and the 业务处室 that are the two units of 双审核双监考 — the department's
exact name is illustrative —, the city and county 应急管理局, 国家矿山安全监察局吉林局); the
four state-owned coal mines the plan names (龙嘉堡煤矿 in 九台区, 珲矿集团八连城煤矿 and
珲矿集团板石煤矿 in 珲春市, 道清煤矿 placed under 吉林市 without a county).

Illustrative: every person (names, identity numbers, phones), the training centers, the
non-coal mines and their names, every 统一社会信用代码 (valid check digits, made up), the
size and status of every mine, the question banks, blueprints and rubrics.

Everything is looked up by its natural key (region code, credit code, identity
number, username) before it is created, so a second run changes nothing. People,
accounts, roles and classrooms go through the operations, so they are audited
like any other change. Later issues extend this seed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from proctoring.models import Recording
from proctoring.signals import recording_changed
from question_bank import operations as bank_ops
from question_bank.models import Blueprint, Question, QuestionStatus

from ..accounts import operations as account_ops
from ..accounts.models import User
from ..core.db import db, transaction
from ..core.i18n import local_today, local_zone
from ..core.permissions import Role
from ..exams import applications as app_ops
from ..exams import sessions as session_ops
from ..exams.models import ExamSession, PracticalRubric
from ..organisations import operations as org_ops
from ..organisations.models import (
    MineEnterprise,
    MineKind,
    MineSize,
    MiningMethod,
    Organisation,
    ProductionStatus,
    Region,
    RegionLevel,
    RegulatorUnit,
    ReviewUnit,
    TrainingCenter,
)
from ..people import operations as people_ops
from ..people.models import Education, OperationType, Person, PersonnelCategory, Post
from ..training import operations as training_ops
from ..training.models import Course, CourseKind
from . import photos
from . import staff_training as staff_training_demo
from . import warnings as warnings_demo

DEMO_PASSWORD = "demo-pass-2026"
DEMO_QUESTIONS = Path(__file__).with_name("questions.csv")
DEMO_DRAFTS = ("DEMO-021", "DEMO-024")
# 逢查必考 tests the 三项岗位: one spot-test blueprint per manager category, drawing from the
# managers' questions (分类 安全生产管理) only; one for gas inspectors (their own questions and the
# general ones), and one for every other special operation (the general ones).
DEMO_SPOT_TESTS = {
    "principal": ("主要负责人 逢查必考抽考", "安全生产管理"),
    "safety_manager": ("安全生产管理人员 逢查必考抽考", "安全生产管理"),
    "coal_gas_inspection": ("煤矿瓦斯检查作业 逢查必考抽考", ""),
    "special_operator": ("特种作业人员 逢查必考抽考", ""),
}
DEMO_EXAM_BLUEPRINT = "瓦斯检查作业 理论考试（演示）"
DEMO_BLASTING_BLUEPRINT = "金属非金属矿山爆破作业 理论考试（演示）"
DEMO_SESSION = "瓦斯检查作业理论考试（演示场次）"
DEMO_COURSE = "煤矿瓦斯检查作业初次培训"

REGIONS = [  # code (GB/T 2260), name, level, parent code
    ("220000", "吉林省", RegionLevel.PROVINCE, None),
    ("220100", "长春市", RegionLevel.CITY, "220000"),
    ("220112", "双阳区", RegionLevel.COUNTY, "220100"),
    ("220113", "九台区", RegionLevel.COUNTY, "220100"),
    ("220200", "吉林市", RegionLevel.CITY, "220000"),
    ("220282", "桦甸市", RegionLevel.COUNTY, "220200"),
    ("220284", "磐石市", RegionLevel.COUNTY, "220200"),
    ("220300", "四平市", RegionLevel.CITY, "220000"),
    ("220400", "辽源市", RegionLevel.CITY, "220000"),
    ("220500", "通化市", RegionLevel.CITY, "220000"),
    ("220521", "通化县", RegionLevel.COUNTY, "220500"),
    ("220600", "白山市", RegionLevel.CITY, "220000"),
    ("220623", "长白朝鲜族自治县", RegionLevel.COUNTY, "220600"),
    ("220681", "临江市", RegionLevel.COUNTY, "220600"),
    ("220700", "松原市", RegionLevel.CITY, "220000"),
    ("220800", "白城市", RegionLevel.CITY, "220000"),
    ("222400", "延边朝鲜族自治州", RegionLevel.CITY, "220000"),
    ("222404", "珲春市", RegionLevel.COUNTY, "222400"),
]


def _mine(kind: MineKind, method: MiningMethod, size: MineSize, status=ProductionStatus.NORMAL) -> dict:
    return {"mine_kind": kind, "mining_method": method, "size": size, "production_status": status}


COAL, NONCOAL = MineKind.COAL, MineKind.METAL_NONMETAL
UNDERGROUND, OPEN_PIT, TAILINGS = MiningMethod.UNDERGROUND, MiningMethod.OPEN_PIT, MiningMethod.TAILINGS

# key, kind, name, region code, extra attributes. The units and the four coal mines are the
# plan's own; the training centers and the non-coal mines are illustrative (see the docstring).
ORGANISATIONS = [
    ("reg_province", RegulatorUnit, "吉林省应急管理厅", "220000", {}),
    (
        "edu_center",
        RegulatorUnit,
        "吉林省应急管理厅教育培训中心",
        "220000",
        {"review_unit": ReviewUnit.EDUCATION_CENTER},
    ),
    (
        "business_dept",
        RegulatorUnit,
        "吉林省应急管理厅矿山安全监督管理处",
        "220000",
        {"review_unit": ReviewUnit.BUSINESS_DEPT},
    ),
    ("reg_changchun", RegulatorUnit, "长春市应急管理局", "220100", {}),
    ("reg_jiutai", RegulatorUnit, "长春市九台区应急管理局", "220113", {}),
    ("reg_yanbian", RegulatorUnit, "延边朝鲜族自治州应急管理局", "222400", {}),
    ("reg_jilin_city", RegulatorUnit, "吉林市应急管理局", "220200", {}),
    ("center_changchun", TrainingCenter, "长春市矿山安全技术培训中心", "220100", {}),
    ("center_yanbian", TrainingCenter, "延边州安全生产培训学校", "222400", {}),
    ("center_jilin_city", TrainingCenter, "吉林市矿山安全培训中心", "220200", {}),
    # The four state-owned coal mines the plan names.
    ("mine_longjiabao", MineEnterprise, "龙嘉堡煤矿", "220113", _mine(COAL, UNDERGROUND, MineSize.LARGE)),
    (
        "mine_baliancheng",
        MineEnterprise,
        "珲矿集团八连城煤矿",
        "222404",
        _mine(COAL, UNDERGROUND, MineSize.MEDIUM),
    ),
    ("mine_banshi", MineEnterprise, "珲矿集团板石煤矿", "222404", _mine(COAL, UNDERGROUND, MineSize.MEDIUM)),
    ("mine_daoqing", MineEnterprise, "道清煤矿", "220200", _mine(COAL, UNDERGROUND, MineSize.SMALL)),
    # Non-coal mines, the majority, as in the province.
    (
        "mine_shuangyang",
        MineEnterprise,
        "长春双阳鑫磊石灰石矿业有限公司",
        "220112",
        _mine(NONCOAL, OPEN_PIT, MineSize.LARGE),
    ),
    (
        "mine_tailings",
        MineEnterprise,
        "桦甸金源矿业有限公司尾矿库",
        "220282",
        _mine(NONCOAL, TAILINGS, MineSize.SMALL),
    ),
    (
        "mine_huadian",
        MineEnterprise,
        "桦甸金源矿业有限公司",
        "220282",
        _mine(NONCOAL, UNDERGROUND, MineSize.LARGE),
    ),
    (
        "mine_panshi",
        MineEnterprise,
        "磐石鑫达镍业有限公司",
        "220284",
        _mine(NONCOAL, UNDERGROUND, MineSize.MEDIUM),
    ),
    (
        "mine_tonghua",
        MineEnterprise,
        "通化县恒盛铁矿有限公司",
        "220521",
        _mine(NONCOAL, OPEN_PIT, MineSize.LARGE),
    ),
    (
        "mine_linjiang",
        MineEnterprise,
        "临江宏达硅藻土矿业有限公司",
        "220681",
        _mine(NONCOAL, OPEN_PIT, MineSize.MEDIUM),
    ),
    (
        "mine_changbai",
        MineEnterprise,
        "长白鸿源铅锌矿业有限公司",
        "220623",
        _mine(NONCOAL, UNDERGROUND, MineSize.SMALL, ProductionStatus.SUSPENDED),
    ),
    # Province-wide read access to the records (国家矿山安全监察局吉林局 supervises, it does not run
    # the exams): listed last so the units above keep their credit codes.
    ("national_bureau", RegulatorUnit, "国家矿山安全监察局吉林局", "220000", {}),
]

CLASSROOMS = {
    "center_changchun": [
        ("一号教室", 60, "CC-CAM-01"),
        ("二号教室", 40, "CC-CAM-02"),
        ("实操车间", 20, "CC-CAM-03"),
    ],
    "center_yanbian": [("多媒体教室", 50, "YB-CAM-01"), ("实训室", 24, "YB-CAM-02")],
    "center_jilin_city": [("第一教室", 45, "JL-CAM-01"), ("模拟矿井实训室", 16, "")],
}

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = [
    "建军",
    "志强",
    "海涛",
    "国庆",
    "晓东",
    "红梅",
    "丽娟",
    "卫东",
    "永刚",
    "立新",
    "彦斌",
    "俊峰",
    "文华",
    "秀英",
    "振华",
    "鹏飞",
    "新民",
    "春燕",
    "吉生",
    "保平",
    "二虎",
    "金锁",
    "瑞平",
    "润生",
    "建平",
    "海军",
    "玉兰",
    "利军",
    "云龙",
    "宏伟",
]

FIVE_POSTS = [
    Post.MINE_DIRECTOR,
    Post.CHIEF_ENGINEER,
    Post.DEPUTY_SAFETY,
    Post.DEPUTY_PRODUCTION,
    Post.DEPUTY_MECH_ELEC,
]
COAL_OPERATIONS = [
    OperationType.COAL_GAS_INSPECTION,
    OperationType.COAL_ELECTRICAL,
    OperationType.COAL_HOIST,
    OperationType.COAL_SAFETY_INSPECTION,
]
NONCOAL_OPERATIONS = [OperationType.MN_BLASTING, OperationType.MN_ELECTRICAL, OperationType.MN_TAILINGS]
UNDERGROUND_OPERATIONS = [
    OperationType.MN_BLASTING,
    OperationType.MN_SUPPORT,
    OperationType.MN_HOIST,
    OperationType.MN_VENTILATION,
]
OPEN_PIT_OPERATIONS = [OperationType.MN_BLASTING, OperationType.MN_ELECTRICAL, OperationType.MN_DRAINAGE]
# The non-coal mines besides 双阳 and the tailings pond, and the operation types they employ.
NONCOAL_MINES = {
    "mine_huadian": UNDERGROUND_OPERATIONS,
    "mine_panshi": UNDERGROUND_OPERATIONS,
    "mine_tonghua": OPEN_PIT_OPERATIONS,
    "mine_linjiang": OPEN_PIT_OPERATIONS,
    "mine_changbai": [OperationType.MN_BLASTING, OperationType.MN_HOIST],
}
BIRTHPLACES = ["220100", "220200", "222401", "222400", "220000"]

# username, person key (None: no person), role, organisation key, display name
DEMO_ONLINE_LESSON = "瓦斯检查基础（线上课）"  # branch learning
DEMO_WARNING_FILM = "某煤矿瓦斯爆炸事故警示教育片"  # branch learning

DEMO_LOGINS = [
    ("admin", None, Role.ADMIN, None, "平台管理员"),
    ("trainee", "trainee", Role.TRAINEE, None, None),
    ("center", "center", Role.CENTER_STAFF, "center_changchun", None),
    ("reviewer_center", "reviewer_center", Role.REVIEWER, "edu_center", None),
    ("reviewer_dept", "reviewer_dept", Role.REVIEWER, "business_dept", None),
    ("proctor_center", "proctor_center", Role.PROCTOR, "edu_center", None),
    ("proctor_dept", "proctor_dept", Role.PROCTOR, "business_dept", None),
    # A third examiner, for a practical exam whose two examiners differ too much.
    ("examiner_dept", None, Role.PROCTOR, "business_dept", "业务处室第三考评员"),
    ("regulator", "regulator", Role.REGULATOR, "reg_province", None),
    ("mine_officer", "mine_officer", Role.MINE_OFFICER, "mine_longjiabao", None),
    # The 双阳 limestone mine's officer: it trains and assesses its own people too.
    ("mine_officer_shuangyang", None, Role.MINE_OFFICER, "mine_shuangyang", "双阳石灰石矿安全员"),
    # Regulators lower down, to see jurisdiction at work.
    ("regulator_changchun", "regulator_changchun", Role.REGULATOR, "reg_changchun", None),
    ("regulator_jiutai", "regulator_jiutai", Role.REGULATOR, "reg_jiutai", None),
    # 国家矿山安全监察局吉林局: reads records province-wide, decides nothing.
    ("inspector_national", "inspector_national", Role.INSPECTORATE, "national_bureau", None),
]


def _credit_code(region_code: str, serial: int) -> str:
    body = f"91{region_code}MA{serial:07d}"  # 91: an enterprise; MA…: a generated org code
    return body + uscc.calc_check_digit(body + "0")


def _id_number(serial: int, birth: date, male: bool) -> str:
    seq = (serial * 2 + (1 if male else 0)) % 1000
    for place in BIRTHPLACES:
        body = f"{place}{birth:%Y%m%d}{seq:03d}"
        number = body + ric.calc_check_digit(body + "0")
        try:
            return ric.validate(number)
        except ValidationError:
            continue
    raise RuntimeError("no valid birthplace code for the demo identity number")


class Seeder:
    def __init__(self) -> None:
        self.regions: dict[str, Region] = {}
        self.orgs: dict[str, Organisation] = {}
        self.people: dict[str, Person] = {}
        self.serial = 0

    def run(self) -> dict:
        self.seed_regions()
        self.seed_organisations()
        self.seed_classrooms()
        self.seed_people()
        self.seed_photos()
        self.seed_logins()
        self.seed_question_bank()
        self.seed_training()
        self.seed_initial_training_done()
        self.seed_exam()
        self.seed_noncoal_exam()
        self.seed_rubrics()
        self.seed_learning()
        # ----- regulator officials' own training (issue 21, item 4): demo/staff_training.py
        staff_training_demo.seed(self)
        # ----- end of officials' training
        # ----- 警示教育: accident bulletins and warning-education days (issue 21, item 3)
        warnings_demo.seed(self)
        # ----- end of 警示教育
        return {
            "regions": len(self.regions),
            "organisations": len(self.orgs),
            "people": len(self.people),
            "logins": len(DEMO_LOGINS),
        }

    def seed_regions(self) -> None:
        for code, name, level, parent in REGIONS:
            region = db.session.scalar(select(Region).where(Region.code == code))
            if region is None:
                parent_region = self.regions.get(parent) if parent else None
                path = f"{parent_region.path}/{code}" if parent_region else code
                region = Region(code=code, name=name, level=level, parent=parent_region, path=path)
                db.session.add(region)
            self.regions[code] = region
        db.session.flush()

    def seed_organisations(self) -> None:
        for serial, (key, cls, name, region_code, extra) in enumerate(ORGANISATIONS, start=1):
            code = _credit_code(region_code, serial)
            org = db.session.scalar(select(Organisation).where(Organisation.credit_code == code))
            if org is None:
                attrs = dict(extra)
                org = cls(
                    name=name,
                    credit_code=code,
                    region=self.regions[region_code],
                    address=f"{self.regions[region_code].full_name}",
                    **attrs,
                )
                db.session.add(org)
            self.orgs[key] = org
        db.session.flush()

    def seed_classrooms(self) -> None:
        for key, rooms in CLASSROOMS.items():
            center = self.orgs[key]
            for name, seats, camera in rooms:
                if not any(c.name == name for c in center.classrooms):
                    org_ops.add_classroom(center, name, seats, actor=None, camera_ref=camera)

    def person(
        self,
        key: str,
        employer_key: str,
        *,
        education: Education,
        years: int,
        born: int,
        male: bool = True,
        mining_degree: bool = False,
        field: str = "",
    ) -> Person:
        self.serial += 1
        name = SURNAMES[(self.serial * 7) % len(SURNAMES)] + GIVEN[(self.serial * 11) % len(GIVEN)]
        number = _id_number(self.serial, date(born, 1 + self.serial % 12, 1 + self.serial % 27), male)
        person = db.session.scalar(select(Person).where(Person.id_number == number))
        if person is None:
            person = people_ops.create_person(
                number,
                name,
                actor=None,
                employer=self.orgs[employer_key],
                education=education,
                education_field=field,
                mining_related_degree=mining_degree,
                work_started_on=date(2026 - years, 7, 1),
                phone=f"139{self.serial:08d}",
            )
        self.people[key] = person
        return person

    def post(
        self, person: Person, post: Post, org_key: str, started: date, operation: OperationType | None = None
    ) -> None:
        org = self.orgs[org_key]
        if not any(
            p.post == post and p.operation_type == operation and p.organisation_id == org.id
            for p in person.posts
        ):
            people_ops.add_post(
                person, post, actor=None, started_on=started, organisation=org, operation_type=operation
            )

    def seed_people(self) -> None:
        for mine_key in ("mine_longjiabao", "mine_baliancheng", "mine_daoqing", "mine_banshi"):
            for i, post in enumerate(FIVE_POSTS):
                manager = self.person(
                    f"{mine_key}_{post.value}",
                    mine_key,
                    education=Education.BACHELOR if i < 2 else Education.COLLEGE,
                    years=8 + i * 3,
                    born=1968 + i * 3,
                    mining_degree=True,
                    field="采矿工程",
                )
                self.post(manager, post, mine_key, date(2024, 3 + i, 1))
            for i, operation in enumerate(COAL_OPERATIONS):
                worker = self.person(
                    f"{mine_key}_op{i}", mine_key, education=Education.SENIOR_HIGH, years=3 + i, born=1985 + i
                )
                self.post(worker, Post.SPECIAL_OPERATOR, mine_key, date(2022, 5, 1), operation)
        for mine_key in ("mine_shuangyang", "mine_tailings"):
            head = self.person(
                f"{mine_key}_principal",
                mine_key,
                education=Education.COLLEGE,
                years=12,
                born=1972,
                field="采矿工程",
                mining_degree=True,
            )
            self.post(head, Post.PRINCIPAL, mine_key, date(2023, 9, 1))
            officer = self.person(
                f"{mine_key}_safety",
                mine_key,
                education=Education.SECONDARY_VOCATIONAL,
                years=6,
                born=1983,
                male=False,
            )
            self.post(officer, Post.SAFETY_MANAGER, mine_key, date(2023, 9, 1))
            for i, operation in enumerate(NONCOAL_OPERATIONS):
                worker = self.person(
                    f"{mine_key}_op{i}",
                    mine_key,
                    education=Education.JUNIOR_MIDDLE,
                    years=4 + i,
                    born=1980 + i,
                )
                self.post(worker, Post.SPECIAL_OPERATOR, mine_key, date(2021, 4, 1), operation)
        # The people behind the demo logins.
        trainee = self.person(
            "trainee", "mine_longjiabao", education=Education.SENIOR_HIGH, years=2, born=1996
        )
        self.post(
            trainee,
            Post.SPECIAL_OPERATOR,
            "mine_longjiabao",
            date(2026, 9, 1),
            OperationType.COAL_GAS_INSPECTION,
        )
        self.person(
            "center", "center_changchun", education=Education.BACHELOR, years=10, born=1982, male=False
        )
        self.person(
            "mine_officer",
            "mine_longjiabao",
            education=Education.COLLEGE,
            years=9,
            born=1984,
            field="安全工程",
        )
        for key, org_key in (
            ("reviewer_center", "edu_center"),
            ("proctor_center", "edu_center"),
            ("reviewer_dept", "business_dept"),
            ("proctor_dept", "business_dept"),
            ("regulator", "reg_province"),
            ("regulator_changchun", "reg_changchun"),
            ("regulator_jiutai", "reg_jiutai"),
        ):
            official = self.person(
                key,
                org_key,
                education=Education.BACHELOR,
                years=10,
                born=1978 + len(key) % 10,
                male=len(key) % 2 == 0,
            )
            self.post(official, Post.REGULATOR_OFFICIAL, org_key, date(2020, 1, 1))
        # 班组长 and 一线岗位作业人员 at a coal and a non-coal mine (last, so earlier demo people
        # keep their names and numbers).
        for mine_key in ("mine_longjiabao", "mine_shuangyang"):
            leader = self.person(
                f"{mine_key}_team_leader", mine_key, education=Education.SENIOR_HIGH, years=7, born=1988
            )
            self.post(leader, Post.TEAM_LEADER, mine_key, date(2025, 3, 1))
            worker = self.person(
                f"{mine_key}_frontline", mine_key, education=Education.JUNIOR_MIDDLE, years=2, born=1999
            )
            self.post(worker, Post.FRONTLINE_WORKER, mine_key, date(2026, 3, 1))
        # The other non-coal mines (added after the first demo people, who keep their numbers):
        # a 矿长 and a safety manager each, and the special operators their method needs.
        for mine_key, operations in NONCOAL_MINES.items():
            director = self.person(
                f"{mine_key}_director",
                mine_key,
                education=Education.BACHELOR,
                years=15,
                born=1975,
                mining_degree=True,
                field="采矿工程",
            )
            self.post(director, Post.MINE_DIRECTOR, mine_key, date(2024, 6, 1))
            officer = self.person(
                f"{mine_key}_safety", mine_key, education=Education.COLLEGE, years=8, born=1986, male=False
            )
            self.post(officer, Post.SAFETY_MANAGER, mine_key, date(2024, 6, 1))
            for i, operation in enumerate(operations):
                worker = self.person(
                    f"{mine_key}_op{i}", mine_key, education=Education.SENIOR_HIGH, years=5 + i, born=1987 + i
                )
                self.post(worker, Post.SPECIAL_OPERATOR, mine_key, date(2023, 4, 1), operation)
        inspector = self.person(
            "inspector_national", "national_bureau", education=Education.MASTER, years=15, born=1979
        )
        self.post(inspector, Post.REGULATOR_OFFICIAL, "national_bureau", date(2020, 1, 1))

    def seed_photos(self) -> None:
        """A photo on record for everyone (``photos``: real photographs shipped in packages),
        the demo trainee's first; one face per person while there are faces."""
        people = [self.people["trainee"], *(p for k, p in self.people.items() if k != "trainee")]
        faces = list(photos.for_people())
        for i, person in enumerate(people):
            if person.photo_key is None:
                people_ops.set_photo(person, faces[i % len(faces)], actor=None)

    def seed_logins(self) -> None:
        password_hash = None
        for username, person_key, role, org_key, display in DEMO_LOGINS:
            user = db.session.scalar(select(User).where(User.username == username))
            person = self.people.get(person_key) if person_key else None
            if user is None:
                password_hash = password_hash or account_ops.hash_password(DEMO_PASSWORD)
                user = account_ops.create_user(
                    username,
                    display or (person.name if person else username),
                    actor=None,
                    password_hash=password_hash,
                    person=person,
                )
            org = self.orgs[org_key] if org_key else None
            if not any(
                a.role == role and a.organisation_id == (org.id if org else None) for a in user.assignments
            ):
                account_ops.grant_role(user, role, org, actor=None)

    def seed_question_bank(self) -> None:
        """A small bank for gas inspectors, reviewed by the other unit, and a spot-test
        blueprint; two questions stay drafts so a reviewer has something to review."""
        author = db.session.scalar(select(User).where(User.username == "reviewer_center"))
        reviewer = db.session.scalar(select(User).where(User.username == "reviewer_dept"))
        report = bank_ops.import_questions(
            DEMO_QUESTIONS.read_bytes(), fmt="csv", filename=DEMO_QUESTIONS.name, actor=author
        )
        if not report.ok:
            raise RuntimeError(f"demo questions do not import: {report.as_json()}")
        for question in db.session.scalars(
            select(Question).where(
                Question.status == QuestionStatus.DRAFT,
                Question.external_id.startswith("DEMO-"),
                Question.external_id.not_in(DEMO_DRAFTS),
            )
        ):
            bank_ops.review_question(question, reviewer=reviewer, approve=True)
            bank_ops.activate_question(question, actor=author)
        for target, (name, category) in DEMO_SPOT_TESTS.items():
            if db.session.scalar(select(Blueprint.id).where(Blueprint.name == name)) is None:
                bank_ops.save_blueprint(
                    None,
                    name=name,
                    target=target,
                    purpose="spot_test",
                    duration_minutes=20,
                    target_facility=None,
                    partial_credit=False,
                    sections=[
                        bank_ops.SectionSpec("true_false", 4, 10.0, category=category),
                        bank_ops.SectionSpec("single_choice", 4, 10.0, category=category),
                        bank_ops.SectionSpec("multiple_choice", 2, 10.0, category=category),
                    ],
                    actor=author,
                )

    def seed_training(self) -> None:
        """A gas-inspection class at the Changchun center running now (the demo trainee and the
        Longjiabao gas inspectors on its roster, yesterday's lesson signed, one this afternoon
        for the sign-in code) and the managers' annual re-training, half done."""
        if db.session.scalar(select(Course.id).where(Course.title == DEMO_COURSE)):
            return
        staff = db.session.scalar(select(User).where(User.username == "center"))
        center = self.orgs["center_changchun"]
        room = next(c for c in center.classrooms if c.name == "一号教室")
        course = training_ops.create_course(
            center,
            DEMO_COURSE,
            CourseKind.INITIAL,
            targets=[(PersonnelCategory.SPECIAL_OPERATOR, OperationType.COAL_GAS_INSPECTION)],
            modules=[
                ("安全生产法律法规与煤矿安全规程", 80),
                ("矿井通风与瓦斯防治基础", 160),
                ("光学瓦斯检定器使用与维护", 80),
                ("瓦斯超限处置与事故案例", 40),
            ],
            actor=staff,
        )
        zone = local_zone()
        today = local_today()
        klass = training_ops.create_class(
            course,
            room,
            "2026年瓦斯检查工初训班",
            today - timedelta(days=1),
            today + timedelta(days=4),
            actor=staff,
        )
        gas = [
            p
            for key, p in self.people.items()
            if key == "trainee"
            or (
                key.startswith("mine_longjiabao_op")
                and any(x.operation_type is OperationType.COAL_GAS_INSPECTION for x in p.posts)
            )
        ]
        for person in gas:
            training_ops.enrol(
                klass,
                person,
                actor=staff,
                post=Post.SPECIAL_OPERATOR,
                operation_type=OperationType.COAL_GAS_INSPECTION,
            )

        def at(day: date, hour: int, minute: int = 0) -> datetime:
            return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)

        modules = course.modules
        yesterday = training_ops.add_lesson(
            klass,
            "安全生产法律法规",
            at(today - timedelta(days=1), 8, 30),
            at(today - timedelta(days=1), 11, 30),
            40,
            actor=staff,
            module=modules[0],
        )
        for person in gas:
            training_ops.sign_in(yesterday, person, at=at(today - timedelta(days=1), 8, 25), actor=staff)
            training_ops.sign_out(yesterday, person, at=at(today - timedelta(days=1), 11, 30), actor=staff)
        training_ops.add_lesson(
            klass, "矿井通风基础", at(today, 8, 0), at(today, 20, 0), 80, actor=staff, module=modules[1]
        )
        training_ops.add_lesson(
            klass,
            "光学瓦斯检定器使用",
            at(today + timedelta(days=1), 8, 30),
            at(today + timedelta(days=1), 17, 0),
            80,
            actor=staff,
            module=modules[2],
        )
        annual = training_ops.create_course(
            center,
            "主要负责人和安全生产管理人员年度再培训",
            CourseKind.ANNUAL,
            targets=[(PersonnelCategory.PRINCIPAL, None), (PersonnelCategory.SAFETY_MANAGER, None)],
            modules=[("新修订法律法规解读", 80), ("重大事故隐患判定标准", 80)],
            actor=staff,
        )
        second = next(c for c in center.classrooms if c.name == "二号教室")
        start = today - timedelta(days=20)
        managers = [
            p
            for key, p in self.people.items()
            if key.startswith("mine_longjiabao_")
            and not key.startswith("mine_longjiabao_op")
            and not key.endswith(("_team_leader", "_frontline"))  # trained by the mine itself
        ]
        yearly = training_ops.create_class(
            annual, second, f"{today.year}年五职矿长年度再培训班", start, start, actor=staff
        )
        lesson = training_ops.add_lesson(
            yearly,
            "新修订法律法规解读",
            at(start, 8, 30),
            at(start, 17, 0),
            80,
            actor=staff,
            module=annual.modules[0],
        )
        for person in managers:
            training_ops.enrol(yearly, person, actor=staff)
        for person in managers[:3]:
            training_ops.sign_in(lesson, person, at=at(start, 8, 28), actor=staff)
            training_ops.sign_out(lesson, person, at=at(start, 17, 0), actor=staff)
        self.seed_mine_training(at)

    def seed_mine_training(self, at) -> None:
        """Each of the two mines with team leaders and front-line workers trains them itself
        (安全教育培训主体责任): a course and a class held at the mine, a lesson they sat, hours
        on their records with the mine as organiser. At 龙嘉堡 the team leader passed the mine's
        assessment (written test, then 岗位实操 on a rubric) and the front-line worker passed the
        written test, the practical assessment pending."""
        today = local_today()
        taught = today - timedelta(days=30)
        for mine_key, officer in (
            ("mine_longjiabao", "mine_officer"),
            ("mine_shuangyang", "mine_officer_shuangyang"),
        ):
            mine = self.orgs[mine_key]
            actor = db.session.scalar(select(User).where(User.username == officer))
            course = training_ops.create_course(
                mine,
                "班组长和一线岗位作业人员安全培训",
                CourseKind.INITIAL,
                targets=[(PersonnelCategory.TEAM_LEADER, None), (PersonnelCategory.FRONTLINE_WORKER, None)],
                modules=[
                    ("岗位安全操作规程", 320),
                    ("班组安全管理与隐患排查", 240),
                    ("自救互救与应急避险", 160),
                ],
                actor=actor,
            )
            klass = training_ops.create_class(
                course, None, f"{today.year}年班组长和一线员工安全培训班", taught, taught, actor=actor
            )
            lesson = training_ops.add_lesson(
                klass,
                "岗位安全操作规程",
                at(taught, 8, 30),
                at(taught, 17, 0),
                80,
                actor=actor,
                module=course.modules[0],
            )
            for key in (f"{mine_key}_team_leader", f"{mine_key}_frontline"):
                person = self.people[key]
                training_ops.enrol(klass, person, actor=actor, post=person.posts[0].post)
                training_ops.sign_in(lesson, person, at=at(taught, 8, 25), actor=actor)
                training_ops.sign_out(lesson, person, at=at(taught, 17, 0), actor=actor)
        officer = db.session.scalar(select(User).where(User.username == "mine_officer"))
        mine = self.orgs["mine_longjiabao"]
        passed = training_ops.record_written(
            mine,
            self.people["mine_longjiabao_team_leader"],
            PersonnelCategory.TEAM_LEADER,
            88,
            on=today - timedelta(days=20),
            actor=officer,
        )
        training_ops.record_practical(
            passed,
            [
                ("班前安全确认", 20, 18),
                ("隐患排查与处置", 30, 26),
                ("规程作业演示", 30, 25),
                ("应急处置", 20, 17),
            ],
            on=today - timedelta(days=18),
            actor=officer,
        )
        training_ops.record_written(
            mine,
            self.people["mine_longjiabao_frontline"],
            PersonnelCategory.FRONTLINE_WORKER,
            84,
            on=today - timedelta(days=5),
            actor=officer,
        )

    def seed_initial_training_done(self) -> None:
        """The demo's gas inspectors (every mine's) finished an earlier class, at another center,
        of the 72 学时 the policy asks before a special-operations exam, shown in use by the
        classroom's analysed video (the rows the analysis job leaves): the demo trainee's
        application passes the pre-check on verified hours."""
        title = "煤矿瓦斯检查作业初次培训（第一期）"
        if db.session.scalar(select(Course.id).where(Course.title == title)):
            return
        staff = db.session.scalar(select(User).where(User.username == "admin"))
        center = self.orgs["center_jilin_city"]
        room = next(c for c in center.classrooms if c.name == "第一教室")
        days = 9  # 8 学时 a day
        course = training_ops.create_course(
            center,
            title,
            CourseKind.INITIAL,
            targets=[(PersonnelCategory.SPECIAL_OPERATOR, OperationType.COAL_GAS_INSPECTION)],
            modules=[("瓦斯检查作业安全技术理论与实际操作", 80 * days)],
            actor=staff,
        )
        first = local_today() - timedelta(days=40)
        klass = training_ops.create_class(
            course,
            room,
            "2026年瓦斯检查工初训班（第一期）",
            first,
            first + timedelta(days=days - 1),
            actor=staff,
        )
        gas = [
            p
            for p in self.people.values()
            if any(x.operation_type is OperationType.COAL_GAS_INSPECTION for x in p.posts)
        ]
        for person in gas:
            training_ops.enrol(
                klass,
                person,
                actor=staff,
                post=Post.SPECIAL_OPERATOR,
                operation_type=OperationType.COAL_GAS_INSPECTION,
            )
        zone = local_zone()
        for n in range(days):
            day = first + timedelta(days=n)
            starts = datetime(day.year, day.month, day.day, 8, 0, tzinfo=zone)
            ends = starts + timedelta(minutes=8 * 45)
            lesson = training_ops.add_lesson(
                klass, f"第{n + 1}天", starts, ends, 80, actor=staff, module=course.modules[0]
            )
            for person in gas:
                training_ops.sign_in(lesson, person, at=starts - timedelta(minutes=3), actor=staff)
                training_ops.sign_out(lesson, person, at=ends, actor=staff)
            start, end = starts - timedelta(minutes=2), ends + timedelta(minutes=2)
            duration = (end - start).total_seconds()
            recording = Recording(
                classroom_id=room.id,
                starts_at=start,
                ends_at=end,
                filename=f"第一教室-{day.isoformat()}.mp4",
                storage_key=f"recordings/{int(f'{day:%Y%m%d}'):016x}{room.id:016x}.mp4",
                size_bytes=1,
                sha256="0" * 64,
                duration_s=duration,
                width=640,
                height=360,
                retain_until=day + timedelta(days=3 * 366),
                status="analysed",
                uploaded_by_id=staff.id,
                report={
                    "duration_s": duration,
                    "wall_s": 1.0,
                    "roster": None,
                    "samples": [{"t": float(t), "faces": len(gas)} for t in range(0, int(duration), 60)],
                },
            )
            db.session.add(recording)
            db.session.flush()
            recording_changed.send(recording)

    def seed_exam(self) -> None:
        """An open session with the two demo proctors, the demo trainee seated and checked,
        an attempt ready to start: a newcomer can take a demo exam at once."""
        if db.session.scalar(select(ExamSession.id).where(ExamSession.name == DEMO_SESSION)):
            return
        users = {u.username: u for u in db.session.scalars(select(User))}
        blueprint = db.session.scalar(select(Blueprint).where(Blueprint.name == DEMO_EXAM_BLUEPRINT))
        if blueprint is None:
            blueprint = bank_ops.save_blueprint(
                None,
                name=DEMO_EXAM_BLUEPRINT,
                target="coal_gas_inspection",
                purpose="exam",
                duration_minutes=None,
                target_facility=None,
                partial_credit=False,
                sections=[
                    bank_ops.SectionSpec("true_false", 6, 5.0),
                    bank_ops.SectionSpec("single_choice", 8, 5.0),
                    bank_ops.SectionSpec("multiple_choice", 3, 10.0),
                ],
                actor=users["reviewer_center"],
            )
        trainee = self.people["trainee"]
        application = app_ops.submit_application(
            trainee,
            PersonnelCategory.SPECIAL_OPERATOR,
            actor=users["trainee"],
            operation_type=OperationType.COAL_GAS_INSPECTION,
            work_history="2024年起在龙嘉堡煤矿从事通风工作，2026年9月任瓦斯检查工。",
        )
        app_ops.review_application(application, reviewer=users["reviewer_center"], approve=True)
        app_ops.review_application(application, reviewer=users["reviewer_dept"], approve=True)
        session = session_ops.create_session(
            name=DEMO_SESSION,
            site="长春市矿山安全技术培训中心考试点",
            room="第一考场",
            starts_at=datetime.now(UTC).replace(minute=0, second=0, microsecond=0),
            category=PersonnelCategory.SPECIAL_OPERATOR,
            operation_type=OperationType.COAL_GAS_INSPECTION,
            blueprint=blueprint,
            seats=30,
            actor=users["reviewer_center"],
            region=self.regions["220100"],
        )  # the site is in Changchun
        for proctor in ("proctor_center", "proctor_dept"):
            session_ops.assign_proctor(session, users[proctor], actor=users["reviewer_center"])
        attempt = session_ops.seat(session, application, actor=users["reviewer_center"])
        session_ops.open_session(session, proctor=users["proctor_center"])
        session_ops.check_identity(attempt, proctor=users["proctor_dept"], confirm=True)

    def seed_noncoal_exam(self) -> None:
        """A written exam blueprint for 金属非金属矿山爆破作业 (its own questions only), created
        after the gas inspectors' so that one stays the first exam blueprint."""
        if db.session.scalar(select(Blueprint.id).where(Blueprint.name == DEMO_BLASTING_BLUEPRINT)):
            return
        bank_ops.save_blueprint(
            None,
            name=DEMO_BLASTING_BLUEPRINT,
            target=OperationType.MN_BLASTING.value,
            purpose="exam",
            duration_minutes=None,
            target_facility=None,
            partial_credit=False,
            sections=[
                bank_ops.SectionSpec("true_false", 6, 5.0, category="金属非金属矿山/爆破作业"),
                bank_ops.SectionSpec("single_choice", 8, 5.0, category="金属非金属矿山/爆破作业"),
                bank_ops.SectionSpec("multiple_choice", 3, 10.0, category="金属非金属矿山/爆破作业"),
            ],
            actor=db.session.scalar(select(User).where(User.username == "reviewer_center")),
        )

    def seed_rubrics(self) -> None:
        """实操考核评分表: the gas inspectors' and, for the non-coal mines, the blasters'."""
        for operation, name, items in RUBRICS:
            if db.session.scalar(
                select(PracticalRubric.id).where(PracticalRubric.operation_type == operation)
            ):
                continue
            db.session.add(
                PracticalRubric(
                    operation_type=operation,
                    name=name,
                    items=[{"name": n, "points": p, "critical": c} for n, p, c in items],
                )
            )
        db.session.flush()

    # ------------------------------------------------------------------ learning (branch learning)

    def seed_learning(self) -> None:
        """线上学习 and 警示教育: an online lesson of the gas inspectors' course the demo trainee is
        enrolled in, and a warning film the provincial regulator assigned to 龙嘉堡煤矿's whole
        staff; both videos are made here (a few seconds of work) and go through the upload's
        probe as any other."""
        import tempfile

        from ..learning import operations as learning_ops
        from ..learning.clips import write_clip
        from ..learning.models import OnlineLesson

        if db.session.scalar(select(OnlineLesson.id).where(OnlineLesson.title == DEMO_ONLINE_LESSON)):
            return
        staff = db.session.scalar(select(User).where(User.username == "center"))
        regulator = db.session.scalar(select(User).where(User.username == "regulator"))
        course = db.session.scalar(select(Course).where(Course.title == DEMO_COURSE))
        with tempfile.TemporaryDirectory(prefix="demo-clips-") as folder:
            lesson = learning_ops.add_lesson(course, DEMO_ONLINE_LESSON, actor=staff)
            clip = write_clip(
                Path(folder) / "lesson.mp4",
                "瓦斯检查工 · 线上课",
                ["瓦斯是什么", "瓦斯浓度达到 1% 停止作业", "光学瓦斯检定器先校零", "检查结果填写记录牌"],
                seconds=32.0,
            )
            learning_ops.attach_video(lesson, clip.read_bytes(), "瓦斯检查基础.mp4", actor=staff)
            film = learning_ops.add_film(
                self.orgs["reg_province"],
                DEMO_WARNING_FILM,
                "某煤矿掘进工作面瓦斯积聚，作业人员违章使用非防爆电器引发瓦斯爆炸，造成 3 人死亡。"
                "教训：严禁违章指挥、违章作业；瓦斯超限必须立即停电撤人。",
                actor=regulator,
            )
            clip = write_clip(
                Path(folder) / "film.mp4",
                "警示教育片",
                ["一次违章", "三条生命", "瓦斯超限 立即撤人", "安全生产 人人有责"],
                seconds=24.0,
            )
            learning_ops.attach_video(film, clip.read_bytes(), "瓦斯爆炸事故警示片.mp4", actor=regulator)
        learning_ops.assign_film(
            film,
            self.orgs["mine_longjiabao"],
            posts=[],
            due_on=local_today() + timedelta(days=14),
            actor=regulator,
        )


RUBRICS = [  # operation type, name, items (name, points, critical)
    (
        OperationType.COAL_GAS_INSPECTION,
        "瓦斯检查作业实操考核评分表",
        [
            ("光学瓦斯检定器检查", 20, False),
            ("测定地点与测点选择", 15, False),
            ("瓦斯、二氧化碳浓度测定操作", 30, False),
            ("记录填写与汇报", 15, False),
            ("瓦斯超限时的处置（停电撤人）", 20, True),
        ],
    ),
    (
        OperationType.MN_BLASTING,
        "金属非金属矿山爆破作业实操考核评分表",
        [
            ("爆破器材领取、检查与登记", 15, False),
            ("炮孔检查与清孔", 15, False),
            ("装药与堵塞操作", 25, False),
            ("警戒设置与爆破信号", 15, True),
            ("起爆与爆后检查", 15, False),
            ("盲炮的识别与处理", 15, True),
        ],
    ),
]


def seed() -> dict:
    return Seeder().run()


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create the demo province and logins (safe to run again)."""
    with transaction():
        counts = seed()
    click.echo("demo data ready: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    click.echo(f"demo logins (password {DEMO_PASSWORD}): " + " ".join(login[0] for login in DEMO_LOGINS))
