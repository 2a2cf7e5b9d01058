"""警示教育: accident bulletins (事故警示通报) a regulator forwards to the mines of its
jurisdiction with a read receipt per mine, and each mine's warning-education days (警示教育日)."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..core import menu
    from . import views

    app.register_blueprint(views.bp)
    menu.add(
        app,
        "warnings.bulletins",
        _l("Accident bulletins"),
        82,
        menu.holds_any("warning.send_bulletin", "warning.receive_bulletin"),
    )
    menu.add(
        app,
        "warnings.days",
        _l("Warning-education days"),
        83,
        menu.holds_any("warning.record_day", "warning.oversee"),
    )
