"""Demo data for a newcomer and for the tests: a believable province."""


def init_app(app) -> None:
    from .seed import seed_demo_command

    app.cli.add_command(seed_demo_command)
