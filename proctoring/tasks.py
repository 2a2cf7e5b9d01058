"""The analysis job: one Celery task per recording.

``acks_late`` with ``reject_on_worker_lost``: a worker killed mid-analysis leaves the message
unacknowledged, so another worker takes the job up again. The analysis is a pure function of
the file and ``store_report`` replaces what an earlier run stored, so a re-run is harmless.
Progress goes to the result backend (``PROGRESS`` with ``{"progress": fraction}``), where the
recording's page reads it.
"""

from __future__ import annotations

import fcntl
import logging
from datetime import date

from celery import shared_task
from sqlalchemy import select

from training_portal.core import jobs, storage
from training_portal.core.db import db, transaction, utcnow
from training_portal.core.i18n import local_today

from . import operations as ops
from .models import Recording

log = logging.getLogger(__name__)


@shared_task(bind=True, name="proctoring.analyse_recording", acks_late=True, reject_on_worker_lost=True)
def analyse_recording(self, recording_id: int, roster: int | None = None) -> dict:
    """``roster`` overrides who is expected; by default the registered providers say, per
    stretch of the recording (each lesson with the trainees signed in to it)."""
    from .analysis import NotAVideo, analyse  # OpenCV and FFmpeg load only in workers

    recording = db.session.get(Recording, recording_id)
    if recording is None:
        return {"recording": recording_id, "status": "missing"}
    if roster is None:
        roster = ops.rosters_for(recording) or None

    def progress(fraction: float) -> None:
        if self.request.id:
            self.update_state(state="PROGRESS", meta={"progress": round(fraction, 3)})

    try:
        with storage.local_copy(recording.storage_key) as path:
            report = analyse(path, roster=roster, progress=progress, workers=2)
        ops.store_report(recording, report, roster)
        db.session.commit()
    except NotAVideo as exc:
        db.session.rollback()
        ops.mark_failed(db.session.get(Recording, recording_id), str(exc.reason))
        return {"recording": recording_id, "status": "failed"}
    except Exception as exc:  # any other failure: rolled back, then said on the recording
        db.session.rollback()
        jobs.retry_if_transient(self, exc)  # a full or read-only disk, a locked database: later
        log.exception("analysis of recording %s failed", recording_id)
        with transaction():
            ops.mark_failed(db.session.get(Recording, recording_id), f"{type(exc).__name__}: {exc}")
        return {"recording": recording_id, "status": "failed"}
    return {"recording": recording_id, "status": "analysed", "events": len(recording.events)}


@shared_task(name="proctoring.delete_expired_recordings")
def delete_expired_recordings(today: str | None = None) -> int:
    """Delete recordings whose retention date has passed; never one a day earlier."""
    cutoff = date.fromisoformat(today) if today else local_today()
    expired = db.session.scalars(select(Recording).where(Recording.retain_until < cutoff)).all()
    for recording in expired:
        ops.delete_recording(recording)
    return len(expired)


@shared_task(name="proctoring.delete_abandoned_uploads")
def delete_abandoned_uploads() -> int:
    """Delete uploads nothing arrived for in a day, with their staged files; a client that lost
    its connection resumes within hours, not days."""
    return ops.delete_abandoned_uploads(utcnow() - ops.ABANDONED_AFTER)


@shared_task(name="proctoring.sample_cameras")
def sample_cameras() -> dict:
    """One frame from every registered camera, its status and latest picture stored.

    No transaction stays open while cameras answer (up to the timeout each): the list is
    read, the session let go, the cameras read side by side, and each camera's outcome
    committed on its own, so one camera's trouble never loses the others' samples."""
    from flask import current_app

    # One run at a time: a run still reading slow cameras when the beat sends the next makes
    # the next one a no-op, not a second load on the same cameras.
    lock = (storage.staging_folder("camera-sampler") / "lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return {"skipped": True}
    try:
        return _sample_cameras(current_app.config)
    finally:
        lock.close()


def _sample_cameras(config) -> dict:
    from . import cameras as cam
    from .live import grab_all
    from .models import Camera
    from .video import jpeg

    cameras = db.session.scalars(select(Camera).order_by(Camera.id)).all()
    wanted = [(c.id, cam.address_of(c)) for c in cameras]
    rooms = {c.id: c.classroom_id for c in cameras}
    db.session.commit()
    results = grab_all(wanted, timeout_s=config["CAMERA_TIMEOUT_S"], workers=config["CAMERA_WORKERS"])
    at = utcnow()
    slots = cam.slots_now(list(rooms.values()), at)
    db.session.commit()
    online = changed = 0
    for camera_id, result in results.items():
        snapshot = jpeg(result.image, width=cam.SNAPSHOT_WIDTH) if result.ok else None
        camera = db.session.get(Camera, camera_id)
        if camera is None:  # taken away while it was being read
            continue
        changed += cam.record_sample(camera, result, at, snapshot)
        online += result.ok
        db.session.commit()
        if result.ok and rooms[camera_id] in slots:  # a lesson is on: the analysis gets this sample
            cam.keep_live_sample(rooms[camera_id], slots[rooms[camera_id]], at, result.image)
    made = cam.close_live_slots(at, config["CAMERA_SAMPLE_INTERVAL_S"])
    db.session.commit()
    for recording_id, task_id in made:  # the same job as an upload's, once they are committed
        analyse_recording.apply_async(args=[recording_id], task_id=task_id)
    return {"cameras": len(results), "online": online, "changed": changed, "recordings": len(made)}
