"""An upload completion whose transaction fails (the database locked by a long certificate
batch, or a statement cancelled by the server) loses nothing: the staged file the completion
had moved into the store is moved back, and the same completion sent again succeeds."""

from __future__ import annotations

import sqlite3
import threading
import time

from sqlalchemy import create_engine, func, select, text

from proctoring.models import Recording, Upload
from training_portal.core import storage
from training_portal.core.db import db

from ..recordings.test_recordings import classroom, send, staff_client, start, video  # noqa: F401


def _stored_recordings() -> list[str]:
    folder = storage.store().root / "recordings"
    return sorted(p.name for p in folder.glob("*")) if folder.is_dir() else []


class _Blocker:
    """Makes the completion's INSERT fail for real: on SQLite another connection holds the write
    lock past the busy timeout; on PostgreSQL another connection locks the table and the waiting
    statement is cancelled, as an administrator (or a statement timeout) would."""

    def __init__(self, url) -> None:
        self.url, self.stop = url, threading.Event()
        self.sqlite = url.get_backend_name() == "sqlite"

    def __enter__(self):
        if self.sqlite:
            self.conn = sqlite3.connect(self.url.database, isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")
            return self
        self.engine = create_engine(self.url)
        self.conn = self.engine.connect()
        self.conn.execute(text("LOCK TABLE pr_recordings IN ACCESS EXCLUSIVE MODE"))
        self.thread = threading.Thread(target=self._cancel_waiters, daemon=True)
        self.thread.start()
        return self

    def _cancel_waiters(self) -> None:
        with self.engine.connect() as conn:
            while not self.stop.is_set():
                cancelled = conn.execute(
                    text(
                        "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity "
                        "WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                    )
                ).scalar()
                conn.commit()
                if cancelled:
                    return
                time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        self.stop.set()
        if self.sqlite:
            self.conn.execute("ROLLBACK")
            self.conn.close()
        else:
            self.thread.join(timeout=30)
            self.conn.rollback()
            self.conn.close()
            self.engine.dispose()


def test_a_completion_rolled_back_keeps_the_upload_and_a_retry_succeeds(demo, app, video):  # noqa: F811
    client = staff_client(app)
    upload_id = start(client, classroom(), len(video)).get_json()["id"]
    send(client, upload_id, video, chunk=1 << 20)
    before = _stored_recordings()
    rows = db.session.scalar(select(func.count()).select_from(Recording))  # the demo's own
    db.session.commit()

    with _Blocker(db.engine.url):
        failed = client.post(f"/api/recordings/uploads/{upload_id}/complete")
    assert failed.status_code == 503, failed.get_json()

    # Nothing a user sent is lost: the staged file is back, the store holds nothing new.
    staged = storage.staging_path(f"{upload_id}.part")
    assert staged.read_bytes() == video
    assert _stored_recordings() == before
    db.session.expire_all()
    assert db.session.get(Upload, upload_id).received == len(video)
    assert db.session.scalar(select(func.count()).select_from(Recording)) == rows

    done = client.post(f"/api/recordings/uploads/{upload_id}/complete")
    assert done.status_code == 200, done.get_json()
    recording = db.session.get(Recording, done.get_json()["recording"])
    assert storage.read(recording.storage_key) == video
    assert not staged.exists()
