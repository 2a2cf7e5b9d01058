"""Database wiring: one SQLAlchemy instance, typed declarative models, UTC times.

The transaction boundary is the request (see ``training_portal.core.views``),
the CLI command or the Celery task; operations only flush.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Enum, MetaData, event, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import DateTime, TypeDecorator

# Stable constraint names make Alembic migrations reproducible on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def enum_column(cls: type[enum.Enum], length: int = 40) -> Enum:
    """Store an enum by value as a plain string column (no native DB enum to migrate)."""
    return Enum(
        cls,
        native_enum=False,
        values_callable=lambda c: [m.value for m in c],
        length=length,
        validate_strings=True,
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zones; storing naive UTC everywhere keeps values (and the
    audit chain's hashes over them) identical across SQLite and PostgreSQL.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use utcnow() or an aware value")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def locked(model, ident):
    """Re-read one row under ``SELECT … FOR NO KEY UPDATE``: decisions about the same row
    queue instead of racing, while other rows' foreign keys to it are not blocked."""
    return db.session.scalars(
        select(model)
        .where(model.id == ident)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()


@contextmanager
def transaction() -> Iterator[None]:
    """The boundary for CLI commands and tasks: commit on success, roll back on error."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def in_chunks(values, size: int = 10_000) -> Iterator[list]:
    """A long list of ids in slices, so that no ``IN (…)`` passes PostgreSQL's 65,535 parameters."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


IDLE_BEFORE_PING_S = 1.0


def ping_when_idle(engine) -> None:
    """Test a pooled connection before use if it sat idle (the database may have restarted
    meanwhile): a dead one is replaced, and the request never sees it. A connection handed
    straight from one request to the next, as in a busy exam room, is not pinged; that
    round trip per request is what ``pool_pre_ping`` would cost."""

    @event.listens_for(engine, "checkin")
    def _idle_from(dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, proxy) -> None:
        if time.monotonic() - record.info.get("idle_since", 0.0) <= IDLE_BEFORE_PING_S:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()  # hand it over idle, not inside the ping's transaction
        except Exception as exc:  # the pool throws this connection away and takes another
            raise sa_exc.DisconnectionError(str(exc)) from exc


def tune_postgresql(engine, *, jit: bool) -> None:
    """PostgreSQL's JIT compiler off by default: the portal's heaviest queries (a province's
    compliance and training figures) run for a second or two, and JIT spent 1.8 s compiling one
    that ran 1.9 s without it (benchmarks/regulator_search.py: the dashboard's deficits went
    from 3.4 s to 1.9 s for the province, and every city paid the compile again). Set per
    connection, so a ``search_path`` given in the URL stays as it is."""
    if engine.dialect.name != "postgresql" or jit:
        return

    @event.listens_for(engine, "connect")
    def _no_jit(dbapi_connection, record) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # a SET inside a transaction would be rolled back with it
        cursor = dbapi_connection.cursor()
        cursor.execute("SET jit = off")
        cursor.close()
        dbapi_connection.autocommit = autocommit


SQLITE_BUSY_TIMEOUT_MS = 5_000


def share_sqlite_file(engine) -> None:
    """The embedded default: one SQLite file shared by every gunicorn worker and the Celery
    worker. In WAL mode readers never wait for the writer (a staff page opens while a batch
    commits) and the writer never waits for readers; a writer that finds another one waits
    up to the busy timeout, then the request answers 503 (nothing half-written). Synchronous
    stays FULL: an acknowledged answer survives a power cut, not only a crash."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return

    @event.listens_for(engine, "connect")
    def _wal(dbapi_connection, record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()
