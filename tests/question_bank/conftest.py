"""Makers for the bank: questions in one line, an active bank, a blueprint."""

from __future__ import annotations

import itertools

import pytest

from question_bank import operations as ops
from question_bank.data import QuestionData
from question_bank.models import Question, QuestionStatus
from training_portal.core.db import db

_ids = itertools.count(1)


def qdata(qtype: str = "single_choice", category: str = "煤矿安全/瓦斯防治", difficulty=3,
          **kw) -> QuestionData:
    n = next(_ids)
    options = {"true_false": ["对", "错"], "single_choice": ["甲", "乙", "丙", "丁"],
               "multiple_choice": ["甲", "乙", "丙", "丁", "戊"]}[qtype]
    correct = {"true_false": [0], "single_choice": [1], "multiple_choice": [0, 2]}[qtype]
    fields = dict(type=qtype, stem=f"第{n}题 瓦斯浓度达到多少时必须停止作业？", options=options,
                  correct=correct, category=category, difficulty=difficulty,
                  external_id=f"Q{n:05d}", explanation="依据《煤矿安全规程》")
    fields.update(kw)
    return QuestionData(**fields)


def make_active(data: QuestionData) -> Question:
    """A question through its whole review: created, approved by someone else, activated."""
    question = ops.create_question(data, actor=None)
    question.status = QuestionStatus.ACTIVE
    db.session.flush()
    return question


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


def blueprint(sections, target="coal_gas_inspection", purpose="exam", **kw):
    b = ops.save_blueprint(None, name="测试组卷规则", target=target, purpose=purpose,
                           duration_minutes=None, target_facility=kw.get("target_facility"),
                           partial_credit=kw.get("partial_credit", False),
                           sections=[ops.SectionSpec(*s) for s in sections], actor=None)
    db.session.commit()
    return b
