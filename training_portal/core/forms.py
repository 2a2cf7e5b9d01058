"""Small helpers shared by the forms of every domain."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


def choices(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices; labels may be lazy strings."""
    return [SelectChoice(value, label) for value, label in pairs]


class ButtonForm(FlaskForm):
    """A form that is only a button (apply for 复审, retry a batch, close an order): the CSRF
    token is all it carries, and a refusal still redraws the page it sits on."""
