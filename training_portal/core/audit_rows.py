"""The business rows that matter, compared with what their latest audit entries say.

A MAC protects the trail, not the tables: ``UPDATE exam_attempts SET score = 100`` leaves
the chain intact. So verify reads, from the (checked) trail, the last audited value of each
field below and compares it with the row: attempt scores and states, practical results,
certificate status, the two units' review decisions and the room signatures. The tables are
named here rather than imported: core stays below the domains, and which entry carries which
value is the audit trail's own knowledge (each operation writes these into its ``after``).
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import select

from .audit import AuditEntry, ChainReport
from .db import db

# Per table: column -> the key of ``after`` that holds it, in that table's own entries.
FIELDS = {
    "exam_attempts": {"state": "state", "score": "score", "passed": "passed"},
    "practical_exams": {"status": "status", "final_score": "score", "passed": "passed"},
    "certificates": {"status": "status"},
}
# What a row holds before any entry of its own audits a field (as created by its operation).
INITIAL = {
    "exam_attempts": {"state": "not_started", "score": None, "passed": None},
    "practical_exams": {"status": "scoring", "final_score": None, "passed": None},
    "certificates": {"status": "valid"},
}
_NUMBERS = {"score", "final_score"}


def _value(column: str, value: Any) -> Any:
    """One form for what the row and the entry hold (entries keep floats as their repr)."""
    if isinstance(value, enum.Enum):
        value = value.value
    if column in _NUMBERS and value is not None:
        return float(value)
    return value


class Audited:
    """The latest audited value of every watched field, gathered entry by entry."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], dict[str, Any]] = {}
        self.reviews: dict[tuple[str, str], Any] = {}
        self.signatures: dict[tuple[str, str], int | None] = {}

    def _set(self, table: str, row_id: Any, column: str, value: Any) -> None:
        self.values.setdefault((table, str(row_id)), {})[column] = value

    def add(self, entry: AuditEntry) -> None:
        after = entry.after if isinstance(entry.after, dict) else {}
        for column, key in FIELDS.get(entry.object_type, {}).items():
            if key in after:
                self._set(entry.object_type, entry.object_id, column, after[key])
        if entry.action == "appeal.decide" and "attempt_id" in after:
            for column in ("state", "passed"):
                self._set("exam_attempts", after["attempt_id"], column, after.get(column))
        elif entry.action == "session.publish":
            for attempt_id, result in (after.get("results") or {}).items():
                for column in ("score", "passed"):
                    self._set("exam_attempts", attempt_id, column, result.get(column))
        elif entry.action == "session.sign":
            for attempt_id in after.get("absent") or []:  # the first signature marks the absent
                self._set("exam_attempts", attempt_id, "state", "absent")
                self._set("exam_attempts", attempt_id, "passed", False)
            self.signatures[(entry.object_id, str(after.get("unit")))] = entry.actor_user_id
        elif entry.action == "application.review":
            self.reviews[(entry.object_id, str(after.get("unit")))] = after.get("approved")


def compare(audited: Audited, report: ChainReport) -> None:
    tables = db.metadata.tables
    for name, columns in FIELDS.items():
        table = tables[name]
        for row in db.session.execute(
            select(table.c.id, *(table.c[c] for c in columns)).order_by(table.c.id)
        ).mappings():
            known = audited.values.get((name, str(row["id"])), {})
            for column in columns:
                stored = _value(column, row[column])
                expected = _value(column, known.get(column, INITIAL[name][column]))
                if stored != expected:
                    report.problem(f"{name} {row['id']} {column}: stored {stored!r}, audited {expected!r}")
            report.rows += 1
    _compare_decisions(
        report,
        tables["application_reviews"],
        "application_id",
        "approved",
        audited.reviews,
        "review of application",
    )
    _compare_decisions(
        report,
        tables["session_signatures"],
        "session_id",
        "user_id",
        audited.signatures,
        "signature of session",
    )


def _compare_decisions(
    report: ChainReport, table, parent: str, column: str, audited: dict, what: str
) -> None:
    """One row per parent and unit, and one entry (the latest) per parent and unit."""
    found = set()
    for row in db.session.execute(
        select(table.c.id, table.c[parent], table.c.unit, table.c[column]).order_by(table.c.id)
    ).mappings():
        key = (str(row[parent]), _value("unit", row["unit"]))
        found.add(key)
        report.rows += 1
        if key not in audited:
            report.problem(f"{table.name} {row['id']}: no audit entry records this {what} {key[0]}")
        elif row[column] != audited[key]:
            report.problem(
                f"{table.name} {row['id']} {column}: stored {row[column]!r}, audited {audited[key]!r}"
            )
    for parent_id, unit in sorted(set(audited) - found):
        report.problem(f"{table.name}: the {what} {parent_id} by {unit} is audited, but its row is missing")
