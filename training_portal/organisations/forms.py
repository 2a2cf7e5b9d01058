from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange


class ClassroomForm(FlaskForm):
    name = StringField(_l("Classroom"), validators=[DataRequired(), Length(max=60)])
    seats = IntegerField(_l("Seats"), validators=[DataRequired(), NumberRange(min=1, max=500)])
    camera_ref = StringField(_l("Networked camera"), validators=[Length(max=120)])
