"""Onboarding: a province stood up from its own files (regions, organisations, people with
their posts) and accounts issued in bulk, each with a one-time activation code."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..core import menu
    from . import access, cli, views  # noqa: F401  (access: registers the permission)

    app.register_blueprint(views.bp)
    app.register_blueprint(views.public)
    app.cli.add_command(cli.import_cli)
    menu.add(app, "onboarding.index", _l("Onboarding"), 155, menu.holds_any("onboarding.import"))
