"""The resident identity number (居民身份证号码), checked with python-stdnum."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from ..core.errors import DomainError
from ..core.i18n import local_today

_REASONS = {
    InvalidLength: _l("An identity number has 18 characters."),
    InvalidFormat: _l("The first 17 characters must be digits."),
    InvalidChecksum: _l("The check digit does not match; please check the number."),
    InvalidComponent: _l("The birth date or region code in the number is not valid."),
}


class IdNumberError(DomainError):
    """Not a valid identity number; ``reason`` says why, for the person who typed it."""


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: date
    gender: str  # "M" or "F": the 17th digit is odd for men


def parse(raw: str) -> IdNumber:
    """Validate and normalise; raise IdNumberError with a reason a person can act on."""
    try:
        number = ric.validate((raw or "").strip().upper())
    except ValidationError as exc:
        raise IdNumberError(_REASONS.get(type(exc), _l("Not a valid identity number."))) from exc
    if ric.get_birth_date(number) > local_today():
        raise IdNumberError(_l("The birth date in the number is in the future."))
    return IdNumber(number, ric.get_birth_date(number), "M" if int(number[16]) % 2 else "F")


def mask(number: str) -> str:
    """Keep the first three and last four characters; the birth date is hidden."""
    return number[:3] + "*" * 11 + number[-4:]
