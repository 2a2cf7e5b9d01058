from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateTimeLocalField,
    Field,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.forms import choices
from ..people import categories
from ..people.models import OperationType, PersonnelCategory

# The state exam's categories: those a mine assesses itself are not among them.
EXAM_CATEGORIES = [PersonnelCategory(c.code) for c in categories.examined() if not c.trained_by_mine]


class ApplicationForm(FlaskForm):
    id_number = StringField(
        _l("Candidate's identity number (when applying on their behalf)"),
        validators=[Optional(), Length(max=20)],
    )
    category = SelectField(_l("Exam for"), choices=choices((c.value, c.lazy_label) for c in EXAM_CATEGORIES))
    operation_type = SelectField(
        _l("Operation type (special operations only)"),
        choices=choices([("", "—"), *((o.value, o.lazy_label) for o in OperationType)]),
    )
    work_history = TextAreaField(_l("Work history"), validators=[Length(max=4000)])
    appointment_document = FileField(_l("Appointment document (PDF or image; required of managers)"))
    diploma = FileField(_l("Diploma (PDF or image; required of managers)"))


class ReviewForm(FlaskForm):
    decision = SelectField(
        _l("Decision"), choices=choices([("approve", _l("Approve")), ("reject", _l("Reject"))])
    )
    reason = TextAreaField(_l("Reason (required for a rejection)"), validators=[Length(max=2000)])


class SessionForm(FlaskForm):
    name = StringField(lazy_pgettext("thing", "Name"), validators=[DataRequired(), Length(max=120)])
    site = StringField(_l("Exam site (考试点)"), validators=[DataRequired(), Length(max=120)])
    room = StringField(_l("Room (考场)"), validators=[DataRequired(), Length(max=60)])
    starts_at = DateTimeLocalField(_l("Starts at"), validators=[DataRequired()])
    category = SelectField(_l("Exam for"), choices=choices((c.value, c.lazy_label) for c in EXAM_CATEGORIES))
    operation_type = SelectField(
        _l("Operation type (special operations only)"),
        choices=choices([("", "—"), *((o.value, o.lazy_label) for o in OperationType)]),
    )
    blueprint_id = SelectField(_l("Blueprint"), coerce=int, validate_choice=False)
    seats = IntegerField(_l("Seats"), validators=[DataRequired(), NumberRange(min=1, max=500)])
    # Where the exam site is: the regulators of that region (and above) see the sitting.
    region_id = SelectField(_l("Region of the exam site"), coerce=int, validate_choice=False)


_CHOOSE = _l("Choose from the list.")


class ProctorForm(FlaskForm):
    user_id = IntegerField(_l("Proctor"), validators=[InputRequired(_CHOOSE)])


class SeatForm(FlaskForm):
    application_id = IntegerField(_l("Approved application"), validators=[InputRequired(_CHOOSE)])


class SignForm(FlaskForm):
    remarks = StringField(_l("Remarks"))  # cut to 2,000 characters, as the room record keeps


ROOM_ACTION_NAMES = (
    "confirm",
    "refuse",
    "pause",
    "resume",
    "add_time",
    "irregularity",
    "terminate",
    "allow_new_device",
)


class RoomActionForm(FlaskForm):
    """A proctor's act at a seat; the buttons named "action" carry which."""

    action = StringField(validators=[AnyOf(ROOM_ACTION_NAMES, message=_l("Unknown action."))])
    reason = StringField(_l("Reason"))
    minutes = IntegerField(_l("Minutes"), default=0, validators=[Optional()])


class BulkTimeForm(FlaskForm):
    """Added time for every seat still answering (统一延时)."""

    minutes = IntegerField(_l("Minutes"), validators=[InputRequired(), NumberRange(min=1, max=60)])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class AppealForm(FlaskForm):
    reason = TextAreaField(_l("Reason"))  # cut to 4,000 characters


class AppealDecisionForm(FlaskForm):
    decision = StringField(
        validators=[AnyOf(("uphold", "dismiss"), message=_l("Uphold or dismiss the appeal."))]
    )
    reason = TextAreaField(_l("Reason"))


class PracticalForm(FlaskForm):
    attempt_id = IntegerField(validators=[InputRequired(_CHOOSE)])
    examiner1 = IntegerField(validators=[InputRequired(_CHOOSE)])
    examiner2 = IntegerField(validators=[InputRequired(_CHOOSE)])


class ThirdExaminerForm(FlaskForm):
    examiner = IntegerField(_l("Examiner"), validators=[InputRequired(_CHOOSE)])


class ScoresField(Field):
    """The scores of a rubric's items, one ``score`` input per item, in the rubric's order."""

    def process_formdata(self, valuelist):
        try:
            self.data = [float(v) for v in valuelist]
        except ValueError as exc:
            self.data = []
            raise ValueError(_l("A score is a number.")) from exc


class ScoreForm(FlaskForm):
    score = ScoresField(default=())


class IdentityDecisionForm(FlaskForm):
    """The proctor's decision on the check-in page; a reason is required to refuse, and to
    confirm without a photo on record (the operation says so)."""

    decision = StringField(
        validators=[AnyOf(("confirm", "refuse"), message=_l("Confirm or refuse the identity."))]
    )
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)])


class FrameForm(FlaskForm):
    """The camera's picture, sent by the check-in page's script."""

    frame = FileField()
