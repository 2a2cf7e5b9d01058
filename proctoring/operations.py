"""Uploads in chunks, checked recordings, and storing what the analysis found.

Uploads are resumable: a chunk is accepted only at the offset already received, so a client
that lost its connection asks where to go on and sends the rest. A finished upload becomes a
recording only if it is a complete video (``probe``); it is stored under a generated name
with its SHA-256 and a retention date from the policy. A file refused for what it is leaves
nothing behind, and an upload nothing arrived for in a day is deleted with its staged bytes.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from training_portal.core import audit, policy, storage
from training_portal.core.db import db, utcnow

from .models import Recording, RecordingEvent, Upload
from .signals import recording_changed

ABANDONED_AFTER = timedelta(days=1)

# Who tells how many people a recording should show: the portal registers a function (a
# classroom's lessons and their sign-ins, an exam room's seated candidates); proctoring
# knows classrooms and time slots, never courses or candidates.
RosterProvider = Callable[[Recording], list[tuple[float, float, int]] | None]
_roster_providers: list[RosterProvider] = []


def add_roster_provider(provider: RosterProvider) -> None:
    if provider not in _roster_providers:
        _roster_providers.append(provider)


def rosters_for(recording: Recording) -> list[tuple[float, float, int]] | None:
    """(start_s, end_s, people) stretches of the recording, from the first provider that knows."""
    for provider in _roster_providers:
        rosters = provider(recording)
        if rosters is not None:
            return rosters
    return None


class RecordingError(ValueError):
    pass


class UploadRefused(RecordingError):
    """The file is refused for what it is: the upload is discarded, for good."""


def _part_path(upload: Upload):
    return storage.staging_path(f"{upload.id}.part")


def start_upload(
    *,
    classroom_id: int | None,
    exam_session_id: int | None,
    starts_at: datetime,
    ends_at: datetime,
    filename: str,
    total_size: int,
    actor,
) -> Upload:
    if ends_at <= starts_at:
        raise RecordingError(_l("The recording must end after it starts."))
    return stage_upload(
        filename=filename,
        total_size=total_size,
        max_bytes=current_app.config["RECORDING_MAX_BYTES"],
        actor=actor,
        classroom_id=classroom_id,
        exam_session_id=exam_session_id,
        starts_at=starts_at,
        ends_at=ends_at,
    )


def stage_upload(
    *, filename: str, total_size: int, max_bytes: int, actor, purpose: str | None = None, **place
) -> Upload:
    """An upload in chunks, for a place's recording or (with ``purpose``, e.g. a lesson's video)
    for whatever the caller makes of the finished file (``take_video``)."""
    if total_size <= 0:
        raise RecordingError(_l("The file is empty."))
    if total_size > max_bytes:
        raise RecordingError(_l("The file is larger than %(gb)s GB.", gb=f"{max_bytes / 2**30:g}"))
    upload = Upload(
        id=secrets.token_hex(16),
        filename=filename[:200],
        total_size=total_size,
        received=0,
        created_by_id=actor.id,
        purpose=purpose,
        **place,
    )
    db.session.add(upload)
    db.session.flush()
    _part_path(upload).write_bytes(b"")
    return upload


def add_chunk(upload: Upload, offset: int, data: bytes) -> int:
    """Append ``data`` if it starts where the upload stands; return the bytes received."""
    if offset != upload.received:
        raise RecordingError(_l("Send from byte %(n)d.", n=upload.received))
    if upload.received + len(data) > upload.total_size:
        raise RecordingError(_l("The chunk goes past the announced size."))
    with _part_path(upload).open("r+b") as f:
        f.seek(offset)
        f.write(data)
        f.truncate()
    upload.received = offset + len(data)
    db.session.flush()
    return upload.received


@dataclass(frozen=True)
class StoredVideo:
    """A finished upload checked to be a whole video and stored under a generated key."""

    key: str
    sha256: str
    size: int
    duration_s: float
    width: int
    height: int


def take_video(
    upload: Upload, *, actor, area: str, min_duration_s: float, too_short: Callable[[float], str]
) -> StoredVideo:
    """Check the whole file is a complete video at least ``min_duration_s`` long and store it;
    the upload's row and staged bytes go. A file refused for what it is leaves nothing behind
    (``UploadRefused``)."""
    from .analysis import NotAVideo, probe  # OpenCV and FFmpeg load only when needed

    if upload.received != upload.total_size:
        raise RecordingError(
            _l(
                "The upload is not complete: %(got)d of %(total)d bytes.",
                got=upload.received,
                total=upload.total_size,
            )
        )
    part = _part_path(upload)
    try:
        info = probe(part)
    except NotAVideo as exc:
        _discard(upload, reason=str(exc.reason), actor=actor)  # nothing of a refused file is kept
        raise UploadRefused(str(exc.reason)) from exc
    if info.duration_s < min_duration_s:
        reason = too_short(info.duration_s)
        _discard(upload, reason=reason, actor=actor)
        raise UploadRefused(reason)
    digest = hashlib.sha256()
    with part.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    key = storage.save_file(area, part, ".mp4")
    db.session.delete(upload)
    db.session.flush()
    return StoredVideo(key, digest.hexdigest(), upload.total_size, info.duration_s, info.width, info.height)


def finish_upload(upload: Upload, *, actor) -> Recording:
    """Check the whole file is a complete video, store it, and make it a recording."""
    if upload.purpose is not None:
        raise RecordingError(_l("This upload is not a recording."))
    minutes = policy.get("recordings.min_duration_minutes")
    place = {
        "classroom_id": upload.classroom_id,
        "exam_session_id": upload.exam_session_id,
        "starts_at": upload.starts_at,
        "ends_at": upload.ends_at,
        "filename": upload.filename,
    }

    def too_short(seconds: float) -> str:
        return str(
            _l(
                "The recording lasts %(s).0f seconds; recordings shorter than %(n)d minutes are "
                "not accepted.",
                s=seconds,
                n=minutes,
            )
        )

    video = take_video(
        upload, actor=actor, area="recordings", min_duration_s=minutes * 60, too_short=too_short
    )
    years = policy.get("recordings.exam_retention_years")
    start = place["starts_at"]
    recording = Recording(
        **place,
        storage_key=video.key,
        size_bytes=video.size,
        sha256=video.sha256,
        duration_s=video.duration_s,
        width=video.width,
        height=video.height,
        retain_until=start.date().replace(year=start.year + years),
        status="queued",
        uploaded_by_id=actor.id,
    )
    db.session.add(recording)
    db.session.flush()
    audit.record(
        "recording.store",
        recording,
        actor=actor,
        after={
            "sha256": recording.sha256,
            "size": recording.size_bytes,
            "classroom_id": recording.classroom_id,
            "exam_session_id": recording.exam_session_id,
            "retain_until": recording.retain_until,
        },
    )
    recording_changed.send(recording)
    return recording


def _discard(upload: Upload, *, reason: str, actor=None) -> None:
    """Delete an upload's staged bytes and its row."""
    _part_path(upload).unlink(missing_ok=True)
    audit.record(
        "recording.upload_discard",
        upload,
        actor=actor,
        after={
            "reason": reason,
            "filename": upload.filename,
            "received": upload.received,
            "size": upload.total_size,
        },
    )
    db.session.delete(upload)
    db.session.flush()


def _modified_at(path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except FileNotFoundError:
        return None


def delete_abandoned_uploads(cutoff: datetime) -> int:
    """Delete the uploads nothing arrived for since ``cutoff`` (each chunk touches the staged
    file), with their staged bytes, and staged files older than that no upload names (a request
    that failed after writing one). Return how many uploads were deleted."""
    deleted = 0
    for upload in db.session.scalars(select(Upload).where(Upload.created_at < cutoff)).all():
        touched = _modified_at(_part_path(upload))
        if touched is None or touched < cutoff:
            _discard(upload, reason="abandoned")
            deleted += 1
    names = {f"{upload_id}.part" for upload_id in db.session.scalars(select(Upload.id))}
    for path in storage.staging_files():
        touched = _modified_at(path)
        if path.name not in names and touched is not None and touched < cutoff:
            path.unlink(missing_ok=True)
    return deleted


def store_report(recording: Recording, report, roster: int | None) -> None:
    """Replace whatever an earlier run stored: re-running the analysis never duplicates."""
    for event in recording.events:
        if event.evidence_key:
            storage.delete(event.evidence_key)
    recording.events = [
        RecordingEvent(
            kind=e.kind,
            start_s=e.start_s,
            end_s=e.end_s,
            confidence=e.confidence,
            evidence_key=storage.save("evidence_frames", e.evidence_jpeg, ".jpg")
            if e.evidence_jpeg
            else None,
        )
        for e in report.events
    ]
    recording.report = {
        "duration_s": report.duration_s,
        "wall_s": report.wall_s,
        "roster": roster,
        "samples": [{"t": s.t, "faces": s.faces} for s in report.samples],
    }
    recording.status, recording.failure = "analysed", ""
    recording.analysed_at = utcnow()
    db.session.flush()
    recording_changed.send(recording)


def mark_failed(recording: Recording, reason: str) -> None:
    recording.status, recording.failure = "failed", reason[:300]
    db.session.flush()
    recording_changed.send(recording)


def retry_analysis(recording: Recording, *, actor) -> None:
    """Queue a failed analysis again; the caller starts its job after the commit."""
    if recording.status != "failed":
        raise RecordingError(_l("Only a failed analysis can be retried."))
    recording.status, recording.failure = "queued", ""
    db.session.flush()
    audit.record("recording.retry", recording, actor=actor)


def delete_recording(recording: Recording) -> None:
    """Remove a recording past its retention date: its file, evidence frames and rows."""
    for event in recording.events:
        if event.evidence_key:
            storage.delete(event.evidence_key)
    storage.delete(recording.storage_key)
    audit.record(
        "recording.delete",
        recording,
        after={"retain_until": recording.retain_until, "sha256": recording.sha256},
    )
    db.session.delete(recording)
    db.session.flush()


UNTRUSTED = ("covered", "dark", "frozen", "scene_change", "looped")


@dataclass(frozen=True)
class Judgement:
    """How much of a stretch of a recording shows the room as expected.

    ``share`` is the part of the stretch whose samples were trusted (no covered, dark,
    frozen, moved or replayed picture) and counted ``expected`` faces within the tolerance;
    ``untrusted`` and ``off`` are the parts lost to each cause. ``why`` names the larger
    cause when the share falls short ("untrusted", "head_count", or "no_samples").
    """

    share: float
    untrusted: float
    off: float
    median_count: int | None
    verified: bool
    why: str


def judge(
    recording: Recording, start_s: float, end_s: float, expected: int, *, tolerance: int, min_share: float
) -> Judgement:
    """Judge the stretch [start_s, end_s) of an analysed recording against ``expected`` people.

    Each sample stands for the time until the next one, so a lesson is judged by the share
    of its time, not by any single moment: lights switched on in its first seconds cost
    those seconds, not the lesson.
    """
    samples = (recording.report or {}).get("samples") or [] if recording.status == "analysed" else []
    length = end_s - start_s
    if not samples or length <= 0:
        return Judgement(0.0, 0.0, 0.0, None, False, "no_samples")
    bad = [(e.start_s, e.end_s) for e in recording.events if e.kind in UNTRUSTED]
    times = [float(x["t"]) for x in samples] + [max(recording.duration_s, float(samples[-1]["t"]))]
    good = untrusted = off = 0.0
    counts: list[int] = []
    for k, sample in enumerate(samples):
        a, b = max(start_s, times[k]), min(end_s, times[k + 1])
        if b <= a:
            continue
        if any(s <= times[k] < e for s, e in bad):
            untrusted += b - a
            continue
        counts.append(int(sample["faces"]))
        if abs(int(sample["faces"]) - expected) <= tolerance:
            good += b - a
        else:
            off += b - a
    share = good / length
    verified = share >= min_share
    why = "" if verified else ("untrusted" if untrusted >= off else "head_count")
    median = sorted(counts)[len(counts) // 2] if counts else None
    return Judgement(
        round(share, 4), round(untrusted / length, 4), round(off / length, 4), median, verified, why
    )


def rejudge_head_count(recording: Recording, rosters: list[tuple[float, float, int]]) -> None:
    """Recompute the absent/overcrowded events of an analysed recording for new rosters
    (people signed in or out since): from the stored samples and picture events, no video."""
    from .analysis import headcount_events  # numpy only

    if recording.status != "analysed" or not recording.report:
        return
    for event in [e for e in recording.events if e.kind in ("absent", "overcrowded")]:
        if event.evidence_key:
            storage.delete(event.evidence_key)
        recording.events.remove(event)
    samples = recording.report["samples"]
    bad = [(e.start_s, e.end_s) for e in recording.events if e.kind in UNTRUSTED]
    for e in headcount_events(
        [s["t"] for s in samples], [s["faces"] for s in samples], bad, recording.duration_s, rosters
    ):
        recording.events.append(
            RecordingEvent(
                kind=e.kind, start_s=e.start_s, end_s=e.end_s, confidence=e.confidence, evidence_key=None
            )
        )
    recording.report = dict(recording.report, roster=[list(r) for r in rosters])
    db.session.flush()
