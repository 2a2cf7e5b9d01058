"""The demo of 警示教育 (issue 21, item 3): 长春市应急管理局 forwarded an accident bulletin to the
mines of 长春 — 龙嘉堡 has acknowledged it, 双阳 has not — and 龙嘉堡 held its warning-education
day this year."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..core.db import db
from ..core.i18n import local_today
from ..organisations.models import MineEnterprise
from ..warnings import operations as warning_ops
from ..warnings.models import Bulletin

TITLE = "关于某金属矿山“透水”较大事故的警示通报"


def seed(seeder) -> None:
    unit = seeder.orgs["reg_changchun"]
    if db.session.scalar(select(Bulletin.id).where(Bulletin.title == TITLE)):
        return
    sender = db.session.scalar(select(User).where(User.username == "regulator_changchun"))
    officer = db.session.scalar(select(User).where(User.username == "mine_officer"))
    today = local_today()
    mines = [
        m
        for m in db.session.scalars(select(MineEnterprise).order_by(MineEnterprise.name))
        if unit.region.contains(m.region)
    ]
    bulletin = warning_ops.send_bulletin(
        unit,
        TITLE,
        today - timedelta(days=10),
        "某地下金属矿山在掘进作业中揭露老空区积水，发生透水事故，造成人员伤亡。",
        "各矿山立即开展隐蔽致灾因素普查，落实“预测预报、有疑必探、先探后掘、先治后采”；组织全员学习本通报。",
        mines,
        actor=sender,
    )
    longjiabao = seeder.orgs["mine_longjiabao"]
    for delivery in bulletin.deliveries:
        if delivery.mine_id == longjiabao.id:
            warning_ops.acknowledge(delivery, actor=officer)
    warning_ops.record_day(
        longjiabao,
        max(today.replace(month=1, day=1), today - timedelta(days=20)),
        "透水事故警示教育",
        126,
        "观看事故警示片，各区队逐条对照检查。",
        actor=officer,
    )
