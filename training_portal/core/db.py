"""Database wiring: one SQLAlchemy instance, typed declarative models, UTC times.

The transaction boundary is the request (see ``training_portal.core.views``),
the CLI command or the Celery task; operations only flush.
"""

from __future__ import annotations

import enum
import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import NamedTuple

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
    return Enum(cls, native_enum=False, values_callable=lambda c: [m.value for m in c],
                length=length, validate_strings=True)


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
        select(model).where(model.id == ident).with_for_update(key_share=True)
        .execution_options(populate_existing=True)).one()


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
        yield values[start:start + size]


class _Compiled(NamedTuple):
    sql: str
    order: list[str] | None  # parameter names in order, for a positional paramstyle
    constants: dict          # values bound in the statement itself
    binds: dict              # parameter name -> the driver value of a Python value
    results: list | None     # per column: the Python value of a driver value; None: as they are


class Prepared:
    """A statement SQLAlchemy compiles once per dialect, for ``autocommit_run`` to hand to the
    driver as it is: the busiest statements skip what each ``execute`` costs (the statement's
    cache key, an execution context, a result object), which is most of a small request."""

    def __init__(self, statement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def for_dialect(self, dialect) -> _Compiled:
        known = self._compiled.get(dialect.name)
        if known is None:
            compiled = self.statement.compile(dialect=dialect)
            binds = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                     for name, bind in compiled.binds.items()}
            results = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                       for column in getattr(self.statement, "exported_columns", ())]
            known = self._compiled[dialect.name] = _Compiled(
                compiled.string, compiled.positiontup if dialect.positional else None,
                {name: bind.effective_value for name, bind in compiled.binds.items()
                 if not bind.required},
                {name: process for name, process in binds.items() if process},
                results if any(results) else None)
        return known


def _as_sqlalchemy_error(exc: Exception, dialect, lost: bool) -> sa_exc.DBAPIError:
    """The driver's error as SQLAlchemy raises it: an OperationalError for a database that is
    gone, and so on, which the portal's handlers know."""
    return sa_exc.DBAPIError.instance(None, None, exc, dialect.loaded_dbapi.Error,
                                      connection_invalidated=lost, dialect=dialect)


@contextmanager
def autocommit_run(engine) -> Iterator[Callable[[Prepared, dict], list[tuple]]]:
    """``run(prepared, params) -> rows`` on a pooled connection of its own on which each
    statement commits by itself: for a request whose whole write is one statement, it spares
    BEGIN and COMMIT. It sees nothing of ``db.session``'s transaction. A connection the driver
    reports lost is thrown away, as SQLAlchemy would."""
    dialect = engine.dialect
    try:
        pooled = engine.raw_connection()
    except dialect.loaded_dbapi.Error as exc:  # the database cannot be reached
        raise _as_sqlalchemy_error(exc, dialect, lost=True) from exc
    connection = pooled.dbapi_connection
    cursor = None

    def run(prepared: Prepared, params: dict) -> list[tuple]:
        compiled = prepared.for_dialect(dialect)
        values = compiled.constants | params
        for name, process in compiled.binds.items():
            values[name] = process(values[name])
        execute(compiled.sql,
                values if compiled.order is None else [values[name] for name in compiled.order])
        rows = cursor.fetchall() if cursor.description else []
        if compiled.results is None:  # nothing to convert (or a text statement: nothing known)
            return [tuple(row) for row in rows]
        return [tuple(process(v) if process else v
                      for process, v in zip(compiled.results, row, strict=True)) for row in rows]

    try:
        dialect.set_isolation_level(connection, "AUTOCOMMIT")
        cursor = connection.cursor()
        # psycopg prepares a statement on the server from its first run, not its fifth: in
        # PostgreSQL's planning of the save's statement, its plan kept ready halves the CPU the
        # database spends on it (0.32 -> 0.16 ms measured; psycopg's own threshold left it at
        # 0.32). sqlite3 keeps its statements compiled by itself.
        execute = functools.partial(cursor.execute, prepare=True) if dialect.driver == "psycopg" \
            else cursor.execute
        yield run
    except dialect.loaded_dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, connection, cursor)
        if lost:
            pooled.invalidate(exc)
        raise _as_sqlalchemy_error(exc, dialect, lost) from exc
    finally:
        try:
            if pooled.is_valid:
                if cursor is not None:
                    cursor.close()
                dialect.reset_isolation_level(connection)
        except dialect.loaded_dbapi.Error as exc:
            pooled.invalidate(exc)
        finally:
            pooled.close()


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
