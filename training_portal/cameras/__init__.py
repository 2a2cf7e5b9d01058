"""Networked classroom cameras in the portal (监控视频联网): a classroom's camera registered by
its center, its latest picture, and the regulators' wall of the classrooms they oversee."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..core import menu
    from . import views

    app.register_blueprint(views.bp)
    menu.add(app, "cameras.wall", _l("Classroom cameras"), 95, menu.holds_any("training.oversee"))
