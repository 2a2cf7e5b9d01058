"""A gas inspector with an account, a small active bank around them, and a logged-in client
that sends the CSRF token as the practice page does."""

from __future__ import annotations

import pytest

from question_bank.models import QuestionStatus
from training_portal.core.db import db
from training_portal.core.permissions import Role

from .. import factories as make
from ..conftest import login


def logged_in(app, user):
    client = app.test_client()
    assert login(client, user.username, make.PASSWORD).status_code == 302
    client.environ_base["HTTP_X_CSRFTOKEN"] = (
        client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]
    )
    return client


@pytest.fixture()
def learner(ctx):
    """A gas inspector at a coal mine, with a trainee account."""
    person = make.person(operation_type=make.GAS, employer=make.mine())
    user = make.user(Role.TRAINEE, person=person)
    db.session.commit()
    return user


@pytest.fixture()
def bank(ctx):
    """What applies to a gas inspector (4 true/false, 3 single, 2 multiple choice in two
    categories) and what must never be drawn: an electrician's question, a draft, a retired one."""
    applies = {"gas": [], "other": []}
    for qtype, n in (("true_false", 4), ("single_choice", 3), ("multiple_choice", 2)):
        for k in range(n):
            category = "煤矿安全/瓦斯防治" if k % 2 == 0 else "煤矿安全/通风管理"
            target = [make.GAS.value] if k == 0 else []
            applies["gas"].append(make.question(qtype, category=category, applies_to=target))
    applies["other"].append(make.question("true_false", applies_to=["coal_electrical"]))
    applies["other"].append(make.make_active(make.qdata("true_false")))
    applies["other"][-1].status = QuestionStatus.RETIRED
    draft = make.qdata("true_false")
    from question_bank import operations as bank_ops

    applies["other"].append(bank_ops.create_question(draft, actor=None))
    db.session.commit()
    return applies


@pytest.fixture()
def client(app, learner, bank):
    return logged_in(app, learner)
