"""Initial and re-training hours per category and per operation type: every special operation
has its initial hours, the pre-check names the rule that fails, and the policy's tables take
only the keys the category registry knows."""

from datetime import date

import pytest

from training_portal.core import audit, policy
from training_portal.core.i18n import local_today
from training_portal.exams import applications as app_ops
from training_portal.exams.applications import ExamError
from training_portal.people import categories
from training_portal.people.models import Education, OperationType, PersonnelCategory
from training_portal.training import ledger

from .. import factories as make
from ..conftest import login, token_in
from .helpers import give_hours

GAS = OperationType.COAL_GAS_INSPECTION
SPECIAL = PersonnelCategory.SPECIAL_OPERATOR


def _gas_inspector():
    return make.person(operation_type=GAS, education=Education.SENIOR_HIGH, employer=make.mine())


def _apply(person, actor):
    return app_ops.submit_application(person, SPECIAL, actor=actor, operation_type=GAS)


def test_a_gas_inspector_without_verified_hours_fails_the_precheck_by_rule(users):
    worker = _gas_inspector()
    with pytest.raises(ExamError) as refused:
        _apply(worker, users["admin"])
    reason = str(refused.value)
    # The rule by its name, the operation type, and what is needed against what is verified.
    assert str(policy.rule("training.initial_hours").description) in reason
    assert GAS.label in reason and "72" in reason
    give_hours([worker], SPECIAL, 719, operation_type=GAS)
    with pytest.raises(ExamError):
        _apply(worker, users["admin"])
    give_hours([worker], SPECIAL, 1, operation_type=GAS)  # 72 学时 verified
    assert _apply(worker, users["admin"]).precheck[0]["ok"] is True


def test_every_special_operation_has_initial_hours_by_default(ctx):
    assert set(policy.SPECIAL_OPERATION_TYPES) == {t.value for t in OperationType}
    kind = categories.get(SPECIAL)
    assert all(kind.initial_hours(t) >= 72 for t in OperationType)
    assert set(policy.get("training.initial_hours")) <= categories.hour_table_keys()


def test_hours_differ_by_operation_type(users):
    policy.set_value("training.initial_hours", {"special_operator": 8, GAS.value: 16}, actor=users["admin"])
    worker = _gas_inspector()
    give_hours([worker], SPECIAL, 100, operation_type=GAS)
    give_hours([worker], SPECIAL, 100, operation_type=OperationType.COAL_BLASTING)
    on = local_today()
    gas = ledger.training_check(worker, SPECIAL, GAS, on)
    blasting = ledger.training_check(worker, SPECIAL, OperationType.COAL_BLASTING, on)
    assert (gas.ok, gas.need) == (False, 160)  # the operation type's entry wins
    assert (blasting.ok, blasting.need) == (True, 80)  # the category's entry otherwise


def test_annual_hours_by_operation_type(users):
    worker = make.person(operation_type=GAS, since=date(2020, 1, 1))
    year = local_today().year
    assert ledger.required(worker, year).tenths == 0
    policy.set_value("training.annual_hours", {GAS.value: 20}, actor=users["admin"])
    assert ledger.required(worker, year).tenths == 200


@pytest.mark.parametrize("key", ["training.initial_hours", "training.annual_hours"])
def test_an_unknown_key_is_refused_and_nothing_is_written(users, key):
    with pytest.raises(ValueError, match="coal_gas_inspektion"):
        policy.rule(key).parse('{"coal_gas_inspektion": 72}')
    entries, before = audit.entry_count(), policy.get(key)
    with pytest.raises(ValueError):
        policy.set_value(key, {"principle": 48}, actor=users["admin"])
    assert audit.entry_count() == entries and policy.get(key) == before


def test_the_admin_page_refuses_an_unknown_key(users, client):
    login(client, "admin")
    token = token_in(client.get("/admin/policy").text)
    refused = client.post(
        "/admin/policy",
        data={"key": "training.initial_hours", "value": '{"gas": 72}', "csrf_token": token},
    )
    assert refused.status_code == 422 and "gas" in refused.text
    assert policy.get("training.initial_hours")[GAS.value] == 72
