"""Learning between exams: practice by category from the active bank, mock exams in the exam
client, and the wrong-answer book (错题本)."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..core import menu
    from . import api, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    menu.add(app, "practice.index", _l("Practice"), 25, menu.has_record)
