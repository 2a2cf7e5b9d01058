"""Forms of officials' training: a course's topic, form and 第一课 flag; a topic of the list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.forms import choices
from .models import StaffCourseForm


class CourseProfileForm(FlaskForm):
    topic_id = SelectField(_l("Topic"), coerce=int, validate_choice=False)
    form = SelectField(
        _l("Form"), choices=choices((f.value, f.label) for f in StaffCourseForm), validators=[DataRequired()]
    )
    first_lesson = BooleanField(_l("This is the year's 第一课 (required first lesson)"))


class TopicForm(FlaskForm):
    """The administrator's topic entry: a new one has a code; an existing one keeps its code."""

    key = StringField(_l("Code"), validators=[Optional(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=120)])
    position = IntegerField(_l("Order"), default=0, validators=[InputRequired(), NumberRange(min=0, max=999)])
    retired = BooleanField(_l("Retired (no longer taught)"))
