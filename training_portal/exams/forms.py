from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..core.forms import choices
from ..people import categories
from ..people.models import OperationType, PersonnelCategory

EXAM_CATEGORIES = [PersonnelCategory(c.code) for c in categories.examined()]


class ApplicationForm(FlaskForm):
    id_number = StringField(_l("Candidate's identity number (when applying on their behalf)"),
                            validators=[Optional(), Length(max=20)])
    category = SelectField(_l("Exam for"), choices=choices((c.value, c.lazy_label) for c in EXAM_CATEGORIES))
    operation_type = SelectField(_l("Operation type (special operations only)"), choices=choices(
        [("", "—"), *((o.value, o.lazy_label) for o in OperationType)]))
    appointed_on = DateField(_l("Appointed on (managers)"), validators=[Optional()])
    work_history = TextAreaField(_l("Work history"), validators=[Length(max=4000)])
    appointment_document = FileField(_l("Appointment document (PDF or image)"))
    diploma = FileField(_l("Diploma (PDF or image)"))


class ReviewForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=choices(
        [("approve", _l("Approve")), ("reject", _l("Reject"))]))
    reason = TextAreaField(_l("Reason (required for a rejection)"), validators=[Length(max=2000)])


class SessionForm(FlaskForm):
    name = StringField(lazy_pgettext("thing", "Name"), validators=[DataRequired(), Length(max=120)])
    site = StringField(_l("Exam site (考试点)"), validators=[DataRequired(), Length(max=120)])
    room = StringField(_l("Room (考场)"), validators=[DataRequired(), Length(max=60)])
    starts_at = DateTimeLocalField(_l("Starts at"), validators=[DataRequired()])
    category = SelectField(_l("Exam for"), choices=choices((c.value, c.lazy_label) for c in EXAM_CATEGORIES))
    operation_type = SelectField(_l("Operation type (special operations only)"), choices=choices(
        [("", "—"), *((o.value, o.lazy_label) for o in OperationType)]))
    blueprint_id = SelectField(_l("Blueprint"), coerce=int, validate_choice=False)
    seats = IntegerField(_l("Seats"), validators=[DataRequired(), NumberRange(min=1, max=500)])
    # Where the exam site is: the regulators of that region (and above) see the sitting.
    region_id = SelectField(_l("Region of the exam site"), coerce=int, validate_choice=False)
