"""Onboarding's permission, in the portal's one registry: administrators only."""

from flask_babel import lazy_gettext as _l

from ..core.permissions import register

register("onboarding.import", _l("Import regions, organisations and people; issue accounts in bulk"))
