"""Organisations: regions, training centers and their classrooms, mines, regulator units."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..core import menu
    from . import views

    app.register_blueprint(views.bp)
    menu.add(app, "organisations.index", _l("Organisations"), 130, menu.holds_any("organisation.view"))
