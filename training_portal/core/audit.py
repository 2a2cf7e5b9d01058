"""The audit trail: an append-only, hash-chained record of every decision.

Each entry stores the hash of the entry before it and a hash over its own
content, so changing, inserting or deleting an entry breaks the chain at that
point and ``flask audit verify`` names it. A unique constraint on the previous
hash makes a fork (two entries claiming the same predecessor) impossible; on
PostgreSQL an advisory lock makes concurrent writers queue instead of failing.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import JSON, ForeignKey, String, func, select, text
from sqlalchemy.orm import Mapped, mapped_column

from .db import UTCDateTime, db, transaction, utcnow

GENESIS = "0" * 64
# Any constant; it only has to be the same for every writer of the chain.
_PG_LOCK_KEY = 0x4155444954  # "AUDIT"


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(120))
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(80), index=True)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def compute_hash(self) -> str:
        payload = {
            "created_at": self.created_at.isoformat(),
            "actor_user_id": self.actor_user_id,
            "actor_name": self.actor_name,
            "actor_org_id": self.actor_org_id,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "action": self.action,
            "before": self.before,
            "after": self.after,
            "prev_hash": self.prev_hash,
        }
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: Any) -> Any:
    """JSON-safe, and stable across a database round trip (so hashes verify)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return value


def record(action: str, target: Any, *, actor: Any = None, organisation: Any = None,
           before: Any = None, after: Any = None,
           target_type: str | None = None) -> AuditEntry:
    """Append one entry. ``target`` is a mapped object (flushed, so it has an id) or an id
    with ``target_type``. The caller's transaction commits it together with the change."""
    if target_type is None:
        target_type = target.__tablename__
        target_id = target.id
    else:
        target_id = target
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last_hash = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    entry = AuditEntry(
        created_at=utcnow(),
        actor_user_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None) or "system",
        actor_org_id=getattr(organisation, "id", None),
        object_type=target_type,
        object_id=str(target_id),
        action=action,
        before=_plain(before),
        after=_plain(after),
        prev_hash=last_hash or GENESIS,
    )
    entry.hash = entry.compute_hash()
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    broken_at: int | None = None
    reason: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"ok: {self.count} entries"
        return f"broken at entry {self.broken_at}: {self.reason}"


def verify_chain() -> ChainReport:
    expected_prev = GENESIS
    count = 0
    rows = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
    for entry in rows.yield_per(1000):
        if entry.prev_hash != expected_prev:
            return ChainReport(False, count, entry.id, "does not follow the entry before it "
                               "(an entry was removed, inserted or re-linked)")
        if entry.compute_hash() != entry.hash:
            return ChainReport(False, count, entry.id, "content does not match its hash "
                               "(the entry was changed)")
        expected_prev = entry.hash
        count += 1
    return ChainReport(True, count)


def entry_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0


audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Check the hash chain; print "ok" with the count, or the first broken link."""
    with transaction():
        report = verify_chain()
    click.echo(str(report))
    if not report.ok:
        raise SystemExit(1)


def init_app(app) -> None:
    app.cli.add_command(audit_cli)

