"""The certificate forms: a regulator's suspension, reinstatement or revocation, a violation on
a holder's record."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from .models import CertificateStatus


class StatusForm(FlaskForm):
    # The buttons named "status" carry the new status; the operation asks for the reason.
    status = StringField(
        validators=[
            AnyOf([s.value for s in CertificateStatus], message=_l("Choose suspend, reinstate or revoke."))
        ]
    )
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)])
    # 暂扣至: the last day of a suspension; empty, it lasts until it is lifted.
    until = DateField(_l("Suspended until (optional)"), validators=[Optional()])
    # Revocation cannot be undone: the regulator ticks that the consequences were read.
    understood = BooleanField(_l("I have read what revoking does and that it cannot be undone."))

    def validate_understood(self, field) -> None:
        if self.status.data == CertificateStatus.REVOKED.value and not field.data:
            raise ValidationError(_l("Confirm that you have read what revoking does."))


class ViolationForm(FlaskForm):
    occurred_on = DateField(
        _l("Date of the violation"), validators=[InputRequired(_l("Give the date of the violation."))]
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    next = StringField()
