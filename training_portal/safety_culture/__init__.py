"""安全文化 milestones: each mine reports, regulators accept or send back, excellent cases are
published to everyone."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..core import menu
    from . import tasks, views  # noqa: F401  (tasks: registers the Celery task)

    app.register_blueprint(views.bp)
    menu.add(app, "safety_culture.index", _l("Safety culture"), 80, menu.holds_any("compliance.view"))
