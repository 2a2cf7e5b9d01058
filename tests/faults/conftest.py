"""Tools to break things on purpose: a TCP proxy that can cut the database off, a gunicorn
server whose workers can be killed, and a Celery worker process to kill and replace."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def postgresql(database_url) -> str:
    """Faults and races that need a database server (to lose, or to lock rows in)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs a database server with real concurrency (PostgreSQL; CI sets TEST_DATABASE_URL)")
    return database_url


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a server. ``cut()`` drops every connection and refuses new
    ones, as a restarting server does; ``restore()`` listens again on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):  # shutdown wakes the thread blocked in accept()
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for a, b in pairs:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1.0)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (b if s is a else a).sendall(data)
        except (OSError, ValueError):  # cut() closed the sockets under us (fd -1)
            return
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.close()


def through(url: str, port: int) -> str:
    """The same database URL, reached on 127.0.0.1:<port>."""
    parts = urlsplit(url)
    user = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}"))


@pytest.fixture()
def proxy(postgresql):
    parts = urlsplit(postgresql)
    p = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    yield p
    p.cut()


# ----------------------------------------------------------------------------- processes


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (gunicorn's workers, Celery's pool)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def wait_until(condition, timeout: float, what: str, interval: float = 0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def stop(process: subprocess.Popen) -> str:
    """Stop a process we started and return what it printed (when piped)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        out = process.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        out = process.communicate()[0]
    return (out or b"").decode(errors="replace")


def celery_worker(env: dict, queue: str, log: Path, concurrency: int = 1) -> subprocess.Popen:
    """A Celery worker with one pool process (or ``concurrency``), taking jobs from ``queue`` only."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "wsgi:celery_app",
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "-Q",
                queue,
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=os.environ | env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def kill_tree(process: subprocess.Popen) -> None:
    """``kill -9`` a worker and its pool processes at once, as when its machine dies."""
    for pid in [*children(process.pid), process.pid]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=30)


# ----------------------------------------------------------------------------- the file store


@contextlib.contextmanager
def read_only(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:  # root writes through any mode: mount the folder read-only over itself
        mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
        if mounted.returncode != 0:
            pytest.skip(f"cannot bind-mount here: {mounted.stderr.decode()}")
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
            yield
        finally:
            subprocess.run(["umount", str(folder)], check=True)
    else:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")] if p.is_dir()}
        for path in modes:
            path.chmod(0o555)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)


@contextlib.contextmanager
def full_disk(folder: Path, size: str = "64k"):
    """A tiny file system mounted over ``folder`` (root only): writes past ``size`` fail with
    ENOSPC, as on a full disk."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount here: {mounted.stderr.decode()}")
    try:
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)
