"""Recordings in the portal: who may upload and see which (by classroom), the pages."""


def init_app(app) -> None:
    from . import views

    app.register_blueprint(views.bp)
