"""Exam load: N candidates saving their answer sheets under gunicorn on PostgreSQL.

Each simulated candidate has a started attempt with its own frozen paper, and saves its
whole answer sheet again and again with a rising seq, next to the same number of requests
to a bare JSON endpoint of the same app under the same server (the anchor). Printed in one run:
- flat out: saves/s against bare requests/s, from alternating blocks of each (a shared,
  noisy machine then weighs on both alike), their p50/p99 at that saturation, and the CPU
  each kind of request costs the portal, PostgreSQL and this client (all on this machine,
  so a save's database and client costs come out of the same cores as the portal's);
  each worker process reads an attempt's owner and paper shape on its first save of it
  (two queries more), so few --rounds weigh those first saves more than a sitting does: a 120-minute
  sitting is 240 saves per candidate; the default 60 rounds is a quarter of one, with the
  first saves at most workers/60 of all (printed), against workers/240 in a sitting;
- paced: the candidates' 30-second save cycle compressed (10x by default: 333 saves/s for
  1,000 candidates), open loop, p50/p99 counted from when each request was due;
- then every attempt is re-read and compared with the last save the client saw
  acknowledged (lost saves), and failed saves are counted.

Run: .venv/bin/python benchmarks/exam_load.py [--candidates 1000] [--rounds 60] [--compress 10]
     [--workers 4] [--threads 4] [--connections 32]
     [--database postgresql://postgres@127.0.0.1:5432/test]"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from stdnum.cn import ric  # noqa: E402

SECRET = "bench-secret-" + secrets.token_hex(8)
USER_AGENT = "exam-load"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url: str, n: int) -> list[dict]:
    """Migrate, seed the demo, and give N candidates a started attempt and a session cookie."""
    import flask_migrate
    import numpy as np
    from flask import session as flask_session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    from question_bank import assembly
    from training_portal import create_app
    from training_portal.accounts.models import AuthSession, User
    from training_portal.accounts.operations import hash_password
    from training_portal.core.db import db, utcnow
    from training_portal.demo import seed
    from training_portal.exams.models import (
        ApplicationStatus,
        AttemptState,
        ExamApplication,
        ExamAttempt,
        ExamSession,
        IdentityCheck,
    )
    from training_portal.people.models import Gender, OperationType, Person, PersonnelCategory

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET}, instance_path=tempfile.mkdtemp())
    clients = []
    with app.app_context():
        flask_migrate.upgrade()
        seed.seed()
        db.session.commit()
        session = db.session.scalar(select(ExamSession))
        session.seats = n + 10
        password = hash_password("candidate-pass-1")
        people, users = [], []
        for k in range(n):
            body = f"220100{1980 + k % 20}0101{k % 1000:03d}"
            number = body + ric.calc_check_digit(body + "0")
            people.append(
                {
                    "id_number": number[:-1] + number[-1] if k < 1000 else number,
                    "name": f"考生{k:04d}",
                    "gender": Gender.MALE if k % 2 else Gender.FEMALE,
                    "birth_date": datetime(1980 + k % 20, 1, 1).date(),
                    "education_field": "",
                    "mining_related_degree": False,
                    "phone": "",
                    "created_at": utcnow(),
                }
            )
        ids = db.session.execute(insert(Person).returning(Person.id), people).scalars().all()
        for k, pid in enumerate(ids):
            users.append(
                {
                    "username": f"bench{k:05d}",
                    "password_hash": password,
                    "display_name": f"考生{k:04d}",
                    "person_id": pid,
                    "active": True,
                    "created_at": utcnow(),
                }
            )
        user_ids = db.session.execute(insert(User).returning(User.id), users).scalars().all()
        apps = (
            db.session.execute(
                insert(ExamApplication).returning(ExamApplication.id),
                [
                    {
                        "person_id": pid,
                        "category": PersonnelCategory.SPECIAL_OPERATOR,
                        "operation_type": OperationType.COAL_GAS_INSPECTION,
                        "status": ApplicationStatus.APPROVED,
                        "submitted_by_id": uid,
                        "work_history": "",
                        "evidence": {},
                        "precheck": [],
                        "submitted_at": utcnow(),
                    }
                    for pid, uid in zip(ids, user_ids, strict=True)
                ],
            )
            .scalars()
            .all()
        )
        papers = assembly.draw_papers(session.blueprint, n, np.random.default_rng(1))
        now = utcnow()
        attempt_ids = (
            db.session.execute(
                insert(ExamAttempt).returning(ExamAttempt.id),
                [
                    {
                        "session_id": session.id,
                        "application_id": aid,
                        "person_id": pid,
                        "retake": False,
                        "seat": 100 + k,
                        "identity": IdentityCheck.CONFIRMED,
                        "allowed_new_device": False,
                        "paper_id": paper.id,
                        "state": AttemptState.ANSWERING,
                        "started_at": now,
                        "deadline": now + timedelta(hours=3),
                        "answers": {},
                        "saved_seq": 0,
                    }
                    for k, (aid, pid, paper) in enumerate(zip(apps, ids, papers, strict=True))
                ],
            )
            .scalars()
            .all()
        )
        serializer = app.session_interface.get_signing_serializer(app)
        by_id = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
        for uid, attempt_id, paper in zip(user_ids, attempt_ids, papers, strict=True):
            token = secrets.token_urlsafe(24)
            db.session.add(
                AuthSession(
                    token_hash=hashlib.sha256(token.encode()).hexdigest(),
                    user_id=uid,
                    created_at=now,
                    last_seen_at=now,
                )
            )
            # The session cookie as the log-in page leaves it, made by Flask-Login and
            # Flask-WTF themselves for the address and browser the load comes from, so that
            # no save finds it changed and writes it again; each in a context of its own, as
            # each candidate's log-in is a request of its own.
            user = by_id[uid]
            user.session_token = token
            with (
                app.app_context(),
                app.test_request_context(
                    environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"User-Agent": USER_AGENT}
                ),
            ):
                flask_session.permanent = True
                login_user(user)
                csrf = generate_csrf()
                cookie = serializer.dumps(dict(flask_session))
            clients.append(
                {
                    "attempt": attempt_id,
                    "cookie": cookie,
                    "csrf": csrf,
                    "questions": [(str(i.position), len(i.option_order)) for i in paper.items],
                }
            )
        db.session.commit()
        db.engine.dispose()
    return clients


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def add(self, seconds: float, error: str | None) -> None:
        with self.lock:
            if error:
                self.errors.append(error)
            else:
                self.latencies.append(seconds)


_local = threading.local()


def request(port: int, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, bytes]:
    conn = getattr(_local, "conn", None)
    for attempt in range(2):
        if conn is None:
            conn = _local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        except (ConnectionError, http.client.HTTPException, OSError):
            conn.close()
            conn = _local.conn = None
            if attempt:
                raise
    raise RuntimeError("unreachable")


class Load:
    """The two kinds of request, each a callable that sends one and records it."""

    def __init__(self, port: int, clients: list[dict]) -> None:
        self.port, self.clients = port, clients
        self.acknowledged: dict[int, tuple[int, dict]] = {}
        self.rng = __import__("random").Random(7)
        self.lock = threading.Lock()

    def save(self, recorder: Recorder, client: dict, seq: int):
        """One save of the candidate's whole sheet, its body made now, before the clock runs:
        the client shares the portal's two cores, and the bare requests it is compared with
        cost the client nothing to make either. Call the result (with the time it was due,
        when paced) to send it."""
        answers = {q: [self.rng.randrange(n)] for q, n in client["questions"]}
        body = json.dumps({"answers": answers, "seq": seq}).encode()
        headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": client["csrf"],
            "Cookie": f"portal_session={client['cookie']}",
            "User-Agent": USER_AGENT,
        }
        path = f"/api/attempts/{client['attempt']}/answers"

        def send(due: float | None = None) -> None:
            start = time.perf_counter() if due is None else due
            try:
                status, data = request(self.port, "PUT", path, body, headers)
            except Exception as exc:  # a failed save is counted, not raised
                recorder.add(0, type(exc).__name__)
                return
            took = time.perf_counter() - start
            if status == 200 and json.loads(data)["saved_seq"] == seq:
                recorder.add(took, None)
                with self.lock:  # the newest acknowledged save is what must be stored
                    if seq > self.acknowledged.get(client["attempt"], (0, None))[0]:
                        self.acknowledged[client["attempt"]] = (seq, answers)
            else:
                recorder.add(took, f"{status} {data[:80]!r}")

        return send

    def bare(self, recorder: Recorder, due: float | None = None) -> None:
        start = time.perf_counter() if due is None else due
        try:
            status, _ = request(self.port, "GET", "/bench/bare", None, {})
        except Exception as exc:
            recorder.add(0, type(exc).__name__)
            return
        recorder.add(time.perf_counter() - start, None if status == 200 else str(status))


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the portal (gunicorn and its workers), by PostgreSQL when it
    runs on this machine, and by this client: where a request's cost goes on a machine all
    three share."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"portal": 0.0, "database": 0.0, "client": sum(os.times()[:2])}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                name, fields = f.read().split(" (", 1)[1].rsplit(") ", 1)
        except OSError:  # gone meanwhile
            continue
        fields = fields.split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if int(pid) == server_pid or int(fields[1]) == server_pid:
            used["portal"] += seconds
        elif name.startswith("postgres"):
            used["database"] += seconds
    return used


class Cost:
    """CPU milliseconds per request, summed over the blocks of one kind of request."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid, self.requests = server_pid, 0
        self.used = {"portal": 0.0, "database": 0.0, "client": 0.0}

    def flat_out(self, jobs: list, connections: int) -> float:
        """Run the jobs as fast as ``connections`` clients can; the wall time."""
        before = cpu_seconds(self.server_pid)
        start = time.perf_counter()
        with ThreadPoolExecutor(connections) as pool:
            list(pool.map(lambda job: job(), jobs))
        wall = time.perf_counter() - start
        after = cpu_seconds(self.server_pid)
        self.requests += len(jobs)
        for part in self.used:
            self.used[part] += after[part] - before[part]
        return wall

    def describe(self) -> str:
        per = {part: 1000 * used / max(1, self.requests) for part, used in self.used.items()}
        return (
            f"{'':<28} CPU per request: portal {per['portal']:.2f} ms, database "
            f"{per['database']:.2f} ms, client {per['client']:.2f} ms, total {sum(per.values()):.2f} ms"
        )


def paced(jobs: list, rate: float, connections: int) -> None:
    """Open loop: job k is due at k / rate seconds; its latency counts from when it was due,
    so a server that falls behind shows it (no coordinated omission)."""
    begin = time.perf_counter() + 0.1
    counter = iter(range(len(jobs)))
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                k = next(counter, None)
            if k is None:
                return
            due = begin + k / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            jobs[k](due)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def describe(name: str, recorder: Recorder, wall: float) -> float:
    lat = sorted(recorder.latencies)
    rate = len(lat) / wall
    p50 = statistics.median(lat) * 1000 if lat else float("nan")
    p99 = lat[int(len(lat) * 0.99) - 1] * 1000 if lat else float("nan")
    print(
        f"{name:<28} {rate:8.1f} req/s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   "
        f"ok {len(lat)}   errors {len(recorder.errors)}"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument(
        "--rounds", type=int, default=60, help="saves per candidate, flat out (a 120-minute sitting has 240)"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--connections", type=int, default=32, help="concurrent client connections")
    parser.add_argument(
        "--compress",
        type=float,
        default=10.0,
        help="time compression of the paced phase (10: a 30 s save cycle in 3 s)",
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()

    from training_portal.config import database_url

    base = database_url(args.database)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    server = None
    try:
        start = time.perf_counter()
        clients = prepare(url, args.candidates)
        print(
            f"prepared {len(clients)} candidates with started attempts in "
            f"{time.perf_counter() - start:.1f} s (PostgreSQL, durable commits)"
        )
        port = free_port()
        env = os.environ | {"DATABASE_URL": url, "SECRET_KEY": SECRET, "STORAGE_DIR": tempfile.mkdtemp()}
        server = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "--workers",
                str(args.workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(args.threads),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "benchmarks.exam_load_app:app",
            ],
            cwd=ROOT,
            env=env,
        )
        for _ in range(100):
            try:
                request(port, "GET", "/bench/bare", None, {})
                break
            except Exception:
                time.sleep(0.2)
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; gunicorn {args.workers} workers x {args.threads} threads; "
            f"{args.connections} client connections on the same machine"
        )
        load = Load(port, clients)
        # Throughput: the bare endpoint and the saves in alternating blocks, so that the other
        # load on a shared machine weighs on both alike; the ratio is of their summed rates.
        bare, saves = Recorder(), Recorder()
        bare_cost, saves_cost = Cost(server.pid), Cost(server.pid)
        bare_wall = saves_wall = 0.0
        for r in range(args.rounds):
            bare_wall += bare_cost.flat_out([lambda: load.bare(bare) for _ in clients], args.connections)
            saves_wall += saves_cost.flat_out([load.save(saves, c, r + 1) for c in clients], args.connections)
        print(
            f"flat out, {args.connections} connections, {args.rounds} alternating blocks of "
            f"{len(clients)} requests each:"
        )
        bare_rate = describe("anchor: bare JSON endpoint", bare, bare_wall)
        print(bare_cost.describe())
        save_rate = describe(f"answer saves ({args.candidates} candidates)", saves, saves_wall)
        print(saves_cost.describe())
        first = min(args.workers, args.rounds) * len(clients)
        print(
            f"{'':<28} of them a worker's first of its attempt (two queries more): at most {first:,} "
            f"of {args.rounds * len(clients):,} ({first / (args.rounds * len(clients)):.1%}; "
            f"{args.workers / 240:.1%} in a 120-minute sitting)"
        )
        print(f"saves/s relative to the bare endpoint: {save_rate / bare_rate:.2f}x (target >= 0.5x)")

        # Latency: the candidates' 30-second save cycle compressed --compress times, open loop.
        rate = len(clients) / 30 * args.compress
        print(
            f"paced: {len(clients)} candidates saving every 30 s compressed {args.compress}x = "
            f"{rate:.0f} saves/s offered, 2 cycles; latency from when each request was due:"
        )
        bare_paced, saves_paced = Recorder(), Recorder()
        paced(
            [lambda due: load.bare(bare_paced, due) for _ in range(2 * len(clients))], rate, args.connections
        )
        describe("anchor: bare JSON endpoint", bare_paced, 2 * len(clients) / rate)
        jobs = [load.save(saves_paced, c, args.rounds + 1 + cycle) for cycle in range(2) for c in clients]
        paced(jobs, rate, args.connections)
        describe(f"answer saves ({args.candidates} candidates)", saves_paced, 2 * len(clients) / rate)
        acknowledged = load.acknowledged
        failed = len(saves.errors) + len(saves_paced.errors)

        engine = create_engine(url)
        lost = 0
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, saved_seq FROM exam_attempts")).all())
            stored = dict(conn.execute(text("SELECT id, answers FROM exam_attempts")).all())
        for attempt, (seq, answers) in acknowledged.items():
            if rows.get(attempt) != seq or stored.get(attempt) != answers:
                lost += 1
        print(
            f"re-read {len(acknowledged)} attempts: {lost} lost or different saves (target 0); "
            f"failed saves {failed} (target 0)"
        )
        print("targets: p99 below 100 ms at 1,000 candidates")
        engine.dispose()
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
