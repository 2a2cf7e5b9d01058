"""The video check of each lesson: the proctoring verdict of the classroom's time slot."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import select

from proctoring.models import Recording
from proctoring.operations import in_use

from ...core import audit, policy
from ...core.db import db, utcnow
from ..models import (
    Lesson,
    TrainingClass,
    VideoVerdict,
)


def _untrusted_reason(
    lesson: Lesson, recordings: list[Recording], signed_in: int
) -> tuple[VideoVerdict, str]:
    if not recordings:
        return VideoVerdict.NO_VIDEO, ""
    usable = [r for r in recordings if r.status != "failed"]
    if any(r.status in ("queued", "analysing") for r in usable):
        return VideoVerdict.PENDING, ""
    gap = timedelta(minutes=policy.get("training.video_max_gap_minutes"))
    covered_to = lesson.starts_at
    for recording in usable:
        if recording.starts_at - covered_to > gap:
            break
        covered_to = max(covered_to, recording.starts_at + timedelta(seconds=recording.duration_s))
    if lesson.ends_at - covered_to > gap:
        return VideoVerdict.NOT_IN_USE, "gap"
    percent = policy.get("training.head_count_tolerance_percent")
    tolerance = max(1, math.ceil(signed_in * percent / 100))
    for recording in usable:
        start_s = max(0.0, (lesson.starts_at - recording.starts_at).total_seconds())
        end_s = min(recording.duration_s, (lesson.ends_at - recording.starts_at).total_seconds())
        if end_s > start_s and not in_use(recording, start_s, end_s, signed_in, tolerance):
            return VideoVerdict.NOT_IN_USE, "not_in_use"
    return VideoVerdict.IN_USE, ""


def verify_lesson(lesson: Lesson) -> VideoVerdict:
    """Whether the classroom's analysed video shows the lesson held as attendance says: the whole
    slot recorded (gaps up to the policy's minutes), the camera trusted throughout and the head
    count within the tolerance of the trainees signed in. Only then are its hours verified."""
    recordings = db.session.scalars(
        select(Recording)
        .where(
            Recording.classroom_id == lesson.training_class.classroom_id,
            Recording.starts_at < lesson.ends_at,
            Recording.ends_at > lesson.starts_at,
        )
        .order_by(Recording.starts_at)
    ).all()
    signed_in = len(lesson.attendance)
    verdict, reason = _untrusted_reason(lesson, list(recordings), signed_in)
    before = lesson.video_verdict
    lesson.video_verdict = verdict
    lesson.video_detail = {"recordings": [r.id for r in recordings], "signed_in": signed_in, "reason": reason}
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
