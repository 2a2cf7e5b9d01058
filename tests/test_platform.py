"""The platform around the domain: health check, migrations, demo seed, configuration."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

from training_portal import create_app
from training_portal.accounts.models import User
from training_portal.core.audit import AuditEntry
from training_portal.core.audit_verify import verify_chain
from training_portal.core.db import db
from training_portal.core.permissions import Role
from training_portal.demo import seed
from training_portal.people.models import FIVE_MANAGER_POSTS, Person, PersonPost

from .conftest import login


def test_healthz_reports_database_broker_workers_and_beat(client, app):
    from training_portal.core.broker import Liveness

    place = Liveness(app.config["CELERY"]["broker_url"])
    place.gone()  # no worker: pages work, jobs do not
    with place.engine().begin() as conn:
        conn.exec_driver_sql("DELETE FROM portal_broker_liveness")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "degraded",
        "database": {"ok": True},
        "broker": {"ok": True},
        "workers": {"ok": False, "alive": 0},
        "beat": {"ok": False, "last_run_s": None},
    }
    assert client.get("/healthz?strict=1").status_code == 503

    # What a running worker and the beat write (this process stands for both).
    place.beat("worker")
    place.beat("beat")
    try:
        response = client.get("/healthz")
        body = response.get_json()
        assert response.status_code == 200
        assert body["status"] == "ok" and body["database"] == {"ok": True} and body["broker"] == {"ok": True}
        assert body["workers"] == {"ok": True, "alive": 1}
        assert body["beat"]["ok"] is True and 0 <= body["beat"]["last_run_s"] < 60
        assert client.get("/healthz?strict=1").status_code == 200
    finally:
        place.gone()
        with place.engine().begin() as conn:
            conn.exec_driver_sql("DELETE FROM portal_broker_liveness")


def test_healthz_says_when_the_broker_does_not_answer(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CELERY": {
                "broker_url": "redis://127.0.0.1:9/0",
                "result_backend": "redis://127.0.0.1:9/0",
                "broker_connection_timeout": 1,
            },
        },
        instance_path=str(tmp_path),
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["database"] == {"ok": True} and body["broker"]["ok"] is False


# Expression indexes a migration adds on PostgreSQL only, for search; no model can declare them.
POSTGRESQL_SEARCH_INDEXES = {"ix_people_name_bigrams", "ix_people_name_prefix"}


def test_the_migrations_create_exactly_the_models(ctx):
    def include(obj, name, type_, reflected, compare_to):
        return not (type_ == "index" and reflected and name in POSTGRESQL_SEARCH_INDEXES)

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_an_id_too_large_for_its_column_is_no_row_not_a_server_error(app, ctx):
    from training_portal.core.web import Refused, get_or_404

    for ident in (2**31, 2**63, 10**30, 0, -1):
        with app.test_request_context("/"), pytest.raises(Refused) as refused:
            get_or_404(Person, ident, "No such person.")
        assert refused.value.code == 404
    client = app.test_client()
    for ident in (2**31, 2**63, 10**30):  # any domain's <int:…> in a URL
        assert client.get(f"/people/{ident}").status_code == 404


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    second = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_demo_seed_is_idempotent_and_audited(demo):
    counts = (
        db.session.scalar(select(func.count()).select_from(Person)),
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(AuditEntry)),
    )
    seed.seed()
    db.session.commit()
    assert counts == (
        db.session.scalar(select(func.count()).select_from(Person)),
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(AuditEntry)),
    )
    assert verify_chain().ok


def test_demo_has_one_login_per_role_and_every_post(demo, app):
    expected = {
        "admin": Role.ADMIN,
        "trainee": Role.TRAINEE,
        "center": Role.CENTER_STAFF,
        "reviewer_center": Role.REVIEWER,
        "reviewer_dept": Role.REVIEWER,
        "proctor_center": Role.PROCTOR,
        "proctor_dept": Role.PROCTOR,
        "regulator": Role.REGULATOR,
        "mine_officer": Role.MINE_OFFICER,
    }
    for username, role in expected.items():
        user = db.session.scalar(select(User).where(User.username == username))
        assert role in user.roles
        assert login(app.test_client(), username).status_code == 302
    units = {
        db.session.scalar(select(User).where(User.username == u)).organisations()[0].review_unit.value
        for u in ("reviewer_center", "reviewer_dept")
    }
    assert units == {"education_center", "business_dept"}
    held = set(db.session.scalars(select(PersonPost.post)).all())
    assert set(FIVE_MANAGER_POSTS) <= held


def test_cli_seed_demo_prints_the_logins(app, ctx):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert "trainee" in result.output and "demo-pass-2026" in result.output


def test_error_pages_reveal_no_internals(database_url, tmp_path):
    app = create_app(
        {"TESTING": False, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url},
        instance_path=str(tmp_path),
    )

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    for path, accept in (("/boom", "text/html"), ("/boom", "application/json")):
        response = app.test_client().get(path, headers={"Accept": accept})
        assert response.status_code == 500
        assert "secret internals" not in response.text and "Traceback" not in response.text


def test_instance_dir_places_database_broker_results_and_secrets(tmp_path, monkeypatch):
    for name in (
        "SECRET_KEY",
        "AUDIT_KEY",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "STORAGE_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path / "elsewhere"))
    app = create_app()
    place = tmp_path / "elsewhere"
    assert app.instance_path == str(place)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{place / 'portal.sqlite'}"
    assert app.config["CELERY"]["broker_url"] == f"sqla+sqlite:///{place / 'celery-broker.sqlite'}"
    assert app.config["CELERY"]["result_backend"] == f"db+sqlite:///{place / 'celery-results.sqlite'}"
    assert app.config["STORAGE_DIR"] == str(place / "storage")
    assert (place / "secret_key").exists() and (place / "audit_key").exists()


def test_the_embedded_database_lets_readers_go_on_while_a_writer_holds_its_lock(tmp_path):
    """The embedded default is one SQLite file for every gunicorn worker and the Celery worker:
    in WAL mode a page reads while a batch holds the write lock, and a second writer waits for
    the lock instead of failing at once."""
    import sqlite3

    path = tmp_path / "portal.sqlite"
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"},
        instance_path=str(tmp_path),
    )
    with app.app_context():
        db.session.execute(select(1))
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        db.session.execute(text("CREATE TABLE t (x INTEGER)"))
        db.session.execute(text("INSERT INTO t VALUES (1)"))
        db.session.commit()

        writer = sqlite3.connect(path, isolation_level=None)
        # A long job's write transaction, still open (in WAL mode as IMMEDIATE).
        writer.execute("BEGIN EXCLUSIVE")
        writer.execute("INSERT INTO t VALUES (2)")
        try:
            # A reader sees what was committed, without waiting for the writer.
            assert db.session.execute(text("SELECT count(*) FROM t")).scalar() == 1
            db.session.rollback()
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        db.engine.dispose()


def test_postgresql_connections_run_without_jit_unless_asked(app):
    """JIT compiling cost the province's training-deficit figure more than it ran
    (benchmarks/regulator_search.py); the portal turns it off on its own connections only."""
    from sqlalchemy import create_engine

    from training_portal.core.db import tune_postgresql

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL's setting")
        url = db.engine.url
        with db.engine.connect() as conn:
            assert conn.execute(text("SHOW jit")).scalar() == "off"
            conn.rollback()  # a pooled connection keeps it past a transaction's end
            assert conn.execute(text("SHOW jit")).scalar() == "off"

    def shown(engine) -> str:
        with engine.connect() as conn:
            value = conn.execute(text("SHOW jit")).scalar()
        engine.dispose()
        return value

    server = shown(create_engine(url))
    assert server == "on"  # PostgreSQL's default, which the portal's connections leave behind
    for asked, expected in ((True, server), (False, "off")):
        engine = create_engine(url)
        tune_postgresql(engine, jit=asked)
        assert shown(engine) == expected
