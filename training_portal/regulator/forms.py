"""The regulator's forms: an inspection, a spot test started on one of the mine's 三项岗位
people, a mine's answer to a reassignment order, and the answers of a spot test."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from ..core.forms import choices


class InspectionForm(FlaskForm):
    inspected_on = DateField(_l("Date"), validators=[InputRequired(_l("Give the date of the inspection."))])
    inspectors = StringField(_l("Inspectors"), validators=[Length(max=200)])
    findings = TextAreaField(_l("Findings"), validators=[Length(max=4000)])


class SpotTestForm(FlaskForm):
    """The person (their post at the mine); the paper follows from the post's blueprint."""

    post_id = IntegerField(_l("Person tested"), validators=[InputRequired(_l("Choose the person to test."))])


class OrderResponseForm(FlaskForm):
    response = StringField(_l("What the mine did"), validators=[Length(max=500)])


def _among_the_options(form, field) -> None:
    allowed = {choice.value for choice in field.choices}
    if not set(field.data or ()) <= allowed:
        raise ValidationError(_l("An answer is not one of the options."))


def spot_answers_form(paper) -> FlaskForm:
    """One field per question of the paper (``q<position>``, the options' indexes as the page
    sends them): an answer that is not one of the question's options is refused."""

    class SpotAnswersForm(FlaskForm):
        def answers(self) -> dict[int, list[int]]:
            return {
                item.position: sorted({int(v) for v in self[f"q{item.position}"].data or ()})
                for item in paper.items
            }

    for item in paper.items:
        setattr(
            SpotAnswersForm,
            f"q{item.position}",
            SelectMultipleField(
                choices=choices((str(i), str(i)) for i in range(len(item.option_order))),
                validate_choice=False,
                validators=[_among_the_options],
            ),
        )
    return SpotAnswersForm()
