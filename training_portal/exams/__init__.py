"""Exams under 双审核双监考: applications and their two reviews, sessions with two proctors,
attempts at random papers, grading, signed room records and published results."""


def init_app(app) -> None:
    from ..people import records
    from . import api, tasks, views  # noqa: F401  (tasks: registers the Celery tasks)
    from . import records as exam_records

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    records.add_section("exams", exam_records.exams_section, "exams/_record.html")
