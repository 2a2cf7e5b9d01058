"""Makers for the bank: questions in one line, an active bank, a blueprint."""

from __future__ import annotations

import pytest

from question_bank.models import Blueprint
from training_portal.core.db import db

from .. import factories as make

# The makers live in tests/factories.py; imported from here by the bank's tests.
qdata, make_active = make.qdata, make.make_active


@pytest.fixture()
def bank(ctx):
    """An active bank: 30 true/false, 30 single and 20 multiple choice in two categories."""
    made = []
    for qtype, n in (("true_false", 30), ("single_choice", 30), ("multiple_choice", 20)):
        for k in range(n):
            category = "题库测试/瓦斯防治" if k % 2 else "题库测试/通风管理"
            made.append(make_active(qdata(qtype, category, difficulty=1 + k % 5)))
    db.session.commit()
    return made


def blueprint(sections, target="coal_gas_inspection", purpose="exam", **kw) -> Blueprint:
    """``factories.blueprint``, committed."""
    made = make.blueprint(sections, target=target, purpose=purpose, **kw)
    db.session.commit()
    return made
