"""The audit trail: an append-only, MAC-chained record of every decision.

Each entry stores the MAC of the entry before it and an HMAC-SHA256 over its own content
(columns ``prev_hash`` and ``hash``), keyed with ``AUDIT_KEY``, which lives outside the
database (environment or ``instance/audit_key``). Whoever can write the database but not
read the key cannot make a changed, inserted or re-linked entry verify. A unique constraint
on the previous MAC makes a fork (two entries claiming the same predecessor) impossible; on
PostgreSQL an advisory lock makes concurrent writers queue instead of failing.

Deleting the newest entries leaves a chain that verifies; the anchors (``audit_anchor``)
catch that, and ``audit_rows`` compares the business rows that matter with the trail.
``flask audit verify`` does all three; docs/reliability.md says what that proves.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import JSON, ForeignKey, String, event, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import TextClause

from .db import UTCDateTime, db, utcnow

GENESIS = "0" * 64
SCHEME = "hmac-sha256"
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
        """The entry's MAC under the app's audit key."""
        return mac(self.canonical())

    def canonical(self) -> bytes:
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
        return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def mac(data: bytes) -> str:
    return hmac.new(current_app.config["AUDIT_KEY"].encode(), data, hashlib.sha256).hexdigest()


def same_mac(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


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


def record(
    action: str,
    target: Any,
    *,
    actor: Any = None,
    organisation: Any = None,
    before: Any = None,
    after: Any = None,
    target_type: str | None = None,
) -> AuditEntry:
    """Append one entry. ``target`` is a mapped object (flushed, so it has an id) or an id
    with ``target_type``. The caller's transaction commits it together with the change.

    The entry is linked into the chain only when that transaction commits (or first reads the
    trail itself): the chain's lock is then held for the commit alone, so no audited decision
    waits behind a long transaction that wrote an entry early on."""
    if target_type is None:
        target_type = target.__tablename__
        target_id = target.id
    else:
        target_id = target
    session = db.session()
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
    )
    innermost = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((innermost, entry))
    for listener in _LISTENERS.get(action, ()):
        listener(entry, target)
    return entry


_PENDING = "audit_pending"
# What else follows a decision (a notice to those it concerns), by the action recorded. A
# listener runs in the recording transaction: what it writes commits or rolls back with the
# decision itself.
_LISTENERS: dict[str, list[Callable[[AuditEntry, Any], None]]] = {}


def listen(*actions: str) -> Callable:
    """Register ``listener(entry, target)`` for entries of ``actions`` (``target`` as given to
    :func:`record`: the object, or its id when ``target_type`` was named)."""

    def decorator(listener: Callable[[AuditEntry, Any], None]) -> Callable[[AuditEntry, Any], None]:
        for action in actions:
            if listener not in _LISTENERS.setdefault(action, []):
                _LISTENERS[action].append(listener)
        return listener

    return decorator


def _chain_pending(session: Session) -> None:
    """Link and insert the entries recorded in this transaction, in the order recorded, under
    the chain's lock (held to the end of the transaction, which is about to commit)."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last_hash = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    previous = last_hash or GENESIS
    for _transaction, entry in pending:
        entry.prev_hash = previous
        entry.hash = previous = entry.compute_hash()
        session.add(entry)
        session.flush()  # one by one: the ids follow the chain


@event.listens_for(Session, "before_commit")
def _chain_before_commit(session: Session) -> None:
    _chain_pending(session)


@event.listens_for(Session, "do_orm_execute")
def _chain_before_reading_the_trail(state) -> None:
    """A transaction that reads the trail sees its own entries: they are linked first."""
    if state.session.info.get(_PENDING) and _reads_trail(state):
        _chain_pending(state.session)


def _reads_trail(state) -> bool:
    if any(m.class_ is AuditEntry for m in state.all_mappers):
        return True
    statement = state.statement
    if isinstance(statement, TextClause):
        return AuditEntry.__tablename__ in statement.text
    froms = getattr(statement, "get_final_froms", None)
    return froms is not None and any(getattr(f, "name", None) == AuditEntry.__tablename__ for f in froms())


@event.listens_for(Session, "after_transaction_end")
def _drop_at_the_end(session: Session, transaction) -> None:
    """A transaction closed without committing (``close()``) takes its entries along."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction) -> None:
    """Entries recorded inside a rolled-back transaction or savepoint go with it."""
    pending = session.info.get(_PENDING)
    if not pending:
        return

    def inside(transaction) -> bool:
        while transaction is not None:
            if transaction is previous_transaction:
                return True
            transaction = transaction.parent
        return False

    kept = [(t, e) for t, e in pending if not inside(t)]
    if kept:
        session.info[_PENDING] = kept
    else:
        session.info.pop(_PENDING, None)


@dataclass
class ChainReport:
    """What ``flask audit verify`` found: the chain, the anchors and the business rows."""

    ok: bool = True
    count: int = 0
    broken_at: int | None = None
    reason: str | None = None
    anchors: int = 0
    rows: int = 0
    problems: list[str] = field(default_factory=list)

    def problem(self, text_: str) -> None:
        self.ok = False
        self.problems.append(text_)

    def __str__(self) -> str:
        if self.ok:
            return f"ok: {self.count} entries, {self.anchors} anchors, {self.rows} rows checked"
        return "\n".join(self.problems)


def entry_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0
