"""Accounts, role assignments, sessions and log-in."""


def init_app(app) -> None:
    from .. import login_manager
    from . import tasks, views  # noqa: F401  (tasks: registers the Celery tasks)

    views.init_login(login_manager, app)
    app.register_blueprint(views.bp)
