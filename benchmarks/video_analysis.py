"""Classroom video analysis: × real time, head-count accuracy and events found, next to a naive pass.

A 10-minute 960×540 10 fps H.264 classroom recording (18 trainees, a clock burned in, 2 s
keyframe interval, no B-frames, as CCTV cameras encode) with scripted incidents is made by
``proctoring.synthetic``; then, on the same file in the same run:
  - this project's ``proctoring.analysis.analyse`` (keyframes only, calibrated Haar scan,
    2 threads), end to end: probe, calibration, measuring, events and evidence JPEGs;
  - the anchor: the naive approach, cv2.VideoCapture decoding every frame and the same
    Haar cascade with its textbook settings (scaleFactor 1.1, minNeighbors 5, minSize 30)
    on the full frame once a second. It measures counts only; it finds no events.
Count accuracy is per second of the recording: each second is compared with the truth
using the latest sample at or before it (the analysis samples every 2 s; the anchor every
second); "clean" seconds are those at least 2 s from every scripted incident.

Run: .venv/bin/python benchmarks/video_analysis.py [--repeat 3] [--video PATH (reuse/keep the file)]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from proctoring.analysis import Report, analyse  # noqa: E402
from proctoring.faces import load_cascade  # noqa: E402
from proctoring.synthetic import ClassroomSpec, Scripted, Truth, write_classroom  # noqa: E402
from proctoring.synthetic import truth as scripted_truth  # noqa: E402

SPEC = ClassroomSpec(
    duration_s=600.0, width=960, height=540, fps=10, rows=3, cols=6, face_frac=0.11, seed=11,
    events=(
        Scripted("absent", 60, 100, seats=(2, 9, 15)),
        Scripted("covered", 130, 145),
        Scripted("dark", 170, 190),
        Scripted("frozen", 220, 240),
        Scripted("scene_change", 270, 290),
        Scripted("looped", 330, 360, source_s=20),  # old pictures under the running clock
        Scripted("overcrowded", 400, 440, extra=3),
        Scripted("looped", 470, 490, source_s=300, same_clock=True),  # the old clock replayed too
    ),
)
SLACK_S = 4.0  # two samples


def per_second(times: list[float], counts: list[int], seconds: int) -> list[int]:
    out, k = [], 0
    for s in range(seconds):
        while k + 1 < len(times) and times[k + 1] <= s + 1e-6:
            k += 1
        out.append(counts[k])
    return out


def accuracy(got: list[int], truth: Truth) -> tuple[float, float]:
    clean = truth.clean_seconds()
    n = min(len(got), len(truth.counts))
    every = sum(got[s] == truth.counts[s] for s in range(n)) / n
    return every, sum(got[s] == truth.counts[s] for s in clean) / len(clean)


def naive(path: Path) -> tuple[float, list[int]]:
    cascade = load_cascade()
    started = time.perf_counter()
    cap = cv2.VideoCapture(str(path))
    fps = round(cap.get(cv2.CAP_PROP_FPS)) or 10
    counts, i = [], 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if i % fps == 0:
            grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            counts.append(len(cascade.detectMultiScale(grey, 1.1, 5, minSize=(30, 30))))
        i += 1
    cap.release()
    return time.perf_counter() - started, counts


def events_found(report: Report) -> tuple[list[str], list[str]]:
    lines, extra = [], list(report.events)
    for want in SPEC.events:
        hit = [e for e in report.events if e.kind == want.kind
               and abs(e.start_s - want.start_s) <= SLACK_S and abs(e.end_s - want.end_s) <= SLACK_S]
        for e in hit:
            if e in extra:
                extra.remove(e)
        found = (f"found {hit[0].start_s:.0f}–{hit[0].end_s:.0f} s, confidence {hit[0].confidence:.2f}"
                 if hit else "MISSED")
        lines.append(f"    {want.kind:<13} scripted {want.start_s:.0f}–{want.end_s:.0f} s: {found}")
    return lines, [f"    EXTRA {e.kind} {e.start_s:.0f}–{e.end_s:.0f} s" for e in extra]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="analysis runs (the median is reported)")
    parser.add_argument("--video", type=Path, help="where to write the video (reused if it exists)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    path = args.video or Path(tmp.name) / "classroom.mp4"
    started = time.perf_counter()
    if path.exists():
        truth = scripted_truth(SPEC)  # the same spec: the truth is recomputed without encoding
        print(f"video: reused {path}")
    else:
        truth = write_classroom(path, SPEC)
        print(f"video: generated in {time.perf_counter() - started:.1f} s")
    size_mb = path.stat().st_size / 1e6
    print(f"  {SPEC.duration_s:.0f} s, {SPEC.width}x{SPEC.height} {SPEC.fps} fps H.264, "
          f"GOP {SPEC.gop_s:g} s, {size_mb:.1f} MB, {SPEC.roster} trainees, "
          f"{len(SPEC.events)} scripted incidents")
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"load average before {os.getloadavg()[0]:.2f}; Python {platform.python_version()}, "
          f"OpenCV {cv2.__version__}, PyAV {__import__('av').__version__}")

    walls, report = [], None
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        report = analyse(path, roster=SPEC.roster, workers=args.workers)
        walls.append(time.perf_counter() - t0)
    assert report is not None
    wall = statistics.median(walls)
    got = per_second([s.t for s in report.samples], [s.faces for s in report.samples], int(SPEC.duration_s))
    every, clean = accuracy(got, truth)
    lines, extra = events_found(report)
    print(f"\nthis project (analyse, {args.workers} threads, {len(report.samples)} samples, "
          f"detector scale {report.detector.scale if report.detector else 0:.2f}):")
    print(f"  wall {wall:.2f} s (runs: {', '.join(f'{w:.2f}' for w in walls)}) = "
          f"{SPEC.duration_s / wall:.0f}x real time (best {SPEC.duration_s / min(walls):.0f}x)")
    print(f"  counts exact: {clean:.1%} of clean seconds, {every:.1%} of all seconds")
    print(f"  events: {sum('MISSED' not in line for line in lines)}/{len(lines)} scripted found, "
          f"{len(extra)} extra")
    print("\n".join(lines + extra))

    naive_wall, naive_counts = naive(path)
    every_n, clean_n = accuracy(naive_counts, truth)
    print("\nanchor (cv2.VideoCapture every frame, Haar 1.1/5/30 px on the full frame once a second):")
    print(f"  wall {naive_wall:.2f} s = {SPEC.duration_s / naive_wall:.0f}x real time")
    print(f"  counts exact: {clean_n:.1%} of clean seconds, {every_n:.1%} of all seconds; "
          "events: none (counts only)")
    print(f"\nspeed-up over the anchor: {naive_wall / wall:.1f}x; "
          f"load average after {os.getloadavg()[0]:.2f}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
