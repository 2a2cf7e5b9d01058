"""What the exam page's state poll costs the server, next to the requests it sits beside.

While the exam runs, every candidate's page asks ``GET /api/attempts/<id>/state`` every 1.5 s
(a room of 100 candidates: ~67 polls/s). Printed in one run, in one process (Flask's test
client, no HTTP server, so the figures are the app's and the database's work only):
- the poll: mean and p99 milliseconds, and the SQL statements it runs, answering and paused;
- the anchors: the attempt's full ``GET /api/attempts/<id>`` (what the page polled every 5 s
  when not answering, before) and the answer save ``PUT /api/attempts/<id>/answers``.

Run: .venv/bin/python benchmarks/exam_poll.py [--n 2000]
     [--database postgresql://postgres@127.0.0.1:5432/exam_poll_bench]
The database is created afresh and dropped at the end: never point it at one you keep."""

from __future__ import annotations

import argparse
import itertools
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402


def fresh(url: str, create: bool = True) -> None:
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def timed(client, method: str, path: str, n: int, body=None) -> tuple[float, float]:
    times = []
    for k in range(n):
        json = body(k) if body else None
        start = time.perf_counter()
        response = client.open(path, method=method, json=json)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
    times.sort()
    return statistics.mean(times), times[int(len(times) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/exam_poll_bench")
    args = parser.parse_args()
    fresh(args.database)

    import flask_migrate
    from sqlalchemy import select

    from training_portal import create_app
    from training_portal.accounts.models import User
    from training_portal.core.db import db
    from training_portal.demo import seed
    from training_portal.exams import attempts, sessions
    from training_portal.exams.models import ExamSession

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": args.database, "SECRET_KEY": "bench"}, instance_path=tempfile.mkdtemp()
    )
    with app.app_context():
        flask_migrate.upgrade()
        seed.seed()
        attempt = db.session.scalar(select(ExamSession)).attempts[0]
        candidate = db.session.scalar(select(User).where(User.person_id == attempt.person_id))
        attempts.start(attempt, candidate=candidate)
        db.session.commit()
        attempt_id, username = attempt.id, candidate.username
        db.session.remove()

    client = app.test_client()
    login_page = client.get("/login").text
    token = login_page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"username": username, "password": seed.DEMO_PASSWORD, "csrf_token": token})
    token = client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    api = f"/api/attempts/{attempt_id}"
    assert client.get(api).status_code == 200  # binds this "PC"

    with app.app_context():
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda c, cur, s, *a: statements.append(s))

        def count(method, path, body=None) -> int:
            statements.clear()
            client.open(path, method=method, json=body)
            return len(statements)

        rows = []
        for label, method, path, body in (
            ("state poll, answering", "GET", f"{api}/state", None),
            ("anchor: full GET of the attempt", "GET", api, None),
            (
                "anchor: answer save (PUT)",
                "PUT",
                f"{api}/answers",
                lambda k, seq=itertools.count(10): {"answers": {"1": [k % 2]}, "seq": next(seq)},
            ),
        ):
            timed(client, method, path, 50, body)  # warm
            mean, p99 = timed(client, method, path, args.n, body)
            n_sql = count(method, path, body(args.n + 100) if body else None)
            rows.append((label, mean, p99, n_sql))
        attempt = db.session.get(sessions.ExamAttempt, attempt_id)
        proctor = db.session.scalar(select(User).where(User.username == "proctor_center"))
        sessions.pause(attempt, proctor=proctor, reason="bench")
        db.session.commit()
        timed(client, "GET", f"{api}/state", 50)
        mean, p99 = timed(client, "GET", f"{api}/state", args.n)
        rows.append(("state poll, paused", mean, p99, count("GET", f"{api}/state")))
        server = db.session.execute(text("select version()")).scalar().split(",")[0]
        db.session.remove()
        db.engine.dispose()
    fresh(args.database, create=False)

    print(f"{args.n} requests each, one client in-process, {server}, Python {platform.python_version()}")
    print(f"{'request':34} {'mean ms':>8} {'p99 ms':>8} {'SQL':>4}")
    for label, mean, p99, n_sql in rows:
        print(f"{label:34} {mean:8.2f} {p99:8.2f} {n_sql:4d}")
    poll = rows[0][1]
    print(
        f"a room of 100 candidates polling every 1.5 s: {100 / 1.5:.0f} polls/s "
        f"≈ {100 / 1.5 * poll / 1000:.2f} s of request time (app and database, wall) per second at this mean"
    )


if __name__ == "__main__":
    main()
