"""The milestone forms: a mine's report with its evidence, and the regulator's decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional


class MilestoneReportForm(FlaskForm):
    # The operation refuses a report without evidence, with the message shown beside this field.
    evidence = FileField(_l("Evidence"))
    note = StringField(_l("Note"), validators=[Length(max=500)])


class MilestoneDecisionForm(FlaskForm):
    # Two buttons named "decision" carry it.
    decision = StringField(validators=[AnyOf(("accept", "send_back"), message=_l("Accept or send back."))])
    note = StringField(_l("Reason (required to send back)"), validators=[Length(max=500)])
    publish = BooleanField(_l("Publish as an excellent case"))


class MilestoneTemplateForm(FlaskForm):
    """The administrator's milestone: a new one has a code; an existing one keeps its code."""

    key = StringField(_l("Code"), validators=[Optional(), Length(max=40)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=120)])
    position = IntegerField(_l("Order"), default=0, validators=[InputRequired(), NumberRange(min=0, max=999)])
    retired = BooleanField(_l("Retired (no longer asked for)"))
