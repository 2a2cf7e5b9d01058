"""The milestone forms: a mine's report with its evidence, and the regulator's decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.validators import AnyOf, Length


class MilestoneReportForm(FlaskForm):
    # The operation refuses a report without evidence, with the message shown beside this field.
    evidence = FileField(_l("Evidence"))
    note = StringField(_l("Note"), validators=[Length(max=500)])


class MilestoneDecisionForm(FlaskForm):
    # Two buttons named "decision" carry it.
    decision = StringField(validators=[AnyOf(("accept", "send_back"), message=_l("Accept or send back."))])
    note = StringField(_l("Reason (required to send back)"), validators=[Length(max=500)])
    publish = BooleanField(_l("Publish as an excellent case"))
