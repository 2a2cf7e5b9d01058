"""gunicorn with several workers, candidates saving continuously, and a worker ``kill -9``ed
mid-save again and again: every save a client saw acknowledged is in the database, the clients
retry and finish, and no attempt is graded twice although each candidate submits twice at once."""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from benchmarks.exam_load import ROOT, SECRET, free_port, prepare
from training_portal.config import database_url as normalise_url

from .conftest import children, stop, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)"
    ),
]

CANDIDATES = 24
WORKERS = 3
KILLS = 8


@pytest.fixture()
def schema_url():
    base = normalise_url(os.environ["TEST_DATABASE_URL"])
    schema = f"kill_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


class Candidate:
    """A client that keeps its answers until the server acknowledges them, as the exam page
    does: a save that fails is sent again with the same seq."""

    def __init__(self, client: dict, port: int) -> None:
        self.client, self.port = client, port
        self.seq, self.acknowledged = 0, None
        self.retries = 0
        self.unexpected: list[str] = []
        self.rng = random.Random(client["attempt"])
        self.conn: http.client.HTTPConnection | None = None

    def _request(self, method: str, path: str, data: bytes | None, headers: dict) -> tuple[int, bytes]:
        """One try on a kept-alive connection; a broken one is dropped and the error raised."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except Exception:
            self.conn.close()
            self.conn = None
            raise

    def _send(self, method: str, path: str, body: dict | None) -> tuple[int, dict]:
        headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": self.client["csrf"],
            "Cookie": f"portal_session={self.client['cookie']}",
        }
        data = json.dumps(body).encode() if body is not None else None
        for _ in range(200):
            try:
                status, raw = self._request(method, path, data, headers)
            except Exception:  # the worker died under the request: send it again
                self.retries += 1
                time.sleep(0.02)
                continue
            if status >= 500:
                self.retries += 1
                time.sleep(0.02)
                continue
            return status, json.loads(raw)
        raise AssertionError(f"{method} {path} never succeeded")

    def save(self) -> None:
        self.seq += 1
        answers = {q: [self.rng.randrange(n)] for q, n in self.client["questions"]}
        status, body = self._send(
            "PUT", f"/api/attempts/{self.client['attempt']}/answers", {"answers": answers, "seq": self.seq}
        )
        if status == 200 and body["saved_seq"] == self.seq:
            self.acknowledged = (self.seq, answers)
        else:
            self.unexpected.append(f"save {self.seq}: {status} {body}")

    def submit(self) -> dict:
        status, body = self._send("POST", f"/api/attempts/{self.client['attempt']}/submit", None)
        assert status == 200, body
        return body


def test_killed_workers_lose_no_acknowledged_save_and_grade_nothing_twice(schema_url):
    clients = prepare(schema_url, CANDIDATES)
    port = free_port()
    env = os.environ | {"DATABASE_URL": schema_url, "SECRET_KEY": SECRET, "STORAGE_DIR": tempfile.mkdtemp()}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "benchmarks.exam_load_app:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: len(children(server.pid)) == WORKERS, 60, "gunicorn's workers")
        wait_until(lambda: _answers(port), 60, "the server to answer")
        candidates = [Candidate(c, port) for c in clients]
        saving = threading.Event()
        saving.set()

        def keep_saving(candidate: Candidate) -> None:
            while saving.is_set():
                candidate.save()
            candidate.save()  # one more after the last kill: the server has recovered

        pool = ThreadPoolExecutor(len(candidates))
        futures = [pool.submit(keep_saving, c) for c in candidates]
        killed = 0
        for _ in range(KILLS):
            time.sleep(0.6)
            workers = children(server.pid)
            if workers:
                os.kill(random.choice(workers), signal.SIGKILL)
                killed += 1
        time.sleep(0.5)
        saving.clear()
        for future in futures:
            future.result(timeout=120)

        # Each candidate submits twice at the same moment (two tabs, two workers).
        results: dict[int, list[dict]] = {}
        with ThreadPoolExecutor(2 * len(candidates)) as submitters:
            jobs = [(c, submitters.submit(c.submit)) for c in candidates for _ in range(2)]
            for candidate, job in jobs:
                results.setdefault(candidate.client["attempt"], []).append(job.result(timeout=120))
        pool.shutdown()
    finally:
        output = stop(server)

    assert killed == KILLS, output
    interrupted = sum(c.retries for c in candidates)
    saves = sum(c.seq for c in candidates)
    print(
        f"{saves} saves by {CANDIDATES} candidates, {killed} workers killed with SIGKILL, "
        f"{interrupted} requests cut and sent again"
    )
    assert interrupted > 0, "no kill landed on a request: the test proved nothing"
    assert [u for c in candidates for u in c.unexpected] == []
    engine = create_engine(schema_url)
    with engine.connect() as conn:
        stored = {
            row.id: row
            for row in conn.execute(text("SELECT id, saved_seq, answers, state, score FROM exam_attempts"))
        }
        graded = dict(
            conn.execute(
                text(
                    "SELECT object_id, count(*) FROM audit_entries WHERE action = 'attempt.grade' "
                    "GROUP BY object_id"
                )
            ).all()
        )
    engine.dispose()
    for candidate in candidates:
        attempt = candidate.client["attempt"]
        seq, answers = candidate.acknowledged
        assert (stored[attempt].saved_seq, stored[attempt].answers) == (seq, answers), attempt
        assert stored[attempt].state == "submitted"
        first, second = results[attempt]
        assert first == second, attempt  # the second submit returns the same result
        assert graded.get(str(attempt)) == 1, f"attempt {attempt} graded twice"


def _answers(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/bench/bare")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()
