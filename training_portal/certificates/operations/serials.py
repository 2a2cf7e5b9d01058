"""Serial numbers (the category's letter, a counter, an ISO 7064 check character) and the dates
a certificate is valid."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from stdnum.iso7064 import mod_11_2

from ...core import policy
from ...core.db import db
from ...core.errors import CONFLICT
from ...people.models import Person, PersonnelCategory
from ..models import (
    SerialCounter,
    Violation,
)
from ._base import SERIAL, CertificateError, certified


def check_character(body: str) -> str:
    """ISO 7064 MOD 11-2 over the digits (as in the 身份证号): catches every single wrong digit
    and every swap of two neighbouring digits; the letter is a category's (checked by form)."""
    return mod_11_2.calc_check_digit(body[1:])


def is_valid_serial(serial: str) -> bool:
    return bool(SERIAL.match(serial)) and mod_11_2.is_valid(serial[1:])


def next_serial(category: PersonnelCategory, on: date) -> str:
    """``T26000123`` plus its check character: a letter for the kind of certificate, the year,
    a number counted per kind and year under a row lock (two issuers never draw the same)."""
    prefix = f"{certified(category).serial_prefix}{on.year % 100:02d}"
    if db.session.get(SerialCounter, prefix) is None:
        try:
            with db.session.begin_nested():
                db.session.add(SerialCounter(prefix=prefix, last=0))
        except IntegrityError:
            pass
    counter = db.session.scalars(
        select(SerialCounter)
        .where(SerialCounter.prefix == prefix)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    counter.last += 1
    if counter.last > 999_999:
        raise CertificateError(_l("The serial numbers of %(p)s are used up.", p=prefix), status=CONFLICT)
    body = f"{prefix}{counter.last:06d}"
    return body + check_character(body)


def clean_years(person: Person, on: date) -> bool:
    """10+ years in the trade without a recorded violation earn the longer 复审 interval."""
    needed = policy.get("special_ops.clean_years_for_long_interval")
    violations = db.session.scalar(select(func.count(Violation.id)).where(Violation.person_id == person.id))
    return person.mining_years(on) >= needed and not violations


def review_interval(person: Person, on: date) -> int:
    if clean_years(person, on):
        return policy.get("special_ops.long_review_interval_years")
    return policy.get("special_ops.review_interval_years")


def dates_for(category: PersonnelCategory, person: Person, issued_on: date) -> tuple[date, date | None]:
    """(valid until, next 复审) as the category declares them: special operations are valid 6
    years with a 复审 every 3 (6 with 10+ clean years); managers' certificates last until their
    next assessment, every 3 years. A category without a certificate is refused."""
    kind = certified(category)
    return kind.certificate_dates(issued_on, review_interval(person, issued_on) if kind.review_rule else None)
