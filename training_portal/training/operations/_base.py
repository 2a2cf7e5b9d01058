"""What every section of the training operations shares: the refusal, the sign-in limits and
the 学时 parser."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from ...core import storage
from ...core.errors import DomainError


class TrainingError(DomainError):
    """Refused by a rule of training (classes, attendance, rosters)."""


CODE_SECONDS = 60  # a classroom code changes every minute; the previous one still works
CODE_LOCK_FAILURES = 5  # wrong codes within CODE_LOCK_MINUTES lock a trainee out until they age
CODE_LOCK_MINUTES = 10
SIGN_IN_EARLY = timedelta(minutes=30)  # a trainee may sign in this long before a lesson starts
ROSTER_MAX_ROWS = 2000
EVIDENCE_MAX_BYTES = storage.EVIDENCE_MAX_BYTES


def parse_hours(raw: object) -> int:
    """学时 as typed ("2", "2.5") to tenths; raise TrainingError with the reason."""
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if not re.fullmatch(r"\d{1,3}(\.\d)?", text):
        raise TrainingError(_l("Hours are a number with at most one decimal, e.g. 4 or 2.5."))
    tenths = round(float(text) * 10)
    if tenths <= 0:
        raise TrainingError(_l("Hours must be more than zero."))
    return tenths
