"""The regulator's workspace: 五职矿长 compliance, inspections with 逢查必考 spot tests and the
reassignment orders they raise, and the search across the jurisdiction."""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..core import menu
    from ..people import records
    from . import phone, views
    from . import records as regulator_records

    app.register_blueprint(views.bp)
    app.register_blueprint(phone.bp)
    records.add_section(
        "spot_tests", regulator_records.spot_tests_section, "regulator/_record_spot_tests.html"
    )
    menu.add(app, "regulator.dashboard", _l("Dashboard"), 60, menu.holds_any("dashboard.view"))
    menu.add(app, "regulator.compliance", _l("五职矿长 compliance"), 70, menu.holds_any("compliance.view"))
    menu.add(
        app, "regulator.centers", _l("Training-center oversight"), 90, menu.holds_any("training.oversee")
    )
    menu.add(app, "regulator.search", _l("Search"), 100, menu.holds_any("inspection.conduct"))
