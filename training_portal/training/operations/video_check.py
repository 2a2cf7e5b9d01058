"""The video check of each lesson: the proctoring verdict of the classroom's time slot."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import select

from proctoring import operations as proctoring_ops
from proctoring.models import Recording

from ...core import audit, policy
from ...core.db import db, utcnow
from ..models import (
    Lesson,
    TrainingClass,
    VideoVerdict,
)


def _untrusted_reason(
    lesson: Lesson, recordings: list[Recording], signed_in: int
) -> tuple[VideoVerdict, str, dict]:
    if not recordings:
        return VideoVerdict.NO_VIDEO, "", {}
    usable = [r for r in recordings if r.status != "failed"]
    if any(r.status in ("queued", "analysing") for r in usable):
        return VideoVerdict.PENDING, "", {}
    gap = timedelta(minutes=policy.get("training.video_max_gap_minutes"))
    covered_to = lesson.starts_at
    for recording in usable:
        if recording.starts_at - covered_to > gap:
            break
        covered_to = max(covered_to, recording.starts_at + timedelta(seconds=recording.duration_s))
    if lesson.ends_at - covered_to > gap:
        return VideoVerdict.NOT_IN_USE, "gap", {}
    percent = policy.get("training.head_count_tolerance_percent")
    tolerance = max(1, math.ceil(signed_in * percent / 100))
    # The share of the lesson's time the video shows trusted and with the head count right:
    # an incident in the first or last seconds costs those seconds, not the lesson.
    good = untrusted = off = 0.0
    for recording in usable:
        start_s = max(0.0, (lesson.starts_at - recording.starts_at).total_seconds())
        end_s = min(recording.duration_s, (lesson.ends_at - recording.starts_at).total_seconds())
        if end_s > start_s:
            j = proctoring_ops.judge(recording, start_s, end_s, signed_in, tolerance=tolerance, min_share=0.0)
            good += j.share * (end_s - start_s)
            untrusted += j.untrusted * (end_s - start_s)
            off += j.off * (end_s - start_s)
    length = (lesson.ends_at - lesson.starts_at).total_seconds()
    share = min(1.0, good / length)
    detail = {
        "verified_percent": round(100 * share, 1),
        "untrusted_percent": round(100 * untrusted / length, 1),
        "head_count_off_percent": round(100 * off / length, 1),
    }
    if share * 100 >= policy.get("training.video_min_verified_percent"):
        return VideoVerdict.IN_USE, "", detail
    why = "untrusted" if untrusted >= off else "head_count"
    return VideoVerdict.NOT_IN_USE, "not_in_use", detail | {"why": why}


def recordings_of(lesson: Lesson) -> list[Recording]:
    """The recordings of the lesson's classroom that overlap its time slot."""
    return list(
        db.session.scalars(
            select(Recording)
            .where(
                Recording.classroom_id == lesson.training_class.classroom_id,
                Recording.starts_at < lesson.ends_at,
                Recording.ends_at > lesson.starts_at,
            )
            .order_by(Recording.starts_at)
        )
    )


def verify_lesson(lesson: Lesson) -> VideoVerdict:
    """Whether the classroom's analysed video shows the lesson held as attendance says: the whole
    slot recorded (gaps up to the policy's minutes), and for at least the policy's share of its
    time the camera trusted and the head count within the tolerance of the trainees signed in.
    Only then are its hours verified; ``video_detail`` keeps the shares and why not."""
    signed_in = len(lesson.attendance)
    if lesson.training_class.classroom_id is None:  # a mine's or a unit's class: no camera
        attested = (
            VideoVerdict.UNIT_ATTESTED
            if lesson.training_class.course.run_by_regulator
            else VideoVerdict.MINE_ATTESTED
        )
        recordings, verdict, reason, detail = [], attested, "", {}
    else:
        recordings = recordings_of(lesson)
        verdict, reason, detail = _untrusted_reason(lesson, recordings, signed_in)
    before = lesson.video_verdict
    lesson.video_verdict = verdict
    lesson.video_detail = {
        "recordings": [r.id for r in recordings],
        "signed_in": signed_in,
        "reason": reason,
    } | detail
    lesson.video_checked_at = utcnow()
    db.session.flush()
    if verdict is not before:
        audit.record(
            "lesson.video_verdict",
            lesson,
            organisation=lesson.training_class.center,
            before={"verdict": before},
            after={"verdict": verdict} | lesson.video_detail,
        )
    return verdict


def recording_changed(recording: Recording) -> None:
    """A classroom recording was stored or analysed: re-check the lessons it overlaps."""
    if recording.classroom_id is None:
        return
    lessons = db.session.scalars(
        select(Lesson)
        .join(TrainingClass)
        .where(
            TrainingClass.classroom_id == recording.classroom_id,
            Lesson.starts_at < recording.ends_at,
            Lesson.ends_at > recording.starts_at,
        )
    ).all()
    for lesson in lessons:
        verify_lesson(lesson)
