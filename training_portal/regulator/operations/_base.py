"""What every section of the regulator's operations shares: the refusal."""

from __future__ import annotations

from ...core.errors import DomainError


class RegulatorError(DomainError):
    """Refused by a rule of supervision (inspections, spot tests, orders)."""
