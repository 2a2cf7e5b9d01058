"""Fixtures: a migrated database per backend (SQLite always, PostgreSQL when
TEST_DATABASE_URL is set), a clean slate for every test, and one-line makers
for the objects tests need."""

from __future__ import annotations

import contextvars
import io
import os
import re
import threading
import uuid
from collections.abc import Iterator
from datetime import date

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import Table, bindparam, create_engine, select, text
from werkzeug.serving import make_server

from training_portal import create_app
from training_portal.accounts.models import User
from training_portal.config import database_url as normalise_url
from training_portal.core.db import db
from training_portal.core.i18n import local_today
from training_portal.demo.seed import DEMO_LOGINS, DEMO_PASSWORD

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _one_backend(item) -> bool:
    """Marked ``one_backend``, or driving a browser: what a page does in Chromium does not
    depend on the database's dialect, and a browser test is the slowest kind there is."""
    return bool(item.get_closest_marker("one_backend")) or "browser" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config, items):
    """Tests marked ``one_backend`` ask nothing of the database's dialect (headers, object-level
    refusals, re-authentication, fuzzed requests, the browser's): with PostgreSQL at hand, they
    run there only."""
    if "postgresql" not in BACKENDS:
        return
    keep, drop = [], []
    for item in items:
        on_sqlite = getattr(item, "callspec", None) and item.callspec.params.get("database_url") == "sqlite"
        (drop if on_sqlite and _one_backend(item) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.sqlite'}"
        return
    # A schema of our own inside the shared test database, dropped afterwards.
    base = normalise_url(os.environ["TEST_DATABASE_URL"])
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as in production, not in the test's:
    otherwise ``g`` and the database session would leak from one request to the next."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "STORAGE_DIR": str(instance / "storage"),
            "SMS_BACKEND": "",  # the tests of SMS turn it on themselves
        },
        instance_path=str(instance),
    )
    application.test_client_class = IsolatedClient
    with application.app_context():
        flask_migrate.upgrade()  # the schema only ever comes from the migrations
        _MIGRATED_ROWS[db.engine.url.render_as_string(hide_password=False)] = {
            name: [dict(row) for row in db.session.execute(db.metadata.tables[name].select()).mappings()]
            for name in MIGRATED_TABLES
        }
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()


# Tables the migrations fill (catalogues an administrator edits afterwards): every test starts
# with the migrations' rows, as a new installation does, whatever an earlier test changed.
MIGRATED_TABLES = ("sc_milestone_templates", "mine_departments", "staff_training_topics")
_MIGRATED_ROWS: dict[str, dict[str, list[dict]]] = {}


def _restore_migrated_rows() -> None:
    for name, rows in _MIGRATED_ROWS[db.engine.url.render_as_string(hide_password=False)].items():
        table = db.metadata.tables[name]
        if rows:  # without their ids: a sequence restarted by TRUNCATE goes on from them
            db.session.execute(table.insert(), [{k: v for k, v in r.items() if k != "id"} for r in rows])


def _wipe() -> None:
    from training_portal.exams import attempts

    attempts.forget_remembered()  # the ids start again from 1
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        # DELETE from the tables that hold rows: TRUNCATE of all 63 cost 0.18 s a test (new files
        # for every table and index), this 0.03 s. Foreign-key triggers are off for the
        # transaction (the test database's superuser may), so order and cycles do not matter.
        present = db.session.scalars(
            text(
                " UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM {t.name})" for t in tables)
            )
        ).all()
        if present:
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
            for name in present:
                db.session.execute(text(f"DELETE FROM {name}"))
        used = db.session.scalars(  # the ids start again from 1, also of tables a test emptied itself
            text(
                "SELECT sequencename FROM pg_sequences"
                " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
            )
        ).all()
        if used:
            db.session.execute(text("SELECT " + ", ".join(f"setval('{name}', 1, false)" for name in used)))
    else:
        for table in tables:
            db.session.execute(table.delete())
    _restore_migrated_rows()
    db.session.commit()


@pytest.fixture()
def ctx(app) -> Iterator[Flask]:
    """An app context on an empty database; everything the test wrote is wiped after."""
    # Other tests may have built apps of their own, each making its Celery app the current one;
    # tasks called here must run in this app (its database, storage and mail settings).
    app.extensions["celery"].set_current()
    app.extensions["celery"].set_default()
    with app.app_context():
        try:
            yield app
        finally:
            db.session.rollback()
            _wipe()
            db.session.remove()


# The rows ``seed-demo`` wrote, per database and local day: seeding takes some 1,200 statements
# (0.8 s on PostgreSQL), copying its rows back one INSERT per table.
_DEMO_ROWS: dict[tuple[str, date], list[tuple[Table, list[dict]]]] = {}


@pytest.fixture()
def demo(ctx):
    """The demo province of ``flask seed-demo``, committed. The first test of a backend (and
    of a day: the demo is dated relative to today) runs the real seed; later ones get exactly
    the rows it wrote, unless another fixture wrote first (then the seed finds its own ids)."""
    from training_portal.demo import seed

    key = (db.engine.url.render_as_string(), local_today())
    written = " OR ".join(
        f"EXISTS (SELECT 1 FROM {t.name})" for t in db.metadata.sorted_tables if t.name not in MIGRATED_TABLES
    )
    empty = not db.session.scalar(text(f"SELECT {written}"))
    if empty and key in _DEMO_ROWS:
        _copy_back(_DEMO_ROWS[key])
    else:
        seed.seed()
        if empty:
            _DEMO_ROWS[key] = [
                (
                    table,
                    [
                        dict(row)
                        for row in db.session.execute(
                            table.select().order_by(*table.primary_key.columns)
                        ).mappings()
                    ],
                )
                for table in db.metadata.sorted_tables
                if table.name not in MIGRATED_TABLES
            ]
    db.session.commit()
    return seed


def _copy_back(tables: list[tuple[Table, list[dict]]]) -> None:
    # A key to a table not yet filled (a cycle, such as a question and its current version,
    # or a parent row) is set once every row is in.
    done, later = set(), []
    for table, rows in tables:
        ahead = {
            fk.parent.name
            for fk in table.foreign_keys
            if fk.column.table.name not in done or fk.column.table is table
        }
        if rows:
            db.session.execute(table.insert(), [{**row, **dict.fromkeys(ahead)} for row in rows])
            later += [(table, name, rows) for name in ahead]
        done.add(table.name)
    for table, name, rows in later:
        (pk,) = table.primary_key.columns
        values = [{"b_pk": row[pk.name], "b_value": row[name]} for row in rows if row[name] is not None]
        if values:
            db.session.execute(
                table.update().where(pk == bindparam("b_pk")).values({name: bindparam("b_value")}), values
            )
    if db.engine.dialect.name == "postgresql":  # the ids go on from the seed's, as after a seed
        counters = [
            f"setval(pg_get_serial_sequence('{table.name}', '{col.name}'), "
            f"(SELECT max({col.name}) FROM {table.name}))"
            for table, rows in tables
            if rows
            for col in table.primary_key.columns
            if col.autoincrement is True
            or (
                col.autoincrement == "auto"
                and col.type.python_type is int
                and len(table.primary_key.columns) == 1
            )
        ]
        db.session.execute(text("SELECT " + ", ".join(counters)))


def demo_users() -> dict[str, User]:
    """The demo's log-ins by username: one per role, the third examiner, the lower regulators."""
    names = [login[0] for login in DEMO_LOGINS]
    return {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(names)))}


@pytest.fixture()
def users(demo) -> dict[str, User]:
    """The demo province's accounts by username (``users["proctor_dept"]``). For accounts of a
    test's own, without the demo, see ``tests/factories.py``."""
    return demo_users()


@pytest.fixture()
def client(ctx) -> FlaskClient:
    return ctx.test_client()


def token_in(html: str) -> str:
    tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html)
    assert tag, "no CSRF token on the page"
    return re.search(r'value="([^"]+)"', tag.group(0)).group(1)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    return token_in(client.get(path).text)


def login(client: FlaskClient, username: str, password: str = DEMO_PASSWORD):
    """Log in through the real form, CSRF token included."""
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client, "/login")},
    )


def png_bytes(size=(60, 80), color=(120, 140, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture()
def user_named():
    def find(username: str) -> User:
        return db.session.scalar(select(User).where(User.username == username))

    return find


# Browser tests: Debian's Chromium driven by Playwright, never a downloaded browser.

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture()
def live_server(app, demo) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def browser_login(page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/")
