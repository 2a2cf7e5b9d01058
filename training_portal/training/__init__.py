"""Training: courses, class sessions, attendance, verified hours and continuing education."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..core import menu
    from ..people import records
    from . import assessment_views, links, tasks, views  # noqa: F401  (tasks: the Celery tasks; routes)
    from . import records as training_records

    app.register_blueprint(views.bp)
    links.init_app(app)
    records.add_section("training", training_records.training_section, "training/_record_training.html")
    records.add_section(
        "continuing_education",
        training_records.continuing_education_section,
        "training/_record_continuing.html",
    )
    records.add_section(
        "special_training", training_records.special_training_section, "training/_record_special.html"
    )
    records.add_section(
        "mine_assessments",
        training_records.mine_assessments_section,
        "training/_record_mine_assessments.html",
    )
    runs_classes = menu.holds_any("training.manage", "training.oversee")
    menu.add(app, "training.me", _l("My training"), 20, menu.has_record)
    menu.add(app, "training.classes", _l("Classes"), 30, runs_classes)
    menu.add(app, "training.courses", _l("Courses"), 31, lambda user: not runs_classes(user))
    menu.add(
        app,
        "training.assessments",
        _l("Mine assessments"),
        32,
        menu.holds_any("training.oversee", "training.assess"),
    )
