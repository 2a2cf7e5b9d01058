"""``flask seed-demo``: a believable province, one login per role. Idempotent.

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

DEMO_PASSWORD = "demo-pass-2026"
DEMO_QUESTIONS = Path(__file__).with_name("questions.csv")
DEMO_DRAFTS = ("DEMO-021", "DEMO-024")
DEMO_SPOT_TEST = "瓦斯检查作业 逢查必考抽考"
DEMO_EXAM_BLUEPRINT = "瓦斯检查作业 理论考试（演示）"
DEMO_SESSION = "瓦斯检查作业理论考试（演示场次）"
DEMO_COURSE = "煤矿瓦斯检查作业初次培训"

REGIONS = [  # code, name, level, parent code
    ("140000", "山西省", RegionLevel.PROVINCE, None),
    ("140100", "太原市", RegionLevel.CITY, "140000"),
    ("140121", "清徐县", RegionLevel.COUNTY, "140100"),
    ("140181", "古交市", RegionLevel.COUNTY, "140100"),
    ("140200", "大同市", RegionLevel.CITY, "140000"),
    ("140226", "左云县", RegionLevel.COUNTY, "140200"),
    ("140400", "长治市", RegionLevel.CITY, "140000"),
    ("140423", "襄垣县", RegionLevel.COUNTY, "140400"),
    ("140500", "晋城市", RegionLevel.CITY, "140000"),
    ("140521", "沁水县", RegionLevel.COUNTY, "140500"),
    ("140522", "阳城县", RegionLevel.COUNTY, "140500"),
]

# key, kind, name, region code, extra attributes
ORGANISATIONS = [
    ("reg_province", RegulatorUnit, "山西省应急管理厅", "140000", {}),
    (
        "edu_center",
        RegulatorUnit,
        "山西省安全生产教育培训中心",
        "140000",
        {"review_unit": ReviewUnit.EDUCATION_CENTER},
    ),
    (
        "business_dept",
        RegulatorUnit,
        "山西省应急管理厅煤矿安全监管处",
        "140000",
        {"review_unit": ReviewUnit.BUSINESS_DEPT},
    ),
    ("reg_taiyuan", RegulatorUnit, "太原市应急管理局", "140100", {}),
    ("reg_gujiao", RegulatorUnit, "古交市应急管理局", "140181", {}),
    ("reg_datong", RegulatorUnit, "大同市应急管理局", "140200", {}),
    ("reg_jincheng", RegulatorUnit, "晋城市应急管理局", "140500", {}),
    ("center_taiyuan", TrainingCenter, "太原煤炭安全技术培训中心", "140100", {}),
    ("center_datong", TrainingCenter, "大同市安全生产培训学校", "140200", {}),
    ("center_jincheng", TrainingCenter, "晋城市矿山安全培训中心", "140500", {}),
    (
        "mine_gujiao",
        MineEnterprise,
        "古交金岭煤业有限公司",
        "140181",
        {"mine_kind": MineKind.COAL, "mining_method": MiningMethod.UNDERGROUND, "size": MineSize.LARGE},
    ),
    (
        "mine_zuoyun",
        MineEnterprise,
        "左云宏泰煤业有限公司",
        "140226",
        {"mine_kind": MineKind.COAL, "mining_method": MiningMethod.UNDERGROUND, "size": MineSize.MEDIUM},
    ),
    (
        "mine_yangcheng",
        MineEnterprise,
        "阳城晋阳煤业有限公司",
        "140522",
        {"mine_kind": MineKind.COAL, "mining_method": MiningMethod.UNDERGROUND, "size": MineSize.MEDIUM},
    ),
    (
        "mine_qinshui",
        MineEnterprise,
        "沁水兴盛煤业有限公司",
        "140521",
        {"mine_kind": MineKind.COAL, "mining_method": MiningMethod.UNDERGROUND, "size": MineSize.SMALL},
    ),
    (
        "mine_qingxu",
        MineEnterprise,
        "清徐鑫磊石料有限公司",
        "140121",
        {
            "mine_kind": MineKind.METAL_NONMETAL,
            "mining_method": MiningMethod.OPEN_PIT,
            "size": MineSize.LARGE,
        },
    ),
    (
        "mine_xiangyuan",
        MineEnterprise,
        "襄垣永安铁矿有限公司",
        "140423",
        {
            "mine_kind": MineKind.METAL_NONMETAL,
            "mining_method": MiningMethod.TAILINGS,
            "size": MineSize.SMALL,
        },
    ),
]

CLASSROOMS = {
    "center_taiyuan": [
        ("一号教室", 60, "TY-CAM-01"),
        ("二号教室", 40, "TY-CAM-02"),
        ("实操车间", 20, "TY-CAM-03"),
    ],
    "center_datong": [("多媒体教室", 50, "DT-CAM-01"), ("实训室", 24, "DT-CAM-02")],
    "center_jincheng": [("第一教室", 45, "JC-CAM-01"), ("模拟矿井实训室", 16, "")],
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
    "晋生",
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
BIRTHPLACES = ["140121", "140100", "140200", "140400", "140000"]

# username, person key (None: no person), role, organisation key, display name
DEMO_LOGINS = [
    ("admin", None, Role.ADMIN, None, "平台管理员"),
    ("trainee", "trainee", Role.TRAINEE, None, None),
    ("center", "center", Role.CENTER_STAFF, "center_taiyuan", None),
    ("reviewer_center", "reviewer_center", Role.REVIEWER, "edu_center", None),
    ("reviewer_dept", "reviewer_dept", Role.REVIEWER, "business_dept", None),
    ("proctor_center", "proctor_center", Role.PROCTOR, "edu_center", None),
    ("proctor_dept", "proctor_dept", Role.PROCTOR, "business_dept", None),
    # A third examiner, for a practical exam whose two examiners differ too much.
    ("examiner_dept", None, Role.PROCTOR, "business_dept", "业务处室第三考评员"),
    ("regulator", "regulator", Role.REGULATOR, "reg_province", None),
    ("mine_officer", "mine_officer", Role.MINE_OFFICER, "mine_gujiao", None),
    # Regulators lower down, to see jurisdiction at work.
    ("regulator_taiyuan", "regulator_taiyuan", Role.REGULATOR, "reg_taiyuan", None),
    ("regulator_gujiao", "regulator_gujiao", Role.REGULATOR, "reg_gujiao", None),
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
        self.seed_logins()
        self.seed_question_bank()
        self.seed_training()
        self.seed_initial_training_done()
        self.seed_exam()
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
                if cls is MineEnterprise:
                    attrs["production_status"] = ProductionStatus.NORMAL
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
        for mine_key in ("mine_gujiao", "mine_zuoyun", "mine_yangcheng", "mine_qinshui"):
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
        for mine_key in ("mine_qingxu", "mine_xiangyuan"):
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
        trainee = self.person("trainee", "mine_gujiao", education=Education.SENIOR_HIGH, years=2, born=1996)
        self.post(
            trainee, Post.SPECIAL_OPERATOR, "mine_gujiao", date(2026, 9, 1), OperationType.COAL_GAS_INSPECTION
        )
        self.person("center", "center_taiyuan", education=Education.BACHELOR, years=10, born=1982, male=False)
        self.person(
            "mine_officer", "mine_gujiao", education=Education.COLLEGE, years=9, born=1984, field="安全工程"
        )
        for key, org_key in (
            ("reviewer_center", "edu_center"),
            ("proctor_center", "edu_center"),
            ("reviewer_dept", "business_dept"),
            ("proctor_dept", "business_dept"),
            ("regulator", "reg_province"),
            ("regulator_taiyuan", "reg_taiyuan"),
            ("regulator_gujiao", "reg_gujiao"),
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
        for mine_key in ("mine_gujiao", "mine_qingxu"):
            leader = self.person(
                f"{mine_key}_team_leader", mine_key, education=Education.SENIOR_HIGH, years=7, born=1988
            )
            self.post(leader, Post.TEAM_LEADER, mine_key, date(2025, 3, 1))
            worker = self.person(
                f"{mine_key}_frontline", mine_key, education=Education.JUNIOR_MIDDLE, years=2, born=1999
            )
            self.post(worker, Post.FRONTLINE_WORKER, mine_key, date(2026, 3, 1))

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
        if db.session.scalar(select(Blueprint.id).where(Blueprint.name == DEMO_SPOT_TEST)) is None:
            bank_ops.save_blueprint(
                None,
                name=DEMO_SPOT_TEST,
                target="coal_gas_inspection",
                purpose="spot_test",
                duration_minutes=20,
                target_facility=None,
                partial_credit=False,
                sections=[
                    bank_ops.SectionSpec("true_false", 4, 10.0),
                    bank_ops.SectionSpec("single_choice", 4, 10.0),
                    bank_ops.SectionSpec("multiple_choice", 2, 10.0),
                ],
                actor=author,
            )

    def seed_training(self) -> None:
        """A gas-inspection class at the Taiyuan center running now (the demo trainee and the
        Gujiao gas inspectors on its roster, yesterday's lesson signed, one this afternoon
        for the sign-in code) and the managers' annual re-training, half done."""
        if db.session.scalar(select(Course.id).where(Course.title == DEMO_COURSE)):
            return
        staff = db.session.scalar(select(User).where(User.username == "center"))
        center = self.orgs["center_taiyuan"]
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
                key.startswith("mine_gujiao_op")
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
            if key.startswith("mine_gujiao_") and not key.startswith("mine_gujiao_op")
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
        front_line = training_ops.create_course(
            center,
            "班组长和一线岗位作业人员安全培训",
            CourseKind.INITIAL,
            targets=[(PersonnelCategory.TEAM_LEADER, None), (PersonnelCategory.FRONTLINE_WORKER, None)],
            modules=[("岗位安全操作规程", 320), ("班组安全管理与隐患排查", 240), ("自救互救与应急避险", 160)],
            actor=staff,
        )
        taught = today - timedelta(days=30)
        front_class = training_ops.create_class(
            front_line, second, f"{today.year}年班组长和一线员工安全培训班", taught, taught, actor=staff
        )
        front_lesson = training_ops.add_lesson(
            front_class,
            "岗位安全操作规程",
            at(taught, 8, 30),
            at(taught, 17, 0),
            80,
            actor=staff,
            module=front_line.modules[0],
        )
        for key in (
            "mine_gujiao_team_leader",
            "mine_gujiao_frontline",
            "mine_qingxu_team_leader",
            "mine_qingxu_frontline",
        ):
            person = self.people[key]
            training_ops.enrol(front_class, person, actor=staff, post=person.posts[0].post)
            training_ops.sign_in(front_lesson, person, at=at(taught, 8, 25), actor=staff)
            training_ops.sign_out(front_lesson, person, at=at(taught, 17, 0), actor=staff)

    def seed_initial_training_done(self) -> None:
        """The demo's gas inspectors (every mine's) finished an earlier class, at another center,
        of the 72 学时 the policy asks before a special-operations exam, shown in use by the
        classroom's analysed video (the rows the analysis job leaves): the demo trainee's
        application passes the pre-check on verified hours."""
        title = "煤矿瓦斯检查作业初次培训（第一期）"
        if db.session.scalar(select(Course.id).where(Course.title == title)):
            return
        staff = db.session.scalar(select(User).where(User.username == "admin"))
        center = self.orgs["center_jincheng"]
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
            work_history="2024年起在古交金岭煤业有限公司从事通风工作，2026年9月任瓦斯检查工。",
        )
        app_ops.review_application(application, reviewer=users["reviewer_center"], approve=True)
        app_ops.review_application(application, reviewer=users["reviewer_dept"], approve=True)
        session = session_ops.create_session(
            name=DEMO_SESSION,
            site="太原煤炭安全技术培训中心考试点",
            room="第一考场",
            starts_at=datetime.now(UTC).replace(minute=0, second=0, microsecond=0),
            category=PersonnelCategory.SPECIAL_OPERATOR,
            operation_type=OperationType.COAL_GAS_INSPECTION,
            blueprint=blueprint,
            seats=30,
            actor=users["reviewer_center"],
            region=self.regions["140100"],
        )  # the site is in Taiyuan
        for proctor in ("proctor_center", "proctor_dept"):
            session_ops.assign_proctor(session, users[proctor], actor=users["reviewer_center"])
        attempt = session_ops.seat(session, application, actor=users["reviewer_center"])
        session_ops.open_session(session, proctor=users["proctor_center"])
        session_ops.check_identity(attempt, proctor=users["proctor_dept"], confirm=True)
        if db.session.scalar(select(PracticalRubric.id)) is None:
            db.session.add(
                PracticalRubric(
                    operation_type=OperationType.COAL_GAS_INSPECTION,
                    name="瓦斯检查作业实操考核评分表",
                    items=[
                        {"name": "光学瓦斯检定器检查", "points": 20, "critical": False},
                        {"name": "测定地点与测点选择", "points": 15, "critical": False},
                        {"name": "瓦斯、二氧化碳浓度测定操作", "points": 30, "critical": False},
                        {"name": "记录填写与汇报", "points": 15, "critical": False},
                        {"name": "瓦斯超限时的处置（停电撤人）", "points": 20, "critical": True},
                    ],
                )
            )


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
