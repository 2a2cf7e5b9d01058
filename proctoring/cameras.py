"""Operations on classroom cameras: registering one, and storing what a sample found.

Proctoring knows classrooms by id only; who may manage a classroom's camera is asked of the
classroom by the portal before it calls these. A status change (online ↔ offline) is kept
with its time and audited; the latest picture replaces the one before it in the file store.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
from sqlalchemy import select

from training_portal.core import audit, policy, storage
from training_portal.core.db import db, utcnow

from .live import Grab, StreamAddress, parse_stream_url
from .models import Camera, CameraStatusChange, Recording

SNAPSHOT_AREA = "camera_snapshots"
SNAPSHOT_WIDTH = 640
STALE_AFTER_S = 60  # an online status not confirmed by a sample for this long no longer counts


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
    # A camera still online counts up to its last sample (and one break's length after it),
    # not up to now: a sampler that stopped proves nothing.
    last = dict(
        db.session.execute(
            select(Camera.classroom_id, Camera.last_sample_at).where(Camera.classroom_id.in_(classroom_ids))
        ).all()
    )
    for cid, began in since.items():
        seen = last.get(cid)
        until = end if seen is None else min(end, seen + timedelta(seconds=STALE_AFTER_S))
        if began is not None and max(began, start) < until:
            spans[cid].append((max(began, start), until))
    return spans


# ----------------------------------------------------------------------------- live lessons
#
# During a scheduled lesson each good sample's picture is kept (full size, in the staging
# area, not the store); once the lesson is over its samples become a recording of the
# classroom (one per stretch without a break in sampling) and go the way of an upload: the
# same analysis job, the same rosters, the same per-lesson judgement. Proctoring knows time
# slots, not lessons: the portal says which slot, if any, each classroom is in.

SlotProvider = Callable[[list[int], datetime], dict[int, tuple[datetime, datetime]]]
_slot_providers: list[SlotProvider] = []
LIVE_PREFIX = "live-"
# Samples further apart than this many intervals (the camera was offline, the job stopped)
# split a lesson's samples into separate recordings: a break is a gap, never filled in.
BREAK_INTERVALS = 3


def add_slot_provider(provider: SlotProvider) -> None:
    if provider not in _slot_providers:
        _slot_providers.append(provider)


def slots_now(classroom_ids: list[int], at: datetime) -> dict[int, tuple[datetime, datetime]]:
    found: dict[int, tuple[datetime, datetime]] = {}
    for provider in _slot_providers:
        found |= provider(classroom_ids, at)
    return found


def _live_dir(classroom_id: int, slot: tuple[datetime, datetime]) -> Path:
    name = f"{LIVE_PREFIX}{classroom_id}-{int(slot[0].timestamp())}-{int(slot[1].timestamp())}"
    return storage.staging_folder(name)


def keep_live_sample(classroom_id: int, slot: tuple[datetime, datetime], at: datetime, image) -> None:
    folder = _live_dir(classroom_id, slot)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if ok:
        (folder / f"{int(at.timestamp() * 1000)}.jpg").write_bytes(buf.tobytes())


def _runs(times: list[int], interval_s: float) -> list[list[int]]:
    runs: list[list[int]] = []
    for t in times:
        if runs and t - runs[-1][-1] <= BREAK_INTERVALS * interval_s * 1000:
            runs[-1].append(t)
        else:
            runs.append([t])
    return runs


def close_live_slots(now: datetime, interval_s: float) -> list[tuple[int, str]]:
    """Turn the kept samples of every slot that has ended into recordings waiting for analysis
    (one per run of samples without a break); return their ids and job ids. The caller queues
    the analysis after its commit."""
    from .live import write_samples_video

    made: list[tuple[int, str]] = []
    for folder in storage.staging_folders(LIVE_PREFIX):
        try:
            classroom_id, _start, end = (int(x) for x in folder.name[len(LIVE_PREFIX) :].split("-"))
        except ValueError:
            continue
        if datetime.fromtimestamp(end, UTC) > now:
            continue
        # Claimed by renaming (atomic): a run of the job overlapping this one skips it.
        claimed = folder.with_name(f"closing-{folder.name}")
        try:
            folder.rename(claimed)
        except OSError:
            continue
        folder = claimed
        times = sorted(int(p.stem) for p in folder.glob("*.jpg"))
        for run in _runs(times, interval_s):
            if len(run) < 2:
                continue
            recording = _live_recording(classroom_id, folder, run, write_samples_video)
            made.append((recording.id, recording.task_id))
        shutil.rmtree(folder, ignore_errors=True)
    return made


def _live_recording(classroom_id: int, folder: Path, run: list[int], write_samples_video) -> Recording:
    start = datetime.fromtimestamp(run[0] / 1000, UTC)
    video = folder / f"run-{run[0]}.mp4"
    last = write_samples_video([((t - run[0]) / 1000, str(folder / f"{t}.jpg")) for t in run], str(video))
    digest = hashlib.sha256(video.read_bytes()).hexdigest()
    size = video.stat().st_size
    height, width = cv2.imread(str(folder / f"{run[0]}.jpg")).shape[:2]
    recording = Recording(
        classroom_id=classroom_id,
        starts_at=start,
        ends_at=start + timedelta(seconds=last),
        filename="live camera",
        storage_key=storage.save_file("recordings", video, ".mp4"),
        size_bytes=size,
        sha256=digest,
        duration_s=last,
        width=width,
        height=height,
        # Kept as long as an uploaded recording (the same policy value).
        retain_until=start.date().replace(year=start.year + policy.get("recordings.exam_retention_years")),
        status="queued",
        task_id=uuid.uuid4().hex,
        uploaded_by_id=None,
    )
    db.session.add(recording)
    db.session.flush()
    audit.record("recording.live", recording, after={"samples": len(run), "duration_s": last})
    return recording
