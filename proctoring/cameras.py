"""Operations on classroom cameras: registering one, and storing what a sample found.

Proctoring knows classrooms by id only; who may manage a classroom's camera is asked of the
classroom by the portal before it calls these. A status change (online ↔ offline) is kept
with its time and audited; the latest picture replaces the one before it in the file store.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from training_portal.core import audit, storage
from training_portal.core.db import db, utcnow

from .live import Grab, StreamAddress, parse_stream_url
from .models import Camera, CameraStatusChange

SNAPSHOT_AREA = "camera_snapshots"
SNAPSHOT_WIDTH = 640


def camera_of(classroom_id: int) -> Camera | None:
    return db.session.scalar(select(Camera).where(Camera.classroom_id == classroom_id))


def _public(camera: Camera) -> dict:
    """What an audit entry says of a camera: the address without credentials, and whether
    there are any."""
    return {"stream_url": camera.stream_url, "credentials": camera.has_credentials}


def register_camera(
    classroom_id: int,
    raw_url: str,
    *,
    username: str = "",
    password: str = "",
    keep_password: bool = True,
    actor,
    organisation=None,
) -> Camera:
    """Register the classroom's camera or change its address. An empty password with the same
    user name keeps the stored one (forms never show it back). Raises ``BadStreamUrl``."""
    address = parse_stream_url(raw_url, username.strip(), password)
    camera = camera_of(classroom_id)
    before = None
    if camera is None:
        camera = Camera(classroom_id=classroom_id)
        db.session.add(camera)
    else:
        before = _public(camera)
        if keep_password and not address.password and address.username == camera.username:
            address = StreamAddress(address.url, address.username, camera.password)
    changed = (camera.stream_url, camera.username, camera.password) != (
        address.url,
        address.username,
        address.password,
    )
    camera.stream_url, camera.username, camera.password = address.url, address.username, address.password
    if changed and before is not None:
        camera.online, camera.status_since, camera.last_error = None, None, ""  # a new camera to sample
    db.session.flush()
    audit.record(
        "camera.register" if before is None else "camera.change",
        camera,
        actor=actor,
        organisation=organisation,
        before=before,
        after=_public(camera),
    )
    return camera


def remove_camera(camera: Camera, *, actor, organisation=None) -> None:
    now = utcnow()
    if camera.online:
        db.session.add(
            CameraStatusChange(
                camera_id=camera.id, classroom_id=camera.classroom_id, online=False, at=now, error="removed"
            )
        )
    if camera.snapshot_key:
        storage.delete(camera.snapshot_key)
    audit.record("camera.remove", camera, actor=actor, organisation=organisation, before=_public(camera))
    db.session.delete(camera)
    db.session.flush()


def address_of(camera: Camera) -> StreamAddress:
    return StreamAddress(camera.stream_url, camera.username, camera.password)


def record_sample(camera: Camera, result: Grab, at: datetime, snapshot: bytes | None = None) -> bool:
    """Store one sample's outcome; return whether the camera's status changed.

    The new picture replaces the old in the store (the old file goes when this commits)."""
    camera.last_sample_at = at
    camera.last_error = "" if result.ok else result.error
    if result.ok and snapshot is not None:
        if camera.snapshot_key:
            storage.delete(camera.snapshot_key)
        camera.snapshot_key = storage.save(SNAPSHOT_AREA, snapshot, ".jpg")
        camera.snapshot_at = at
    changed = camera.online is not result.ok
    if changed:
        before = camera.online
        camera.online, camera.status_since = result.ok, at
        db.session.add(
            CameraStatusChange(
                camera_id=camera.id,
                classroom_id=camera.classroom_id,
                online=result.ok,
                at=at,
                error=camera.last_error,
            )
        )
        db.session.flush()
        if before is not None or not result.ok:  # the first good sample is no news
            audit.record(
                "camera.online" if result.ok else "camera.offline",
                camera,
                before={"online": before},
                after={"online": result.ok, "error": camera.last_error},
            )
    db.session.flush()
    return changed


def online_spans(
    classroom_ids: list[int], start: datetime, end: datetime
) -> dict[int, list[tuple[datetime, datetime]]]:
    """Per classroom, the stretches of [start, end) its camera was online, from the changes."""
    spans: dict[int, list[tuple[datetime, datetime]]] = {cid: [] for cid in classroom_ids}
    if not classroom_ids:
        return spans
    changes = db.session.scalars(
        select(CameraStatusChange)
        .where(CameraStatusChange.classroom_id.in_(classroom_ids), CameraStatusChange.at < end)
        .order_by(CameraStatusChange.classroom_id, CameraStatusChange.at, CameraStatusChange.id)
    ).all()
    since: dict[int, datetime | None] = {}
    for change in changes:
        cid = change.classroom_id
        if change.online:
            since.setdefault(cid, None)
            if since[cid] is None:
                since[cid] = change.at
        elif since.get(cid) is not None:
            a, b = max(since[cid], start), min(change.at, end)
            if b > a:
                spans[cid].append((a, b))
            since[cid] = None
    for cid, began in since.items():
        if began is not None and max(began, start) < end:
            spans[cid].append((max(began, start), end))
    return spans
