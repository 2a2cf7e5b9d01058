"""Background jobs: Celery wired the Flask way.

Tasks run inside the app context, take ids and plain JSON values, and are a
transaction boundary of their own: commit when the task returns, roll back
when it raises. The embedded default broker is kombu's SQLAlchemy transport on
an SQLite file, so ``make run`` needs no server; ``CELERY_BROKER_URL=redis://…``
switches to Redis.
"""

from __future__ import annotations

from collections.abc import Callable

from celery import Celery, Task, shared_task
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from .db import db


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
    """The embedded broker keeps a delivered job hidden until its worker acknowledges it, and
    never hands it out again if that worker dies (Redis does after the visibility timeout). It
    serves the one worker of ``make run``; so when that worker starts, what an earlier one was
    given and never finished is queued again. The jobs are idempotent; a job that was in fact
    finished just runs once more."""
    url = str(celery_app.conf.broker_url or "")
    if not url.startswith("sqla+"):
        return

    def restore(sender=None, **_kwargs) -> None:
        from sqlalchemy import create_engine, inspect, text

        engine = create_engine(url.removeprefix("sqla+"))
        try:
            if inspect(engine).has_table("kombu_message"):
                with engine.begin() as conn:
                    conn.execute(text("UPDATE kombu_message SET visible = :yes WHERE visible = :no"),
                                 {"yes": True, "no": False})
        finally:
            engine.dispose()

    from celery.signals import worker_init

    worker_init.connect(restore, weak=False)


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


def task_progress(task_id: str | None) -> float | None:
    """The fraction a running task reported (``PROGRESS`` with ``{"progress": f}``), if any."""
    if not task_id:
        return None
    from flask import current_app

    result = current_app.extensions["celery"].AsyncResult(task_id)
    if result.state == "PROGRESS" and isinstance(result.info, dict):
        return float(result.info.get("progress", 0.0))
    return None
