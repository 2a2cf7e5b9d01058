from datetime import date

import pytest
from sqlalchemy import select

from training_portal.core import policy
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.people.models import OperationType

from .conftest import login, token_in


def test_defaults_are_the_rules_of_the_domain(ctx):
    assert policy.get("exam.duration_minutes") == 120
    assert policy.get("exam.total_points") == 100
    assert policy.get("exam.pass_mark") == 80
    assert policy.get("practical.pass_mark") == 80
    assert policy.get("exam.retakes_allowed") == 1
    assert policy.get("exam.result_valid_months") == 12
    assert policy.get("manager.first_assessment_months") == 6
    assert policy.get("manager.assessment_interval_years") == 3
    assert policy.get("manager.apply_within_days") == 30
    assert policy.get("special_ops.certificate_valid_years") == 6
    assert policy.get("special_ops.review_interval_years") == 3
    assert policy.get("special_ops.review_window_days") == 60
    assert policy.get("special_ops.review_training_hours") == 8
    assert policy.get("special_ops.long_review_interval_years") == 6
    # DOMAIN's managers' hours, and the portal's choice for 班组长 and 一线岗位作业人员.
    assert policy.get("training.initial_hours") == {
        "principal": 48,
        "safety_manager": 48,
        "team_leader": 72,
        "frontline_worker": 72,
        # Every special operation: no less than 72 学时 initial training.
        **{t.value: 72 for t in OperationType},
    }
    assert policy.get("training.annual_hours") == {
        "principal": 16,
        "safety_manager": 16,
        "team_leader": 24,
        "frontline_worker": 20,
        "regulator_official": 40,  # 监管干部: the portal's choice (issue 21, item 4)
    }
    assert policy.get("recordings.exam_retention_years") == 3
    assert policy.get("safety_culture.deadline") == date(2026, 6, 30)
    assert policy.get("admission.special_ops_high_school_since") == date(2018, 6, 1)


def test_unknown_rule_is_an_error(ctx):
    with pytest.raises(LookupError):
        policy.get("exam.pass_mark_typo")


def test_override_is_read_back_and_audited(demo, user_named):
    admin = user_named("admin")
    policy.set_value("exam.pass_mark", 85, actor=admin)
    policy.set_value("safety_culture.deadline", date(2026, 12, 31), actor=admin)
    db.session.commit()
    assert policy.get("exam.pass_mark") == 85
    assert policy.get("safety_culture.deadline") == date(2026, 12, 31)
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "policy.change").order_by(AuditEntry.id)
    ).first()
    assert (entry.object_id, entry.before, entry.after) == ("exam.pass_mark", {"value": 80}, {"value": 85})


@pytest.mark.parametrize(
    "key, raw",
    [
        ("exam.pass_mark", "eighty"),
        ("exam.pass_mark", "-5"),
        ("safety_culture.deadline", "2026-13-01"),
        ("training.initial_hours", '{"principal": "many"}'),
        ("training.initial_hours", "[1, 2]"),
    ],
)
def test_bad_values_are_refused_with_a_reason(ctx, key, raw):
    with pytest.raises(ValueError):
        policy.rule(key).parse(raw)


def test_admin_edits_a_rule_on_the_policy_page(demo, client):
    login(client, "admin")
    page = client.get("/admin/policy")
    assert page.status_code == 200
    token = token_in(page.text)
    bad = client.post("/admin/policy", data={"key": "exam.pass_mark", "value": "x", "csrf_token": token})
    assert bad.status_code == 422
    assert policy.get("exam.pass_mark") == 80
    ok = client.post("/admin/policy", data={"key": "exam.pass_mark", "value": "90", "csrf_token": token})
    assert ok.status_code == 302
    db.session.expire_all()
    assert policy.get("exam.pass_mark") == 90
