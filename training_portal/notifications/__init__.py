"""In-app notifications (and e-mail where configured), each sent once for the same thing."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..core import menu
    from . import tasks, views  # noqa: F401  (tasks: registers the Celery tasks)

    app.register_blueprint(views.bp)
    menu.add(app, "notifications.index", _l("Notifications"), 110)
