"""Online lessons with verified study time (线上学习) and warning-education films that a mine's
staff watch (警示教育片, 组织全员观看)."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..core import menu
    from . import api, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    shows = menu.holds_any("training.manage", "training.oversee", "learning.add_film", "learning.assign_film")
    menu.add(
        app, "learning.index", _l("Online learning"), 26, lambda user: menu.has_record(user) or shows(user)
    )
