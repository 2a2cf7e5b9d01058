from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class CameraForm(FlaskForm):
    stream_url = StringField(
        _l("Stream address"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("rtsp://, rtsps://, http:// or https://; credentials written into it are kept apart"),
    )
    username = StringField(_l("User name"), validators=[Length(max=120)])
    # Never drawn back into the page: left empty, the stored password stays.
    password = PasswordField(_l("Password"), validators=[Length(max=200)])
