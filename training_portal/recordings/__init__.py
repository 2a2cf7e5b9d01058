"""Recordings in the portal: who may upload and see which (by classroom), the pages, and who
each recording should show (its lessons' sign-ins, its exam room's candidates)."""


def init_app(app) -> None:
    from proctoring import operations as proctoring_ops

    from . import rosters, views

    app.register_blueprint(views.bp)
    proctoring_ops.add_roster_provider(rosters.rosters)
