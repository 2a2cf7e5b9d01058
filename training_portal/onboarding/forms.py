from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..accounts.operations import MIN_PASSWORD_LENGTH
from ..core.forms import choices
from .models import ImportKind


class ImportForm(FlaskForm):
    kind = SelectField(
        _l("What the file holds"), choices=choices(ImportKind.choices()), validators=[DataRequired()]
    )
    file = FileField(_l("Excel file (.xlsx)"))


class IssueForm(FlaskForm):
    """People chosen one by one (``person_ids``) or everyone of one people file (``run_id``)."""

    person_ids = SelectMultipleField(coerce=int, validate_choice=False)
    run_id = IntegerField(validators=[Optional()])


class ActivateForm(FlaskForm):
    username = StringField(_l("Login (your identity number)"), validators=[DataRequired(), Length(max=60)])
    code = StringField(_l("Activation code"), validators=[DataRequired(), Length(max=40)])
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two new passwords differ."))],
    )
