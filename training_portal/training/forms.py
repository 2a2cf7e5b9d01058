from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from ..core.forms import choices
from ..people import categories
from ..people.models import Education, PersonnelCategory, Post
from .models import CourseKind


def _operation_choices():
    """An operation type as "<category>:<type>" ("special_operator:coal_gas_inspection")."""
    for kind in categories.REGISTRY.values():
        yield from ((f"{kind.code}:{t.value}", t.lazy_label) for t in kind.operation_types)


def target_choices():
    """Course targets: a category, or an operation type of one."""
    yield from ((c.value, c.lazy_label) for c in PersonnelCategory)
    yield from _operation_choices()


def post_choices():
    """A post named alone, or a category's post by its operation type."""
    yield "", "—"
    yield from (
        (p.value, p.lazy_label)
        for p in Post
        if not (p.value in categories.REGISTRY and categories.get(p.value).operation_types)
    )
    yield from _operation_choices()


class CourseForm(FlaskForm):
    center_id = SelectField(_l("Organiser"), coerce=int, validate_choice=False)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=choices((k.value, k.lazy_label) for k in CourseKind))
    targets = SelectMultipleField(
        _l("Counts for"), choices=choices(target_choices()), validators=[DataRequired()]
    )
    modules = TextAreaField(
        _l("Modules, one per line: title | hours"), validators=[DataRequired(), Length(max=4000)]
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=4000)])


class ClassForm(FlaskForm):
    name = StringField(_l("Class name (班次)"), validators=[DataRequired(), Length(max=120)])
    classroom_id = SelectField(_l("Classroom"), coerce=int, validate_choice=False)
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])


class LessonForm(FlaskForm):
    title = StringField(_l("Lesson"), validators=[DataRequired(), Length(max=120)])
    module_id = SelectField(_l("Module"), coerce=int, validate_choice=False)
    starts_at = DateTimeLocalField(_l("Starts at"), validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Ends at"), validators=[DataRequired()])
    hours = StringField(_l("学时"), validators=[DataRequired(), Length(max=6)])


class EnrolForm(FlaskForm):
    id_number = StringField(_l("Identity number"), validators=[DataRequired(), Length(max=20)])
    post = SelectField(_l("Post (岗位)"), choices=choices(post_choices()))


class RosterForm(FlaskForm):
    roster = FileField(_l("Roster (Excel: 姓名, 身份证号, 单位, 岗位)"))


class AttendanceForm(FlaskForm):
    """Staff sign a trainee in or out (at a time, or now), or everyone out at the lesson's end;
    the buttons named "action" carry which."""

    action = StringField(
        validators=[AnyOf(("in", "out", "out_all"), message=_l("Say whether to sign in or out."))]
    )
    person_id = IntegerField(validators=[Optional()])
    at = DateTimeLocalField(
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        validators=[Optional()],
    )


class CheckInForm(FlaskForm):
    code = StringField(_l("Code shown in the classroom"), validators=[DataRequired(), Length(max=12)])


class AccidentForm(FlaskForm):
    mine_id = SelectField(_l("Mine"), coerce=int, validate_choice=False)
    occurred_on = DateField(_l("Date of the accident"), validators=[DataRequired()])
    description = TextAreaField(_l("What happened"), validators=[DataRequired(), Length(max=4000)])
    responsible = TextAreaField(
        _l("Identity numbers of the special operators directly responsible, one per line"),
        validators=[Length(max=4000)],
    )


class UpgradeForm(FlaskForm):
    education = SelectField(_l("Education"), choices=choices((e.value, e.lazy_label) for e in Education))
    field_of_study = StringField(_l("Field of study"), validators=[Length(max=80)])
    mining_related = BooleanField(_l("Mining-related"))
    institution = StringField(_l("School or university"), validators=[DataRequired(), Length(max=120)])
    completed_on = DateField(_l("Completed on"), validators=[DataRequired()])
    evidence = FileField(_l("Diploma or certificate (PDF, JPEG or PNG, at most 10 MB)"))


class SpecialTrainingForm(FlaskForm):
    """The year whose annual special training of managers a course is; empty: of no year."""

    year = IntegerField(_l("Year"), validators=[Optional()])


class WrittenTestForm(FlaskForm):
    """A mine's written test of one of its team leaders or front-line workers."""

    mine_id = SelectField(_l("Mine"), coerce=int, validate_choice=False)
    id_number = StringField(_l("Identity number"), validators=[DataRequired(), Length(max=20)])
    category = SelectField(_l("Category"), validate_choice=False)
    score = IntegerField(_l("Written test score"), validators=[InputRequired()])
    on = DateField(_l("Date"), validators=[DataRequired()])


class PracticalForm(FlaskForm):
    """The 岗位实操 assessment: the rubric's items, each “item | full marks | score”."""

    rubric = TextAreaField(
        _l("Rubric, one item per line: item | full marks | score (full marks add up to 100)"),
        validators=[DataRequired(), Length(max=4000)],
    )
    on = DateField(_l("Date"), validators=[DataRequired()])
