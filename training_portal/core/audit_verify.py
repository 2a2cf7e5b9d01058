"""The whole audit trail checked, and its commands: ``flask audit verify|anchor|adopt-legacy``.

This module sits above the chain (``audit``), its anchors (``audit_anchor``), the business rows
it is compared with (``audit_rows``) and the one-time upgrade (``audit_legacy``), so that none of
those imports another one back.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from . import audit_anchor, audit_legacy, audit_rows
from .audit import GENESIS, AuditEntry, ChainReport, same_mac
from .db import db, transaction


def verify_chain() -> ChainReport:
    """Walk the whole trail once: every link and MAC, the anchors' heads at their counts, and
    the audited values the business rows are compared with afterwards."""
    report = ChainReport()
    anchors = audit_anchor.load(report)
    wanted = {a.count: a for a in anchors}
    seen: dict[int, str] = {}
    audited = audit_rows.Audited()
    expected_prev, later_broken = GENESIS, 0
    rows = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
    for entry in rows.yield_per(1000):
        reason = None
        if entry.prev_hash != expected_prev:
            reason = "does not follow the entry before it (an entry was removed, inserted or re-linked)"
        elif not same_mac(entry.compute_hash(), entry.hash):
            reason = "content does not match its MAC (the entry was changed, or re-hashed without the key)"
        if reason and report.broken_at is None:
            report.broken_at, report.reason = entry.id, reason
            report.problem(f"broken at entry {entry.id}: {reason}")
        elif reason:
            later_broken += 1
        expected_prev = entry.hash  # go on from what is there, to check what follows
        report.count += 1
        if report.count in wanted:
            seen[report.count] = entry.hash
        audited.add(entry)
    if later_broken:
        report.problem(f"{later_broken} later entries do not verify either")
    audit_anchor.check(anchors, seen, report)
    audit_rows.compare(audited, report)
    return report


audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Check the MAC chain, the anchors and the business rows; print "ok" with the counts, or
    each problem found (exit status 1)."""
    with transaction():
        report = verify_chain()
        audit_anchor.record_result(report)
    click.echo(str(report))
    if not report.ok:
        raise SystemExit(1)


@audit_cli.command("anchor")
def anchor_command() -> None:
    """Write the chain's signed head to the file store now (the periodic job does it too)."""
    with transaction():
        key = audit_anchor.write()
    click.echo(f"anchored: {key}" if key else "unchanged since the newest anchor")


@audit_cli.command("adopt-legacy")
def adopt_legacy_command() -> None:
    """Once, when upgrading: re-chain a trail of plain SHA-256 hashes under the audit key
    (only an intact one, and only before the first anchor), then anchor it."""
    try:
        with transaction():
            adopted = audit_legacy.adopt()
        with transaction():
            audit_anchor.write()
    except audit_legacy.NotAdopted as exc:
        click.echo(f"not adopted: {exc}")
        raise SystemExit(1) from None
    click.echo(f"adopted: {adopted} entries re-chained under the audit key, and anchored")


def init_app(app) -> None:
    app.cli.add_command(audit_cli)
    app.jinja_env.globals["audit_alarm"] = audit_anchor.last_failure
