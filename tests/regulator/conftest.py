from __future__ import annotations

from sqlalchemy import select

from question_bank.models import Blueprint
from training_portal.core.db import db
from training_portal.organisations.models import MineEnterprise

LONGJIABAO = "龙嘉堡煤矿"


def longjiabao() -> MineEnterprise:
    return db.session.scalar(select(MineEnterprise).where(MineEnterprise.name == LONGJIABAO))


def spot_blueprint(target: str = "principal") -> Blueprint:
    """The demo's spot-test blueprint for one manager category (a 矿长 is a principal)."""
    return db.session.scalar(
        select(Blueprint).where(Blueprint.purpose == "spot_test", Blueprint.target == target)
    )
