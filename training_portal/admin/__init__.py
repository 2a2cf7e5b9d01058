"""Administration: accounts and roles, the policy table, the audit trail."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..core import menu
    from . import tasks, views  # noqa: F401  (tasks: registers the Celery tasks)

    app.register_blueprint(views.bp)
    menu.add(app, "admin.users", _l("Accounts"), 150, menu.holds_any("user.manage"))
