"""Languages: zh_CN first, English second; the choice is kept in the session."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context, has_request_context, session
from flask_babel import Babel
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ..config import PROVINCE_ZONE

babel = Babel()


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and tasks
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    try:
        user_locale = getattr(current_user, "locale", None) if current_user else None
    except SQLAlchemyError:  # the database is away: say so in the default language
        user_locale = None
    if user_locale in languages:
        return user_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path) + "/translations",
    )
    app.context_processor(lambda: {"current_language": select_locale()})
    from .labels import label_of

    app.add_template_global(label_of, "label_of")


def local_zone() -> ZoneInfo:
    """The province's time zone: what people type and read times in."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_today() -> date:
    """Today in the province: dates of classes, certificates and deadlines are its dates, not the
    server's (a server on UTC is still on yesterday until 08:00 in Jilin)."""
    zone = local_zone() if has_app_context() else ZoneInfo(PROVINCE_ZONE)
    return datetime.now(zone).date()


def from_local(naive: datetime) -> datetime:
    """A time as typed in a form (local wall-clock, no zone) as an aware datetime; an aware one
    is kept as it is."""
    return naive if naive.tzinfo is not None else naive.replace(tzinfo=local_zone())
