"""监管干部's own training: the plan's topics, the 第一课 each year, the required hours, a record
per official and the list of those short of hours for their unit's head."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..core import menu
    from . import records, views

    app.register_blueprint(views.bp)
    app.add_template_global(views.course_profile, "staff_course_profile")
    app.add_template_global(lambda person: bool(records.official_posts(person)), "is_regulator_official")
    menu.add(
        app,
        "staff_training.officials",
        _l("Officials' training"),
        34,
        menu.holds_any("staff_training.oversee"),
    )
