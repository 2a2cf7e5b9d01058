"""In-app notifications, e-mail where configured and SMS through a pluggable sender, each sent
once for the same thing; a notice for every decision (``decisions.py``)."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..core import menu

    # decisions: listens to the audit trail; tasks: registers the Celery tasks
    from . import decisions, tasks, views  # noqa: F401

    app.register_blueprint(views.bp)
    app.register_blueprint(views.api)
    app.context_processor(lambda: {"unread_notifications": views.unread_count})
    menu.add(app, "notifications.index", _l("Notifications"), 110)
