"""The question bank: questions and their versions, imports and exports, blueprints (组卷规则),
fair random papers and item statistics.

It uses ``training_portal.core`` (database, audit, policy, permissions) and nothing else of
the portal, so another portal could use it tomorrow.
"""


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from training_portal.core import menu

    from . import access  # noqa: F401  (registers the bank's permissions)
    from .cli import questions_cli
    from .formats.common import applies_to_label
    from .types import get as get_type
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(questions_cli)
    app.add_template_global(lambda name: get_type(name).label, "types_label")
    app.add_template_filter(applies_to_label, "applies_label")
    menu.add(
        app, "questions.index", _l("Question bank"), 140, menu.holds_any("question.edit", "question.review")
    )
