"""People: one record per person (一人一档), keyed by 身份证号, and their posts."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..core import menu
    from . import api, cli, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.categories_cli)
    menu.add(app, "people.me", _l("My record"), 10, menu.has_record)
    menu.add(app, "people.index", _l("People"), 120, menu.holds_any("person.view_record"))
