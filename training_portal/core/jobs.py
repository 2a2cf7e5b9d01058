"""Background jobs: Celery wired the Flask way.

Tasks run inside the app context, take ids and plain JSON values, and are a
transaction boundary of their own: commit when the task returns, roll back
when it raises. The embedded default broker is kombu's SQLAlchemy transport on
an SQLite file, so ``make run`` needs no server; ``CELERY_BROKER_URL=redis://…``
switches to Redis.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable

from celery import Celery, Task, shared_task
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from . import broker
from .db import db

broker.install()  # sqla+… broker URLs: jobs are claimed, and finished ones deleted


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                try:
                    result = self.run(*args, **kwargs)
                    db.session.commit()
                    return result
                except BaseException:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    _restore_on_start(celery_app)
    app.extensions["celery"] = celery_app
    return celery_app


def _restore_on_start(celery_app: Celery) -> None:
    """Hand out again what a dead worker held, when a worker starts (``core.broker``), and keep a
    heartbeat from every worker and from the beat, on any broker, for ``/healthz``."""
    from celery.signals import after_task_publish, beat_init, worker_init, worker_ready, worker_shutdown

    running: dict[str, object] = {}

    def recover_now(sender=None, **_kwargs) -> None:
        place = broker.Liveness(str(celery_app.conf.broker_url or ""))
        if place.sql:
            with place.engine().begin() as conn:
                broker.recover(conn)
            place.engine().dispose()

    def start(sender=None, **_kwargs) -> None:
        running["stop"] = broker.start_heartbeat(str(celery_app.conf.broker_url or ""))

    def stop(sender=None, **_kwargs) -> None:
        if running.get("stop") is not None:
            running.pop("stop").set()

    def in_beat(sender=None, **_kwargs) -> None:
        running["beat"] = broker.Liveness(str(celery_app.conf.broker_url or ""))
        beat_sent()  # alive from its start, not only from its first job (up to 30 s later)

    def beat_sent(sender=None, **_kwargs) -> None:
        place = running.get("beat")
        if place is not None and place.usable:
            try:
                place.beat("beat")
            except Exception:  # the job is sent; only the note of it failed
                logging.getLogger(__name__).warning("could not note the beat's run", exc_info=True)

    worker_init.connect(recover_now, weak=False)
    worker_ready.connect(start, weak=False)
    worker_shutdown.connect(stop, weak=False)
    beat_init.connect(in_beat, weak=False)
    after_task_publish.connect(beat_sent, weak=False)


def after_commit(callback: Callable[[], object]) -> None:
    """Run ``callback`` once the current transaction has committed (never if it rolls back):
    a job must not start on data that may still disappear."""
    db.session.info.setdefault("after_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop("after_commit", []):
        callback()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop("after_commit", None)


# Errors that pass: a full or read-only disk (an operator frees space or remounts), a database
# locked by another job or restarting. A job meeting one tries again later, a few times, before
# its object is marked failed.
TRANSIENT_ERRNOS = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
    errno.EIO,
    errno.EAGAIN,
}


def transient(exc: BaseException) -> bool:
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, OSError) and exc.errno in TRANSIENT_ERRNOS:
        return True
    if isinstance(exc, sa_exc.OperationalError | sa_exc.DisconnectionError | sa_exc.TimeoutError):
        return True
    return type(exc).__name__ in ("EndpointConnectionError", "ConnectTimeoutError")  # the S3 store


def retry_if_transient(task: Task, exc: BaseException) -> None:
    """Send the job again later (``JOB_RETRY_BASE_S`` doubling each time) if ``exc`` passes and
    retries are left (``JOB_MAX_RETRIES``); otherwise return, and the caller marks the job's
    object failed with the reason. Jobs run in the test process (``apply``) are not retried."""
    from flask import current_app

    if not transient(exc) or task.request.is_eager or task.request.called_directly:
        return
    limit = current_app.config["JOB_MAX_RETRIES"]
    if task.request.retries >= limit:
        return
    countdown = current_app.config["JOB_RETRY_BASE_S"] * 2**task.request.retries
    logging.getLogger(__name__).warning(
        "%s: %s; trying again in %s s (%d of %d)", task.name, exc, countdown, task.request.retries + 1, limit
    )
    raise task.retry(exc=exc, countdown=countdown, max_retries=limit)


def broker_answers(celery_app: Celery, timeout: float = 2.0) -> tuple[bool, str]:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
        return True, ""
    except Exception as exc:  # any transport's failure means "does not answer"
        return False, type(exc).__name__


@shared_task(name="core.anchor_audit_chain")
def anchor_audit_chain() -> str | None:
    """Write the audit chain's signed head to the file store (see core/audit_anchor.py)."""
    from .audit_anchor import write

    return write()


@shared_task(name="core.sweep_orphan_files")
def sweep_orphan_files() -> int:
    """Delete what jobs that died left in the store: files no row names, ``.part`` files, older
    than ``STORAGE_ORPHAN_HOURS`` (longer than the longest job). Staged uploads are the
    ``proctoring.delete_abandoned_uploads`` job's."""
    from flask import current_app

    from . import storage

    return storage.sweep_orphans(current_app.config["STORAGE_ORPHAN_HOURS"] * 3600)


def task_progress(task_id: str | None) -> float | None:
    """The fraction a running task reported (``PROGRESS`` with ``{"progress": f}``), if any."""
    if not task_id:
        return None
    from flask import current_app

    result = current_app.extensions["celery"].AsyncResult(task_id)
    if result.state == "PROGRESS" and isinstance(result.info, dict):
        return float(result.info.get("progress", 0.0))
    return None
