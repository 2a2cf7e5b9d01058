"""The forms of bulletins and warning-education days."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange

from ..core.forms import choices


class BulletinForm(FlaskForm):
    unit_id = SelectField(_l("Sending unit"), coerce=int, validate_choice=False)
    title = StringField(_l("Bulletin title"), validators=[DataRequired(), Length(max=200)])
    issued_on = DateField(_l("Date"), validators=[DataRequired()])
    summary = TextAreaField(_l("Accident summary"), validators=[DataRequired(), Length(max=20000)])
    lessons = TextAreaField(
        _l("Lessons and what mines must do"), validators=[DataRequired(), Length(max=20000)]
    )
    attachment = FileField(_l("Attachment (PDF, optional)"))
    to = SelectField(
        _l("Forward to"),
        choices=choices(
            [("all", _l("All mines of the jurisdiction")), ("chosen", _l("The mines ticked below"))]
        ),
        validators=[AnyOf(("all", "chosen"))],
    )
    mines = SelectMultipleField(_l("Mines"), coerce=int, validate_choice=False)


class WarningDayForm(FlaskForm):
    mine_id = SelectField(_l("Mine"), coerce=int, validate_choice=False)
    held_on = DateField(_l("Date"), validators=[DataRequired()])
    theme = StringField(_l("Theme"), validators=[DataRequired(), Length(max=200)])
    attendance = IntegerField(
        _l("People attending"), validators=[InputRequired(), NumberRange(min=1, max=100000)]
    )
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)])
    evidence = FileField(_l("Photo or PDF (optional)"))
