from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from training_portal.core.forms import choices
from training_portal.people import categories

from . import types

TYPE_CHOICES = [(name, cls.label) for name, cls in types.REGISTRY.items()]


class QuestionForm(FlaskForm):
    type = SelectField(_l("Question type"), choices=choices(TYPE_CHOICES))
    stem = TextAreaField(_l("Stem"), validators=[DataRequired(), Length(max=5000)])
    stem_is_html = BooleanField(_l("The stem is HTML"))
    option_a = StringField("A", validators=[Length(max=500)])
    option_b = StringField("B", validators=[Length(max=500)])
    option_c = StringField("C", validators=[Length(max=500)])
    option_d = StringField("D", validators=[Length(max=500)])
    option_e = StringField("E", validators=[Length(max=500)])
    option_f = StringField("F", validators=[Length(max=500)])
    answer = StringField(_l("Answer (letters, e.g. A or ABD)"), validators=[DataRequired(), Length(max=6)])
    explanation = TextAreaField(_l("Explanation (解析)"), validators=[Length(max=5000)])
    category = StringField(_l("Category path"), validators=[Length(max=200)])
    knowledge_point = StringField(_l("Knowledge point"), validators=[Length(max=120)])
    difficulty = IntegerField(
        _l("Difficulty 1–5 (author's estimate)"), validators=[Optional(), NumberRange(min=1, max=5)]
    )
    applies_to = StringField(
        _l("Applies to (names or codes, separated by commas; blank or 全部: all)"),
        validators=[Length(max=500)],
    )
    points = FloatField(_l("Points"), validators=[Optional(), NumberRange(min=0.1, max=999)])
    external_id = StringField(_l("External id (编号)"), validators=[Length(max=80)])

    OPTION_FIELDS = ("option_a", "option_b", "option_c", "option_d", "option_e", "option_f")


class ImportForm(FlaskForm):
    file = FileField(_l("Question file"), validators=[FileRequired()])
    format = SelectField(
        _l("Format"),
        choices=choices(
            [
                ("auto", _l("Recognise it")),
                ("xlsx", "Excel (.xlsx)"),
                ("csv", "CSV"),
                ("gift", "GIFT"),
                ("moodle-xml", "Moodle XML"),
                ("qti", "QTI 2.1 (.zip)"),
            ]
        ),
    )


class SectionForm(Form):
    # Unused rows stay empty; the operation checks the types of the rows that are filled.
    type = SelectField(_l("Type"), choices=choices([("", "—"), *TYPE_CHOICES]), validate_choice=False)
    count = IntegerField(_l("Questions"), validators=[Optional(), NumberRange(min=1, max=500)])
    points = FloatField(_l("Points each"), validators=[Optional(), NumberRange(min=0.1, max=100)])
    category = StringField(_l("Category (prefix)"), validators=[Length(max=200)])
    knowledge_point = StringField(_l("Knowledge point"), validators=[Length(max=120)])


class BlueprintForm(FlaskForm):
    name = StringField(lazy_pgettext("thing", "Name"), validators=[DataRequired(), Length(max=120)])
    target = SelectField(
        _l("For (personnel category or operation type)"), choices=choices(categories.targets())
    )
    purpose = SelectField(
        _l("Purpose"), choices=choices([("exam", _l("Exam")), ("spot_test", _l("On-the-spot test"))])
    )
    duration_minutes = IntegerField(_l("Minutes"), validators=[Optional(), NumberRange(1, 600)])
    target_facility = FloatField(
        _l("Target share of points expected (optional, 0–1)"),
        validators=[Optional(), NumberRange(min=0.05, max=0.99)],
    )
    partial_credit = BooleanField(_l("Partial credit on multiple choice"))
    sections = FieldList(FormField(SectionForm), min_entries=8, max_entries=20)
