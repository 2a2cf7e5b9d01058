"""Networked classroom cameras: how many one worker can sample every 2 s.

Local RTSP cameras (GStreamer's RTSP server, ``tests/cameras/rtsp_camera.py``, run by the
system Python; ``--servers`` processes) stream a 960×540 classroom of real faces
(``proctoring.synthetic``) as H.264 with a keyframe every second, one encoder per server shared
by its clients, as a camera's own encoder is. Then, in this process, the sampling job's work
(``proctoring.live.grab_all`` — open the stream, first keyframe, close — and the 640-wide JPEG
snapshot of each picture) for rounds of N cameras at once (N addresses spread over the
servers), each round timed, with this process's CPU time and the servers'. Printed in the
same run:
  - the anchor: one frame from one camera alone (median of several);
  - per N: the round's wall time against the 2 s budget, the median and slowest single read,
    all answered or not, CPU seconds of the sampler per camera, and what that CPU means on
    2 cores (cameras per 2 s);
  - the machine's load average before and after.
The server runs on the same machine and its CPU is shown apart: on a real network the
cameras encode, not the worker.

Run: .venv/bin/python benchmarks/live_cameras.py [--counts 50,100,200,300] [--workers 256] [--servers 8]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from proctoring.live import grab, grab_all, parse_stream_url  # noqa: E402
from proctoring.synthetic import ClassroomSpec, write_classroom  # noqa: E402
from proctoring.video import jpeg  # noqa: E402

SERVER = ROOT / "tests" / "cameras" / "rtsp_camera.py"
BUDGET_S = 2.0
SPEC = ClassroomSpec(duration_s=120.0, width=960, height=540, rows=3, cols=6, face_px=(14, 55), seed=7)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _round(addresses, workers: int, timeout_s: float) -> tuple[float, int, float, float, float]:
    cpu, started = _cpu_self(), time.perf_counter()
    results = grab_all(list(enumerate(addresses)), timeout_s=timeout_s, workers=workers)
    for result in results.values():
        if result.ok:
            jpeg(result.image, width=640)
    wall = time.perf_counter() - started
    reads = sorted(r.seconds for r in results.values())
    ok = sum(r.ok for r in results.values())
    return wall, ok, _cpu_self() - cpu, statistics.median(reads), reads[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="50,100,200,300")
    parser.add_argument("--workers", type=int, default=256, help="cameras read at once (CAMERA_WORKERS)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per count (the median is shown)")
    parser.add_argument("--timeout", type=float, default=4.0)
    parser.add_argument("--servers", type=int, default=8, help="RTSP server processes")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "room.mp4"
        write_classroom(clip, SPEC)
        servers, addresses = [], []
        for _ in range(args.servers):
            port = _free_port()
            servers.append(
                subprocess.Popen(
                    ["/usr/bin/python3", str(SERVER), "--port", str(port), "--clip", str(clip), "--shared"],
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
            addresses.append(parse_stream_url(f"rtsp://127.0.0.1:{port}/room"))
        try:
            for server in servers:
                if not server.stdout.readline().startswith("ready"):
                    sys.exit("an RTSP server did not start")
            time.sleep(1.0)
            for address in addresses:
                grab(address, args.timeout)  # a shared pipeline starts with its first client
            address = addresses[0]
            alone = []
            for _ in range(7):
                result = grab(address, args.timeout)
                assert result.ok, result.error
                alone.append(result.seconds)
            anchor = statistics.median(alone)
            print(
                f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
                f"load average {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} before"
            )
            print(
                f"anchor: one frame from one camera alone: {anchor * 1000:.0f} ms "
                f"(median of 7; open, first keyframe at a 1 s GOP, close)"
            )
            print(
                f"{'cameras':>8} {'round s':>8} {'read med/max s':>15} {'answered':>9} {'CPU/cam':>9} "
                f"{'servers CPU s':>14} {'fits 2 s':>8} {'cams per 2 s on 2 cores (CPU)':>30}"
            )
            for n in [int(c) for c in args.counts.split(",")]:
                rows = []
                for _ in range(args.rounds):
                    server_cpu = sum(_cpu_of(s.pid) for s in servers)
                    wall, ok, cpu, med, slowest = _round(
                        [addresses[k % len(addresses)] for k in range(n)], args.workers, args.timeout
                    )
                    spent = sum(_cpu_of(s.pid) for s in servers) - server_cpu
                    rows.append((wall, ok, cpu, med, slowest, spent))
                    time.sleep(max(0.0, BUDGET_S - wall))
                wall, ok, cpu, med, slowest, server_cpu = sorted(rows)[len(rows) // 2]
                per = cpu / max(ok, 1)
                fits = "yes" if wall <= BUDGET_S and ok == n else "no"
                print(
                    f"{n:>8} {wall:>8.2f} {med:>7.2f}/{slowest:<7.2f} {ok:>5}/{n:<3} {per * 1000:>7.1f}ms "
                    f"{server_cpu:>14.2f} {fits:>8} {2 * BUDGET_S / per:>30.0f}"
                )
        finally:
            for server in servers:
                server.terminate()
                server.wait(10)
    load_after = os.getloadavg()
    print(
        f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; "
        f"target: 200 cameras every {BUDGET_S:.0f} s"
    )


if __name__ == "__main__":
    main()
