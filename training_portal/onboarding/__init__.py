"""Onboarding: a province stood up from its own files (regions, organisations, people with
their posts) and accounts issued in bulk, each with a one-time activation code."""


def init_app(app) -> None:
    from . import access, cli  # noqa: F401  (access: registers the permission)

    app.cli.add_command(cli.import_cli)
