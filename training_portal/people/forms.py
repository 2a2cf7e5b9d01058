from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..core.forms import choices
from . import idcard
from .models import Education


def _id_number(form, field) -> None:
    try:
        field.data = idcard.parse(field.data).number
    except idcard.IdNumberError as exc:
        raise ValidationError(str(exc.reason)) from exc


class PersonForm(FlaskForm):
    id_number = StringField(
        _l("Identity number (身份证号)"), validators=[DataRequired(), Length(max=20), _id_number]
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    education = SelectField(
        _l("Education"), validators=[Optional()], choices=choices([("", "—"), *Education.choices()])
    )
    education_field = StringField(_l("Field of study"), validators=[Length(max=80)])
    mining_related_degree = BooleanField(_l("Mining-related degree"))
    work_started_on = DateField(_l("In mining work since"), validators=[Optional()])
    employer_id = SelectField(_l("Employer"), coerce=int, validate_choice=False)
    phone = StringField(_l("Phone"), validators=[Length(max=20)])
    photo = FileField(
        _l("Photo (JPEG or PNG)"),
        validators=[FileAllowed(["jpg", "jpeg", "png"], _l("A JPEG or PNG image, please."))],
    )


class PersonSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or identity number"), validators=[Length(max=60)])


class DepartmentForm(FlaskForm):
    """The administrator's 五科 entry: a new one has a code; an existing one keeps its code."""

    key = StringField(_l("Code"), validators=[Optional(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=120)])
    position = IntegerField(_l("Order"), default=0, validators=[InputRequired(), NumberRange(min=0, max=999)])
    retired = BooleanField(_l("Retired (no longer asked for)"))


class AppointHeadForm(FlaskForm):
    """A mine's department head: the department, the person by 身份证号, from which day."""

    department_id = SelectField(_l("Department"), coerce=int, validate_choice=False)
    id_number = StringField(
        _l("Identity number (身份证号)"), validators=[DataRequired(), Length(max=20), _id_number]
    )
    started_on = DateField(_l("Since"), validators=[DataRequired()])
