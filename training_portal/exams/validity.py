"""How long a passed written exam counts: a passing score stays valid for the policy's months
(``exam.result_valid_months``, 12 by the national rules). The practical exam and the
certificate must follow within that time; after it, the candidate sits the written exam again."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l

from ..core import policy
from ..core.errors import CONFLICT
from ..core.i18n import local_today, local_zone
from .applications import ExamError
from .models import ExamAttempt


class WrittenPassExpired(ExamError):
    """The written pass a practical exam or a certificate would rest on is too old."""

    status = CONFLICT


def passed_on(attempt: ExamAttempt) -> date:
    """The province's date the written exam was taken (handed in, or else the sitting's start)."""
    when = attempt.finished_at or attempt.session.starts_at
    return when.astimezone(local_zone()).date()


def valid_until(attempt: ExamAttempt) -> date:
    """The last day the written pass counts: calendar months, so a pass of 31 March is valid
    until 30 March of the next year (``relativedelta`` keeps the day within the month)."""
    months = relativedelta(months=policy.get("exam.result_valid_months"))
    return passed_on(attempt) + months - timedelta(days=1)


def expired(attempt: ExamAttempt, on: date | None = None) -> bool:
    return (on or local_today()) > valid_until(attempt)


def expiry_reason(attempt: ExamAttempt) -> str:
    return str(
        _l(
            "The written exam passed on %(d)s was valid for %(n)d months, until %(u)s: "
            "the candidate must sit the written exam again.",
            d=passed_on(attempt).isoformat(),
            n=policy.get("exam.result_valid_months"),
            u=valid_until(attempt).isoformat(),
        )
    )


def require_valid(attempt: ExamAttempt, on: date | None = None) -> None:
    """Refuse (409, with the reason) what would rest on an expired written pass."""
    if expired(attempt, on):
        raise WrittenPassExpired(expiry_reason(attempt))
