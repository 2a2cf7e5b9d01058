"""The mine-safety training and examination portal: the app factory."""

from __future__ import annotations

from importlib import import_module
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

DOMAINS = (
    ".accounts",
    ".admin",
    ".organisations",
    ".people",
    ".training",
    ".exams",
    ".certificates",
    ".regulator",
    ".recordings",
    ".cameras",
    ".notifications",
    ".safety_culture",
    ".practice",
    ".learning",
    ".staff_training",
    ".warnings",
    ".onboarding",
    ".demo",
    "question_bank",
    "proctoring",
)


def create_app(overrides: dict | None = None, instance_path: str | None = None) -> Flask:
    """``instance_path``: the folder of the database, broker, results, secrets and beat schedule
    (default: ``INSTANCE_DIR``, else ``instance/`` in the checkout)."""
    root = config_module.ROOT
    app = Flask(
        __name__,
        static_folder=str(root / "static"),
        static_url_path="/static",
        instance_path=str(Path(instance_path or config_module.instance_dir()).resolve()),
    )
    app.config.update(config_module.load(Path(app.instance_path), overrides))

    from .core import audit_verify, i18n, jobs, menu, web
    from .core.db import db, ping_when_idle, share_sqlite_file, tune_postgresql

    db.init_app(app)
    with app.app_context():
        ping_when_idle(db.engine)
        share_sqlite_file(db.engine)
        tune_postgresql(db.engine, jit=app.config["POSTGRES_JIT"])
    migrate.init_app(app, db, directory=str(root / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    audit_verify.init_app(app)
    jobs.celery_init_app(app)

    menu.init_app(app)
    # Each domain wires itself (blueprints, CLI, tasks, listeners, record sections, menu entries).
    # The order is the record page's order of sections and the order templates are looked up in.
    for name in DOMAINS:
        import_module(name, __name__).init_app(app)
    if app.config["PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=app.config["PROXY_HOPS"], x_proto=app.config["PROXY_HOPS"]
        )
    return app
