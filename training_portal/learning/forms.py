from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..people.models import Post


class LessonForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])


class MaterialForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=120)])
    file = FileField(_l("PDF file"), validators=[FileRequired()])


class FilmForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    case_summary = TextAreaField(_l("Case summary"), validators=[Length(max=5000)])


class AssignForm(FlaskForm):
    mine = SelectField(_l("Mine"), coerce=int, validators=[DataRequired()])
    posts = SelectMultipleField(_l("Posts (none chosen: the whole staff)"))
    due_on = DateField(_l("Watch by"), validators=[DataRequired()])

    def __init__(self, mines, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.mine.choices = [(m.id, m.name) for m in mines]
        self.posts.choices = [(p.value, p.lazy_label) for p in Post]
