"""The embedded broker of ``make run`` (kombu's SQLAlchemy transport on an SQLite file), made to
keep a job exactly as long as it is needed, and the workers' heartbeats on any broker.

kombu's transport hides a delivered message (``visible = 0``) and forgets it: an acknowledged
message stays in the table for ever, and one whose worker died is never handed out again. Here
each delivery is *claimed* by the worker that took it (``portal_broker_claim``), an
acknowledgement or rejection deletes the message, and a message is made visible again only when
the worker holding it is dead: its process is gone (same machine), or its heartbeat
(``portal_broker_liveness``, every ``HEARTBEAT_S``) is older than ``DEAD_AFTER_S``. Every
running worker looks for such messages at start and with each heartbeat, so a killed worker's
job waits at most one heartbeat (5 s) once any worker runs. Finished jobs never run again, and
the table holds only what waits or runs.

Workers write a heartbeat on every broker (a row here, a key expiring on Redis) and the beat
notes each periodic job it sends; ``/healthz`` reads both (``seen``).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from json import loads
from pathlib import Path

from kombu.transport import TRANSPORT_ALIASES, _transport_cache
from kombu.transport import sqlalchemy as sqla
from kombu.utils.encoding import bytes_to_str
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, create_engine, inspect, text
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)

HEARTBEAT_S = 5.0
DEAD_AFTER_S = 30.0  # six heartbeats missed: the worker is gone (a slow machine is not dead)
REDIS_PREFIX = "portal:liveness:"

_metadata = MetaData()
claims = Table(
    "portal_broker_claim",
    _metadata,
    Column("message_id", Integer, primary_key=True),
    Column("worker", String(200), nullable=False, index=True),
    Column("claimed_at", Float, nullable=False),
)
liveness = Table(
    "portal_broker_liveness",
    _metadata,
    Column("name", String(200), primary_key=True),
    Column("kind", String(20), nullable=False),  # "worker" or "beat"
    Column("host", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started", String(40), nullable=False),
    Column("seen_at", Float, nullable=False),
)

_identity: tuple[int, str] | None = None


def identity() -> str:
    """This process's name as a holder of messages: host, pid and a token (pids are reused)."""
    global _identity
    if _identity is None or _identity[0] != os.getpid():  # a forked child is another process
        _identity = (os.getpid(), f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}")
    return _identity[1]


def _process_started(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot), or None if it is gone (a zombie
    is gone: it runs nothing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        if not os.path.isdir("/proc"):  # not Linux: only whether the pid exists
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return None
            except PermissionError:
                pass
            return "?"
        return None
    return None if fields[0] in ("Z", "X") else fields[19]


def _alive_row(kind: str, now: float) -> dict:
    return {
        "name": identity() if kind == "worker" else "beat",
        "kind": kind,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": _process_started(os.getpid()) or "?",
        "seen_at": now,
    }


def _is_dead(row, now: float) -> bool:
    if row is None:
        return True
    if now - row.seen_at > DEAD_AFTER_S:
        return True
    if row.host == socket.gethostname():
        started = _process_started(row.pid)
        return started is None or (started != "?" and row.started != "?" and started != row.started)
    return False


def _upsert(conn, row: dict) -> None:
    updated = conn.execute(liveness.update().where(liveness.c.name == row["name"]).values(row))
    if not updated.rowcount:
        conn.execute(liveness.insert().values(row))


def recover(conn, message_table: str = "kombu_message") -> int:
    """Make visible again the messages claimed by dead workers; delete hidden messages nobody
    claims (acknowledged before claims existed); forget long-dead workers. Return how many
    messages are handed out again."""
    now = time.time()
    if not inspect(conn).has_table(message_table):  # no job was ever sent through this broker
        return 0
    workers = {r.name: r for r in conn.execute(liveness.select().where(liveness.c.kind == "worker"))}
    holders = {w for (w,) in conn.execute(text(f"SELECT DISTINCT worker FROM {claims.name}"))}
    dead = [w for w in holders if _is_dead(workers.get(w), now)]
    restored = 0
    for worker in dead:
        restored += conn.execute(
            text(
                f"UPDATE {message_table} SET visible = :yes WHERE id IN "
                f"(SELECT message_id FROM {claims.name} WHERE worker = :w)"
            ),
            {"yes": True, "w": worker},
        ).rowcount
        conn.execute(claims.delete().where(claims.c.worker == worker))
        log.warning("the broker hands out again the jobs of dead worker %s", worker)
    conn.execute(
        text(
            f"DELETE FROM {message_table} WHERE visible = :no AND id NOT IN "
            f"(SELECT message_id FROM {claims.name})"
        ),
        {"no": False},
    )
    conn.execute(liveness.delete().where(liveness.c.kind == "worker", liveness.c.seen_at < now - 24 * 3600))
    return restored


def _one_thread_at_a_time(method):
    """The channel's one SQLAlchemy session is not thread-safe, and a prefork worker on a polling
    transport uses it from two threads: the consumer's loop takes messages (``_get``) while the
    pool's result-handler thread acknowledges finished ones (``basic_ack`` → ``_forget``). With a
    job every 2 s (the camera sampler) the two met within seconds: a commit closed the other's
    transaction and the worker died ("commit() is already in progress")."""

    def locked(self, *args, **kwargs):
        with self._session_lock:
            return method(self, *args, **kwargs)

    locked.__name__, locked.__doc__ = method.__name__, method.__doc__
    return locked


class Channel(sqla.Channel):
    """kombu's channel, with claims: see the module's docstring."""

    _prepared: set[str] = set()

    def __init__(self, *args, **kwargs) -> None:
        self._session_lock = threading.RLock()
        super().__init__(*args, **kwargs)
        self._rows: dict[str, int] = {}  # delivery tag -> the message's row
        self._done: list[int] = []  # rows to delete (a locked database put them off)

    def _open(self):
        engine, session = super()._open()
        if str(engine.url) not in self._prepared:
            _metadata.create_all(engine)
            self._prepared.add(str(engine.url))
        return engine, session

    _get_or_create = _one_thread_at_a_time(sqla.Channel._get_or_create)
    _put = _one_thread_at_a_time(sqla.Channel._put)
    _purge = _one_thread_at_a_time(sqla.Channel._purge)
    _size = _one_thread_at_a_time(sqla.Channel._size)

    @_one_thread_at_a_time
    def _get(self, queue):
        obj = self._get_or_create(queue)
        session = self.session
        if session.bind.name == "sqlite":
            session.execute(text("BEGIN IMMEDIATE TRANSACTION"))
        try:
            msg = (
                session.query(self.message_cls)
                .with_for_update()
                .filter(self.message_cls.queue_id == obj.id)
                .filter(self.message_cls.visible != False)  # noqa: E712
                .order_by(self.message_cls.sent_at)
                .order_by(self.message_cls.id)
                .limit(1)
                .first()
            )
            if not msg:
                raise sqla.Empty()
            msg.visible = False
            now = time.time()
            # The claim and the holder's liveness are written with the delivery itself: no other
            # worker can ever see this message hidden and unclaimed, or claimed by nobody alive.
            session.execute(claims.insert().values(message_id=msg.id, worker=identity(), claimed_at=now))
            _upsert(session, _alive_row("worker", now))
            payload = loads(bytes_to_str(msg.payload))
            self._rows[payload["properties"]["delivery_tag"]] = msg.id
            return payload
        finally:
            session.commit()

    @_one_thread_at_a_time
    def _forget(self, delivery_tag) -> None:
        """The message is done with (acknowledged, rejected or put back as a new one): delete it
        and its claim. If the database stays locked, the next one tries again: until then the
        claim is this live worker's, and nothing hands the message out."""
        row = self._rows.pop(delivery_tag, None)
        if row is not None:
            self._done.append(row)
        for attempt in range(3):
            if not self._done:
                return
            try:
                for done in self._done:
                    self.session.execute(
                        text(f"DELETE FROM {self.message_tablename} WHERE id = :id"), {"id": done}
                    )
                    self.session.execute(claims.delete().where(claims.c.message_id == done))
                self.session.commit()
                self._done.clear()
                return
            except OperationalError:  # locked for longer than the busy timeout
                self.session.rollback()
                time.sleep(0.5 * (attempt + 1))
        log.error(
            "could not delete finished messages %s yet; the next acknowledgement tries again", self._done
        )

    def basic_ack(self, delivery_tag, multiple=False):
        super().basic_ack(delivery_tag, multiple=multiple)
        self._forget(delivery_tag)

    def basic_reject(self, delivery_tag, requeue=False):
        super().basic_reject(delivery_tag, requeue=requeue)
        self._forget(delivery_tag)

    def _restore(self, message):
        super()._restore(message)  # a new message, visible
        self._forget(message.delivery_tag)


class Transport(sqla.Transport):
    Channel = Channel


def install() -> None:
    """Serve ``sqla+…`` broker URLs with this transport."""
    for alias in ("sqla", "sqlalchemy"):
        TRANSPORT_ALIASES[alias] = f"{__name__}:Transport"
        _transport_cache.pop(alias, None)


# ----------------------------------------------------------------------------- heartbeats


def _sql_url(broker_url: str) -> str | None:
    for prefix in ("sqla+", "sqlalchemy+"):
        if broker_url.startswith(prefix):
            return broker_url.removeprefix(prefix)
    return None


class Liveness:
    """Where heartbeats go: the broker's own database, or keys on Redis."""

    def __init__(self, broker_url: str) -> None:
        self.sql = _sql_url(broker_url)
        self.redis_url = broker_url if broker_url.startswith(("redis://", "rediss://")) else None
        self._engine = self._redis = None

    @property
    def usable(self) -> bool:
        return bool(self.sql or self.redis_url)

    def engine(self):
        if self._engine is None:
            self._engine = create_engine(
                self.sql, connect_args={"timeout": 2} if self.sql.startswith("sqlite") else {}
            )
            _metadata.create_all(self._engine)
        return self._engine

    def redis(self):
        if self._redis is None:
            import redis

            self._redis = redis.Redis.from_url(self.redis_url, socket_timeout=2, socket_connect_timeout=2)
        return self._redis

    def beat(self, kind: str) -> None:
        now = time.time()
        if self.sql:
            with self.engine().begin() as conn:
                _upsert(conn, _alive_row(kind, now))
                if kind == "worker":
                    recover(conn)
        elif self.redis_url:
            name = identity() if kind == "worker" else "beat"
            self.redis().set(
                f"{REDIS_PREFIX}{kind}:{name}", repr(now), ex=int(DEAD_AFTER_S) if kind == "worker" else None
            )

    def gone(self) -> None:
        """This worker stops cleanly: it holds nothing (kombu put back what it had not begun)."""
        if self.sql:
            with self.engine().begin() as conn:
                conn.execute(liveness.delete().where(liveness.c.name == identity()))
        elif self.redis_url:
            self.redis().delete(f"{REDIS_PREFIX}worker:{identity()}")

    def seen(self) -> dict:
        """``{"workers": [seconds since each live worker's heartbeat], "beat": seconds since the
        beat last sent a job, or None}``."""
        now = time.time()
        if self.sql:
            with self.engine().connect() as conn:
                rows = list(conn.execute(liveness.select()))
            workers = [now - r.seen_at for r in rows if r.kind == "worker" and not _is_dead(r, now)]
            beats = [now - r.seen_at for r in rows if r.kind == "beat"]
        else:
            client = self.redis()
            keys = list(client.scan_iter(f"{REDIS_PREFIX}*", count=500))
            values = client.mget(keys) if keys else []
            seen = {k.decode(): now - float(v) for k, v in zip(keys, values, strict=True) if v}
            workers = [s for k, s in seen.items() if k.startswith(f"{REDIS_PREFIX}worker:")]
            beats = [s for k, s in seen.items() if k == f"{REDIS_PREFIX}beat:beat"]
        return {"workers": sorted(workers), "beat": min(beats) if beats else None}


def start_heartbeat(broker_url: str) -> threading.Event | None:
    """Beat from this worker process every ``HEARTBEAT_S`` until the returned event is set."""
    place = Liveness(broker_url)
    if not place.usable:
        return None
    stop = threading.Event()

    def run() -> None:
        while True:
            try:
                place.beat("worker")
            except Exception:  # a locked or unreachable broker: the next beat tries again
                log.warning("worker heartbeat failed", exc_info=True)
            if stop.wait(HEARTBEAT_S):
                try:
                    place.gone()
                except Exception:
                    log.warning("could not sign this worker off", exc_info=True)
                return

    threading.Thread(target=run, name="portal-heartbeat", daemon=True).start()
    return stop
