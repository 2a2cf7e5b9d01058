"""五职矿长 compliance, inspections, spot tests and reassignment orders, and the search.

One module per section (compliance, inspections, search); the names
are re-exported here, so callers keep importing ``operations``. The spot test's phone link is
``operations.phone``."""

from __future__ import annotations

from ._base import RegulatorError
from .compliance import (
    COMPLIANCE_CHUNK,
    PAGE_SIZE,
    Check,
    CompliancePage,
    ComplianceQuery,
    MineCompliance,
    PostCompliance,
    Status,
    compliance,
    late_applications,
)
from .compliance import EXPORT_HEADER as COMPLIANCE_EXPORT_HEADER
from .compliance import count as compliance_count
from .compliance import counts_by as compliance_counts_by
from .compliance import export_rows as compliance_export_rows
from .compliance import iterate as compliance_rows
from .compliance import page as compliance_page
from .inspections import (
    close_order,
    managers_at,
    record_inspection,
    respond_to_order,
    spot_blueprint_for,
    spot_testable_at,
    start_spot_test,
    submit_spot_test,
)
from .search import badges, search_people

__all__ = [
    "COMPLIANCE_CHUNK",
    "PAGE_SIZE",
    "ComplianceQuery",
    "CompliancePage",
    "Status",
    "COMPLIANCE_EXPORT_HEADER",
    "compliance_count",
    "compliance_counts_by",
    "compliance_export_rows",
    "compliance_rows",
    "compliance_page",
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
    "spot_blueprint_for",
    "spot_testable_at",
    "start_spot_test",
    "submit_spot_test",
]
