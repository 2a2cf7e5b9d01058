"""What every section of the certificate operations shares: the refusal, today, the certified
categories and the serial pattern."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l

from ...core.errors import DomainError
from ...core.i18n import local_today
from ...people import categories
from ...people.models import PersonnelCategory

PDF_TEMPLATE = "certificates/pdf/certificate.html"
# The serial's letter names the category that issued it; the letters come from the registry.
SERIAL = re.compile(rf"^[{''.join(c.serial_prefix for c in categories.examined())}]\d{{8}}[0-9X]$")


class CertificateError(DomainError):
    """Refused by a rule of certificates (发证, 复审, suspension, revocation)."""


def today() -> date:
    return local_today()


def certified(category: PersonnelCategory | str) -> type[categories.Category]:
    """The registered category, if it is examined and certified; refused otherwise."""
    try:
        kind = categories.get(category)
    except categories.UnknownCategory as exc:
        raise CertificateError(str(exc)) from None
    if not kind.examined:
        raise CertificateError(_l("%(c)s get no certificate.", c=kind.label))
    if kind.trained_by_mine:
        raise CertificateError(categories.mine_assessed(kind))
    return kind
