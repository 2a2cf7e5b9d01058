"""Practice load: N trainees answering practice questions under gunicorn on PostgreSQL.

Each simulated trainee has a practice round of its own (questions of the active bank that apply
to a gas inspector) and answers its questions one by one (``PUT /api/practice/<id>/answers/<q>``:
the answer is graded and the wrong-answer book updated in the request), next to the same number
of requests to a bare JSON endpoint of the same app under the same server (the anchor), as
``exam_load.py`` does. Printed in one run:
- flat out: answers/s against bare requests/s from alternating blocks of each, their p50/p99 at
  that saturation, and the CPU each kind of request costs the portal, PostgreSQL and this client;
- paced: every trainee answering once every 5 s (2,000 trainees: 400 answers/s offered), open
  loop, p50/p99 counted from when each request was due, next to the bare endpoint at the same rate;
- then every answer the client saw acknowledged is looked up in the database.
Three answers in four are right (``RIGHT``), the rest wrong; every question is single choice.

Run: .venv/bin/python benchmarks/practice.py [--trainees 2000] [--rounds 10] [--every 5]
     [--workers 4] [--threads 4] [--connections 32]
     [--database postgresql://postgres@127.0.0.1:5432/test]"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from stdnum.cn import ric  # noqa: E402

from benchmarks.exam_load import Cost, Recorder, describe, free_port, paced, request  # noqa: E402

SECRET = "bench-secret-" + secrets.token_hex(8)
USER_AGENT = "practice-load"
BANK = 100  # extra active questions for everyone, so that a round lasts the whole run
# Trainees who practise for an exam with an 80-point pass mark answer most questions right; a
# right answer to a question not in the book writes nothing to the book, a wrong one does.
RIGHT = 0.75


def prepare(url: str, n: int, per_round: int) -> list[dict]:
    """Migrate, seed the demo, add a bank, and give N gas inspectors a practice round and a
    session cookie."""
    import flask_migrate
    import numpy as np
    from flask import session as flask_session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    from question_bank import operations as bank_ops
    from question_bank.data import QuestionData
    from question_bank.models import QuestionStatus
    from training_portal import create_app
    from training_portal.accounts.models import AuthSession, User
    from training_portal.accounts.operations import hash_password
    from training_portal.core import policy
    from training_portal.core.db import db, utcnow
    from training_portal.demo import seed
    from training_portal.people.models import Gender, OperationType, Person, PersonPost, Post
    from training_portal.practice import operations as practice_ops

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET}, instance_path=tempfile.mkdtemp())
    clients = []
    with app.app_context():
        flask_migrate.upgrade()
        seed.seed()
        for k in range(BANK):
            question = bank_ops.create_question(
                QuestionData(
                    type="single_choice",
                    stem=f"压测第{k}题：井下巷道最低风速不得低于多少？",
                    options=["0.15", "0.25", "0.5", "1.0"],
                    correct=[1],
                    category=f"压测/第{k % 5}章",
                    explanation="一般巷道最低允许风速0.25 m/s。",
                    external_id=f"BENCH-{k:04d}",
                ),
                actor=None,
            )
            question.status = QuestionStatus.ACTIVE
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        policy.set_value("practice.questions_per_round", per_round, actor=admin)
        db.session.commit()
        password = hash_password("trainee-pass-1")
        people = []
        for k in range(n):
            body = f"220100{1980 + k % 20}0101{k % 1000:03d}"
            number = body + ric.calc_check_digit(body + "0")
            people.append(
                {
                    "id_number": f"{k:06d}{number[6:]}"[:18],
                    "name": f"学员{k:05d}",
                    "gender": Gender.MALE if k % 2 else Gender.FEMALE,
                    "birth_date": datetime(1980 + k % 20, 1, 1).date(),
                    "education_field": "",
                    "mining_related_degree": False,
                    "phone": "",
                    "created_at": utcnow(),
                }
            )
        ids = db.session.execute(insert(Person).returning(Person.id), people).scalars().all()
        db.session.execute(
            insert(PersonPost),
            [
                {
                    "person_id": pid,
                    "post": Post.SPECIAL_OPERATOR,
                    "operation_type": OperationType.COAL_GAS_INSPECTION,
                    "started_on": datetime(2024, 1, 1).date(),
                }
                for pid in ids
            ],
        )
        user_ids = (
            db.session.execute(
                insert(User).returning(User.id),
                [
                    {
                        "username": f"bench{k:05d}",
                        "password_hash": password,
                        "display_name": f"学员{k:05d}",
                        "person_id": pid,
                        "active": True,
                        "created_at": utcnow(),
                    }
                    for k, pid in enumerate(ids)
                ],
            )
            .scalars()
            .all()
        )
        serializer = app.session_interface.get_signing_serializer(app)
        rng = np.random.default_rng(1)
        now = utcnow()
        for user in db.session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.id)):
            practice = practice_ops.start_round(user, "practice", "压测", rng=rng)  # single choice only
            token = secrets.token_urlsafe(24)
            db.session.add(
                AuthSession(
                    token_hash=hashlib.sha256(token.encode()).hexdigest(),
                    user_id=user.id,
                    created_at=now,
                    last_seen_at=now,
                )
            )
            # The session cookie as the log-in page leaves it (see exam_load.py).
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
                    "round": practice.id,
                    "cookie": cookie,
                    "csrf": csrf,
                    "questions": [
                        (i.question_id, len(i.option_order), i.option_order.index(i.version.correct[0]))
                        for i in practice.items
                    ],
                }
            )
        db.session.commit()
        db.engine.dispose()
    return clients


class Load:
    def __init__(self, port: int, clients: list[dict]) -> None:
        self.port, self.clients = port, clients
        self.acknowledged: list[tuple[int, int, list[int]]] = []
        self.rng = random.Random(7)

    def answer(self, recorder: Recorder, client: dict, k: int):
        """Answer the trainee's k-th question, right with the probability ``RIGHT`` (else another
        option); the body is made before the clock runs. Call the result (with the time it was
        due, when paced) to send it."""
        question, n, right = client["questions"][k]
        chosen = [right if self.rng.random() < RIGHT else (right + self.rng.randrange(1, n)) % n]
        body = json.dumps({"answer": chosen}).encode()
        headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": client["csrf"],
            "Cookie": f"portal_session={client['cookie']}",
            "User-Agent": USER_AGENT,
        }
        path = f"/api/practice/{client['round']}/answers/{question}"

        def send(due: float | None = None) -> None:
            start = time.perf_counter() if due is None else due
            try:
                status, data = request(self.port, "PUT", path, body, headers)
            except Exception as exc:  # a failed answer is counted, not raised
                recorder.add(0, type(exc).__name__)
                return
            took = time.perf_counter() - start
            if status == 200 and "correct" in json.loads(data):
                recorder.add(took, None)
                self.acknowledged.append((client["round"], question, chosen))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=10, help="answers per trainee, flat out")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between a trainee's answers, paced")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--connections", type=int, default=32, help="concurrent client connections")
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    cycles = 2  # paced: every trainee answers twice

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
        clients = prepare(url, args.trainees, args.rounds + cycles)
        print(
            f"prepared {len(clients)} trainees with a practice round of {len(clients[0]['questions'])} "
            f"questions in {time.perf_counter() - start:.1f} s (PostgreSQL)"
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
        bare, answers = Recorder(), Recorder()
        bare_cost, answers_cost = Cost(server.pid), Cost(server.pid)
        bare_wall = answers_wall = 0.0
        for r in range(args.rounds):
            bare_wall += bare_cost.flat_out([lambda: load.bare(bare) for _ in clients], args.connections)
            answers_wall += answers_cost.flat_out(
                [load.answer(answers, c, r) for c in clients], args.connections
            )
        print(
            f"flat out, {args.connections} connections, {args.rounds} alternating blocks of "
            f"{len(clients)} requests each:"
        )
        bare_rate = describe("anchor: bare JSON endpoint", bare, bare_wall)
        print(bare_cost.describe())
        answer_rate = describe(f"answers ({args.trainees} trainees)", answers, answers_wall)
        print(answers_cost.describe())
        print(f"answers/s relative to the bare endpoint: {answer_rate / bare_rate:.2f}x")

        rate = len(clients) / args.every
        print(
            f"paced: {len(clients)} trainees answering every {args.every:g} s = {rate:.0f} answers/s "
            f"offered, {cycles} cycles; latency from when each request was due:"
        )
        bare_paced, answers_paced = Recorder(), Recorder()
        paced(
            [lambda due: load.bare(bare_paced, due) for _ in range(cycles * len(clients))],
            rate,
            args.connections,
        )
        describe("anchor: bare JSON endpoint", bare_paced, cycles * len(clients) / rate)
        jobs = [
            load.answer(answers_paced, c, args.rounds + cycle) for cycle in range(cycles) for c in clients
        ]
        paced(jobs, rate, args.connections)
        describe(f"answers ({args.trainees} trainees)", answers_paced, cycles * len(clients) / rate)

        engine = create_engine(url)
        with engine.connect() as conn:
            stored = {
                (r, q): a
                for r, q, a in conn.execute(
                    text("SELECT round_id, question_id, answer FROM pr_items WHERE answer IS NOT NULL")
                )
            }
            in_book = conn.execute(text("SELECT count(*) FROM pr_wrong_answers")).scalar()
        lost = sum(1 for r, q, a in load.acknowledged if stored.get((r, q)) != a)
        failed = len(answers.errors) + len(answers_paced.errors)
        print(
            f"re-read {len(load.acknowledged)} acknowledged answers: {lost} missing or different (target 0); "
            f"failed answers {failed} (target 0); {in_book} questions in the trainees' books"
        )
        print("target: p99 of the answer below 100 ms, paced")
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
