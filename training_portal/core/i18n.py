"""Languages: zh_CN first, English second; the choice is kept in the session."""

from __future__ import annotations

from flask import current_app, has_request_context, session
from flask_babel import Babel
from flask_login import current_user

babel = Babel()


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and tasks
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(app.root_path) + "/translations")
    app.context_processor(lambda: {"current_language": select_locale()})
