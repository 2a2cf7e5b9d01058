"""The public API: ``analyse(path) -> Report`` and ``probe(path) -> VideoInfo``.

``analyse`` is a pure function of the file and its arguments (the same file gives the same
report, whatever ``workers`` is), so a task calling it can simply be retried. It:

1. probes the file (``NotAVideo`` for anything that is not a complete video);
2. decides how to sample: keyframes only when they come at least every 2 s (CCTV), else
   every frame decoded and one kept per 2 s;
3. scans three calibration keyframes whole to learn where faces sit and how big they are,
   and plans the bands of rows later frames are scanned in, each at its own scale (see
   ``faces``; the detector comes from the registry in ``detectors``);
4. splits the recording into 5-minute chunks, measured by ``workers`` threads (OpenCV,
   FFmpeg and the detector release the GIL, and threads, unlike processes, also work inside
   a Celery prefork worker, whose daemonic children may not start processes); a chunk does
   not depend on which thread measures it, so the report does not depend on ``workers``;
5. finds events on the whole sequence of samples (see ``events``) and cuts a small JPEG of
   each from the file.

``progress(fraction)`` is always called from the calling thread, with fractions that only
grow, ending with 1.0.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import numpy as np
from flask_babel import lazy_gettext as _l

from . import detectors
from . import events as ev
from . import thresholds as th
from .faces import FaceScanner, ScanPlan, fitted_plan, stable_counts, whole_frame
from .features import Measurer, Measures
from .video import NotAVideo, Sampling, VideoInfo, frame_at, jpeg, probe, samples, sampling

__all__ = ["EVENT_KINDS", "Event", "NotAVideo", "Report", "Sample", "VideoInfo", "analyse", "probe"]

# In the order a reviewer should care about them: the picture cannot be trusted first.
EVENT_KINDS = ("covered", "dark", "frozen", "scene_change", "looped", "absent", "overcrowded")


@dataclass(frozen=True)
class Sample:
    """Faces counted at ``t`` seconds from the start (one per keyframe, at least every 2 s)."""

    t: float
    faces: int


@dataclass(frozen=True)
class Event:
    """An incident from ``start_s`` (its first sample) to ``end_s`` (the sample showing it over).

    ``confidence`` is in [0.5, 1] for picture events (how far past its threshold the measure
    was) and, for absent/overcrowded, the share of raw counts off the roster. ``detail``
    holds kind-specific figures (e.g. ``source_s`` of a replay, ``median_count``).
    """

    kind: str
    start_s: float
    end_s: float
    confidence: float
    evidence_jpeg: bytes | None = field(default=None, repr=False)
    detail: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    duration_s: float
    wall_s: float  # seconds the analysis took (the only field that varies between runs)
    samples: list[Sample]
    events: list[Event]
    info: VideoInfo | None = None
    plan: ScanPlan | None = None
    detector: str = ""

    def as_json(self) -> dict[str, object]:
        """The CLI's JSON contract: exactly these keys."""
        return {
            "duration_s": self.duration_s,
            "wall_s": self.wall_s,
            "samples": [{"t": s.t, "faces": s.faces} for s in self.samples],
            "events": [
                {"kind": e.kind, "start_s": e.start_s, "end_s": e.end_s, "confidence": e.confidence}
                for e in self.events
            ],
        }


ProgressFn = Callable[[float], None]
# Who is expected in view: one number for the whole recording, or (start_s, end_s, people)
# stretches, e.g. one per lesson with the trainees signed in to it.
Roster = int | Sequence[tuple[float, float, int]]


def _stretches(roster: Roster | None, duration_s: float) -> list[tuple[float, float, int]]:
    if roster is None:
        return []
    if isinstance(roster, int):
        return [(0.0, float("inf"), roster)]
    return [(float(a), float(b), int(n)) for a, b, n in roster]


def _calibrate(
    path: str | os.PathLike[str], how: Sampling, info: VideoInfo, detector: detectors.FaceDetector
) -> ScanPlan:
    whole = FaceScanner(detector, whole_frame(info.width, info.height))
    boxes = []
    for point in th.CALIBRATION_POINTS:
        image = frame_at(path, how, point * info.duration_s)
        if image is not None:
            boxes.append(whole.detect(image))
    return fitted_plan(info.width, info.height, boxes, detector.target_face_px)


def _chunks(duration_s: float) -> list[tuple[float, float]]:
    """The recording in CHUNK_S pieces, measured independently (the last takes the rest)."""
    n = max(1, int(np.ceil(duration_s / th.CHUNK_S - 1e-9)))
    return [(k * th.CHUNK_S, (k + 1) * th.CHUNK_S if k + 1 < n else float("inf")) for k in range(n)]


def _measure_chunk(
    path: str | os.PathLike[str],
    how: Sampling,
    detector: detectors.FaceDetector,
    plan: ScanPlan,
    start: float,
    end: float,
    done: list[float],
    slot: int,
) -> list[Measures]:
    """Measure the samples of [start, end), warmed up on the CHUNK_WARMUP_S before it: the
    faces known at its start are found there, as every thread finds them."""
    measurer = Measurer(FaceScanner(detector, plan))
    if start == 0:
        # Nothing comes before the first chunk: it warms up on its own first seconds, so the
        # faces the detector is less sure of are known from the first sample on, too.
        for t, grey, bgr, _ in samples(path, how, 0.0, th.CHUNK_WARMUP_S):
            measurer.see(t, grey, bgr)
        measurer.restart()
    out: list[Measures] = []
    for t, grey, bgr, in_range in samples(path, how, start, end, warmup_s=th.CHUNK_WARMUP_S):
        if not in_range:
            measurer.see(t, grey, bgr)
            continue
        out.append(measurer.measure(t, grey, bgr))
        done[slot] = t - start
    return out


def analyse(
    path: str | os.PathLike[str],
    *,
    roster: Roster | None = None,
    reference: bytes | None = None,
    progress: ProgressFn | None = None,
    workers: int = 1,
) -> Report:
    """Analyse a classroom recording; see the module docstring.

    ``roster``: trainees expected in view, for the whole recording or per stretch of it
    (enables absent/overcrowded). ``reference``: a JPEG
    of the camera's proper view (else the first steady stretch of the recording is used).
    ``workers``: threads to measure with (2 on a 2-core machine halves the time).
    Raises ``NotAVideo`` for a file that is not a complete, decodable video.
    """
    started = time.perf_counter()
    info = probe(path)
    how = sampling(path)
    detector = detectors.get(th.DETECTOR)
    plan = _calibrate(path, how, info, detector)
    chunks = _chunks(info.duration_s)
    done = [0.0] * len(chunks)
    reported = -1.0

    def report(fraction: float) -> None:
        nonlocal reported
        due = fraction >= reported + th.PROGRESS_STEP or (fraction == 1.0 and reported < 1.0)
        if progress is not None and due:
            reported = fraction
            progress(fraction)

    report(0.0)
    with ThreadPoolExecutor(max(1, int(workers)), thread_name_prefix="proctoring") as pool:
        futures = [
            pool.submit(_measure_chunk, path, how, detector, plan, a, b, done, k)
            for k, (a, b) in enumerate(chunks)
        ]
        while True:  # report progress from this thread, as the workers advance
            finished, pending = wait(futures, timeout=0.02, return_when=FIRST_EXCEPTION)
            report(min(0.99, sum(done) / info.duration_s))
            if not pending or any(f.exception() for f in finished):
                break
        measures = [m for f in futures for m in f.result()]  # re-raises a worker's error
    measures.sort(key=lambda m: m.t)
    if not measures:
        raise NotAVideo(_l("The video stream cannot be decoded."))  # probe() decoded one: a changed file
    found, result_samples = _events(measures, info.duration_s, roster, reference)
    events = [_event(path, how, f, measures, info.duration_s) for f in found]
    report(1.0)
    return Report(
        duration_s=info.duration_s,
        wall_s=round(time.perf_counter() - started, 3),
        samples=result_samples,
        events=events,
        info=info,
        plan=plan,
        detector=detector.name,
    )


def _events(
    ms: list[Measures], duration_s: float, roster: Roster | None, reference: bytes | None
) -> tuple[list[ev.Found], list[Sample]]:
    tl = ev.Timeline([m.t for m in ms], duration_s)
    found, dark, covered, frozen = ev.picture(ms, tl)
    usable = ~(dark | covered)
    counts = stable_counts([m.boxes for m in ms], list(usable))
    trusted = usable & ~frozen
    moved_found, moved = ev.scene(ms, tl, trusted, ev.reference_view(reference, ms, trusted))
    loop_found, replayed = ev.looped(ms, tl, trusted)
    found += moved_found + loop_found
    found += _headcount(counts, tl, trusted & ~moved & ~replayed, _stretches(roster, duration_s))
    found.sort(key=lambda f: (tl.t[f.first], EVENT_KINDS.index(f.kind)))
    result = [Sample(t=round(m.t, 3), faces=int(c)) for m, c in zip(ms, counts, strict=True)]
    return found, result


def _headcount(
    counts: Sequence[int], tl: ev.Timeline, countable: np.ndarray, stretches: list[tuple[float, float, int]]
) -> list[ev.Found]:
    found = []
    for start, end, people in stretches:
        found += ev.headcount(counts, tl, countable & (tl.t >= start) & (tl.t < end), people)
    return found


def headcount_events(
    times: Sequence[float],
    counts: Sequence[int],
    untrusted: Sequence[tuple[float, float]],
    duration_s: float,
    roster: Roster,
) -> list[Event]:
    """Absent/overcrowded events from stored samples, for a roster that changed after the
    analysis (no video needed; no evidence frames)."""
    tl = ev.Timeline(list(times), duration_s)
    countable = np.array([not any(a <= t < b for a, b in untrusted) for t in times], bool)
    found = _headcount(counts, tl, countable, _stretches(roster, duration_s))
    found.sort(key=lambda f: (tl.t[f.first], EVENT_KINDS.index(f.kind)))
    return [
        Event(
            kind=f.kind,
            start_s=round(float(tl.t[f.first]), 3),
            end_s=round(tl.end(f.last), 3),
            confidence=round(f.confidence, 3),
            detail=f.detail,
        )
        for f in found
    ]


def _event(
    path: str | os.PathLike[str], how: Sampling, f: ev.Found, ms: list[Measures], duration_s: float
) -> Event:
    tl = ev.Timeline([m.t for m in ms], duration_s)
    image = frame_at(path, how, ms[f.evidence].t)
    return Event(
        kind=f.kind,
        start_s=round(float(tl.t[f.first]), 3),
        end_s=round(tl.end(f.last), 3),
        confidence=round(f.confidence, 3),
        evidence_jpeg=None if image is None else jpeg(image),
        detail=f.detail,
    )
