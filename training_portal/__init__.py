"""The mine-safety training and examination portal: the app factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_module

csrf = CSRFProtect()
migrate = Migrate()
login_manager = LoginManager()


def create_app(overrides: dict | None = None, instance_path: str | None = None) -> Flask:
    root = config_module.ROOT
    app = Flask(__name__, static_folder=str(root / "static"), static_url_path="/static",
                instance_path=instance_path or str(root / "instance"))
    app.config.update(config_module.load(Path(app.instance_path), overrides))

    from .core import audit, i18n, jobs, web
    from .core.db import db, ping_when_idle

    db.init_app(app)
    with app.app_context():
        ping_when_idle(db.engine)
    migrate.init_app(app, db, directory=str(root / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    audit.init_app(app)
    jobs.celery_init_app(app)

    import proctoring
    import question_bank

    from .accounts import tasks as _account_tasks  # noqa: F401  (registers the Celery tasks)
    from .accounts import views as accounts_views
    from .admin import tasks as _admin_tasks  # noqa: F401  (registers the Celery tasks)
    from .admin import views as admin_views
    from .certificates import cli as certificate_cli
    from .certificates import links as certificate_links
    from .certificates import records as certificate_records
    from .certificates import tasks as _certificate_tasks  # noqa: F401
    from .certificates import views as certificate_views
    from .demo import seed
    from .exams import api as exams_api
    from .exams import records as exam_records
    from .exams import tasks as _exam_tasks  # noqa: F401  (registers the Celery tasks)
    from .exams import views as exams_views
    from .notifications import tasks as _notification_tasks  # noqa: F401
    from .notifications import views as notification_views
    from .organisations import views as organisation_views
    from .people import api as people_api
    from .people import records
    from .people import views as people_views
    from .recordings import views as recording_views
    from .regulator import records as regulator_records
    from .regulator import views as regulator_views
    from .safety_culture import views as safety_culture_views
    from .training import links as training_links
    from .training import records as training_records
    from .training import tasks as _training_tasks  # noqa: F401
    from .training import views as training_views

    accounts_views.init_login(login_manager, app)
    for blueprint in (accounts_views.bp, admin_views.bp, organisation_views.bp, people_views.bp,
                      people_api.bp, exams_views.bp, exams_api.bp, recording_views.bp, training_views.bp,
                      notification_views.bp, certificate_views.bp, regulator_views.bp,
                      safety_culture_views.bp):
        app.register_blueprint(blueprint)
    app.cli.add_command(seed.seed_demo_command)
    app.cli.add_command(certificate_cli.certificates_cli)
    certificate_views.init_limiter(app)
    certificate_links.init_app(app)
    question_bank.init_app(app)
    proctoring.init_app(app)
    training_links.init_app(app)
    records.add_section("training", training_records.training_section, "training/_record_training.html")
    records.add_section("continuing_education", training_records.continuing_education_section,
                        "training/_record_continuing.html")
    records.add_section("exams", exam_records.exams_section, "exams/_record.html")
    records.add_section("certificates", certificate_records.certificates_section, "certificates/_record.html")
    records.add_section("spot_tests", regulator_records.spot_tests_section,
                        "regulator/_record_spot_tests.html")
    if app.config["PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"],
                                x_proto=app.config["PROXY_HOPS"])
    return app
