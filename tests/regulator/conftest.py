from __future__ import annotations

import pytest
from sqlalchemy import select

from question_bank.models import Blueprint
from training_portal.core.db import db
from training_portal.organisations.models import MineEnterprise

from ..exams.conftest import users_by_name

GUJIAO = "古交金岭煤业有限公司"


@pytest.fixture()
def users(demo, user_named):
    return users_by_name() | {
        "regulator_gujiao": user_named("regulator_gujiao"),
        "regulator_taiyuan": user_named("regulator_taiyuan"),
    }


def gujiao() -> MineEnterprise:
    return db.session.scalar(select(MineEnterprise).where(MineEnterprise.name == GUJIAO))


def spot_blueprint() -> Blueprint:
    return db.session.scalar(select(Blueprint).where(Blueprint.purpose == "spot_test"))
