"""Certificates: issued after passed results, verified by anyone, kept valid by 复审."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..core import menu
    from ..people import records
    from . import cli, links, tasks, views  # noqa: F401  (tasks: registers the Celery tasks)
    from . import records as certificate_records

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.certificates_cli)
    views.init_limiter(app)
    links.init_app(app)
    records.add_section("certificates", certificate_records.certificates_section, "certificates/_record.html")
    menu.add(app, "certificates.mine", _l("My certificates"), 40, menu.has_record)
    menu.add(app, "certificates.search", _l("Certificates"), 50, menu.holds_any("certificate.search"))
