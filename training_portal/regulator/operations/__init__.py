"""五职矿长 compliance, inspections, spot tests and reassignment orders, and the search.

One module per section (compliance, inspections, search); the names
are re-exported here, so callers keep importing ``operations``."""

from __future__ import annotations

from ._base import RegulatorError
from .compliance import COMPLIANCE_CHUNK, Check, MineCompliance, PostCompliance, compliance, late_applications
from .inspections import (
    close_order,
    managers_at,
    record_inspection,
    respond_to_order,
    spot_test_blueprints,
    start_spot_test,
    submit_spot_test,
)
from .search import badges, search_people

__all__ = [
    "COMPLIANCE_CHUNK",
    "Check",
    "MineCompliance",
    "PostCompliance",
    "RegulatorError",
    "badges",
    "close_order",
    "compliance",
    "late_applications",
    "managers_at",
    "record_inspection",
    "respond_to_order",
    "search_people",
    "spot_test_blueprints",
    "start_spot_test",
    "submit_spot_test",
]
