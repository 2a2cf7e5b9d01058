"""Operations on training: courses, classes, the roster, attendance and its hours, the video
check of each lesson, fatal accidents and degree upgrades. Each decision is audited; the
caller's request or task holds the transaction.

One module per section (courses, roster, attendance, video_check, records); the names
are re-exported here, so callers keep importing ``operations``."""

from __future__ import annotations

from ._base import (
    CODE_LOCK_FAILURES,
    CODE_LOCK_MINUTES,
    CODE_SECONDS,
    EVIDENCE_MAX_BYTES,
    ROSTER_MAX_ROWS,
    SIGN_IN_EARLY,
    TrainingError,
    parse_hours,
)
from .assessment import parse_rubric, record_practical, record_written
from .attendance import check_in_with_code, lesson_code, sign_in, sign_out, sign_out_everyone
from .courses import add_lesson, create_class, create_course
from .records import record_accident, record_education_upgrade
from .roster import ROSTER_COLUMNS, RosterResult, RosterRow, enrol, import_roster, post_words
from .special import mark_special_training
from .video_check import recording_changed, verify_lesson

__all__ = [
    "mark_special_training",
    "parse_rubric",
    "record_practical",
    "record_written",
    "CODE_LOCK_FAILURES",
    "CODE_LOCK_MINUTES",
    "CODE_SECONDS",
    "EVIDENCE_MAX_BYTES",
    "ROSTER_COLUMNS",
    "ROSTER_MAX_ROWS",
    "RosterResult",
    "RosterRow",
    "SIGN_IN_EARLY",
    "TrainingError",
    "add_lesson",
    "check_in_with_code",
    "create_class",
    "create_course",
    "enrol",
    "import_roster",
    "lesson_code",
    "parse_hours",
    "post_words",
    "record_accident",
    "record_education_upgrade",
    "recording_changed",
    "sign_in",
    "sign_out",
    "sign_out_everyone",
    "verify_lesson",
]
